"""Driver of h2_client.c: our HTTP/2 client against nghttpd (Debian's nghttp2-server),
over TLS with ALPN and over plain text with prior knowledge, and against a Python `h2`
server that resets streams.  Each case prints what the client saw and, from nghttpd's
-v log, what the server received: how many connections, which streams, how many body
bytes (so the pipelined transactions are seen to share one connection).
"""
import os, re, shutil, socket, subprocess, sys, tempfile, threading, time
import _lwstest as t
from _tlspki import Pki

BIN = sys.argv[1]
WRAP = t.WRAP
NGHTTPD = shutil.which("nghttpd") or "/usr/sbin/nghttpd"
if not os.path.exists(NGHTTPD):
    t.fail("nghttpd is missing (Debian package: nghttp2-server)")

tmp = tempfile.mkdtemp(prefix="h2cli-")
docs = os.path.join(tmp, "docs")
os.makedirs(docs)
with open(os.path.join(docs, "small.txt"), "w") as f:
    f.write("hello over h2\n")
big = bytes((i * 7 + (i >> 9)) & 0xff for i in range(3 << 20))
with open(os.path.join(docs, "big.bin"), "wb") as f:
    f.write(big)


def fnv(b):
    h = 2166136261
    for c in b:
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h


BIG_FNV = fnv(big)
file_lines = {}  # lines that depend on h2_client.c's bytes, and what they become
pki = Pki(os.path.join(tmp, "pki"))
pem, key = pki.leaf("localhost")


def wait_port(port, proc):
    for _ in range(100):
        if proc.poll() is not None:
            t.fail(f"nghttpd exited {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    t.fail(f"nothing listens on {port}")


def nghttpd(*args):
    port = t.free_port()
    log = open(os.path.join(tmp, f"nghttpd-{port}.log"), "w+")
    p = subprocess.Popen([NGHTTPD, "-v", "-d", docs, "--echo-upload", *args, str(port)]
                         + ([] if "--no-tls" in args else [key, pem]),
                         stdout=log, stderr=subprocess.STDOUT)
    wait_port(port, p)
    return p, port, log


# TLS with a small stream window (2^14-1) so that request bodies wait for its updates;
# plain text (prior knowledge) with at most 2 concurrent streams.
tls_srv, tls_port, tls_log = nghttpd("-w", "14")
plain_srv, plain_port, plain_log = nghttpd("--no-tls", "-m", "2")

# A server that resets streams, in Python's h2 (plain text, prior knowledge).
import h2.config, h2.connection, h2.events, h2.errors

rst_sock = socket.socket()
rst_sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
rst_sock.bind(("127.0.0.1", 0))
rst_sock.listen(5)
rst_port = rst_sock.getsockname()[1]


def rst_serve(s):
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    c.initiate_connection()
    s.sendall(c.data_to_send())
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return
            for ev in c.receive_data(data):
                if isinstance(ev, h2.events.RequestReceived):
                    path = dict(ev.headers)[b":path"]
                    sid = ev.stream_id
                    if path == b"/rst-head":
                        c.reset_stream(sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
                    elif path == b"/rst-body":
                        c.send_headers(sid, [(":status", "200"), ("x-answer", "partial")])
                        c.send_data(sid, b"x" * 1000)
                        c.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
                    elif path == b"/trailers":
                        c.send_headers(sid, [(":status", "200"), ("x-answer", "head")])
                        c.send_data(sid, b"ok")
                        c.send_headers(sid, [("x-checksum", "c0ffee")], end_stream=True)
                    elif path == b"/r":
                        c.send_headers(sid, [(":status", "302"), ("location", "/ok"),
                                             ("content-length", "0")], end_stream=True)
                    elif path == b"/goaway":
                        # the request is refused unprocessed, and the connection ends
                        c.close_connection(h2.errors.ErrorCodes.NO_ERROR, last_stream_id=0)
                        s.sendall(c.data_to_send())
                        return
                    else:
                        c.send_headers(sid, [(":status", "200"), ("content-length", "2")])
                        c.send_data(sid, b"ok", end_stream=True)
            s.sendall(c.data_to_send())
    except Exception:  # a peer gone, or h2 refusing what follows our GOAWAY: this
        pass           # connection ends, the test's checks are on the client's side
    finally:
        s.close()


def rst_accept():
    while True:
        try:
            s, _ = rst_sock.accept()
        except OSError:
            return
        threading.Thread(target=rst_serve, args=(s,), daemon=True).start()


threading.Thread(target=rst_accept, daemon=True).start()

# An https server that only speaks HTTP/1.1 (ALPN http/1.1): the client falls back.
import ssl

# A second one accepts h2 too and prefers it, so what it picks shows what was offered.
def h1_listener(alpn):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pem, key)
    ctx.set_alpn_protocols(alpn)
    sk = socket.socket()
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sk.bind(("127.0.0.1", 0))
    sk.listen(5)
    return ctx, sk, sk.getsockname()[1]


h1_ctx, h1_sock, h1_port = h1_listener(["http/1.1"])
h1b_ctx, h1b_sock, h1b_port = h1_listener(["h2", "http/1.1"])
h1_seen = []


def h1_serve(raw, h1_ctx):
    try:
        s = h1_ctx.wrap_socket(raw, server_side=True)
        head = b""
        while b"\r\n\r\n" not in head:
            b = s.recv(4096)
            if not b:
                return
            head += b
        h1_seen.append(head.split(b"\r\n")[0].decode() + " (ALPN %s)" % s.selected_alpn_protocol())
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nContent-Type: text/plain\r\n\r\nvia h1.1\n")
        s.close()
    except Exception:
        pass


def h1_accept(sock, ctx):
    while True:
        try:
            s, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=h1_serve, args=(s, ctx), daemon=True).start()


