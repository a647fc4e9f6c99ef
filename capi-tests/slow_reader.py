"""slow_reader.c (timeout_secs 2): a peer with a 4 KiB receive window floods pings
without reading until the server stops reading (its unsent pongs are past the bound on
the library's own replies, which arms the stall timer), then reads 128 bytes every 10 ms
for 6 s, then the rest at full speed (~7 s in all).  While it reads slowly the kernel
moves the pongs a window at a time (every ~0.5 s) but reports the server's socket
writable only once a third of its send queue (~110 KB) has gone, every ~3 s: a stall
timer that only counted writable events closed this peer after ~1.7 s although it was
reading.  The connection must stay up, every pong must arrive, and a text sent
afterwards must be echoed."""
import socket
import sys
import time

import _lwstest as t
import _rawws
from _rawws import WS

BIN = sys.argv[1] if len(sys.argv) > 1 else t.capi("slow_reader")
TIMEOUT_SECS = 2
SLOW_SECS = 6


def tiny_window_ws(port):
    """A ws connection whose receive buffer is 4 KiB from the SYN on."""
    real = _rawws.socket.create_connection

    def connect(addr, timeout=None):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(timeout)
        s.connect(addr)
        return s

    _rawws.socket.create_connection = connect
    try:
        return WS(port, ["slow-reader"], timeout=10)
    finally:
        _rawws.socket.create_connection = real


def main():
    port = t.free_port()
    srv = t.start(BIN, str(port))
    t.wait_line(srv, r"listening")
    w = tiny_window_ws(port)
    t.wait_line(srv, r"established")
    ping = WS.frame(9, b"p" * 125)
    w.sock.settimeout(0.5)
    sent = 0
    # Pings until the server stops reading them (a send that times out).
    while sent < 100000:
        try:
            w.sock.sendall(ping * 100)
            sent += 100
        except socket.timeout:
            break
    print("pings sent without reading: %s" % ("more than 1000" if sent > 1000 else sent))
    print("pings sent: %d" % sent, file=sys.stderr)
    if sent <= 1000 or sent >= 100000:
        t.fail("the server did not stop reading pings (%d sent)" % sent)
    buf, pongs, closed = b"", 0, False

    def take(d):
        nonlocal buf, pongs, closed
        buf += d
        while len(buf) >= 2:
            n = buf[1] & 0x7F
            if len(buf) < 2 + n:
                break
            if buf[0] & 0x0F == 10:
                pongs += 1
            elif buf[0] & 0x0F == 8:
                closed = True
            buf = buf[2 + n:]

    w.sock.settimeout(3)
    t0 = time.monotonic()
    slow = 0
    while time.monotonic() - t0 < SLOW_SECS and not closed:
        try:
            d = w.sock.recv(128)
        except (socket.timeout, OSError):
            d = b""
        if not d:
            closed = True
            break
        slow += len(d)
        take(d)
        time.sleep(0.01)
    print("slow read: %d bytes in %.1f s%s" % (slow, time.monotonic() - t0, ", then closed" if closed else ""),
          file=sys.stderr)
    if closed:
        t.fail("the slow reader was closed after %.1f s (timeout_secs %d)" % (time.monotonic() - t0, TIMEOUT_SECS))
    print("read 128 bytes per 10 ms for %d x timeout_secs: still connected" % (SLOW_SECS // TIMEOUT_SECS))
    while pongs < sent and not closed:
        try:
            d = w.sock.recv(1 << 16)
        except (socket.timeout, OSError):
            d = b""
        if not d:
            closed = True
            break
        take(d)
    print("then at full speed: %d of %d pongs%s" % (pongs, sent, ", closed" if closed else ""), file=sys.stderr)
    if closed or pongs != sent:
        t.fail("%d of %d pongs arrived" % (pongs, sent))
    print("every pong arrived")
    w.sock.settimeout(5)
    w.buf = buf
    w.text("after")
    try:
        while True:
            op, data = w.recv_msg()
            if op == 1 and data == b"after":
                print("a message after the slow read is echoed")
                break
    except (socket.timeout, EOFError, OSError) as e:
        t.fail("no echo after the slow read (%s)" % type(e).__name__)
    w.close()
    t.stop(srv)


main()
