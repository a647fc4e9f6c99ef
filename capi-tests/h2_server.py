"""Drives capi-tests/h2_server.c: the HTTP server over HTTP/2.

curl (--http2-prior-knowledge on plain text, --http2 over TLS), nghttp (50 streams at
once, a client with tiny windows) and h2load load it; hand-made frames from Python play
bad peers, each of which must get the right GOAWAY or RST_STREAM code and cost only its
own connection, while a good connection opened before it keeps working."""
import hashlib
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
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

for tool, pkg in (("curl", "curl"), ("nghttp", "nghttp2-client"), ("h2load", "nghttp2-client")):
    if not shutil.which(tool):
        t.fail(f"{tool} is missing (Debian package: {pkg})")

tmp = tempfile.mkdtemp(prefix="lws-h2-")
www = os.path.join(tmp, "www")
os.makedirs(os.path.join(www, "secret"))
with open(os.path.join(www, "index.html"), "w") as f:
    f.write("hello over h2\n")
with open(os.path.join(www, "secret", "s.txt"), "w") as f:
    f.write("the secret\n")
BIG = os.urandom(3 * 1024 * 1024 + 17)
with open(os.path.join(www, "big.gz"), "wb") as f:
    f.write(BIG)
login = os.path.join(tmp, "logins")
with open(login, "w") as f:
    f.write("user:pass\n")
pki = Pki(tmp)
pki.leaf("h2.test")

port, tport, pport = t.free_ports(3)
srv = t.start(sys.argv[1], port, tport, www, login,
              os.path.join(tmp, "h2.test.pem"), os.path.join(tmp, "h2.test.key"), pport)
t.wait_line(srv, r"^listening$")
U = f"http://127.0.0.1:{port}"
S = f"https://127.0.0.1:{tport}"


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        t.stop(srv, expect=srv.poll() if srv.poll() is not None else 0)
        sys.exit(1)


def curl(*args, data=None):
    r = subprocess.run(["curl", "-s", "--max-time", "20", *args], capture_output=True,
                       input=data, timeout=30)
    return r.returncode, r.stdout


def curl_meta(*args):
    """(http_version, code, body) of one request."""
    rc, out = curl("-w", "\n%{http_version} %{http_code}", *args)
    body, _, meta = out.rpartition(b"\n")
    v, code = meta.decode().split()
    return v, int(code), body


def sha(b):
    return hashlib.sha256(b).hexdigest()


def pattern(n):
    return bytes(ord("a") + i % 26 for i in range(n))


# ---- h2c with prior knowledge: files, dynamic content, bodies, auth -------------------
v, code, body = curl_meta("--http2-prior-knowledge", U + "/")
check((v, code, body) == ("2", 200, b"hello over h2\n"), f"h2c GET / -> HTTP/{v} {code}, index.html")
v, code, body = curl_meta(U + "/index.html")
check((v, code) == ("1.1", 200), "HTTP/1.1 on the same port still works")

v, code, body = curl_meta("--http2-prior-knowledge", "-H", "x-test: map",
                          U + "/dyn/map?n=20")
check(code == 200 and body == pattern(20), "dynamic answer (common headers, FINAL)")
m = t.wait_line(srv, r"^map: ")
print("server:", m.string, flush=True)
check(f":authority=127.0.0.1:{port}" in m.string and ":path=/dyn/map " in m.string
      and "GET_URI=/dyn/map" in m.string and ":method=GET" in m.string,
      "pseudo-headers map to lws's tokens (:path decoded like GET_URI)")

v, code, body = curl_meta("--http2-prior-knowledge", U + "/dyn/x?n=300000")
check(code == 200 and body == pattern(300000), "300000 bytes from HTTP_WRITEABLE pieces")
v, code, body = curl_meta("--http2-prior-knowledge", U + "/dyn/nolen?n=30000")
check(code == 200 and body == pattern(30000), "no content-length: the stream ends with FINAL")

post = os.urandom(1024 * 1024 + 3)
s = 0
for b in post:
    s = (s * 31 + b) & 0xffffffff
