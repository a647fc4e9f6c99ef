"""Limits on by default (examples-c/echo on our library): a message whose frame headers
announce more than 256 MiB is refused with close 1009 before any of it is read, and
other connections carry on."""
# lws-diff: ours-only: lws has no message size limit (it never sends 1009); this one is ours
import os

from _rawws import WS, check, start_server, stop_server

proc, port = start_server(os.path.join(os.environ.get("LWS_BUILD", "build"), "examples", "echo"), "-p", "0")
ok = WS(port, ["lws-echo"])
w = WS(port, ["lws-echo"], timeout=3)
w.send_raw(WS.frame(2, b"abcd", length=300 << 20))
code, reason = w.expect_close()
check(code == 1009, "a single frame announcing 300 MiB -> close 1009 (%s)" % reason)
check(w.eof(), "... and TCP closed")
w = WS(port, ["lws-echo"], timeout=3)
w.send(2, b"x" * 1000, fin=False)
w.send_raw(WS.frame(0, b"abcd", length=(256 << 20)))
code, reason = w.expect_close()
check(code == 1009, "fragments adding up to more than 256 MiB -> close 1009")
ok.text("still here")
check(ok.recv_text() == "still here", "the other connection is not disturbed")
out, err, rc = stop_server(proc)
check(rc == 0, "server exits cleanly")