threading.Thread(target=h1_accept, args=(h1_sock, h1_ctx), daemon=True).start()
threading.Thread(target=h1_accept, args=(h1b_sock, h1b_ctx), daemon=True).start()


def server_summary(log, since):
    """What nghttpd's -v log says happened after offset `since`."""
    log.flush()
    log.seek(since)
    text = log.read()
    conns = sorted({int(m) for m in re.findall(r"\[id=(\d+)\]", text)})
    heads = re.findall(r"recv HEADERS frame <[^>]*stream_id=(\d+)>", text)
    data = sum(int(m) for m in re.findall(r"recv DATA frame <length=(\d+)", text))
    updates = len(re.findall(r"send WINDOW_UPDATE frame <[^>]*stream_id=[1-9]", text))
    settings = []
    for m in re.finditer(r"recv SETTINGS frame <length=\d+, flags=0x00[^\n]*\n"
                         r"\s*\(niv=\d+\)\n((?:\s*\[SETTINGS_[^\n]*\n)*)", text):
        settings.append(" ".join(x.strip() for x in m.group(1).split("\n") if x.strip()))
    return len(conns), [int(h) for h in heads], data, updates, settings


def run(title, server, method, path, *opts, show_settings=False):
    print(f"== {title}: {method} {path} {' '.join(o.split('=')[0] if o.startswith('tls=') else o for o in opts)}".rstrip())
    log, port = {"tls": (tls_log, tls_port), "plain": (plain_log, plain_port),
                 "rst": (None, rst_port), "h1": (None, h1_port), "h1b": (None, h1b_port),
                 "self": (None, "self")}[server]
    since = log.seek(0, 2) if log else 0
    p = subprocess.run(WRAP + [BIN, str(port), method, path] + list(opts),
                       stdout=subprocess.PIPE, text=True, errors="replace", timeout=60)
    lines = p.stdout.splitlines()
    if any(o.startswith("pipeline=") for o in opts):
        lines.sort(key=lambda l: l[:4] if l.startswith("[") else "~")
    for l in lines:
        l = l.replace("%08x" % BIG_FNV, "<big.bin's fnv>")
        for k, v in file_lines.items():
            l = l.replace(k, v)
        if path == "/nothing-here":
            # nghttpd's error page names its port
            l = re.sub(r"body length \d+ fnv \w+", "body: the error page", l)
            l = re.sub(r"content-length: \d+", "content-length: of the page", l)
        print("client: " + l)
    if p.returncode != 0:
        t.fail(f"{title}: client exit {p.returncode}")
    if log:
        time.sleep(0.2)
        conns, heads, data, updates, settings = server_summary(log, since)
        print(f"server: {conns} connection(s), request streams {heads}, {data} body bytes"
              + (", sent stream WINDOW_UPDATEs" if updates else ""))
        if show_settings:
            for s in settings:
                print("server: the client's SETTINGS: " + s)
    if server in ("h1", "h1b"):
        time.sleep(0.1)
        for l in h1_seen:
            print("server got: " + l)
        del h1_seen[:]
    return lines


