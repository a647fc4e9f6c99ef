"""Hostile HTTP/2 peers against capi-tests/h2_server.c (built by the runner just before
this driver, whose name sorts after it; timeout_secs 5, keepalive_timeout 5 by default),
beyond the ones h2_server.py plays: each may cost only its own connection and bounded
memory, and a good connection opened before it is served throughout.

  - a CONTINUATION flood (a header block that never ends);
  - a peer that sends the preface and nothing more, and one that stops in the middle of a
    frame header (slowloris): closed within the timeouts;
  - 100 streams of a 3 MiB file from a peer that never reads the socket: the server's RSS
    stays bounded (it frames DATA only while the socket takes it);
  - 100 streams held with a zero window (SETTINGS_INITIAL_WINDOW_SIZE 0, no
    WINDOW_UPDATE ever): bounded memory;
  - a table size update above what the server allows: COMPRESSION_ERROR;
  - the triggers of lws's own HPACK fixes after 4.3.10 (integers past 32 bits as a name
    length, an index, a table size; header data decoding past the room from a small
    block through the dynamic table): refused, the good connection served."""
# lws-diff: ours-only: checks our limits and timeouts over h2, which lws 4.1.6 does not have
import os
import socket
import struct
import sys
import tempfile
import time

import _lwstest as t
from _tlspki import Pki

try:
    import h2.config
    import h2.connection
    import h2.events
    import hpack
except ImportError:
    t.fail("the Python h2 package is missing (pip install h2)")

MiB = 1 << 20
tmp = tempfile.mkdtemp(prefix="lws-h2h-")
www = os.path.join(tmp, "www")
os.makedirs(os.path.join(www, "secret"))
with open(os.path.join(www, "index.html"), "w") as f:
    f.write("hello over h2\n")
BIG = os.urandom(3 * MiB)
with open(os.path.join(www, "big.gz"), "wb") as f:
    f.write(BIG)
login = os.path.join(tmp, "logins")
with open(login, "w") as f:
    f.write("user:pass\n")
pki = Pki(tmp)
pki.leaf("h2.test")

port, tport = t.free_ports(2)
BIN = t.capi("h2_server")
if not os.path.exists(BIN):
    t.fail("%s is missing: run the h2_server test first (it builds it)" % BIN)
srv = t.start(BIN, port, tport, www, login,
              os.path.join(tmp, "h2.test.pem"), os.path.join(tmp, "h2.test.key"))
t.wait_line(srv, r"^listening$")
failed = []

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST, SETTINGS, PING, GOAWAY, WINUP, CONT = 0, 1, 3, 4, 6, 7, 8, 9
CODES = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 3: "FLOW_CONTROL_ERROR", 6: "FRAME_SIZE_ERROR",
         9: "COMPRESSION_ERROR", 11: "ENHANCE_YOUR_CALM"}


def check(ok, what):
    print(("ok: " if ok else "FAILED: ") + what, flush=True)
    if not ok:
        failed.append(what)


