"""Drives ws_flow_echo: a flow-controlled echo must return every byte, in order, whatever
lies in one read, and never deliver input while rx is off."""
import sys

import _rawws
from _rawws import WS, check

binary = sys.argv[1]
for rx in ("262144", "0"):
    p, port = _rawws.start_server(binary, "--rx", rx)
    ws = WS(port, protocols=["flow"])
    print("rx_buffer_size %s: upgraded %d, protocol %s" % (rx, ws.status, ws.protocol))
    small = ["message %d" % i for i in range(300)]
    big = bytes((i * 7 + 3) & 0xff for i in range(300000))
    tail = ["tail %d" % i for i in range(50)]
    # All in one write: many messages per read, so most wait in the stash while rx is off.
    data = b"".join(WS.frame(1, s) for s in small)
    data += WS.frame(2, big)
    data += b"".join(WS.frame(1, s) for s in tail)
    ws.send_raw(data)
    got = [ws.recv_msg() for _ in range(len(small) + 1 + len(tail))]
    check([g for g in got[:300]] == [(1, s.encode()) for s in small], "small messages in order")
    check(got[300] == (2, big), "large message intact")
    check([g for g in got[301:]] == [(1, s.encode()) for s in tail], "tail messages in order")
    print("echoed: %d small, %d bytes, %d small after it, all in order"
          % (len(small), len(got[300][1]), len(tail)))
    ws.close()
    print("close:", ws.outcome())
    out, err, rc = _rawws.stop_server(p)
    for line in out.splitlines():
        if line.startswith(("established", "closed")) or line == "bye":
            print(line)
    print("exit", rc)