CA = "tls=" + pki.ca
run("GET over TLS, h2 by ALPN", "tls", "GET", "/small.txt", CA)
run("GET, prior knowledge", "plain", "GET", "/small.txt", "prior")
run("404", "tls", "GET", "/nothing-here", CA)
run("POST a body past the server's window", "tls", "POST", "/small.txt", CA, "body=100000")
run("five transactions pipelined on one connection", "tls", "GET", "/small.txt", CA,
    "pipeline=5")
run("five on a server allowing two streams at a time", "plain", "GET", "/small.txt",
    "prior", "pipeline=5")
run("large response, automatic window", "tls", "GET", "/big.bin", CA)
run("large response, manual window of 16 KiB", "tls", "GET", "/big.bin", CA,
    "manual=16384")
run("rx flow control held off for 300 ms", "tls", "GET", "/big.bin", CA, "rxflow")
run("quirk flags and a long-poll stream", "plain", "GET", "/small.txt", "prior", "quirks",
    "longpoll")
run("server resets before the head", "rst", "GET", "/rst-head", "prior")
run("server resets inside the body", "rst", "GET", "/rst-body", "prior")
run("server says GOAWAY", "rst", "GET", "/goaway", "prior")
run("redirect followed over h2", "rst", "GET", "/r", "prior")
run("server sends trailers", "rst", "GET", "/trailers", "prior")
run("https server without h2: HTTP/1.1", "h1", "GET", "/h1", CA)
run("the client's SETTINGS by default", "tls", "GET", "/small.txt", CA, show_settings=True)
run("info.http2_settings on the client", "tls", "GET", "/big.bin", CA, "settings",
    show_settings=True)
run("info.alpn h2 only, none in the connect info", "tls", "GET", "/small.txt", CA,
    "alpn=h2")
run("info.alpn http/1.1, none in the connect info: a server preferring h2 gets HTTP/1.1",
    "h1b", "GET", "/h1", CA, "alpn=http/1.1")
# Our own server (the same context listens and serves capi-tests/ as files), h2c.  Its
# accepted connection's WSI_CREATE reaches the same callback (as "[0]"): one more than
# the client's transactions means one connection.
src = open("capi-tests/h2_client.c", "rb").read()
file_lines = {"content-length: %d" % len(src): "content-length: the file's",
              "body length %d fnv %08x" % (len(src), fnv(src)): "body: the file's bytes"}
run("our server: a file over h2, prior knowledge", "self", "GET", "/h2_client.c", "prior")
run("our server: five pipelined", "self", "GET", "/h2_client.c", "prior", "pipeline=5")

for p in (tls_srv, plain_srv):
    p.terminate()
    p.wait()
rst_sock.close()
h1_sock.close()
h1b_sock.close()
shutil.rmtree(tmp, ignore_errors=True)
