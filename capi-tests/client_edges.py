"""Drives capi-tests/client_edges.c.

- A context destroyed from inside CLIENT_CONNECTION_ERROR (what lws's
  minimal-http-client-multi does when its last transaction ends) outlives the callback:
  lws_service returns nonzero from then on and the program's second
  lws_context_destroy frees it (it was freed under the running turn, a use after free
  valgrind reported).
- LCCSCF_PIPELINE transactions queued behind a first one that cannot connect fail with
  it (they waited forever).
- A self-signed certificate that is also a CA and names its host only in the subject's
  CN (lws's own test certificates are made so): accepted with LCCSCF_ALLOW_SELFSIGNED or
  when the client trusts that very certificate, as lws with OpenSSL does; refused
  without either; the CN is not used when the certificate has DNS subjectAltNames, and a
  host the CN does not name is refused.
"""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

import _lwstest as t

USE_SSL, SELFSIGNED = 1, 2
failures = 0


def check(ok, what):
    global failures
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    failures += not ok


def run(*args):
    r = subprocess.run(t.WRAP + [sys.argv[1], *map(str, args)], capture_output=True, text=True,
                       timeout=60)
    sys.stderr.write(r.stderr)
    return r.returncode, r.stdout.splitlines()


closed = t.free_port()  # nothing listens there

rc, out = run("destroy", closed)
for line in out:
    print("  " + line)
check(rc == 0 and out == ["CONNECTION_ERROR 1", "CONNECTION_ERROR 2", "CONNECTION_ERROR 3",
                          "destroying the context from the callback", "back in the callback",
                          "lws_service: -1, being destroyed: 1", "again: -1",
                          "failed 3 completed 0 of 3"],
      "context destroyed from a callback: service stops, the second destroy frees it")

rc, out = run("pipeline", closed)
check(rc == 0 and out == ["CONNECTION_ERROR %d" % i for i in range(1, 6)] +
      ["failed 5 completed 0 of 5"],
      "five pipelined GETs to a closed port: all five fail (%s)" % "; ".join(out[-1:]))

# TLS: certificates made here with the openssl CLI.
tmp = tempfile.mkdtemp(prefix="lws-edges-")


def cert(name, *extra):
    key, pem = os.path.join(tmp, name + ".key"), os.path.join(tmp, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                    "-keyout", key, "-out", pem, "-subj", "/O=edges/CN=localhost",
                    "-addext", "basicConstraints=critical,CA:TRUE", *extra],
                   check=True, capture_output=True)
    return pem, key


def serve(pem, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pem, key)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    ls.settimeout(30)

    def loop():
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            try:
                s = ctx.wrap_socket(c, server_side=True)
                s.settimeout(10)
                buf = b""
                while b"\r\n\r\n" not in buf:
                    d = s.recv(4096)
                    if not d:
                        break
                    buf += d
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
                s.close()
            except (OSError, ssl.SSLError):
                c.close()

    threading.Thread(target=loop, daemon=True).start()
    return ls, ls.getsockname()[1]


cn_only = cert("cn-only")
with_san = cert("with-san", "-addext", "subjectAltName=DNS:other.test")
ok_lines = ["ESTABLISHED_CLIENT_HTTP 200", "READ ok", "COMPLETED", "failed 0 completed 1 of 1"]
ls, port = serve(*cn_only)
cases = [
    ("ALLOW_SELFSIGNED, CN names the host", "localhost", USE_SSL | SELFSIGNED, None, True),
    ("the certificate itself trusted", "localhost", USE_SSL, cn_only[0], True),
    ("neither", "localhost", USE_SSL, None, False),
    ("ALLOW_SELFSIGNED, CN names another host", "elsewhere.test", USE_SSL | SELFSIGNED, None,
     False),
]
for what, host, flags, ca, good in cases:
    rc, out = run("tls", port, host, flags, *([ca] if ca else []))
    print("  %s: %s" % (what, " | ".join(out)))
    if good:
        check(rc == 0 and out == ok_lines, what + ": served")
    else:
        check(out[0].startswith("CONNECTION_ERROR") and out[-1] == "failed 1 completed 0 of 1",
              what + ": refused")
check(run("tls", port, "elsewhere.test", USE_SSL | SELFSIGNED)[1][0] ==
      "CONNECTION_ERROR (hostname)", "the wrong host is refused for its name")
ls.close()
ls, port = serve(*with_san)
rc, out = run("tls", port, "localhost", USE_SSL | SELFSIGNED)
check(out[:1] == ["CONNECTION_ERROR (hostname)"],
      "with a DNS subjectAltName the CN is not looked at: %s" % out[:1])
rc, out = run("tls", port, "other.test", USE_SSL | SELFSIGNED)
check(rc == 0 and out == ok_lines, "the subjectAltName's host is served")
ls.close()
shutil.rmtree(tmp, ignore_errors=True)
if failures:
    t.fail("%d check(s) failed" % failures)
