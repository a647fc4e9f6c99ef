"""own_bound.c: pongs interleaved with echoes in the unsent output of a peer that does
not read.  The server echoes from RECEIVE, so its unsent output alternates between a
pong (the library's own reply) and an echo (the program's write); once more than the
bound's number of separate pong ranges wait, reading stops.  Then the peer reads
everything, and a message sent after must be echoed at once: reading resumed."""
import socket
import sys
import time

import _lwstest as t
from _rawws import WS

BIN = sys.argv[1] if len(sys.argv) > 1 else t.capi("own_bound")


def main():
    port = t.free_port()
    srv = t.start(BIN, str(port))
    t.wait_line(srv, r"listening")
    w = WS(port, ["own-bound"], timeout=10)
    # Fill the socket buffers with one large echo (16 MiB: more than they hold, less
    # than the 32 MiB bound on all output), so what follows waits in the server.
    w.send(2, b"B" * (16 << 20))
    pairs = WS.frame(9, b"p") + WS.frame(1, b"x")
    w.sock.settimeout(0.5)
    sent = 0
    end = time.time() + 5
    while time.time() < end and sent < 4000:
        try:
            w.sock.sendall(pairs * 100)
            sent += 100
        except socket.timeout:
            break
    print("sent ping/text pairs without reading: %s" % ("more than 1024" if sent > 1024 else sent))
    # Now read everything the server had for us, and count its frames.
    data = b""
    w.sock.settimeout(2)
    try:
        while True:
            d = w.sock.recv(1 << 20)
            if not d:
                break
            data += d
    except socket.timeout:
        pass
    counts, big, i = {}, 0, 0
    while i + 2 <= len(data):
        op, n, h = data[i] & 0x0F, data[i + 1] & 0x7F, 2
        if n == 126:
            n, h = int.from_bytes(data[i + 2:i + 4], "big"), 4
        elif n == 127:
            n, h = int.from_bytes(data[i + 2:i + 10], "big"), 10
        if op == 2:
            big += n
        else:
            counts[op] = counts.get(op, 0) + 1
        i += h + n
    print("read back: the large echo %s, a pong and an echo for %s" % (
        "whole" if big == 16 << 20 else "cut (%d)" % big,
        "every pair" if counts.get(10) == sent and counts.get(1) == sent else
        "%s of the pairs" % counts))
    if big != 16 << 20 or counts.get(10) != sent or counts.get(1) != sent:
        t.fail("answers missing: reading did not resume")
    # Whatever is left of the pairs has been read by now; a new message must be echoed.
    w.buf = b""
    w.sock.settimeout(5)
    w.text("after")
    try:
        while True:
            op, data = w.recv_msg()
            if op == 1 and data == b"after":
                print("a message after the drain is echoed")
                break
    except (socket.timeout, EOFError, OSError) as e:
        t.fail("no echo after the drain: reading did not resume (%s)" % type(e).__name__)
    w.close()
    t.stop(srv)


main()
