"""Drives capi-tests/tls_server.c: https and wss with real TLS peers (Python's ssl and
websockets, curl, openssl s_client), SNI among three vhosts on one port, plain text on
the TLS port, a peer that stops mid-handshake, a client certificate required."""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import _lwstest as t
from _tlspki import Pki

try:
    import websockets  # noqa: F401 (t.ws_exchange needs it)
except ImportError:
    t.fail("the Python websockets package is missing (pip install websockets)")

tmp = tempfile.mkdtemp(prefix="lws-tls-")
pki = Pki(tmp)
pki.leaf("a.test", algo="rsa")
pki.leaf("b.test", algo="ec")
pki.leaf("b2.test", algo="ec", san="b.test")
pki.leaf("c.test", algo="ed25519")
pki.leaf("cc.test")
pki.leaf("user", client=True)
os.makedirs(os.path.join(tmp, "www"))
with open(os.path.join(tmp, "www", "index.html"), "w") as f:
    f.write("hello over tls\n")

port, port_cc, port_stall = t.free_ports(3)
srv = t.start(sys.argv[1], tmp, port, port_cc, port_stall)
t.wait_line(srv, r"^listening$")


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        t.stop(srv, expect=srv.poll() if srv.poll() is not None else 0)
        sys.exit(1)


def ctx(cert=None):
    c = ssl.create_default_context(cafile=pki.ca)
    if cert:
        c.load_cert_chain(os.path.join(tmp, cert + ".pem"), os.path.join(tmp, cert + ".key"))
    return c


def tls_sock(name, p=port, cert=None):
    s = socket.create_connection(("127.0.0.1", p), timeout=15)
    return ctx(cert).wrap_socket(s, server_hostname=name)


def cn(der_subject):
    for rdn in der_subject:
        for k, v in rdn:
            if k == "commonName":
                return v


def wss_echo(name, p=port, cert=None):
    s = socket.create_connection(("127.0.0.1", p), timeout=15)
    big = "x" * 200
    got, got2 = t.ws_exchange(f"wss://{name}:{p}/", s, ["hello " + name, big],
                              subprotocols=["echo"], server_hostname=name, ssl=ctx(cert))
    return got, got2 == big


# SNI: each name gets its vhost's certificate.
for name in ("a.test", "b.test", "c.test"):
    with tls_sock(name) as s:
        check(cn(s.getpeercert()["subject"]) == name, f"SNI {name}: certificate CN={name}")
        alpn = s.selected_alpn_protocol()
print(f"alpn offered none: {alpn}")
c = ctx()
c.set_alpn_protocols(["h2", "http/1.1"])
with c.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="b.test") as s:
    check(s.selected_alpn_protocol() == "h2", "ALPN h2,http/1.1 -> h2 (lws's default list)")
c = ctx()
c.set_alpn_protocols(["http/1.1"])
with c.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="b.test") as s:
    check(s.selected_alpn_protocol() == "http/1.1", "ALPN http/1.1 -> http/1.1")

# wss echo (Python ssl + websockets).
for name in ("b.test", "c.test"):
    got, big_ok = wss_echo(name)
    check(got == "hello " + name and big_ok, f"wss echo on {name}")

# https GET of the mount with curl.
curl = shutil.which("curl") or t.fail("curl is missing (Debian package: curl)")
for name in ("a.test", "c.test"):
    r = subprocess.run([curl, "-sS", "--max-time", "20", "--cacert", pki.ca, "--resolve",
                        f"{name}:{port}:127.0.0.1", f"https://{name}:{port}/"],
                       capture_output=True, text=True)
    check(r.returncode == 0 and r.stdout == "hello over tls\n",
          f"curl https://{name}/ -> index.html ({r.returncode} {r.stderr.strip()})")

# openssl s_client: handshake verified; without SNI the first vhost answers.
for sni in (["-servername", "b.test"], ["-noservername"]):
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                        "-CAfile", pki.ca, *sni], input="", capture_output=True,
                       text=True, timeout=20)
    subj = [l for l in r.stdout.splitlines() if l.startswith("subject=")]
    code = [l.strip() for l in r.stdout.splitlines() if "Verify return code" in l]
    print(f"s_client {' '.join(sni)}: {subj[0] if subj else '?'}; {code[0] if code else '?'}")

