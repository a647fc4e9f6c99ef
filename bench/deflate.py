#!/usr/bin/env python3
"""The compressed-echo row of the benchmark: examples-c/echo --deflate (permessage-deflate
listed the way lws programs list it), ours against the original, with text-like payloads
(JSON records of words, each message different) echoed one at a time by a Python
`websockets` client, which compresses its side.

Reported per payload size, for each library, with and without the extension:
  - server CPU per echoed message (user + system ticks of the server from /proc/PID/stat
    over the run, divided by the messages echoed; the client is Python, so rates here
    measure it, not the server, and are not reported as figures);
  - the compression ratio of the server's output: bytes the client received on the TCP
    connection (tcp_info's tcpi_bytes_received: frames with their headers) over the
    payload bytes echoed.

  python3 bench/deflate.py [--secs S] [--no-build]   (make bench-deflate; also part of
                                                        make bench, into bench/results.md)
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

SIZES = [512, 4096, 65536]
WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda lorem ipsum dolor "
         "sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "
         "et dolore magna aliqua user message channel status online offline").split()


def text_payload(rnd, size, seq):
    out = []
    n = 0
    while n < size:
        rec = json.dumps({"id": seq * 1000 + len(out), "user": rnd.choice(WORDS),
                          "status": rnd.choice(("online", "away", "offline")),
                          "text": " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 12)))})
        out.append(rec)
        n += len(rec) + 1
    return ("[" + ",".join(out) + "]")[:size]


def ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    fields = st[st.rfind(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def received(sock):
    """Bytes the peer sent on this TCP connection (tcp_info's tcpi_bytes_received)."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
    return struct.unpack_from("Q", info, 128)[0]


def one(lib, size, deflate, secs):
    from websockets.sync.client import connect
    tag = "deflate-%s-%d" % ("on" if deflate else "off", size)
    srv = bench.Server(lib, tag, extra=["--deflate"])
    rnd = random.Random(size)
    msgs = [text_payload(rnd, size, i) for i in range(200)]
    try:
        with connect("ws://127.0.0.1:%d/" % srv.port, subprotocols=["lws-echo"], max_size=None,
                     compression="deflate" if deflate else None, open_timeout=30) as c:
            negotiated = bool(c.protocol.extensions)
            for m in msgs[:20]:
                c.send(m)
                assert c.recv(timeout=30) == m
            t0, w0, k0 = time.time(), received(c.socket), ticks(srv.pid)
            n = payload = 0
            while time.time() - t0 < secs:
                m = msgs[n % len(msgs)]
                c.send(m)
                if c.recv(timeout=30) != m:
                    raise AssertionError("echo differs")
                n += 1
                payload += len(m.encode())
            k1, w1 = ticks(srv.pid), received(c.socket)
    finally:
        problems = srv.stop()
    if problems:
        bench.PROBLEMS.append((tag, lib, problems, ""))
    hz = os.sysconf("SC_CLK_TCK")
    return {"lib": lib, "size": size, "deflate": deflate, "negotiated": negotiated, "msgs": n,
            "cpu_us_per_msg": (k1 - k0) / hz * 1e6 / max(n, 1),
            "wire_ratio": (w1 - w0) / max(payload, 1)}


def rows(secs):
    res = []
    for size in SIZES:
        for deflate in (False, True):
            for lib in bench.LIBS:
                r = one(lib, size, deflate, secs)
                bench.log("   %-8s %6d B deflate %-3s: %6d msgs, %7.1f us CPU/msg, wire/payload %.3f%s" % (
                    bench.NAMES[lib], size, "on" if deflate else "off", r["msgs"], r["cpu_us_per_msg"],
                    r["wire_ratio"], "" if r["negotiated"] == deflate else "  (NOT negotiated)"))
                res.append(r)
    return res


def table(res):
    """Markdown: one line per size, ours | original for CPU (plain, compressed) and ratio."""
    def get(lib, size, d):
        return next(r for r in res if r["lib"] == lib and r["size"] == size and r["deflate"] == d)
    lines = ["| text payload | server CPU/msg plain (ours / orig) | server CPU/msg compressed (ours / orig) "
             "| compressed CPU ratio ours/orig | output/payload compressed (ours / orig) |",
             "|---|---|---|---|---|"]
    for s in SIZES:
        po, pg = get("ours", s, False), get("orig", s, False)
        do, dg = get("ours", s, True), get("orig", s, True)
        lines.append("| %s | %.1f / %.1f µs | %.1f / %.1f µs | %.2fx | %.3f / %.3f |" % (
            bench.human_size(s), po["cpu_us_per_msg"], pg["cpu_us_per_msg"], do["cpu_us_per_msg"],
            dg["cpu_us_per_msg"], do["cpu_us_per_msg"] / max(dg["cpu_us_per_msg"], 1e-9),
            do["wire_ratio"], dg["wire_ratio"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secs", type=float, default=3.0)
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    if not a.no_build:
        bench.build()
    bench.log("compressed echo (permessage-deflate), %.1f s per run:" % a.secs)
    res = rows(a.secs)
    md = table(res)
    bench.log("\n" + md)
    with open(os.path.join(bench.OUT, "deflate.json"), "w") as f:
        json.dump(res, f, indent=1)
    bad = [r for r in res if r["negotiated"] != r["deflate"] or r["msgs"] == 0]
    if bench.PROBLEMS or bad:
        bench.log("problems: %s %s" % (bench.PROBLEMS, bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
