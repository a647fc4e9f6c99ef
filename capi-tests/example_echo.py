"""examples-c/echo.c on our library: frame-level behaviour (RFC 6455) through a raw
client: lengths, fragmentation, control frames, close codes, malformed input closing
only the offending connection."""
import os
import struct
import threading

from _rawws import WS, check, start_server, stop_server

build = os.environ.get("LWS_BUILD", "build")
proc, port = start_server(os.path.join(build, "examples", "echo"), "-p", "0", "--utf8")

ws = WS(port, ["lws-echo"])
check(ws.status == 101 and ws.protocol == "lws-echo", "handshake selects lws-echo")
for n in (0, 1, 125, 126, 127, 65535, 65536, 200000):
    payload = bytes((i * 7) & 0xFF for i in range(n))
    ws.send(2, payload)
    op, back = ws.recv_msg()
    check(op == 2 and back == payload, "binary echo of %d bytes" % n)
ws.text("héllo wörld")
check(ws.recv_text() == "héllo wörld", "utf-8 text echo")

# a message in three fragments with a ping between them
ws.send(1, "frag-a", fin=False)
ws.send(9, "pi")
ws.send(0, "frag-b", fin=False)
ws.send(0, "frag-c")
got, pong = b"", None
while True:
    fin, op, data = ws.recv()
    if op == 10:
        pong = data
        continue
    got += data
    if fin:
        break
if pong is None:
    fin, op, pong = ws.recv()
check(got == b"frag-afrag-bfrag-c", "fragmented message reassembles")
check(pong == b"pi", "ping between fragments answered with its payload")

# one-byte fragments ending inside code points: the echo holds rx flow control between
# them, so this checks that input held back is never overtaken by newer input
msg = "κόσμε".encode()
ws.send_raw(b"".join(WS.frame(1 if i == 0 else 0, msg[i:i + 1], fin=(i == len(msg) - 1))
                     for i in range(len(msg))))
check(ws.recv_text() == "κόσμε", "text in 1-byte fragments split inside code points")

# header and payload split across many tiny writes
frame = WS.frame(1, "split across writes" * 20)
ws.send_raw(frame, chunk=3, delay=0.001)
check(ws.recv_text() == "split across writes" * 20, "frame split into 3-byte writes")

# two frames in one write
ws.send_raw(WS.frame(1, "one") + WS.frame(1, "two"))
check(ws.recv_text() == "one" and ws.recv_text() == "two", "two frames in one write")

ws.close(1000, b"bye")
code, reason = ws.expect_close()
check(code == 1000, "close 1000 is echoed (got %s %r)" % (code, reason))
check(ws.eof(), "server closes TCP after the close handshake")

cases = [
    ("RSV bit without extension", lambda w: w.send(1, "x", rsv=4), 1002),
    ("reserved opcode 3", lambda w: w.send(3, "x"), 1002),
    ("reserved control opcode 11", lambda w: w.send(11, "x"), 1002),
    ("unmasked client frame", lambda w: w.send(1, "x", mask=False), 1002),
    ("continuation without a message", lambda w: w.send(0, "x"), 1002),
    ("new message inside a fragmented one", lambda w: (w.send(1, "a", fin=False), w.send(1, "b")), 1002),
    ("ping longer than 125", lambda w: w.send(9, b"p" * 126), 1002),
    ("fragmented ping", lambda w: w.send(9, "p", fin=False), 1002),
    ("invalid utf-8 text", lambda w: w.send(1, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xed\xa0\x80edited"), 1007),
    ("invalid utf-8 across fragments", lambda w: (w.send(1, b"ok\xf4", fin=False), w.send(0, b"\x90\x80\x80")), 1007),
    ("close with 1-byte payload", lambda w: w.send(8, b"\x03"), 1002),
    ("close with code 1005", lambda w: w.close(1005), 1002),
    ("close with code 999", lambda w: w.close(999), 1002),
    ("close with bad utf-8 reason", lambda w: w.close(1000, b"\xff"), 1007),
]
for name, act, want in cases:
    w = WS(port, ["lws-echo"])
    act(w)
    code, _ = w.expect_close()
    check(code == want, "%s -> close %s" % (name, want))
    check(w.eof(), "%s -> TCP closed" % name)

# the bad peers above did not disturb a connection that stayed open
ws2 = WS(port, ["lws-echo"])
ws2.text("still fine")
check(ws2.recv_text() == "still fine", "server still serves after bad peers")

# a request that is not an upgrade, and a broken upgrade
import socket
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")
resp = s.recv(4096)
check(resp.startswith(b"HTTP/1.1 400"), "upgrade without a key gets 400")
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"\x16\x03\x01garbage\r\n\r\n")
resp = s.recv(4096)
check(resp.startswith(b"HTTP/1.1 400"), "garbage request gets 400")
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n")
resp = s.recv(4096)
check(resp.startswith(b"HTTP/1.1 431"), "oversize request head gets 431")
w = WS(port, ["no-such-protocol"])
check(w.status != 101, "unknown subprotocol is refused (status %d)" % w.status)
w = WS(port)
check(w.status == 101 and w.protocol is None, "no subprotocol asked binds the first protocol")
w.text("first")
check(w.recv_text() == "first", "... which echoes")

# many clients at once
errors = []
def client(i):
    try:
        c = WS(port, ["lws-echo"])
        for j in range(20):
            m = "c%d-m%d" % (i, j)
            c.text(m)
            if c.recv_text() != m:
                errors.append(i)
        c.close()
        c.expect_close()
    except Exception as e:  # noqa
        errors.append((i, repr(e)))
ts = [threading.Thread(target=client, args=(i,)) for i in range(50)]
[t.start() for t in ts]
[t.join() for t in ts]
check(not errors, "50 concurrent clients x 20 messages (%s)" % errors[:3])

out, err, rc = stop_server(proc)
check(rc == 0 and "bye" in out, "server exits cleanly on SIGINT (rc %s)" % rc)