def rss():
    with open("/proc/%d/status" % srv.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def frame(kind, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", sid) + payload


def settings(**kv):
    ids = {"table": 1, "window": 4}
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", ids[k], v) for k, v in kv.items()))


def req_block(path="/index.html", enc=None):
    return (enc or hpack.Encoder()).encode([(":method", "GET"), (":scheme", "http"),
                                            (":path", path), (":authority", "127.0.0.1")])


def raw_conn(first=None):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(PREFACE + (first if first is not None else frame(SETTINGS, 0, 0)))
    return s


def read_frames(s, until, limit=20.0):
    """Frames from s until `until(frames)` or EOF; returns (frames, eof)."""
    buf, frames, end = b"", [], time.time() + limit
    s.settimeout(1)
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return frames, True
        if not d:
            return frames, True
        buf += d
        i = 0
        while len(buf) - i >= 9:
            n = int.from_bytes(buf[i:i + 3], "big")
            if len(buf) - i < 9 + n:
                break
            frames.append((buf[i + 3], buf[i + 4], int.from_bytes(buf[i + 5:i + 9], "big") & 0x7fffffff,
                           buf[i + 9:i + 9 + n]))
            i += 9 + n
        buf = buf[i:]
        if until(frames):
            return frames, False
    return frames, False


def goaway_code(frames):
    for k, _, _, p in reversed(frames[-50:]):
        if k == GOAWAY:
            return CODES.get(int.from_bytes(p[4:8], "big"), "?")
    return None


class Good:
    """A well-behaved connection (the h2 package) kept open across a bad peer."""

    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.c.initiate_connection()
        self.s.sendall(self.c.data_to_send())

    def get(self, path="/index.html"):
        sid = self.c.get_next_available_stream_id()
        self.c.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":path", path),
                                  (":authority", "127.0.0.1")], end_stream=True)
        self.s.sendall(self.c.data_to_send())
        body, status = b"", None
        while True:
            d = self.s.recv(65536)
            if not d:
                return None, b""
            for ev in self.c.receive_data(d):
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                    status = dict(ev.headers)[b":status"]
                elif isinstance(ev, h2.events.DataReceived) and ev.stream_id == sid:
                    body += ev.data
                    self.c.acknowledge_received_data(ev.flow_controlled_length, sid)
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                    self.s.sendall(self.c.data_to_send())
                    return status, body
            self.s.sendall(self.c.data_to_send())

    def ok(self):
        try:
            return self.get() == (b"200", b"hello over h2\n")
        except OSError:
            return False


def closed_within(s, secs):
    """True if the server closes s within secs (whatever it sends first)."""
    _, eof = read_frames(s, lambda fr: False, secs)
    return eof


base = rss()
good = Good()
check(good.ok(), "a good connection is served")

# 1. CONTINUATION flood: HEADERS without END_HEADERS, then CONTINUATIONs that never end.
s = raw_conn()
blk = req_block()
s.sendall(frame(HEADERS, 0x1, 1, blk[:3]))
sent = 0
try:
    for _ in range(5000):
        s.sendall(frame(CONT, 0, 1, b"\x00" * 100))
        sent += 1
except OSError:
    pass
