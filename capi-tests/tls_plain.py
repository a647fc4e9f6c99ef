"""Drives capi-tests/tls_plain.c: plain text sent to TLS vhosts configured with
LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT, REDIRECT_HTTP_TO_HTTPS and
ALLOW_HTTP_ON_HTTPS_LISTENER (closed, redirected to https, or served), and TLS on the
same ports still working."""
import os
import shutil
import socket
import ssl
import sys
import tempfile

import _lwstest as t
from _tlspki import Pki

try:
    import websockets  # noqa: F401 (t.ws_exchange needs it)
except ImportError:
    t.fail("the Python websockets package is missing (pip install websockets)")

tmp = tempfile.mkdtemp(prefix="lws-tlsplain-")
pki = Pki(tmp)
pki.leaf("a.test")
os.makedirs(os.path.join(tmp, "www", "sub"))
with open(os.path.join(tmp, "www", "index.html"), "w") as f:
    f.write("hello\n")
with open(os.path.join(tmp, "www", "sub", "page.html"), "w") as f:
    f.write("page\n")

names = ["strict", "redirect", "http", "nopeek"]
ports = dict(zip(names, t.free_ports(len(names))))
srv = t.start(sys.argv[1], tmp, *[str(ports[n]) for n in names])
t.wait_line(srv, r"^listening$")
failed = False


def check(ok, what):
    global failed
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    failed |= not ok


def answers(port, data, n=1):
    """Sends `data` in clear text; returns the first n answers' (status line, location)
    and whether the server closed the connection after them."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    buf, out, closed = b"", [], False
    try:
        while len(out) < n:
            while b"\r\n\r\n" not in buf:
                d = s.recv(4096)
                if not d:
                    raise EOFError
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            hdr = {k.strip().lower(): v.strip() for k, _, v in
                   (ln.partition(":") for ln in lines[1:])}
            ln = int(hdr.get("content-length", "0"))
            while len(buf) < ln:
                d = s.recv(4096)
                if not d:
                    raise EOFError
                buf += d
            out.append((lines[0], hdr.get("location"), buf[:ln].decode("latin-1")))
            buf = buf[ln:]
        s.settimeout(2)
        closed = s.recv(100) == b""
    except (EOFError, ConnectionResetError):
        # A reset is a close too: the server closed with our bytes unread.
        closed = True
    except socket.timeout:
        closed = False
    s.close()
    return out, closed


def get(path, port, host="a.test", extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode()


UPGRADE = ("Upgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: echo\r\n")


def tls_ctx():
    return ssl.create_default_context(cafile=pki.ca)


def https_get(port, path="/"):
    s = tls_ctx().wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5),
                              server_hostname="a.test")
    s.sendall(get(path, port, extra="Connection: close\r\n"))
    buf = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    s.close()
    return buf.split(b"\r\n", 1)[0].decode(), buf.split(b"\r\n\r\n", 1)[-1].decode()


def ws_echo(port, tls):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    url = f"{'wss' if tls else 'ws'}://a.test:{port}/"
    kw = {"ssl": tls_ctx(), "server_hostname": "a.test"} if tls else {}
    return t.ws_exchange(url, s, ["hi"], subprotocols=["echo"], timeout=5, **kw)[0]


for n in names:
    p = ports[n]
    print(f"== {n}")
    # TLS works on every one of them.
    st, body = https_get(p)
    check(st == "HTTP/1.1 200 OK" and body == "hello\n", f"{n}: https GET / -> {st}")
    check(ws_echo(p, True) == "hi", f"{n}: wss echo")

    out, closed = answers(p, get("/sub/page.html?x=1&y=a%20b", p))
    if n in ("strict", "nopeek"):
        check(not out and closed, f"{n}: plain GET: closed without an answer")
        out, closed = answers(p, get("/", p, extra=UPGRADE))
        check(not out and closed, f"{n}: plain ws upgrade: closed without an answer")
        continue
    if n == "redirect":
        st, loc, _ = out[0]
        check(st == "HTTP/1.1 301 Redirect"
              and loc == f"https://a.test:{p}/sub/page.html?x=1&y=a%20b",
              f"{n}: plain GET -> {st}, Location {loc}")
        # Keep-alive: the next request on the connection is redirected too.
        out, closed = answers(p, get("/", p) + get("/sub/", p), 2)
        check([o[1] for o in out] == [f"https://a.test:{p}/", f"https://a.test:{p}/sub/"]
              and not closed, f"{n}: two requests on one plain connection, both redirected")
        # A ws upgrade in clear text is redirected as well, never upgraded.
        out, closed = answers(p, get("/", p, extra=UPGRADE))
        check(len(out) == 1 and out[0][0] == "HTTP/1.1 301 Redirect" and closed,
              f"{n}: plain ws upgrade -> {out[0][0] if out else None}, then closed")
        # No Host: nothing to redirect to, closed (as lws).
        out, closed = answers(p, b"GET / HTTP/1.1\r\n\r\n")
        check(not out and closed, f"{n}: plain GET without Host: closed")
        # A path that decodes to CR LF cannot inject a header.
        out, _ = answers(p, get("/x%0d%0aSet-Cookie:%20a=b", p))
        check(len(out) == 1 and out[0][1] == f"https://a.test:{p}/x%0D%0ASet-Cookie:%20a=b",
              f"{n}: decoded CR LF in the path is re-encoded in Location: {out[0][1] if out else None}")
    if n == "http":
        st, loc, body = out[0]
        check(st == "HTTP/1.1 200 OK" and body == "page\n", f"{n}: plain GET served: {st}")
        check(ws_echo(p, False) == "hi", f"{n}: plain ws echo")
        # A first byte that is neither TLS nor printable goes to TLS, which fails.
        out, closed = answers(p, b"\x01\x02\x03\r\n\r\n")
        check(not out and closed, f"{n}: unprintable non-TLS first byte: closed")

t.stop(srv)
shutil.rmtree(tmp, ignore_errors=True)
for line in iter(srv.lines.get, None):
    print("S " + line)
if failed:
    sys.exit(1)