# A message larger than the socket takes: buffered, WRITEABLE only once it is all out.
# A raw ws client with a small receive buffer that stops reading for a while.
raw = socket.socket()
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
raw.settimeout(10)
raw.connect(("127.0.0.1", port))
raw = ctx().wrap_socket(raw, server_hostname="b.test")
raw.sendall(b"GET / HTTP/1.1\r\nHost: b.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Protocol: echo\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    buf += raw.recv(4096)
buf = buf[buf.index(b"\r\n\r\n") + 4:]
raw.sendall(bytes([0x81, 0x83, 1, 2, 3, 4]) + bytes(c ^ k for c, k in zip(b"big", b"\x01\x02\x03\x04")))
time.sleep(1)


def need(n):
    global buf
    while len(buf) < n:
        d = raw.recv(65536)
        if not d:
            t.fail("connection closed during the big message")
        buf += d


def frame():
    global buf
    need(2)
    ln = buf[1] & 127
    off = 2
    if ln == 126:
        need(4)
        ln, off = int.from_bytes(buf[2:4], "big"), 4
    elif ln == 127:
        need(10)
        ln, off = int.from_bytes(buf[2:10], "big"), 10
    need(off + ln)
    op, data, buf = buf[0] & 15, buf[off:off + ln], buf[off + ln:]
    return op, data


op, m = frame()
op2, after = frame()
raw.close()
check(op == 2 and len(m) == 1024 * 1024 and m == b"b" * len(m) and after == b"done",
      "1 MiB message to a slow reader arrives whole, WRITEABLE came after it")

# Plain text on the TLS port: closed, the server keeps serving.
s = socket.create_connection(("127.0.0.1", port), timeout=15)
s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
data = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
except OSError:
    pass
s.close()
check(b"HTTP/" not in data, "plain text on the TLS port: no HTTP answer, closed"
      + (" after a TLS alert" if data[:1] == b"\x15" else ""))
got, _ = wss_echo("a.test")
check(got == "hello a.test", "server still serves after the plain-text peer")

# A peer that stops mid-handshake: closed by the timeout (timeout_secs 2, in the second
# context: the first one's 10 s keep slow peers of a loaded machine alive).
s = socket.create_connection(("127.0.0.1", port_stall), timeout=10)
s.sendall(b"\x16\x03\x01\x00\x80\x01\x00")   # the start of a ClientHello, then nothing
t0 = time.monotonic()
try:
    closed = False
    while s.recv(100):
        pass
    closed = True
except ConnectionResetError:
    closed = True
except socket.timeout:
    closed = False
el = time.monotonic() - t0
s.close()
check(closed and 1.0 <= el <= 8.0, f"stalled handshake closed by the timeout ({'%.0f' % el} s)")

# A client certificate required: missing -> refused; present -> served, CN seen.
try:
    got, _ = wss_echo("cc.test", port_cc)
    refused = False
except (ssl.SSLError, OSError, Exception) as e:  # noqa: BLE001 (any failure counts)
    refused = True
    print(f"client certificate missing: refused ({type(e).__name__})")
check(refused, "cc.test without a client certificate is refused")
got, _ = wss_echo("cc.test", port_cc, cert="user")
check(got == "hello cc.test", "cc.test with the client certificate: wss echo")

# Certificate reload without restart: new handshakes get b.test's new certificate.
with tls_sock("b.test") as s:
    before = s.getpeercert(binary_form=True)
got = t.ws_exchange(f"wss://b.test:{port}/", socket.create_connection(("127.0.0.1", port)),
                    ["reload"], subprotocols=["echo"], server_hostname="b.test", ssl=ctx())
check(got == ["reloaded"], "reload asked")
with tls_sock("b.test") as s:
    after = s.getpeercert(binary_form=True)
    check(after != before and cn(s.getpeercert()["subject"]) == "b2.test",
          "lws_tls_cert_updated: the next handshake gets the new certificate")

t.stop(srv)
shutil.rmtree(tmp, ignore_errors=True)
for line in iter(srv.lines.get, None):
    print("S " + line)
