"""Drives raw.c: its own pipe, socketpair and raw-client steps run first; then this
driver is a netcat-like raw peer of its ONLY_RAW vhost.  Prints the program's
callback lines grouped by connection, each group in its own order (how the
connections' events interleave depends on the poller), and checks them."""
import queue
import socket
import sys
import time

from _lwstest import fail, free_port, start, stop

binary = sys.argv[1]
port = free_port()
p = start(binary, port)
lines = []


def take_until(pred, timeout=30):
    end = time.monotonic() + timeout
    while True:
        try:
            line = p.lines.get(timeout=max(0.0, end - time.monotonic()))
        except queue.Empty:
            fail(f"timed out; lines so far: {lines}")
        if line is None:
            return
        lines.append(line)
        if pred(line):
            return


take_until(lambda l: l == "ready")
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(b"hello-raw")
    got = b""
    end = time.monotonic() + 5
    while got != b"hello-raw" and time.monotonic() < end:
        chunk = s.recv(64)
        if not chunk:
            break
        got += chunk
    print(f"peer: echoed {got.decode(errors='replace')}")
take_until(lambda l: l == "server: RAW_CLOSE" and lines.count(l) == 2, timeout=10)
stop(p)
take_until(lambda l: False, timeout=10)

groups = {}
for line in lines:
    tag = line.split(":")[0]
    groups.setdefault(tag, []).append(line)
for tag in sorted(groups):
    for line in groups[tag]:
        print(line)

want = {
    "pipe": ["pipe: RAW_ADOPT_FILE", "pipe: RAW_RX_FILE hello-pipe",
             "pipe: RAW_CLOSE_FILE"],
    "pair": ["pair: RAW_ADOPT", "pair: RAW_RX hello-pair", "pair: RAW_CLOSE"],
    "bind": ["bind: RAW_SKT_BIND_PROTOCOL"] * 3,
    "client": ["client: RAW_CONNECTED",
               "client: RAW_WRITEABLE", "client: RAW_RX ping",
               "client: RAW_SKT_DROP_PROTOCOL", "client: RAW_CLOSE"],
    "server": ["server: RAW_ADOPT", "server: RAW_RX ping",
               "server: RAW_WRITEABLE", "server: RAW_SKT_DROP_PROTOCOL", "server: RAW_CLOSE",
               "server: RAW_ADOPT",
               "server: RAW_RX hello-raw", "server: RAW_WRITEABLE",
               "server: RAW_SKT_DROP_PROTOCOL", "server: RAW_CLOSE"],
}
for tag, w in want.items():
    if groups.get(tag) != w:
        fail(f"{tag}: got {groups.get(tag)}, want {w}")
if got != b"hello-raw":
    fail(f"echo was {got!r}")
