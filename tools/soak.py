#!/usr/bin/env python3
"""make soak MINUTES=N: the echo and chat examples under mixed load for N minutes,
watching the servers' memory and descriptors.

Load, all at once, from threads of this process:
  - echo clients (raw frames, every message size from 1 B to 256 KiB, text and binary,
    some fragmented), each message numbered and checked on its way back: none may be
    lost, changed or reordered on a connection that stays up; each client reconnects
    every few hundred messages;
  - an echo client through Python's `websockets` (permessage-deflate negotiated with
    the server's --deflate), the same checks;
  - chat clients that send numbered messages and read the broadcasts: each sender's
    numbers must arrive in order (the chat example may drop messages for a reader that
    lags a whole ring behind, never reorder them);
  - HTTP requests on kept-alive connections (the chat example's default protocol answers
    them), and malformed ones (answered 400);
  - the same over HTTP/2 with prior knowledge: a Python `h2` client (10 concurrent streams
    at a time, every answer complete) and, every few seconds, an h2load burst of 2000
    requests on 4 connections (all answered);
  - connection churn: upgrades closed at once, TCP connects closed without a byte, heads
    cut off in the middle;
  - every few seconds a ping flood from a peer that never reads, and a slow reader of
    large echoes, each dropped after a while.

Every second the servers' VmRSS and open descriptors are sampled.  After the warm-up
(a quarter of the run, at least 10 s) RSS may not grow past its warm-up peak by more
than --rss-slack MiB, and once the load stops the descriptor counts must come back to
where they were before it.  Exits 1 on any failure; prints a summary either way.
"""
import argparse
import os
import random
import select
import socket
import subprocess
import struct
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "capi-tests"))
from _rawws import WS  # noqa: E402

MiB = 1 << 20
SIZES = [1, 7, 125, 126, 1000, 4096, 65535, 65536, 100000, 256 * 1024]

failures = []
counts = {}
lock = threading.Lock()
stop = threading.Event()


def fail(what):
    with lock:
        failures.append(what)
    print("FAIL " + what, file=sys.stderr, flush=True)


def count(what, n=1):
    with lock:
        counts[what] = counts.get(what, 0) + n


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def guard(fn, checked=True):
    """Runs a load thread until the stop flag.  A failed check is a failure; so is a
    connection error or timeout of a `checked` client (a well-behaved peer must be
    served); the hostile ones only count them."""
    def run(*a):
        while not stop.is_set():
            try:
                fn(*a)
            except (OSError, EOFError) as e:
                if checked and not stop.is_set():
                    fail("%s: %s: %s" % (fn.__name__, type(e).__name__, e))
                count("io errors (%s)" % type(e).__name__)
                time.sleep(0.1)
            except Exception as e:  # a failed check, or a bug here: both must show
                fail("%s: %s: %s" % (fn.__name__, type(e).__name__, e))
                time.sleep(0.5)
    return lambda *a: threading.Thread(target=run, args=a, daemon=True)


def payload(seq, size, rnd):
    head = b"%08d:" % seq
    body = rnd.randbytes(max(0, size - len(head))) if size > 9 else b""
    return (head + body)[:max(size, len(head))]


def echo_client(port, ident):
    rnd = random.Random(ident)
    w = WS(port, ["lws-echo"], timeout=20)
    try:
        for seq in range(rnd.randint(100, 400)):
            if stop.is_set():
                break
            size = rnd.choice(SIZES)
            text = rnd.random() < 0.3
            data = payload(seq, size, rnd)
            if text:
                data = data.hex().encode()[:max(size, 9)]
                data = b"%08d:" % seq + data[9:]
            op = 1 if text else 2
            if rnd.random() < 0.2 and len(data) > 3:
                a, b = len(data) // 3, 2 * len(data) // 3
                w.send(op, data[:a], fin=False)
                w.send(0, data[a:b], fin=False)
                w.send(0, data[b:])
            else:
                w.send(op, data)
            while True:
                got_op, got = w.recv_msg()
                if got_op in (9, 10):
                    continue
                break
            assert got_op == op, "message %d: opcode %d back for %d" % (seq, got_op, op)
            assert got[:9] == data[:9], "message %d: got %r back (lost or reordered)" % (seq, got[:9])
            assert got == data, "message %d (%d bytes) changed on its way back" % (seq, len(data))
            count("echo messages")
            count("echo bytes", len(data))
        w.close()
        w.eof(5)
    finally:
        w.sock.close()
    count("echo reconnects")


