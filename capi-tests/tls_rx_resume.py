"""Drives capi-tests/tls_rx_resume.c (a wss server and client in one program, run turn by
turn): makes the certificates it needs, runs it, passes its transcript on."""
import shutil
import subprocess
import sys
import tempfile

import _lwstest as t
from _tlspki import Pki

tmp = tempfile.mkdtemp(prefix="lws-tlsrx-")
try:
    pki = Pki(tmp)
    pki.leaf("a.test")
    r = subprocess.run(t.WRAP + [sys.argv[1], tmp], capture_output=True, text=True,
                       timeout=90)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.stdout.write(r.stdout)
sys.stderr.write(r.stderr)
sys.exit(0 if r.returncode == 0 else 1)