rc, out = curl("--http2-prior-knowledge", "--data-binary", "@-", U + "/post", data=post)
check(out == f"got {len(post)} sum {s}, 0 while held\n".encode(),
      "1 MiB POST body: HTTP_BODY pieces, BODY_COMPLETION")
t0 = time.time()
rc, out = curl("--http2-prior-knowledge", "--data-binary", "@-", U + "/post?hold=1", data=post)
check(out == f"got {len(post)} sum {s}, 0 while held\n".encode() and time.time() - t0 > 0.25,
      "POST with lws_rx_flow_control off for 300 ms: nothing delivered meanwhile, then all")
rc, out = curl("--data-binary", "@-", U + "/post?hold=1", data=post)
check(out == f"got {len(post)} sum {s}, 0 while held\n".encode(), "the same over HTTP/1.1")


def post_with_trailers(path, body, trailers, head_extra=()):
    """POST over h2c from the h2 package: head, body, then trailers with END_STREAM."""
    sk = socket.create_connection(("127.0.0.1", port), timeout=10)
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    c.initiate_connection()
    sid = c.get_next_available_stream_id()
    c.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":path", path),
                         (":authority", "127.0.0.1")] + list(head_extra))
    c.send_data(sid, body)
    c.send_headers(sid, trailers, end_stream=True)
    sk.sendall(c.data_to_send())
    got, ended = b"", False
    while not ended:
        d = sk.recv(65536)
        if not d:
            break
        for ev in c.receive_data(d):
            if isinstance(ev, h2.events.DataReceived):
                got += ev.data
                c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                ended = True
        sk.sendall(c.data_to_send())
    sk.close()
    return got


small = b"0123456789" * 100
s2 = 0
for b in small:
    s2 = (s2 * 31 + b) & 0xffffffff
out = post_with_trailers("/post", small, [("x-checksum", "abc123")], [("x-test", "trl")])
print("server:", out.decode().strip(), flush=True)
check(out == f"got 1000 sum {s2}, 0 while held, trailer x-checksum=abc123, head x-test=trl\n"
      .encode(), "request trailers: read with lws_hdr_custom_copy at HTTP_BODY_COMPLETION")
t.wait_line(srv, r"^trl: ")
out = post_with_trailers("/post?hold=1", small, [("x-checksum", "held")])
check(out == f"got 1000 sum {s2}, 0 while held, trailer x-checksum=held\n".encode(),
      "trailers behind a body held by lws_rx_flow_control")

v, code, _ = curl_meta("--http2-prior-knowledge", U + "/secret/s.txt")
check(code == 401, "basic auth mount without credentials: 401")
v, code, body = curl_meta("--http2-prior-knowledge", "-u", "user:pass", U + "/secret/s.txt")
check(code == 200 and body == b"the secret\n", "basic auth with credentials: the file")
rc, out = curl("--http2-prior-knowledge", "-D", "-", "-o", "/dev/null", U + "/secret")
check(b"HTTP/2 301" in out and f"location: http://127.0.0.1:{port}/secret/".encode() in out,
      "a mount entered without its '/': 301 to it, from :authority")
rc, out = curl("--http2", "-k", "-D", "-", "-o", "/dev/null", S + "/secret")
check(b"HTTP/2 301" in out and f"location: https://127.0.0.1:{tport}/secret/".encode() in out,
      "the same over TLS: https")
rc, out = curl("--http2-prior-knowledge", "-D", "-", U + "/dyn/file")
check(b"HTTP/2 200" in out and b"content-type: text/html" in out and b"x-served: by-api" in out
      and out.endswith(b"hello over h2\n"), "lws_serve_http_file on a stream, with other headers")
rc, out = curl("-D", "-", U + "/dyn/file")
check(b"HTTP/1.1 200" in out and b"x-served: by-api" in out and out.endswith(b"hello over h2\n"),
      "the same over HTTP/1.1")