def deflate_client(port):
    from websockets.sync.client import connect
    rnd = random.Random(7)
    words = [b"alpha", b"beta", b"gamma", b"delta", b"lorem", b"ipsum", b"{\"k\": 1}"]
    with connect("ws://127.0.0.1:%d/" % port, subprotocols=["lws-echo"], max_size=None,
                 open_timeout=20) as c:
        assert c.protocol.extensions, "permessage-deflate not negotiated"
        for seq in range(300):
            if stop.is_set():
                break
            n = rnd.choice([1, 10, 100, 1000, 10000])
            msg = ("%08d:" % seq) + b" ".join(rnd.choice(words) for _ in range(n)).decode()
            c.send(msg)
            back = c.recv(timeout=20)
            assert back == msg, "deflate message %d changed, lost or reordered" % seq
            count("deflate messages")


chat_sessions = [0]


def chat_client(port, ident):
    rnd = random.Random(100 + ident)
    with lock:
        chat_sessions[0] += 1
        ident = chat_sessions[0]
    w = WS(port, ["lws-chat"], timeout=20)
    last = {}
    try:
        for seq in range(rnd.randint(50, 200)):
            if stop.is_set():
                break
            w.send(1, ("%d:%d:" % (ident, seq)).encode() + b"x" * rnd.choice([0, 10, 500, 3000]))
            count("chat sent")
            # Read whatever broadcasts are there.
            end = time.time() + 0.02
            while time.time() < end:
                # Only once a frame has started to arrive: a timeout inside one would
                # lose its start.
                if not w.buf and not select.select([w.sock], [], [], 0)[0]:
                    break
                op, data = w.recv_msg()
                if op != 1:
                    continue
                sender, n = data.split(b":")[:2]
                sender, n = int(sender), int(n)
                if sender in last:
                    assert n > last[sender], "chat: %d's message %d after %d" % (sender, n, last[sender])
                last[sender] = n
                count("chat received")
        w.close()
    finally:
        w.sock.close()