frames, _ = read_frames(s, lambda fr: goaway_code(fr) is not None, 10)
g = goaway_code(frames)
print("CONTINUATION flood: %d frames taken before %s" % (sent, g), file=sys.stderr)
check(g in ("ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "COMPRESSION_ERROR"),
      "CONTINUATION flood -> GOAWAY (%s)" % g)
s.close()
check(good.ok(), "... and the good connection is served")

# 2. Slowloris: the preface and nothing more; the preface cut in the middle; a frame
# header cut in the middle.
t0 = time.time()
idle = raw_conn(b"")
half = socket.create_connection(("127.0.0.1", port), timeout=10)
half.sendall(PREFACE[:10])
cut = raw_conn()
cut.sendall(frame(HEADERS, 0x5, 1, req_block())[:5])
check(closed_within(idle, 15), "preface then silence: closed (%.0f s)" % (time.time() - t0))
check(closed_within(half, 15), "half a preface: closed (%.0f s)" % (time.time() - t0))
check(closed_within(cut, 15), "half a frame header: closed (%.0f s)" % (time.time() - t0))
for x in (idle, half, cut):
    x.close()
# The good connection idled past keepalive_timeout meanwhile (closed, as it should be).
good.s.close()
good = Good()
check(good.ok(), "... and a new good connection is served")

# 3. 100 streams of a 3 MiB file, windows wide open, the socket never read.
s = raw_conn(settings(window=(1 << 31) - 1) + frame(WINUP, 0, 0, struct.pack(">I", (1 << 31) - 1 - 65535)))
enc = hpack.Encoder()
for i in range(100):
    s.sendall(frame(HEADERS, 0x5, 1 + 2 * i, req_block("/big.gz", enc)))
time.sleep(3)
grew = rss() - base
print("100 x 3 MiB to a non-reader: RSS +%d KiB" % (grew >> 10), file=sys.stderr)
check(grew < 32 * MiB, "100 streams of a 3 MiB file to a peer that does not read: RSS bounded")
check(good.ok(), "... and the good connection is served meanwhile")
s.close()

# 4. 100 streams held with zero windows.
s = raw_conn(settings(window=0))
enc = hpack.Encoder()
for i in range(100):
    s.sendall(frame(HEADERS, 0x5, 1 + 2 * i, req_block("/big.gz", enc)))
frames, eof = read_frames(s, lambda fr: False, 3)
grew = rss() - base
heads = sum(1 for k, _, _, _ in frames if k == HEADERS)
data = sum(len(p) for k, _, _, p in frames if k == DATA)
print("zero windows: %d heads, %d data bytes, RSS +%d KiB" % (heads, data, grew >> 10), file=sys.stderr)
check(data == 0, "zero windows: no DATA sent")
check(grew < 32 * MiB, "100 streams held with zero windows: RSS bounded")
check(good.ok(), "... and the good connection is served meanwhile")
s.close()

# 5. A dynamic table size update above SETTINGS_HEADER_TABLE_SIZE (4096).
s = raw_conn()
s.sendall(frame(HEADERS, 0x5, 1, b"\x3f\xe1\xff\x03" + req_block()))
frames, _ = read_frames(s, lambda fr: goaway_code(fr) is not None, 10)
check(goaway_code(frames) == "COMPRESSION_ERROR", "table size update past the limit -> GOAWAY %s"
      % goaway_code(frames))
s.close()

# 6. lws's own fixes to its HPACK decoder after 4.3.10, replayed (the same triggers).
def trigger(what, block):
    """Sends one request whose header block is `block`; returns how the server ended it:
    a GOAWAY code, "RST_STREAM", "431", or None."""
    s = raw_conn()
    s.sendall(frame(HEADERS, 0x5, 1, block))
    frames, _ = read_frames(s, lambda fr: goaway_code(fr) is not None
                            or any(k in (RST, HEADERS) and sid == 1 for k, _, sid, _ in fr), 10)
    s.close()
    got = goaway_code(frames)
    for k, _, sid, p in frames:
        if sid == 1 and k == RST:
            got = got or "RST_STREAM"
        if sid == 1 and k == HEADERS:
            status = dict(hpack.Decoder().decode(p)).get(":status")
            got = got or status
    print("%s: %s" % (what, got), file=sys.stderr)
    return got


# An integer of HPACK with continuation bytes past 32 bits, as a name length (lws
# 01409d90e, "HPACK hlen unbounded left shift") and as an index (lws 061adbccd).
check(trigger("name length", b"\x00\x7f" + b"\xff" * 9 + b"\x01x") == "COMPRESSION_ERROR",
      "HPACK name length past 32 bits -> COMPRESSION_ERROR (lws 01409d90e)")
check(trigger("index", b"\xff" + b"\xff" * 9 + b"\x01") == "COMPRESSION_ERROR",
      "HPACK index past 32 bits -> COMPRESSION_ERROR (lws 061adbccd)")
# A table size update past 32 bits (lws 061adbccd: taken as a negative allocation).
check(trigger("table size", b"\x3f" + b"\xff" * 5 + b"\x0f" + req_block()) == "COMPRESSION_ERROR",
      "HPACK table size update past 32 bits -> COMPRESSION_ERROR (lws 061adbccd)")
# Header data past the server's room from a small block (lws 824151862, zdi-can-31036:
# lws appended decoded bytes past its header buffer): a 4000-byte value put in the
# dynamic table once, then named by its index 100 times (400 KB from ~4 KB).
big = hpack.Encoder()
block = req_block(enc=big) + big.encode([("x-big", "a" * 4000)])
again = big.encode([("x-big", "a" * 4000)])
assert len(again) == 1, again   # the table's entry, by index
block += again * 100
got = trigger("header data", block)
check(got in ("RST_STREAM", "431", "COMPRESSION_ERROR", "ENHANCE_YOUR_CALM", "PROTOCOL_ERROR"),
      "a header list decoding past the room -> refused (%s) (lws 824151862)" % got)
check(good.ok(), "... and the good connection is served meanwhile")
check(good.ok(), "the good connection is still served at the end")
good.s.close()
t.stop(srv)
if failed:
    t.fail("%d checks failed" % len(failed))
