"""Drives capi-tests/tls_adopt.c: sockets the program accepts itself, adopted onto a TLS
vhost (served over TLS from the first byte; plain text gets no HTTP answer) and onto a
vhost without a certificate (LWS_ADOPT_ALLOW_SSL ignored: clear text)."""
import os
import shutil
import socket
import ssl
import sys
import tempfile

import _lwstest as t
from _tlspki import Pki

tmp = tempfile.mkdtemp(prefix="lws-tlsadopt-")
pki = Pki(tmp)
pki.leaf("a.test")
os.makedirs(os.path.join(tmp, "www"))
with open(os.path.join(tmp, "www", "index.html"), "w") as f:
    f.write("hello\n")

srv = t.start(sys.argv[1], tmp)
port = int(t.wait_line(srv, r"^port (\d+)$").group(1))
failed = False


def check(ok, what):
    global failed
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    failed |= not ok


def read_all(s):
    buf = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            if b"hello\n" in buf:
                break
    except (OSError, ssl.SSLError):
        pass
    return buf


REQ = b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"
ctx = ssl.create_default_context(cafile=pki.ca)

# 1st connection: the TLS vhost, over TLS
with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
    with ctx.wrap_socket(raw, server_hostname="a.test") as s:
        s.sendall(REQ)
        ans = read_all(s)
check(ans.startswith(b"HTTP/1.1 200") and ans.endswith(b"hello\n"),
      "TLS vhost: adopted socket answers over TLS")

# 2nd: the plain vhost (ALLOW_SSL ignored without a certificate), clear text
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(REQ)
    ans = read_all(s)
check(ans.startswith(b"HTTP/1.1 200") and ans.endswith(b"hello\n"),
      "vhost without certificate: adopted socket answers in clear text")

# 3rd: the TLS vhost again, spoken to in clear text: never a plain HTTP answer
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(REQ)
    ans = read_all(s)
check(b"HTTP/1." not in ans and b"hello" not in ans,
      "TLS vhost: clear text gets no HTTP answer")

t.stop(srv)
shutil.rmtree(tmp, ignore_errors=True)
for line in iter(srv.lines.get, None):
    print("S " + line)
sys.exit(1 if failed else 0)