v, code, _ = curl_meta("--http2-prior-knowledge", U + "/nothere")
check(code == 404, "missing file: 404 from the default protocol")
rc, out = curl("--http2-prior-knowledge", "-I", U + "/index.html")
check(b"HTTP/2 200" in out and b"content-length: 14" in out, "HEAD: headers only")
rc, out = curl("--http2-prior-knowledge", U + "/net")
print("server:", out.decode().strip(), flush=True)
check(out == b"network wsi is the parent, allowance positive, tx credit positive, peer credit "
      b"positive, network allowance positive, peer estimate grew by 1000\n",
      "lws_get_network_wsi, lws_get_peer_write_allowance, lws_wsi_tx_credit, "
      "lws_h2_update_peer_txcredit on a stream")
rc, out = curl(U + "/net")
print("server (HTTP/1.1):", out.decode().strip(), flush=True)
check(out == b"network wsi is itself, allowance none, tx credit none, peer credit none, "
      b"network allowance none, peer estimate unchanged\n", "the same on HTTP/1.1: no credit")

rc, out = curl("--http2-prior-knowledge", U + "/big.gz")
check(sha(out) == sha(BIG), "3 MiB file over h2c")

# ---- TLS with ALPN ----------------------------------------------------------------------
v, code, body = curl_meta("--http2", "-k", S + "/index.html")
check((v, code, body) == ("2", 200, b"hello over h2\n"), "TLS: ALPN h2, GET")
rc, out = curl("--http2", "-k", S + "/big.gz")
check(sha(out) == sha(BIG), "TLS: 3 MiB file over h2")
v, code, _ = curl_meta("--http1.1", "-k", S + "/index.html")
check((v, code) == ("1.1", 200), "TLS: ALPN http/1.1 still served as HTTP/1.1")

# ---- flow control: a client with tiny windows, many streams at once --------------------
r = subprocess.run(["nghttp", "-w", "10", "-W", "10", U + "/big.gz"], capture_output=True,
                   timeout=60)
check(r.returncode == 0 and sha(r.stdout) == sha(BIG),
      "nghttp with 1023-byte windows gets the whole 3 MiB file")
r = subprocess.run(["nghttp", "-n", "-s", "-m", "50", U + "/dyn/x?n=100000"],
                   capture_output=True, text=True, timeout=60)
done = sum(1 for line in r.stdout.splitlines() if "/dyn/x?n=100000" in line)
check(r.returncode == 0 and "not processed" not in r.stderr and done == 50,
      f"nghttp: 50 streams at once, {done} complete")
for url in (U + "/index.html", S + "/index.html"):
    r = subprocess.run(["h2load", "-n", "2000", "-c", "10", "-m", "10", url],
                       capture_output=True, text=True, timeout=120)
    ok = "2000 total, 2000 started, 2000 done, 2000 succeeded" in r.stdout
    check(r.returncode == 0 and ok, f"h2load -n 2000 -c 10 -m 10 {url.split(':')[0]}: all succeeded")

# ---- bad peers -------------------------------------------------------------------------
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST, SETTINGS, PING, GOAWAY, WINUP = 0, 1, 3, 4, 6, 7, 8
CODES = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 3: "FLOW_CONTROL_ERROR", 5: "STREAM_CLOSED",
         6: "FRAME_SIZE_ERROR", 7: "REFUSED_STREAM", 8: "CANCEL", 9: "COMPRESSION_ERROR",
         11: "ENHANCE_YOUR_CALM"}


