"""Drives capi-tests/tls_client.c: our wss client against our own TLS server (echo, then
a resumed session) and against `openssl s_server` presenting expired, self-signed,
wrong-host and unknown-CA certificates: each refused with its reason, and allowed
through the TLS handshake by the one LCCSCF_* flag that waives it (s_server then answers
the upgrade with a plain page, which fails later, for another reason)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import _lwstest as t
from _tlspki import Pki, run

USE_SSL, SELFSIGNED, SKIP_HOST, EXPIRED, INSECURE = 1, 2, 4, 8, 16

tmp = tempfile.mkdtemp(prefix="lws-tlsc-")
pki = Pki(tmp)
pki.leaf("good.test")
pki.leaf("exp.test", days=-1)
pki.leaf("ss.test", self_signed=True)
other = Pki(os.path.join(tmp, "other"), ca_name="Other CA")
other.leaf("unk.test")
failures = 0


def client(port, host, flags, *server, count=1, env=None):
    r = subprocess.run(t.WRAP + [sys.argv[1], str(port), host, str(flags), pki.ca, str(count),
                                 *server], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, **(env or {})))
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        t.fail(f"tls_client exit {r.returncode}")
    return r.stdout.splitlines()


def check(ok, what):
    global failures
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    failures += not ok


# Our client against our own server: echo twice, the second session resumed.
port = t.free_port()
out = client(port, "good.test", USE_SSL, os.path.join(tmp, "good.test.pem"),
             os.path.join(tmp, "good.test.key"), count=2)
for line in out:
    print("  " + line)
check(out == ["ESTABLISHED is_ssl=1 reused=0 peer_cn=good.test", "RECEIVE hi",
              "ESTABLISHED is_ssl=1 reused=1 peer_cn=good.test", "RECEIVE hi", "echoed 2"],
      "own server: wss echo, then a resumed session")


def s_server(pem, key):
    port = t.free_port()
    p = subprocess.Popen(["openssl", "s_server", "-accept", str(port), "-cert", pem,
                          "-key", key, "-www", "-quiet"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.wait_port(port)
    return p, port


cases = [
    ("expired", "exp.test", pki.d, "exp.test", "tls=expired", EXPIRED),
    ("self-signed", "ss.test", pki.d, "ss.test", "self-signed", SELFSIGNED),
    ("wrong host", "good.test", pki.d, "other.test", "hostname mismatch", SKIP_HOST),
    ("unknown CA", "unk.test", other.d, "unk.test", "unknown issuer", INSECURE),
]
for what, name, d, host, reason, waiver in cases:
    srv, sport = s_server(os.path.join(d, name + ".pem"), os.path.join(d, name + ".key"))
    try:
        refused = client(sport, host, USE_SSL)
        allowed = client(sport, host, USE_SSL | waiver)
        if what == "unknown CA":
            # Trusted once its CA is added to the vhost's client side.
            der = os.path.join(tmp, "other-ca.der")
            run("x509", "-in", other.ca, "-outform", "DER", "-out", der)
            added = client(sport, host, USE_SSL, env={"EXTRA_CA_DER": der})
            print(f"unknown CA, added: {added[:2]}")
            check(added[0] == "lws_tls_client_vhost_extra_cert_mem: 0"
                  and "tls" not in added[1] and "cert" not in added[1],
                  "lws_tls_client_vhost_extra_cert_mem: the added CA is trusted")
    finally:
        srv.terminate()
        srv.wait()
    print(f"{what}: {refused[0]}")
    check(refused[0].startswith("CONNECTION_ERROR") and reason in refused[0],
          f"{what}: refused with \"{reason}\"")
    print(f"{what} + flag {waiver}: {allowed[0]}")
    check(allowed[0].startswith("CONNECTION_ERROR") and "tls" not in allowed[0]
          and "cert" not in allowed[0], f"{what}: the flag lets the handshake through")

shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failures else 0)