def http_client(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        f = s.makefile("rb")
        for _ in range(20):
            s.sendall(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % random.randint(0, 999))
            line = f.readline()
            assert line.startswith(b"HTTP/1."), "HTTP: status line %r" % line[:40]
            length = 0
            while True:
                h = f.readline()
                if h in (b"\r\n", b""):
                    break
                if h.lower().startswith(b"content-length:"):
                    length = int(h.split(b":")[1])
            f.read(length)
            count("http requests")
            if b"close" in line:
                break
    finally:
        s.close()
    # A malformed request gets its 400.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(b"BAD REQUEST LINE\r\n\r\n")
        got = s.recv(100)
        assert got.startswith(b"HTTP/1.1 400"), "malformed request: %r" % got[:40]
        count("http 400s")
    finally:
        s.close()


def h2_client(port):
    """HTTP/2 with prior knowledge on the chat example's port (a plain listener switches
    on the preface): 20 batches of 10 concurrent streams per connection, each answered
    with a status and its whole body, windows given back as data arrives."""
    import h2.config
    import h2.connection
    import h2.events
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        c.initiate_connection()
        s.sendall(c.data_to_send())
        for _ in range(20):
            want = {}
            for _ in range(10):
                sid = c.get_next_available_stream_id()
                c.send_headers(sid, [(":method", "GET"), (":scheme", "http"),
                                     (":path", "/%d" % random.randint(0, 999)),
                                     (":authority", "127.0.0.1")], end_stream=True)
                want[sid] = [None, 0]
            s.sendall(c.data_to_send())
            while want:
                d = s.recv(65536)
                if not d:
                    raise EOFError("h2: connection closed with %d streams open" % len(want))
                for ev in c.receive_data(d):
                    if isinstance(ev, h2.events.ResponseReceived):
                        want[ev.stream_id][0] = dict(ev.headers).get(b":status")
                    elif isinstance(ev, h2.events.DataReceived):
                        want[ev.stream_id][1] += len(ev.data)
                        c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                    elif isinstance(ev, h2.events.StreamEnded):
                        st, n = want.pop(ev.stream_id)
                        assert st is not None and n > 0, "h2: stream %d ended with status %r, %d bytes" % (
                            ev.stream_id, st, n)
                        count("h2 requests")
                    elif isinstance(ev, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                        raise AssertionError("h2: %s" % ev)
                s.sendall(c.data_to_send())
        c.close_connection()
        s.sendall(c.data_to_send())
    finally:
        s.close()
    count("h2 connections")


def h2load_burst(port):
    """Every few seconds, h2load's 2000 requests on 4 connections, 10 streams each: every
    one must be done (answered), none errored or timed out."""
    r = subprocess.run(["h2load", "-n", "2000", "-c", "4", "-m", "10", "http://127.0.0.1:%d/" % port],
                       capture_output=True, text=True, timeout=60)
    line = [x for x in r.stdout.splitlines() if x.startswith("requests:")]
    assert line and " 2000 done, " in line[0] and " 0 errored, 0 timeout" in line[0], \
        "h2load: %s" % (line[0] if line else r.stdout[-200:] + r.stderr[-200:])
    count("h2load requests", 2000)
    stop.wait(3)


def churn(port):
    what = random.randrange(3)
    if what == 0:
        w = WS(port, ["lws-echo"], timeout=10)
        w.sock.close()
    elif what == 1:
        socket.create_connection(("127.0.0.1", port), timeout=10).close()
    else:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: ")
        s.close()
    count("churned connections")
    time.sleep(0.01)


def small_rcvbuf_ws(port):
    """A ws connection with a small receive buffer, so what it leaves unread stays on
    the server's side sooner (set after the connect: monkeypatching the socket module
    as hostile.py does would race with the other threads)."""
    w = WS(port, ["lws-echo"], timeout=10)
    w.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return w


def pinger(port):
    w = small_rcvbuf_ws(port)
    ping = WS.frame(9, b"p" * 100) * 256
    w.sock.settimeout(0.2)
    end = time.time() + 2
    while time.time() < end and not stop.is_set():
        try:
            w.sock.sendall(ping)
            count("ping flood bytes", len(ping))
        except socket.timeout:
            pass
    w.sock.close()
    count("ping floods")
    stop.wait(3)


def slow_reader(port):
    w = small_rcvbuf_ws(port)
    w.sock.settimeout(0.2)
    big = WS.frame(2, os.urandom(128 * 1024))
    end = time.time() + 3
    while time.time() < end and not stop.is_set():
        try:
            w.sock.sendall(big)
            w.sock.recv(1024)
        except socket.timeout:
            pass
    w.sock.close()
    count("slow readers")
    stop.wait(2)


def start(exe, *args):
    """Starts a server as _rawws.start_server does, with its log going to a file: a pipe
    nobody reads would fill and stop it inside a write (the chat example logs each
    message it drops for a slow reader)."""
    os.makedirs(os.path.join(os.environ.get("LWS_BUILD", os.path.join(ROOT, "build")), "soak"), exist_ok=True)
    log = open(os.path.join(os.environ.get("LWS_BUILD", os.path.join(ROOT, "build")), "soak",
                            os.path.basename(exe) + ".log"), "wb")
    wrap = os.environ.get("LWS_WRAP", "").split()
    p = subprocess.Popen(wrap + [exe, *args], stdout=subprocess.PIPE, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        if b"listening on port" in line:
            threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
            return p, int(line.split()[-1])
    raise SystemExit("%s did not start" % exe)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=float(os.environ.get("MINUTES") or 1))
    ap.add_argument("--rss-slack", type=float, default=24, help="MiB of growth allowed after warm-up")
    a = ap.parse_args()
    build = os.environ.get("LWS_BUILD", os.path.join(ROOT, "build"))
    os.environ.setdefault("LD_LIBRARY_PATH", os.path.join(ROOT, "target", "release"))
    echo, eport = start(os.path.join(build, "examples", "echo"), "-p", "0", "--deflate")
    chat, cport = start(os.path.join(build, "examples", "chat"), "-p", "0")
    servers = {"echo": echo.pid, "chat": chat.pid}
    base_fds = {k: fds(p) for k, p in servers.items()}
    secs = a.minutes * 60
    warm = max(10.0, secs / 4)
    threads = [guard(echo_client)(eport, i) for i in range(4)]
    threads += [guard(deflate_client)(eport)]
    threads += [guard(chat_client)(cport, i) for i in range(3)]
    threads += [guard(http_client)(cport), guard(h2_client)(cport), guard(h2load_burst)(cport),
                guard(churn, False)(eport), guard(churn, False)(cport),
                guard(pinger, False)(eport), guard(slow_reader, False)(eport)]
    for t in threads:
        t.start()
    t0 = time.time()
    samples = {k: [] for k in servers}
    while time.time() - t0 < secs:
        time.sleep(1)
        for k, p in servers.items():
            if echo.poll() is not None or chat.poll() is not None:
                fail("a server died")
                stop.set()
                break
            samples[k].append((time.time() - t0, rss(p), fds(p)))
        if stop.is_set():
            break
    stop.set()
    for t in threads:
        t.join(30)
    print("soak: %.1f min, load: %s" % ((time.time() - t0) / 60, ", ".join(
        "%s %d" % (k, v) for k, v in sorted(counts.items()))))
    for k, s in samples.items():
        warmed = [r for t, r, _ in s if t <= warm]
        after = [r for t, r, _ in s if t > warm]
        if not warmed or not after:
            fail("%s: too few samples" % k)
            continue
        peak_warm, peak_after = max(warmed), max(after)
        print("%s: RSS %.1f MiB at start, %.1f MiB peak in warm-up (%.0f s), %.1f MiB peak after, "
              "%.1f MiB at the end; descriptors at most %d" % (
                  k, s[0][1] / MiB, peak_warm / MiB, warm, peak_after / MiB, s[-1][1] / MiB,
                  max(f for _, _, f in s)))
        if peak_after > peak_warm + a.rss_slack * MiB:
            fail("%s: RSS grew %.1f MiB after warm-up (slack %g MiB)" % (
                k, (peak_after - peak_warm) / MiB, a.rss_slack))
    # Descriptors back where they were once the load is gone (the server closes what it
    # still holds within its timeouts).
    deadline = time.time() + 30
    while time.time() < deadline and any(fds(p) > base_fds[k] for k, p in servers.items()):
        time.sleep(0.2)
    for k, p in servers.items():
        if fds(p) > base_fds[k]:
            fail("%s: %d descriptors open after the load, %d before" % (k, fds(p), base_fds[k]))
            os.system("ss -tanp | grep pid=%d, | head; cat /proc/%d/stat | cut -d\" \" -f3,14,15; gdb -p %d -batch -ex bt 2>/dev/null | tail -25" % (p, p, p))
    if counts.get("echo messages", 0) == 0 or counts.get("chat received", 0) == 0 \
            or counts.get("http requests", 0) == 0 or counts.get("deflate messages", 0) == 0 \
            or counts.get("h2 requests", 0) == 0 or counts.get("h2load requests", 0) == 0:
        fail("some load never ran: %s" % counts)
    for p in (echo, chat):
        p.send_signal(2)
        rc = p.wait(20)
        if rc != 0:
            fail("server exit status %d" % rc)
    if failures:
        print("soak FAILED: %d failures, first: %s" % (len(failures), failures[0]))
        return 1
    print("soak passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
