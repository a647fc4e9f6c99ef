"""Drives capi-tests/ws_server.c: connections to its three protocols, each command of
the "alpha" protocol, every way a connection ends, and context destruction with
connections still open.  Prints the client's side, then the server's transcript."""
# lws-diff: ours-only `^S (http|beta) PROTOCOL_(INIT|DESTROY)$`: lws 4.3 initialises only the protocols named by a vhost's pvo list when it has one (vhost.c lws_protocol_init_vhost: `if (pvo || !vh->pvo)`); 4.1.6 initialises them all
import sys
import time

from _rawws import WS, check, start_server, stop_server

proc, port = start_server(sys.argv[1])


def settle():
    time.sleep(0.15)


c1 = WS(port, ["nope", "alpha"], path="/chat/room?id=7", extra=b"Origin: http://example.test\r\n")
check(c1.status == 101 and c1.protocol == "alpha", "c1: first known of [nope, alpha] is chosen")
c1.text("hello")
check(c1.recv_text() == "hello", "c1: echo")
c1.send(2, bytes(range(40)))
check(c1.recv_text() == "got 40", "c1: 40-byte binary arrives in rx_buffer_size chunks")
c1.send(2, b"ab", fin=False)
c1.send(0, b"cd", fin=False)
c1.send(0, b"ef")
check(c1.recv_text() == "got 6", "c1: fragmented binary message")
c1.send(9, b"p1")
fin, op, data = c1.recv()
check(op == 10 and data == b"p1", "c1: ping answered by pong with its payload")
c1.send(10, b"u1")
c1.text("info")
check(c1.recv_text() == "peer=127.0.0.1 fd_ok=1 allowance=-1 proto=alpha vhost=default "
      "greeting=hi ctxuser=ctx-user choked=0 partial=0", "c1: info")
c1.text("timer")
check(c1.recv_text() == "timer fired", "c1: lws_set_timer_usecs -> LWS_CALLBACK_TIMER")
c1.text("sulcancel")
check(c1.recv_text() == "sul cancelled", "c1: lws_sul_cancel")
c1.text("sul")
check(c1.recv_text() == "sul fired", "c1: lws_sul_schedule fires once")

c1.text("opaque")
check(c1.recv_text() == "opaque=1", "c1: lws_set/get_opaque_user_data")
c1.text("flow")
c1.text("m1")
c1.text("m2")
check(c1.recv_text() == "m1 m2", "c1: input held by rx flow control arrives once allowed")

c2 = WS(port, ["beta"])
check(c2.protocol == "beta", "c2: beta")
c2.text("to beta")
check(c2.recv_text() == "to beta", "c2: beta echoes with lws_write from RECEIVE")
c3 = WS(port)
check(c3.status == 101 and c3.protocol is None, "c3: no protocol asked binds protocols[0]")
c3.text("to http")
settle()

c4 = WS(port, ["alpha"])
c1.text("bcast")
check(c1.recv_text() == "bcast to 1", "c1: on_writable_all_protocol_vhost reaches c1")
check(c4.recv_text() == "bcast to 2", "c4: ... and c4")
c4.text("bcast-all")
check(c1.recv_text() == "bcast to 1", "c1: on_writable_all_protocol reaches c1")
check(c4.recv_text() == "bcast to 2", "c4: ... and c4")
c1.text("args")
check(c1.recv_text() == "args done", "c1: callback_all_protocol_vhost_args")
c1.text("protocols")
check(c1.recv_text() == "protocols done", "c1: callback_vhost_protocols(_vhost)")
c1.text("cancel")
check(c1.recv_text() == "sul fired" and c4.recv_text() == "sul fired",
      "lws_cancel_service from a thread -> EVENT_WAIT_CANCELLED")

c1.text("close 4001 bye")
code, reason = c1.expect_close()
check((code, reason) == (4001, "bye"), "c1: lws_close_reason + return -1 sends its close")
c1.close(4001)
check(c1.eof(), "c1: closed after the close handshake")
settle()

c4.text("drop")
check(c4.eof(), "c4: return -1 without a reason closes at once")
settle()

c5 = WS(port, ["alpha"])
c5.close(1001, b"away")
code, reason = c5.expect_close()
check((code, reason) == (1001, "away"), "c5: peer close is echoed")
check(c5.eof(), "c5: TCP closed")
settle()

c6 = WS(port, ["alpha"])
c6.text("setuser")
check(c6.recv_text() == "user replaced", "c6: lws_set_wsi_user replaces the session data")
c6.text("kill")
check(c6.eof(), "c6: LWS_TO_KILL_ASYNC closes it")
settle()

c7 = WS(port, ["alpha"])
c7.text("denynext")
check(c7.recv_text() == "ok", "c7: deny the next connection")
try:
    c8 = WS(port, ["alpha"])
    refused = "HTTP %d" % c8.status
except EOFError:
    refused = "closed without a response"
check(refused != "HTTP 101", "c8: FILTER_PROTOCOL_CONNECTION returning 1 refuses it")
print("     c8: refused: %s" % refused)
settle()

c7.text("quit")
proc.wait(timeout=20)
rest = proc.stdout.read().decode()
check(proc.returncode == 0, "server exits 0 after destroying its context")
print("--- server transcript ---")
print(proc.preamble + rest, end="")
