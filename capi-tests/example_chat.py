"""examples-c/chat.c on our library: every message reaches every client (the ring buffer
with one tail per session, lws_callback_on_writable_all_protocol_vhost), in order, also
for clients that come and go."""
import os
import socket

from _rawws import WS, check, start_server, stop_server

build = os.environ.get("LWS_BUILD", "build")
proc, port = start_server(os.path.join(build, "examples", "chat"), "-p", "0")

a, b, c = WS(port, ["lws-chat"]), WS(port, ["lws-chat"]), WS(port, ["lws-chat"])
check(a.protocol == b.protocol == c.protocol == "lws-chat", "three clients join")
a.text("hello from a")
check([w.recv_text() for w in (a, b, c)] == ["hello from a"] * 3, "a's message reaches all three")
for i in range(20):
    (a, b, c)[i % 3].text("msg %d" % i)
got = [[w.recv_text() for _ in range(20)] for w in (a, b, c)]
per_sender_ok = all([m for m in got[0] if int(m.split()[1]) % 3 == k] ==
                    ["msg %d" % i for i in range(20) if i % 3 == k] for k in range(3))
check(got[0] == got[1] == got[2] and sorted(got[0]) == sorted("msg %d" % i for i in range(20))
      and per_sender_ok, "20 messages from all three reach each, in one order that keeps "
      "each sender's order")
b.close(1000)
b.expect_close()
check(b.eof(), "b leaves")
a.text("after b left")
check(a.recv_text() == "after b left" and c.recv_text() == "after b left", "the others still chat")
d = WS(port, ["lws-chat"])
c.text("welcome d")
check(all(w.recv_text() == "welcome d" for w in (a, c, d)), "a newcomer gets new messages")
big = "x" * 3000
d.text(big)
check(all(w.recv_text() == big for w in (a, c, d)), "a 3000-byte message is broadcast whole")

# A session that falls behind, then leaves: the messages only it still needed must be
# freed from the ring (64 slots), or the ring fills and every later message is dropped.
e = WS(port, ["lws-chat"])
e.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
payload = "y" * (128 * 1024)
for i in range(48):
    # e reads nothing: once its socket and the server's are full (a few MiB at most),
    # the server's WRITEABLEs for it stop and its tail stays behind in the ring
    d.text("%d %s" % (i, payload))
    check_quiet = all(w.recv_text() == "%d %s" % (i, payload) for w in (a, c, d))
    if not check_quiet:
        break
check(check_quiet, "48 messages of 128 KiB reach the readers while e reads none")
e.sock.close()
lost = None
for w in (a, c, d):
    w.sock.settimeout(3)
for i in range(100):
    a.text("after e %d" % i)
    try:
        if not all(w.recv_text() == "after e %d" % i for w in (a, c, d)):
            lost = i
    except socket.timeout:
        lost = i
    if lost is not None:
        break
check(lost is None, "after the lagging e left, 100 more messages reach everyone" +
      ("" if lost is None else " (lost from message %d on)" % lost))
out, err, rc = stop_server(proc)
check(rc == 0 and "bye" in out, "server exits cleanly (rc %s)" % rc)