def frame(kind, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", sid) + payload


def req_block(path="/index.html", extra=()):
    return hpack.Encoder().encode([(":method", "GET"), (":scheme", "http"), (":path", path),
                                   (":authority", "127.0.0.1")] + list(extra))


def raw_conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(PREFACE + frame(SETTINGS, 0, 0))
    return s


def read_frames(s, until, limit=20.0):
    """Frames from s until `until(frames)` or EOF; returns (frames, eof)."""
    buf, frames, end = b"", [], time.time() + limit
    while time.time() < end:
        try:
            d = s.recv(65536)
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
            frames.append((buf[i + 3], buf[i + 4],
                           int.from_bytes(buf[i + 5:i + 9], "big") & 0x7fffffff,
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


def rst_code(frames, sid):
    for k, _, fsid, p in frames:
        if k == RST and fsid == sid:
            return CODES.get(int.from_bytes(p[:4], "big"), "?")
    return None


class Good:
    """A well-behaved connection (the h2 package) kept open across a bad peer."""

    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.c.initiate_connection()
        self.s.sendall(self.c.data_to_send())

    def get(self, path):
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


def bad_peer(what, send, expect, flood=False):
    good = Good()
    st, body = good.get("/index.html")
    s = raw_conn()
    if flood:
        # The flood goes out from another thread without reading the answers, so they
        # pile up on the server's side until its limit; the answers are read once the
        # flood is out or the server stopped taking it (it stops reading after its
        # GOAWAY), however fast the server is (valgrind).
        progress = [0, False]

        def sender():
            try:
                send(s, progress)
            except OSError:
                pass
            progress[1] = True

        th = threading.Thread(target=sender, daemon=True)
        th.start()
        last, since = -1, time.time()
        while not progress[1] and time.time() - since < 2:
            if progress[0] != last:
                last, since = progress[0], time.time()
            time.sleep(0.05)
        frames, _ = read_frames(s, lambda fr: goaway_code(fr) is not None, 30)
    else:
        send(s)
        frames, _ = read_frames(s, lambda fr: expect(fr) is not None)
    got = expect(frames)
    s.close()
    st2, body2 = good.get("/index.html")
    print(f"bad peer, {what}: {got}", flush=True)
    check(got is not None and st == st2 == b"200" and body2 == b"hello over h2\n",
          f"{what}: answered, and another connection goes on")
    good.s.close()
    return got


def conn_err(_):
    return goaway_code


g = bad_peer("DATA on stream 0", lambda s: s.sendall(frame(DATA, 0, 0, b"x")), conn_err(0))
check(g == "PROTOCOL_ERROR", "DATA on stream 0 -> GOAWAY PROTOCOL_ERROR")

g = bad_peer("frame over SETTINGS_MAX_FRAME_SIZE",
             lambda s: s.sendall(frame(HEADERS, 5, 1, req_block()) + frame(PING, 0, 0, b"\0" * 20000)),
             conn_err(0))
check(g == "FRAME_SIZE_ERROR", "20000-byte frame -> GOAWAY FRAME_SIZE_ERROR")

g = bad_peer("HPACK garbage", lambda s: s.sendall(frame(HEADERS, 5, 1, b"\xff\xff\xff\xff\xff\xff")),
             conn_err(0))
check(g == "COMPRESSION_ERROR", "undecodable header block -> GOAWAY COMPRESSION_ERROR")


def upper(s):
    s.sendall(frame(HEADERS, 5, 1, req_block(extra=[("X-Upper", "1")])))


g = bad_peer("upper-case field name", upper, lambda fr: rst_code(fr, 1))
check(g == "PROTOCOL_ERROR", "upper-case field name -> RST_STREAM PROTOCOL_ERROR (stream only)")


def big_list(s):
    blk = req_block(extra=[("x-big", "y" * 20000)])
    # HEADERS (END_STREAM, no END_HEADERS) + CONTINUATION (END_HEADERS): one block.
    s.sendall(frame(HEADERS, 1, 1, blk[:16000]) + frame(9, 4, 1, blk[16000:]))


def status_431(frames):
    dec = hpack.Decoder()
    for k, _, sid, p in frames:
        if k == HEADERS and sid == 1:
            return dict(dec.decode(p)).get(":status")
    return None


g = bad_peer("header list over SETTINGS_MAX_HEADER_LIST_SIZE", big_list, status_431)
check(g == "431", "header list over the limit -> 431 on that stream")


def settings_flood(s, progress):
    one = frame(SETTINGS, 0, 0) * 5000
    for _ in range(400):
        s.sendall(one)
        progress[0] += 1


g = bad_peer("SETTINGS flood", settings_flood, conn_err(0), flood=True)
check(g == "ENHANCE_YOUR_CALM", "2000000 SETTINGS unread -> GOAWAY ENHANCE_YOUR_CALM")


def ping_flood(s, progress):
    one = frame(PING, 0, 0, b"12345678") * 5000
    for _ in range(400):
        s.sendall(one)
        progress[0] += 1


g = bad_peer("PING flood", ping_flood, conn_err(0), flood=True)
check(g == "ENHANCE_YOUR_CALM", "2000000 PINGs unread -> GOAWAY ENHANCE_YOUR_CALM")


def rapid_reset(s):
    blk = req_block()
    out = b""
    for i in range(300):
        sid = 1 + 2 * i
        out += frame(HEADERS, 5, sid, blk) + frame(RST, 0, sid, struct.pack(">I", 8))
    s.sendall(out)


g = bad_peer("rapid reset", rapid_reset, conn_err(0))
check(g == "ENHANCE_YOUR_CALM", "300 streams opened and reset at once -> GOAWAY ENHANCE_YOUR_CALM")


def window_overflow(s):
    s.sendall(frame(HEADERS, 4, 1, req_block("/dyn/x?n=100000")) +
              frame(WINUP, 0, 1, struct.pack(">I", 0x7fffffff)))


g = bad_peer("stream window over 2^31-1", window_overflow, lambda fr: rst_code(fr, 1))
check(g == "FLOW_CONTROL_ERROR", "stream window overflow -> RST_STREAM FLOW_CONTROL_ERROR")

# An idle h2 connection ends after the vhost's keepalive_timeout (2 s), with GOAWAY.
ctx = ssl.create_default_context(cafile=pki.ca)
ctx.set_alpn_protocols(["h2"])
ts = ctx.wrap_socket(socket.create_connection(("127.0.0.1", tport), timeout=10),
                     server_hostname="h2.test")
ts.sendall(PREFACE + frame(SETTINGS, 0, 0) + frame(HEADERS, 5, 1, req_block()))
t0 = time.time()
frames, eof = read_frames(ts, lambda fr: False, 8)
idle = time.time() - t0
ts.close()
check(any(k == DATA and sid == 1 for k, _, sid, _ in frames) and eof
      and goaway_code(frames) == "NO_ERROR" and 1.5 < idle < 6,
      "idle h2 connection: GOAWAY NO_ERROR and closed after keepalive_timeout")


# ---- WebSockets over h2 (RFC 8441) --------------------------------------------------
def ws_frame(text):
    mask = os.urandom(4)
    b = text.encode()
    return bytes([0x81, 0x80 | len(b)]) + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(b))


s = raw_conn()
frames, _ = read_frames(s, lambda fr: any(k == SETTINGS and not f & 1 for k, f, *_ in fr))
setting = {}
for k, f, sid, p in frames:
    if k == SETTINGS and not f & 1:
        for i in range(0, len(p), 6):
            setting[int.from_bytes(p[i:i + 2], "big")] = int.from_bytes(p[i + 2:i + 6], "big")
check(setting.get(8) == 1, "SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 announced")
blk = hpack.Encoder().encode([(":method", "CONNECT"), (":protocol", "websocket"),
                              (":scheme", "http"), (":path", "/"),
                              (":authority", f"127.0.0.1:{port}"),
                              ("sec-websocket-version", "13"),
                              ("sec-websocket-protocol", "echo")])
s.sendall(frame(SETTINGS, 1, 0) + frame(HEADERS, 4, 1, blk))
frames, _ = read_frames(s, lambda fr: any(k == HEADERS and sid == 1 for k, _, sid, _ in fr))
hd = [p for k, _, sid, p in frames if k == HEADERS and sid == 1]
h = dict(hpack.Decoder().decode(hd[0])) if hd else {}
check(h.get(":status") == "200" and h.get("sec-websocket-protocol") == "echo",
      "extended CONNECT: 200 with the subprotocol")
m = t.wait_line(srv, r"^echo: ESTABLISHED")
print("server:", m.string, flush=True)
echoed = []
for msg in ("hello over h2", "second message"):
    s.sendall(frame(DATA, 0, 1, ws_frame(msg)))
    frames, _ = read_frames(s, lambda fr: any(k == DATA and sid == 1 for k, _, sid, _ in fr))
    d = b"".join(p for k, _, sid, p in frames if k == DATA and sid == 1)
    echoed.append(d[2:].decode(errors="replace") if len(d) >= 2 and d[0] == 0x81 else repr(d))
check(echoed == ["hello over h2", "second message"], f"ws echo over an h2 stream: {echoed}")
# Close: a close frame, answered with a close frame and the stream's end.
s.sendall(frame(DATA, 0, 1, bytes([0x88, 0x82]) + b"\0\0\0\0" + b"\x03\xe8"))
frames, _ = read_frames(s, lambda fr: any(k in (DATA, RST) and sid == 1 and (k == RST or f & 1)
                                           for k, f, sid, _ in fr))
d = b"".join(p for k, _, sid, p in frames if k == DATA and sid == 1)
check(d[:1] == b"\x88" and any(k == DATA and f & 1 for k, f, sid, _ in frames),
      "ws close over h2: close frame back, END_STREAM")
t.wait_line(srv, r"^echo: CLOSED")
s.close()

# LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE: h2 at once; an HTTP/1.1 request there is a bad
# connection preface.
v, code, body = curl_meta("--http2-prior-knowledge", f"http://127.0.0.1:{pport}/index.html")
check((v, code, body) == ("2", 200, b"hello over h2\n"), "H2_PRIOR_KNOWLEDGE vhost: h2")
s = socket.create_connection(("127.0.0.1", pport), timeout=10)
s.sendall(PREFACE + frame(SETTINGS, 0, 0))
frames, _ = read_frames(s, lambda fr: any(k == SETTINGS and not f & 1 for k, f, *_ in fr))
s.close()
setting = {}
for k, f, sid, p in frames:
    if k == SETTINGS and not f & 1:
        for i in range(0, len(p), 6):
            setting[int.from_bytes(p[i:i + 2], "big")] = int.from_bytes(p[i + 2:i + 6], "big")
check(setting.get(3) == 7 and setting.get(6) == 2048,
      f"info.http2_settings announced: MAX_CONCURRENT_STREAMS {setting.get(3)}, "
      f"MAX_HEADER_LIST_SIZE {setting.get(6)}")
s = socket.create_connection(("127.0.0.1", pport), timeout=10)
s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
frames, eof = read_frames(s, lambda fr: goaway_code(fr) is not None)
s.close()
check(goaway_code(frames) == "PROTOCOL_ERROR",
      "H2_PRIOR_KNOWLEDGE vhost: HTTP/1.1 gets GOAWAY PROTOCOL_ERROR")

# A client that resets its stream in the middle of a large answer: the server goes on.
s = raw_conn()
s.sendall(frame(HEADERS, 5, 1, req_block("/big.gz")))
time.sleep(0.3)  # the answer has begun (its first window's worth is on the way)
# (stream 1 used up the connection's window: it is opened again for stream 3)
s.sendall(frame(RST, 0, 1, struct.pack(">I", 8)) + frame(WINUP, 0, 0, struct.pack(">I", 1 << 20))
          + frame(HEADERS, 5, 3, req_block()))
frames, eof = read_frames(s, lambda fr: any(k == DATA and sid == 3 and f & 1 for k, f, sid, _ in fr))
check(not eof and any(sid == 1 and k == DATA for k, _, sid, _ in frames)
      and any(sid == 3 and k == DATA for k, _, sid, _ in frames),
      "RST_STREAM mid-body: the next stream on the connection is answered")
s.close()

v, code, body = curl_meta("--http2-prior-knowledge", U + "/")
check(code == 200, "the server is still well")
t.stop(srv)
shutil.rmtree(tmp, ignore_errors=True)
print("done")
