"""Drives capi-tests/tls_verify.c: the OPENSSL_LOAD_EXTRA_* and OPENSSL_PERFORM_*
callbacks on a TLS server that requires client certificates and on a wss client whose
trust comes from its LOAD_EXTRA_CLIENT_VERIFY_CERTS; each side's program refuses one
peer.  The server runs for all four client runs; each process's transcript is printed
whole, the clients' first."""
import os
import shutil
import subprocess
import sys
import tempfile

import _lwstest as t
from _tlspki import Pki, run

tmp = tempfile.mkdtemp(prefix="lws-tlsv-")
pki = Pki(tmp)
pki.leaf("srv.test")
pki.leaf("user", client=True)
pki.leaf("bad-user", client=True)
run("x509", "-in", pki.ca, "-outform", "DER", "-out", os.path.join(tmp, "ca.der"))

port = t.free_port()
srv = t.start(sys.argv[1], "server", tmp, str(port))
early = []
while not early or early[-1] != "listening":
    line = srv.lines.get(timeout=20)
    if line is None:
        t.fail("the server ended before listening")
    early.append(line)

for mode in ("ok", "pin", "baduser", "wronghost"):
    r = subprocess.run(t.WRAP + [sys.argv[1], "client", tmp, str(port), mode],
                       capture_output=True, text=True, timeout=60)
    sys.stderr.write(r.stderr)
    print(f"== client {mode} (exit {r.returncode})")
    sys.stdout.write(r.stdout)

t.stop(srv)
print("== server")
for line in early + list(iter(srv.lines.get, None)):
    print(line)
shutil.rmtree(tmp, ignore_errors=True)
