"""Drives capi-tests/http_server.c: the HTTP/1.1 server role as lws 4.3 has it.

Every expectation here was checked against a real lws 4.3.10 (default build options, so
no LWS_WITH_RANGES and no TLS): build http_server.c against it and run

    HTTP_TEST_BIN=/path/to/http_server-built-against-lws43 \\
        LD_LIBRARY_PATH=/tmp/lws43/lib python3 capi-tests/http_server.py

Without HTTP_TEST_BIN the binary is argv[1] (what tools/run_capi_tests.py built against
our library).  Where lws 4.3 does something odd, the check asserts what lws does and says
why (file and line of lws 4.3.10).  Lines marked "DELIBERATE?" are where our library might
choose to differ on purpose; the lead decides, the check holds lws's behaviour until then.
deliberate() marks the cases where ours is expected to differ (lws is wrong there).
todo_eq() marks where ours differs from lws and is not fixed yet (a "TODO(ours differs)"
comment says what): it asserts lws's behaviour; against ours each failure is counted and
listed without stopping the run.
"""
# (ours-only for the differential run: see the marker in http_server.c) the expectations are lws 4.3.10's HTTP behaviour, checked against a real lws 4.3.10 build (HTTP_TEST_BIN); lws 4.1.6 differs in details (headers, callback order) not worth tracking separately
import base64
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import _lwstest as t
from _rawws import WS

BIN = os.environ.get("HTTP_TEST_BIN") or (sys.argv[1] if len(sys.argv) > 1 else t.capi("http_server"))


SURVEY = os.environ.get("HTTP_TEST_SURVEY")  # go on after a failure (to see them all)
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures += 1
        if not SURVEY:
            finish(1)


# Where lws 4.3 is plainly wrong, our library deliberately differs: deliberate() asserts
# lws's behaviour when the binary is the lws 4.3.10 build (HTTP_TEST_BIN is set only to
# verify this driver against lws) and ours otherwise.  The lead may move cases either way.
LWS_REF = bool(os.environ.get("HTTP_TEST_BIN"))


def deliberate(what, got, lws_want, ours_want):
    if LWS_REF:
        eq(what + " [lws 4.3; ours deliberately differs]", got, lws_want)
    else:
        eq(what + " [ours, deliberately unlike lws 4.3]", got, ours_want)


def eq(what, got, want):
    """Checks got == want, printing both on failure."""
    global failures
    if got != want:
        print("FAIL %s\n     got:  %r\n     want: %r" % (what, got, want), flush=True)
        failures += 1
        if not SURVEY:
            finish(1)
        return
    print("ok   " + what, flush=True)


# ---- the www directory ---------------------------------------------------------------

tmp = tempfile.mkdtemp(prefix="http_server-")
www = os.path.join(tmp, "www")
for d in ("cached", "secret", "sub"):
    os.makedirs(os.path.join(www, d))
FILES = {
    "index.html": b"<html>index</html>\n",
    "404.html": b"<html>the 404 page</html>\n",
    "a.zzz": b"zzz data\n",
    "plain.txt": b"0123456789abcdefghij\n",
    "cached/c.txt": b"cached file\n",
    "cached/index.html": b"cached index\n",
    "secret/index.html": b"secret stuff\n",
    "sub/index.html": b"sub index\n",
}
for name, data in FILES.items():
    with open(os.path.join(www, name), "wb") as f:
        f.write(data)
with open(os.path.join(tmp, "outside.txt"), "wb") as f:
    f.write(b"OUTSIDE THE WWW DIR\n")
login = os.path.join(tmp, "logins")
with open(login, "w") as f:
    f.write("admin:letmein\nuser:pass\n")

port = t.free_port()
srv = t.start(BIN, "-p", port, "-d", www, "-a", login)
t.wait_line(srv, r"listening on port")


def finish(rc):
    if srv.poll() is None:
        srv.kill()
        srv.wait()
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(rc)


# ---- the server's transcript -------------------------------------------------------------

def server_lines(settle=0.3):
    """The server's callback lines printed since the last call (after a short settle)."""
    time.sleep(settle)
    out = []
    while not srv.lines.empty():
        line = srv.lines.get_nowait()
        if line is None:
            break
        out.append(line)
    return out


def order(lines, keep=None):
    """Callback names from server lines, consecutive HTTP_BODY and HTTP_WRITEABLE runs
    collapsed to one 'X...' (how often they come depends on TCP and buffer sizes)."""
    names = []
    for l in lines:
        parts = l.split(" ", 2)
        name = parts[1] if len(parts) > 1 else l
        if keep and name not in keep:
            continue
        if name in ("HTTP_BODY", "HTTP_WRITEABLE"):
            if names and names[-1] == name + "...":
                continue
            name += "..."
        names.append(name)
    return names


# ---- raw HTTP ----------------------------------------------------------------------------

class Conn:
    def __init__(self, timeout=10, to_port=None):
        self.sock = socket.create_connection(("127.0.0.1", to_port or port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def response(self, head_only=False):
        """(status line, headers dict (lowercase names; repeated ones joined by ', '),
        header names in order, body).  The body is read by content-length, else to EOF."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n\r\n")
        head, self.buf = self.buf[:i].decode("latin-1"), self.buf[i + 4:]
        lines = head.split("\r\n")
        hdrs, names = {}, []
        for l in lines[1:]:
            k, v = l.split(":", 1)
            k = k.strip().lower()
            names.append(k)
            hdrs[k] = (hdrs[k] + ", " if k in hdrs else "") + v.strip()
        if head_only or lines[0].split(" ")[1] in ("304",):
            return lines[0], hdrs, names, b""
        if "content-length" in hdrs:
            n = int(hdrs["content-length"])
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        else:
            try:
                while True:
                    self._fill()
            except (EOFError, ConnectionResetError):
                pass
            body, self.buf = self.buf, b""
        return lines[0], hdrs, names, body

    def closed(self, timeout=5):
        """True if the server closes the connection within timeout (nothing else comes)."""
        self.sock.settimeout(timeout)
        try:
            d = self.sock.recv(65536)
            self.buf += d
            return not d
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def req(method, path, host=None, headers=(), body=None, version="HTTP/1.1"):
    """Request bytes."""
    h = "%s %s %s\r\nHost: %s\r\n" % (method, path, version, host or "127.0.0.1:%d" % port)
    for k, v in headers:
        h += "%s: %s\r\n" % (k, v)
    if body is not None:
        h += "Content-Length: %d\r\n" % len(body)
    return h.encode() + b"\r\n" + (body or b"")


def get(path, method="GET", **kw):
    """One request on a connection of its own; (status line, headers, names, body)."""
    c = Conn()
    c.send(req(method, path, **kw))
    r = c.response(head_only=(method == "HEAD"))
    c.close()
    return r


def raw(data, timeout=5):
    """Sends raw bytes; returns (everything the server answered until it closed, closed?)."""
    c = Conn(timeout=timeout)
    try:
        c.send(data)
    except (BrokenPipeError, ConnectionResetError):
        return b"", True
    got, closed = b"", False
    c.sock.settimeout(timeout)
    try:
        while True:
            d = c.sock.recv(65536)
            if not d:
                closed = True
                break
            got += d
    except (ConnectionResetError, BrokenPipeError):
        closed = True
    except socket.timeout:
        pass
    c.close()
    return got, closed


def csum(data):
    s = 0
    for b in data:
        s = (s * 31 + b) & 0xFFFFFFFF
    return "%08x" % s


def status_of(resp):
    return resp.split(b"\r\n", 1)[0].decode("latin-1") if resp else "(no response)"


server_lines(0.1)

# ---- static files ----------------------------------------------------------------------

st, h, names, body = get("/")
eq("GET / -> index.html", (st, body), ("HTTP/1.1 200 OK", FILES["index.html"]))
eq("... content-type, content-length, cache-control",
   (h.get("content-type"), h.get("content-length"), h.get("cache-control")),
   ("text/html", str(len(FILES["index.html"])), "no-store"))
# the vhost's pvo headers come first, right after the status line (header.c,
# lws_add_http_header_status: vhost->headers then the security headers)
eq("... the vhost's extra header, first", (names[0], h.get("x-test-vhost")), ("x-test-vhost", "localhost"))
# lws's etag is "%016llX" of the file's size and mtime... in fact 8 hex digits of size
# then 8 of mtime (file-ops: lws_http_serve: "%08X%08X")
etag = h.get("etag", "")
check(re.fullmatch(r"[0-9A-F]{16}", etag or "") is not None and int(etag[:8], 16) == len(FILES["index.html"]),
      "... etag is 8 hex digits of the size + 8 of the mtime (%s)" % etag)
check("server" not in h and "date" not in h, "... no Server: or Date: header (lws adds neither by default)")
st, h, _, body = get("/plain.txt")
eq("GET /plain.txt: text/plain", (st, h.get("content-type"), body),
   ("HTTP/1.1 200 OK", "text/plain", FILES["plain.txt"]))
st, h, _, body = get("/a.zzz")
eq("extra_mimetypes: .zzz -> application/x-zzz", (h.get("content-type"), body),
   ("application/x-zzz", FILES["a.zzz"]))
st, h, _, body = get("/sub/")
eq("GET /sub/ -> sub/index.html", (st, body), ("HTTP/1.1 200 OK", FILES["sub/index.html"]))
st, h, _, _ = get("/cached/c.txt")
eq("mount with cache settings: cache-control", (st, h.get("cache-control")),
   ("HTTP/1.1 200 OK", "must-revalidate, private, max-age=600"))
st, h, _, body = get("/cached/")
eq("GET /cached/ -> the mount's def", (st, h.get("content-type")), ("HTTP/1.1 200 OK", "text/html"))

# a mountpoint without its trailing slash is redirected to it (server.c
# lws_http_redirect_hit: "we must redirect to add it").  The status line says HTTP/1.0:
# lws_handshake_server checks mount redirects (v4.3.10 server.c:2346) before
# lws_http_action has parsed the request's version (server.c:1692), so request_version
# is still 0 there.  DELIBERATE? ours might answer HTTP/1.1.
st, h, _, _ = get("/cached")
eq("GET /cached -> 301 to /cached/ (status line HTTP/1.0: see the comment)",
   (st, h.get("location")), ("HTTP/1.0 301 Redirect", "http://127.0.0.1:%d/cached/" % port))
# lws describes every 3xx except 304 as "Redirect" (header.c lws_add_http_header_status)

# HEAD: the headers of the GET, no body
c = Conn()
c.send(req("HEAD", "/index.html"))
st, h, _, body = c.response(head_only=True)
eq("HEAD /index.html: 200 with the GET's content-length", (st, h.get("content-length")),
   ("HTTP/1.1 200 OK", str(len(FILES["index.html"]))))
time.sleep(0.2)
c.send(req("GET", "/plain.txt"))
st, h, _, body = c.response()
eq("... and no body: the next response on the connection follows at once",
   (st, body), ("HTTP/1.1 200 OK", FILES["plain.txt"]))
c.close()

# Range: this lws build has no LWS_WITH_RANGES (lws's default), so it ignores Range
# headers and sends the whole file with 200 (file-ops: the ranges code is under
# #if defined(LWS_WITH_RANGES)); no Accept-Ranges either.  Ours serves single ranges
# (the project asks for them): 206 with Content-Range, 416 when unsatisfiable; a list of
# ranges or a header it cannot parse is ignored (whole file, 200), as RFC 9110 allows.
WHOLE = ("HTTP/1.1 200 OK", FILES["plain.txt"], None)
size = len(FILES["plain.txt"])
for rng, ours in (("bytes=2-5", ("HTTP/1.1 206 ", FILES["plain.txt"][2:6], "bytes 2-5/%d" % size)),
                  ("bytes=-3", ("HTTP/1.1 206 ", FILES["plain.txt"][-3:],
                                "bytes %d-%d/%d" % (size - 3, size - 1, size))),
                  ("bytes=0-1,4-5", WHOLE),
                  ("bytes=500-600", ("HTTP/1.1 416 Requested Range Not Satisfiable", None, None)),
                  ("bytes=junk", WHOLE)):
    st, h, _, body = get("/plain.txt", headers=[("Range", rng)])
    want = WHOLE if LWS_REF else ours
    got = (st, body if want[1] is not None else None, h.get("content-range"))
    deliberate("Range: %s" % rng, got, WHOLE, ours)

# conditional GET
st, h, _, body = get("/index.html")
etag = h["etag"]
st, h, _, body = get("/index.html", headers=[("If-None-Match", etag)])
eq("If-None-Match: the etag -> 304, etag, no body", (st, h.get("etag"), body, "content-length" in h),
   ("HTTP/1.1 304 Not Modified", etag, b"", False))
st, h, _, body = get("/index.html", headers=[("If-None-Match", "\"other\"")])
eq("If-None-Match: another etag -> 200", st, "HTTP/1.1 200 OK")

# 404: with error_document_404 set, lws answers a 404 with a 302 to the error document
# (header.c lws_return_http_status: "we should do a redirect, and do the 404 there"),
# whose GET then answers 200 with the document.  DELIBERATE? a 404 carrying the page.
st, h, _, body = get("/nothere.html")
eq("GET /nothere.html -> 302 to the error document", (st, h.get("location"), body),
   ("HTTP/1.1 302 Redirect", "/404.html", b""))
st, h, _, body = get("/404.html")
eq("... which is served with 200", (st, body), ("HTTP/1.1 200 OK", FILES["404.html"]))

# ---- traversal: nothing outside the www dir ------------------------------------------
for path in ("/../outside.txt", "/%2e%2e/outside.txt", "/..%2foutside.txt", "/sub/../../outside.txt",
             "/%2e%2e%2foutside.txt", "/.%2e/outside.txt", "/sub/%2e%2e/%2e%2e/outside.txt",
             "//" + tmp.lstrip("/") + "/outside.txt", tmp + "/outside.txt", "/..\\outside.txt"):
    resp, _ = raw(req("GET", path, headers=[("Connection", "close")]), timeout=3)
    check(b"OUTSIDE" not in resp, "traversal %s -> %s, not the outside file" % (path.replace(tmp, "TMP"), status_of(resp)))
# lws normalises "/sub/../index.html" to "/index.html" (parsers.c: URI_SANITIZE .. handling)
st, h, _, body = get("/sub/../index.html")
eq("/sub/../index.html is /index.html", (st, body), ("HTTP/1.1 200 OK", FILES["index.html"]))
st, h, _, body = get("/%69ndex.html")
eq("%-escapes in the path are decoded (/%69ndex.html)", (st, body), ("HTTP/1.1 200 OK", FILES["index.html"]))
resp, closed = raw(b"GET /index.html%00.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=3)
check(b"OUTSIDE" not in resp and FILES["index.html"] not in resp,
      "NUL (%%00) in the path does not cut it short -> %s" % status_of(resp))

# ---- the request API through /dyn ---------------------------------------------------------
server_lines()
c = Conn()
c.send(req("GET", "/dyn/x/y?a=1&ab=2&c&sp=%20x+y", headers=[
    ("User-Agent", "UA/1"), ("X-Custom", "hello"), ("Accept-Language", "fr"), ("Connection", "close")]))
st, h, names, body = c.response()
eq("GET /dyn: 200 text/plain, the app's headers", (st, h.get("content-type"), h.get("x-dyn"), h.get("cache-control")),
   ("HTTP/1.1 200 OK", "text/plain", "yes", "no-store"))
lines = body.decode().splitlines()
want = [
    # a GET to a mount whose origin names the protocol gets the WHOLE uri in `in`
    # (server.c lws_http_action: hit->protocol is NULL, so the final callback passes
    # uri_ptr, not uri_ptr + mountpoint_len); a POST gets what follows the mountpoint
    "in=/dyn/x/y",
    "method=GET uri=/dyn/x/y",
    "get_uri=/dyn/x/y",
    "host=127.0.0.1:%d" % port,
    "ua=UA/1",
    # the fragments' lengths plus one separator between each (parsers.c
    # lws_hdr_total_length counts a byte between fragments)
    "args_total=18",
    "arg=a=1", "arg=ab=2", "arg=c",
    # urlargs are %-decoded and '+' becomes a space
    "arg=sp= x y",
    "urlarg a==1",
    # lws_get_urlarg_by_name_safe matches the name as a PREFIX (core-net/wsi.c:758
    # strncmp(buf, name, sl)): "a" finds "a=1" first here; see also /dyn/prefix below
    "urlarg_safe a=1",
    # custom header names are stored lowercased, with the colon
    "custom x-custom:=hello",
    "custom X-Custom:=(none)",
    "accept_language=fr",
    # a buffer too small: -1 (parsers.c lws_hdr_copy: "if (n + 1 > len) return -1")
    "ua_copy_4=-1",
    "vhost=localhost",
]
eq("/dyn body: what the header API reports", lines, want)
check(c.closed(), "Connection: close -> the server closes after the response")
c.close()
o = order(server_lines())
eq("callback order of a /dyn GET on its own connection", o, [
    "FILTER_NETWORK_CONNECTION", "WSI_CREATE", "SERVER_NEW_CLIENT_INSTANTIATED",
    "FILTER_HTTP_CONNECTION", "HTTP_BIND_PROTOCOL", "CHECK_ACCESS_RIGHTS", "HTTP",
    "HTTP_WRITEABLE...",
    # Connection: close: lws_http_transaction_completed closes, no rebind to protocols[0]
    "HTTP_DROP_PROTOCOL", "CLOSED_HTTP", "WSI_DESTROY"])
st, h, _, body = get("/dyn/q?ab=3&a=1")
# "a" (no '=') matches "ab=3" first, as a prefix, and returns the rest "b=3" (wsi.c:758-770)
check("urlarg_safe a=b=3" in body.decode() and "urlarg a==1" in body.decode(),
      "lws_get_urlarg_by_name_safe(\"a\") matches \"ab=3\" as a prefix -> \"b=3\"; \"a=\" finds a=1")
st, h, _, body = get("/dyn/big?n=100000")
eq("100000-byte dynamic body in 4096-byte writes", (st, h.get("content-length"), len(body), body[:30]),
   ("HTTP/1.1 200 OK", "100000", 100000, b"abcdefghijklmnopqrstuvwxyzabcd"))
st, h, _, body = get("/dynamo")
eq("/dynamo is not the /dyn mount (a mountpoint ends at '/' or the end)", st, "HTTP/1.1 302 Redirect")

# ---- keep-alive and pipelining ------------------------------------------------------------
c = Conn()
seq = []
for path in ("/index.html", "/dyn/k1", "/plain.txt", "/dyn/big?n=10000", "/a.zzz"):
    c.send(req("GET", path))
    st, h, _, body = c.response()
    seq.append((st, len(body) if path != "/dyn/k1" else body[:10]))
eq("keep-alive: 5 requests, one after another, on one connection", seq,
   [("HTTP/1.1 200 OK", len(FILES["index.html"])), ("HTTP/1.1 200 OK", b"in=/dyn/k1"),
    ("HTTP/1.1 200 OK", len(FILES["plain.txt"])), ("HTTP/1.1 200 OK", 10000),
    ("HTTP/1.1 200 OK", len(FILES["a.zzz"]))])
c.send(req("GET", "/cached"))
st, h, _, body = c.response()
# on a kept-alive connection the request version of the previous request is still there
eq("a mount redirect on a kept-alive connection says HTTP/1.1 (the previous request's version)",
   st, "HTTP/1.1 301 Redirect")
c.close()

# Pipelining is broken in lws 4.3.10: lws_handshake_server goes on parsing the bytes
# after a request head while the first transaction is still under way.  After a file
# (served at once) the second request is parsed from a reset header table and fails the
# "we insist on absolute paths" check: 403 (server.c lws_http_action); after a dynamic
# response (sent from HTTP_WRITEABLE) the second request's LWS_CALLBACK_HTTP comes
# before the first body was written, both header blocks go out and the bodies never do.
# Ours answers pipelined requests in order, as RFC 9112 9.3.2 asks.
c = Conn()
c.send(req("GET", "/plain.txt") + req("GET", "/a.zzz", headers=[("Connection", "close")]))
got = []
try:
    for i in range(2):
        st, h, _, body = c.response()
        got.append((st, body[:12]))
except (EOFError, ConnectionResetError, socket.timeout):
    got.append("closed")
deliberate("pipelining: 2 file requests in one send", got,
           [("HTTP/1.1 200 OK", FILES["plain.txt"][:12]), ("HTTP/1.1 403 Forbidden", b"<html><head>")],
           [("HTTP/1.1 200 OK", FILES["plain.txt"][:12]), ("HTTP/1.1 200 OK", FILES["a.zzz"])])
c.close()
if not LWS_REF:
    c = Conn()
    c.send(req("GET", "/plain.txt") + req("GET", "/dyn/p2") + req("HEAD", "/index.html")
           + req("POST", "/post/p", body=b"abc") + req("GET", "/a.zzz", headers=[("Connection", "close")]))
    got = []
    for head_only in (False, False, True, False, False):
        st, h, _, body = c.response(head_only=head_only)
        got.append((st, body[:12]))
    deliberate("pipelining: 5 mixed requests in one send, answered in order", got, None,
               [("HTTP/1.1 200 OK", FILES["plain.txt"][:12]), ("HTTP/1.1 200 OK", b"in=/dyn/p2\nm"),
                ("HTTP/1.1 200 OK", b""), ("HTTP/1.1 200 OK", ("len=3 sum=" + csum(b"abc"))[:12].encode()),
                ("HTTP/1.1 200 OK", FILES["a.zzz"])])
    check(c.closed(), "... and the last one's Connection: close closes")
    c.close()

# HTTP/1.0 defaults to close
c = Conn()
c.send(req("GET", "/plain.txt", version="HTTP/1.0"))
st, h, _, body = c.response()
eq("HTTP/1.0 request -> HTTP/1.0 status line", st, "HTTP/1.0 200 OK")
check(c.closed(), "... and the connection closes (1.0 without keep-alive)")
c.close()

# ---- status, redirects --------------------------------------------------------------------
st, h, _, body = get("/status/503")
eq("lws_return_http_status(503, body)", (st, h.get("content-type"), h.get("content-length") == str(len(body))),
   ("HTTP/1.1 503 Service Unavailable", "text/html", True))
check(b"<h1>503</h1>from /status</body></html>" in body, "... its HTML body carries the code and the text")
st, h, _, body = get("/status/404")
eq("lws_return_http_status(404) with error_document_404 -> 302 to it", (st, h.get("location")),
   ("HTTP/1.1 302 Redirect", "/404.html"))
st, h, _, body = get("/status/299")
eq("an unusual code: 299 with an empty description", st, "HTTP/1.1 299 ")
st, h, _, body = get("/redir")
eq("lws_http_redirect(303): Location, content-length 0", (st, h.get("location"), h.get("content-length"), body),
   ("HTTP/1.1 303 Redirect", "/dyn/landed", "0", b""))
st, h, _, body = get("/moved/anything?x=1")
# LWSMPRO_REDIR_HTTP: "http://" + origin, whatever followed the mountpoint is dropped
eq("LWSMPRO_REDIR_HTTP mount -> 301 http://origin", (st, h.get("location")),
   ("HTTP/1.0 301 Redirect", "http://example.test/new/place"))

# ---- request bodies -----------------------------------------------------------------------


server_lines()
data = bytes((i * 13) & 0xFF for i in range(300000))
st, h, _, body = get("/post/up", method="POST", body=data, headers=[("Connection", "close")])
eq("POST 300000 bytes with Content-Length: length and checksum", (st, body.decode()),
   ("HTTP/1.1 200 OK", "len=300000 sum=%s\n" % csum(data)))
o = order(server_lines())
eq("callback order of a POST", o, [
    "FILTER_NETWORK_CONNECTION", "WSI_CREATE", "SERVER_NEW_CLIENT_INSTANTIATED",
    "FILTER_HTTP_CONNECTION", "HTTP_BIND_PROTOCOL", "CHECK_ACCESS_RIGHTS", "HTTP",
    "HTTP_BODY...", "HTTP_BODY_COMPLETION", "HTTP_WRITEABLE...",
    "HTTP_DROP_PROTOCOL", "CLOSED_HTTP", "WSI_DESTROY"])
# the same on a kept-alive connection: completing the transaction rebinds protocols[0]
c = Conn()
c.send(req("POST", "/post/k", body=b"abc"))
c.response()
time.sleep(0.2)
o = order(server_lines())
c.close()
o += order(server_lines())
eq("callback order of a kept-alive POST, then the client closes", o, [
    "FILTER_NETWORK_CONNECTION", "WSI_CREATE", "SERVER_NEW_CLIENT_INSTANTIATED",
    "FILTER_HTTP_CONNECTION", "HTTP_BIND_PROTOCOL", "CHECK_ACCESS_RIGHTS", "HTTP",
    "HTTP_BODY...", "HTTP_BODY_COMPLETION", "HTTP_WRITEABLE...",
    "HTTP_DROP_PROTOCOL", "HTTP_BIND_PROTOCOL", "HTTP_DROP_PROTOCOL", "CLOSED_HTTP", "WSI_DESTROY"])
c = Conn()
c.send(req("POST", "/post/a", body=b"first"))
r1 = c.response()
c.send(req("POST", "/post/b", body=b"second body"))
r2 = c.response()
eq("two POSTs, one after the other, on one kept-alive connection", (r1[3], r2[3]),
   (("len=5 sum=%s\n" % csum(b"first")).encode(), ("len=11 sum=%s\n" % csum(b"second body")).encode()))
c.close()
server_lines()
st, h, _, body = get("/post/z", method="POST", body=b"")
eq("POST with Content-Length: 0 -> BODY_COMPLETION at once", body.decode(), "len=0 sum=00000000\n")

# Chunked request bodies: lws 4.3's server does not decode them.  A POST without
# Content-Length gets rx_content_length = 100 MiB (server.c lws_http_action: "100 * 1024 *
# 1024"), the chunk framing arrives as body bytes in HTTP_BODY, BODY_COMPLETION never
# comes, and the connection is closed when PENDING_TIMEOUT_HTTP_CONTENT (timeout_secs)
# expires, without a response.  Ours decodes chunked bodies (RFC 9112 7.1).
server_lines()
chunked = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
c = Conn()
t0 = time.monotonic()
c.send(b"POST /post/ch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
closed = c.closed(timeout=8)
dt = time.monotonic() - t0
if LWS_REF:
    deliberate("chunked POST: closed without a response after timeout_secs (lws does not de-chunk)",
               (closed, c.buf, 2 <= dt <= 6), (True, b"", True), None)
    c.close()
    lines = server_lines()
    bodies = [int(l.split("len=")[1]) for l in lines if " HTTP_BODY len=" in l]
    deliberate("... HTTP_BODY saw the raw chunk framing, no HTTP_BODY_COMPLETION",
               (sum(bodies), any("BODY_COMPLETION" in l for l in lines)), (len(chunked), False), None)
else:
    c.close()
    c = Conn()
    c.send(b"POST /post/ch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
    st, h, _, body = c.response()
    deliberate("chunked POST: de-chunked, HTTP_BODY gets the data only", (st, body.decode()), None,
               ("HTTP/1.1 200 OK", "len=11 sum=%s\n" % csum(b"hello world")))
    c.close()

# forms
st, h, _, body = get("/form", method="POST", body=b"text=a+b%21%26c&num=42&junk=1",
                     headers=[("Content-Type", "application/x-www-form-urlencoded")])
eq("urlencoded form through lws_spa", body.decode().splitlines(),
   ["text=a b!&c (6)", "num=42 (2)", "upload=(none) (0)", "file=(none) size=0 sum=00000000"])
filedata = os.urandom(1000 * 1024)
bnd = "----lwstestBOUNDARY" + hashlib.md5(filedata).hexdigest()[:8]
mp = b""
for name, val in (("text", b"hello form"), ("num", b"7")):
    mp += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (bnd, name)).encode() + val + b"\r\n"
mp += ("--%s\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"big.bin\"\r\n"
       "Content-Type: application/octet-stream\r\n\r\n" % bnd).encode() + filedata + b"\r\n"
mp += ("--%s--\r\n" % bnd).encode()
server_lines()
st, h, _, body = get("/form", method="POST", body=mp,
                     headers=[("Content-Type", "multipart/form-data; boundary=" + bnd)])
eq("multipart form with a 1000 KiB file: fields and the file's size/checksum via the upload callback",
   (st, body.decode().splitlines()),
   ("HTTP/1.1 200 OK", ["text=hello form (10)", "num=7 (1)", "upload=(none) (0)",
                        "file=big.bin size=%d sum=%s" % (len(filedata), csum(filedata))]))
lines = server_lines()
check(sum(1 for l in lines if " HTTP_BODY len=" in l) > 1,
      "... the body came in several HTTP_BODY callbacks")
# a POST's `in` is what follows the mountpoint ("" for /form itself)
check("localhost HTTP " in lines or any(l == "localhost HTTP " for l in lines),
      "... and LWS_CALLBACK_HTTP's `in` for POST /form is \"\" (the part after the mountpoint)")

# ---- basic auth ---------------------------------------------------------------------------


def auth(cred):
    return [("Authorization", "Basic " + base64.b64encode(cred.encode()).decode())]


st, h, _, body = get("/secret/")
eq("/secret without credentials: 401, WWW-Authenticate, empty body",
   (st, h.get("www-authenticate"), h.get("content-length"), body),
   ("HTTP/1.1 401 Unauthorized", 'Basic realm="lwsws"', "0", b""))
st, h, _, body = get("/secret/", headers=auth("user:pass"))
eq("... with the right credentials: 200 and the file", (st, body), ("HTTP/1.1 200 OK", FILES["secret/index.html"]))
st, h, _, body = get("/secret/", headers=auth("admin:letmein"))
eq("... the first line of the login file too", st, "HTTP/1.1 200 OK")
for cred in ("user:bad", "user:pas", "nobody:pass", "user:pass\nadmin:letmein"):
    st, h, _, body = get("/secret/", headers=auth(cred))
    eq("... wrong credentials %r: 401" % cred, st, "HTTP/1.1 401 Unauthorized")
# lws looks the "user:password" string up in the file with a matcher that restarts
# without backtracking and needs only a line END after it (server.c
# lws_find_string_in_file), so a SUFFIX of a line is accepted: "ser:pass" logs in.
# Ours refuses it (a security bug in lws).
st, h, _, body = get("/secret/", headers=auth("ser:pass"))
deliberate("... a suffix of a login line ('ser:pass')", st, "HTTP/1.1 200 OK", "HTTP/1.1 401 Unauthorized")
st, h, _, body = get("/secret/", headers=[("Authorization", "Basic !!!notbase64")])
# a header that is not "Basic <base64>" ends the transaction with 403 (server.c
# lws_check_basic_auth: LCBA_END_TRANSACTION when lws_b64_decode_string fails)
eq("... undecodable credentials: 403", st, "HTTP/1.1 403 Forbidden")

# ---- SSE ----------------------------------------------------------------------------------
c = Conn()
c.send(req("GET", "/sse", headers=[("Accept", "text/event-stream")]))
st, h, _, body = c.response()
eq("SSE: 200 text/event-stream, connection: close, no content-length, the events, then close",
   (st, h.get("content-type"), h.get("connection"), "content-length" in h, body.decode()),
   ("HTTP/1.1 200 OK", "text/event-stream", "close", False,
    "id: 1\ndata: event 1\n\nid: 2\ndata: event 2\n\nid: 3\ndata: event 3\n\n"))
c.close()

# ---- vhosts -------------------------------------------------------------------------------
SEC = {"content-security-policy": "default-src 'none'; img-src 'self' data: ; script-src 'self'; "
       "font-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
       "base-uri 'none';form-action 'self';",
       "x-content-type-options": "nosniff", "x-xss-protection": "1; mode=block",
       "x-frame-options": "deny", "referrer-policy": "no-referrer"}
st, h, names, body = get("/abc", host="second")
eq("Host: second -> the second vhost", (st, body), ("HTTP/1.1 200 OK", b"second vhost: /abc\n"))
eq("... its own headers, in order", names[:2], ["x-test-vhost", "x-second-extra"])
eq("... and the security best-practice headers", {k: h.get(k) for k in SEC}, SEC)
st, h, names, body = get("/abc", host="second:%d" % port)
eq("Host: second:PORT -> the second vhost", body, b"second vhost: /abc\n")
st, h, _, body = get("/index.html")
check(not any(k in h for k in SEC), "the first vhost has no security headers")
# lws_select_vhost (server.c:508) matches strncmp(vhost->name, host, len(host before ':')):
# a Host that is a PREFIX of a vhost name selects it; then "*.name"; then the first vhost
# on the port.  DELIBERATE? a prefix match is surely unintended.
st, h, _, body = get("/abc", host="sec")
eq("Host: sec (a prefix of 'second') -> the second vhost", body, b"second vhost: /abc\n")
st, h, _, body = get("/abc", host="www.second")
eq("Host: www.second -> the second vhost (wildcard match)", body, b"second vhost: /abc\n")
st, h, _, body = get("/index.html", host="other.example")
eq("an unknown Host -> the first vhost on the port", (h.get("x-test-vhost"), body),
   ("localhost", FILES["index.html"]))
c = Conn()
c.send(b"GET /index.html HTTP/1.0\r\n\r\n")
st, h, _, body = c.response()
eq("no Host at all (HTTP/1.0) -> the first vhost", (st, h.get("x-test-vhost")), ("HTTP/1.0 200 OK", "localhost"))
c.close()
c = Conn()
c.send(req("GET", "/index.html"))
r1 = c.response()
c.send(req("GET", "/abc", host="second"))
r2 = c.response()
eq("the vhost is chosen per request on a kept-alive connection",
   (r1[1].get("x-test-vhost"), r2[1].get("x-test-vhost")), ("localhost", "second"))
c.close()

# ---- ws upgrade on the same listener -------------------------------------------------------
def ws_connect(host):
    """A raw ws handshake for lws-test-ws with this Host header: (outcome, Conn)."""
    c = Conn(timeout=5)
    key = base64.b64encode(os.urandom(16))
    c.send(b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
           b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: lws-test-ws\r\n\r\n")
    try:
        st, h, _, _ = c.response(head_only=True)
    except (EOFError, ConnectionResetError):
        c.close()
        return "closed without a response", None
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()).decode()
    if st.startswith("HTTP/1.1 101") and h.get("sec-websocket-accept") != accept:
        return "101 with a bad accept key", c
    return "HTTP %s %s" % (st.split(" ")[1], h.get("sec-websocket-protocol")), c


server_lines()
outcome, c = ws_connect("localhost:%d" % port)
eq("ws upgrade on the HTTP port (Host localhost:PORT): 101, lws-test-ws", outcome, "HTTP 101 lws-test-ws")
c.send(WS.frame(1, "hello ws"))
while len(c.buf) < 2:
    c._fill()
n = c.buf[1] & 0x7F
while len(c.buf) < 2 + n:
    c._fill()
eq("... echo", (c.buf[0], c.buf[2:2 + n]), (0x81, b"hello ws"))
c.send(WS.frame(8, b"\x03\xe8"))
c.closed(timeout=3)
c.close()
o = order(server_lines())
check("ESTABLISHED" in o and "RECEIVE" in o, "... the ws protocol got ESTABLISHED and RECEIVE (%s)" % " ".join(o))


def ws_outcome(host):
    outcome, c = ws_connect(host)
    if c:
        c.close()
    return outcome


# LWS_SERVER_OPTION_VHOST_UPG_STRICT_HOST_CHECK (server.c lws_confirm_host_header): an
# upgrade's Host must be the vhost's name and its listen port (80 when none is given);
# otherwise lws closes the connection (bail_nuke_ah) without any response.  Plain HTTP is
# not checked.
eq("strict host check: Host 127.0.0.1:PORT on an upgrade -> closed", ws_outcome("127.0.0.1:%d" % port),
   "closed without a response")
eq("strict host check: Host localhost (port 80 implied) -> closed", ws_outcome("localhost"),
   "closed without a response")
eq("strict host check: Host localhost:1 -> closed", ws_outcome("localhost:1"), "closed without a response")
eq("the second vhost has no strict check: Host second -> 101", ws_outcome("second"), "HTTP 101 lws-test-ws")
st, h, _, _ = get("/index.html", host="localhost")
eq("plain HTTP is not host-checked", st, "HTTP/1.1 200 OK")

# ---- malformed and oversize requests -------------------------------------------------------
# lws closes the connection without a response when the request head does not fit in
# max_http_header_data (2048 here) (parsers.c: "Ran out of header data space").
# Ours answers 431 (as example_echo.py already has it).
TOO_LARGE = ("HTTP/1.1 431 Request Header Fields Too Large", True)
resp, closed = raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 3000 + b"\r\n\r\n")
deliberate("a header bigger than max_http_header_data -> closed", (status_of(resp), closed),
           ("(no response)", True), TOO_LARGE)
resp, closed = raw(b"GET /" + b"u" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
deliberate("a URI bigger than max_http_header_data -> closed", (status_of(resp), closed),
           ("(no response)", True), TOO_LARGE)
resp, closed = raw(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(40)) + b"\r\n")
eq("many small headers, under the limit in total -> served", status_of(resp), "HTTP/1.1 200 OK")
# a request line lws cannot use: 403 "we insist on absolute paths" (server.c lws_http_action)
for what, data in [
        ("relative path", b"GET index.html HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("absolute-form URI", b"GET http://x/index.html HTTP/1.1\r\nHost: x\r\n\r\n")]:
    resp, closed = raw(data, timeout=3)
    eq("%s -> 403, closed" % what, (status_of(resp), closed), ("HTTP/1.0 403 Forbidden", True))
for what, data, want in [
        ("binary garbage", b"\x16\x03\x01\x02\x00garbage\r\n\r\n", "HTTP/1.0 403 Forbidden"),
        ("unknown method", b"BREW /index.html HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 403 Forbidden"),
        # no version: taken as HTTP/1.0 (server.c lws_http_action: "Default to 1.0")
        ("no version", b"GET /index.html\r\nHost: x\r\n\r\n", "HTTP/1.0 200 OK"),
        ("header line without a colon", b"GET /index.html HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", None),
        ("lone LF line ends", b"GET /index.html HTTP/1.1\nHost: x\n\n", None)]:
    resp, closed = raw(data, timeout=3)
    got = (status_of(resp), closed)
    print("     %s -> %s%s" % (what, got[0], ", closed" if closed else ", left open"), flush=True)
    if what == "binary garbage":
        # the project asks malformed requests to get 400 (lws: its generic 403)
        deliberate("%s" % what, got[0], want, "HTTP/1.1 400 Bad Request")
    elif want:
        eq("%s -> %s" % (what, want), got[0], want)

# ---- a slow sender is dropped after timeout_secs, others are served meanwhile -------------
slow = Conn()
slow.send(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")
t0 = time.monotonic()
served = []
for i in range(3):
    st, h, _, body = get("/plain.txt")
    served.append(st)
    time.sleep(0.3)
eq("while a request head is incomplete, other connections are served", served, ["HTTP/1.1 200 OK"] * 3)
closed = slow.closed(timeout=10)
dt = time.monotonic() - t0
# the incomplete head holds a header table: PENDING_TIMEOUT_HOLDING_AH, the vhost's
# timeout_secs_ah_idle (3 s here; parsers.c lws_header_table_reset), not timeout_secs
check(closed and not slow.buf and 2 <= dt < 6,
      "the slow sender is closed without a response after timeout_secs_ah_idle (%s after %.0f s)"
      % ("closed" if closed else "open", dt))
slow.close()

# a body dribbled a byte at a time: lws restarts timeout_secs for every piece and lets it
# run on; ours wants 1 KiB of progress per timeout_secs (3 s here) and cuts it off
drip = Conn()
drip.send(b"POST /post/drip HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
t0 = time.monotonic()
cut = False
for i in range(16):
    try:
        drip.send(b"d")
    except OSError:
        cut = True
        break
    if drip.closed(timeout=0.5):
        cut = True
        break
dt = time.monotonic() - t0
deliberate("a body dribbled a byte every 0.5 s", cut and 2 <= dt < 6, False, True)
drip.close()

# an idle kept-alive connection is closed after keepalive_timeout
c = Conn()
c.send(req("GET", "/plain.txt"))
c.response()
t0 = time.monotonic()
closed = c.closed(timeout=10)
check(closed and time.monotonic() - t0 < 9, "an idle keep-alive connection is closed (keepalive_timeout)")
c.close()

# ---- the low-level API through /api ----------------------------------------------------------
# Checks of what ours does differently from lws 4.3.10 go through todo_eq(): it asserts
# lws's behaviour, and against ours a failure is counted (the test fails) without stopping
# the run, so every such difference is listed.  Each has a TODO comment naming it.

def todo_eq(what, got, want):
    global failures
    if got == want:
        print("ok   " + what, flush=True)
        return
    print("FAIL %s [TODO: ours differs from lws 4.3]\n     got:  %r\n     want: %r" % (what, got, want), flush=True)
    failures += 1
    if LWS_REF and not SURVEY:
        finish(1)


# lws_add_http_header_status + lws_add_http_header_by_token + lws_add_http_header_content_length
# + lws_add_http_header_by_name + lws_finalize_http_header, then lws_write of the headers and
# of the body, from LWS_CALLBACK_HTTP itself
st, h, names, body = get("/api/status?code=201")
eq("/api/status?code=201: status line from lws_add_http_header_status (no text for 201)",
   (st, names, h.get("content-length"), body),
   ("HTTP/1.1 201 ", ["x-test-vhost", "content-type", "content-length", "x-api"], "11", b"status api\n"))
# the status is the low 16 bits (LWSAHH_CODE_MASK); LWSAHH_FLAG_NO_SERVER_NAME only drops
# the Server: header this context does not send anyway; no error-document redirect for a
# 404 built by hand (only lws_return_http_status does that)
st, h, _, body = get("/api/status?code=404&flag=1")
eq("/api/status 404|LWSAHH_FLAG_NO_SERVER_NAME: 404 Not Found, the app's body", (st, body),
   ("HTTP/1.1 404 Not Found", b"status api\n"))
st, h, _, body = get("/api/status?code=418")
# lws's table of 4xx texts ends at 417 (header.c err400[])
eq("/api/status 418: no text (beyond lws's 4xx table)", st, "HTTP/1.1 418 ")
st, h, _, body = get("/api/status?code=304", version="HTTP/1.0")
eq("/api/status 304 to an HTTP/1.0 request: HTTP/1.0 304 Not Modified", st, "HTTP/1.0 304 Not Modified")
c = Conn()
c.send(req("GET", "/api/status?edges=1"))
st, h, _, body = c.response()
lines = body.decode().splitlines()
eq("builders at the edge of the buffer: return values", [l.split(", wrote")[0] for l in lines[1:13]], [
    # lws_finalize_http_header needs 3 bytes of room (header.c: "end - *p < 3")
    "finalize room=0 -> 1", "finalize room=2 -> 1", "finalize room=3 -> 0",
    "finalize room=10 -> 0", "finalize room=20 -> 0",
    "content_length room=0 -> 1", "content_length room=2 -> 1", "content_length room=3 -> 1",
    "content_length room=10 -> 1", "content_length room=20 -> 1",
    "status room=20 -> 1",
    "status room=256 -> 0: HTTP/1.1 200 OK"])
eq("... a finalize that fails writes nothing; one that succeeds writes CRLF",
   [l.split(", ")[1] for l in lines[1:6]], ["wrote 0", "wrote 0", "wrote 2", "wrote 2", "wrote 2"])
# TODO(ours differs): a lws_add_http_header_content_length that fails has already
# written what fitted of "content-length: " and moved *p on (header.c
# lws_add_http_header_by_name copies the name byte by byte before checking the room for
# the value); ours fails without writing.  DELIBERATE? only a failed builder's leftovers.
todo_eq("... a failed lws_add_http_header_content_length leaves what fitted of the name",
        [l.split(", ")[1] for l in lines[6:11]], ["wrote 0", "wrote 2", "wrote 3", "wrote 10", "wrote 16"])
eq("... lws_add_http_header_status writes the status line and the vhost's headers",
   lines[12:], ["status room=256 -> 0: HTTP/1.1 200 OK", "x-test-vhost: localhost",
                "content_length 0 -> 0: content-length: 0"])
# lws_add_http_header_content_length set the length: the connection stays open for the next
c.send(req("GET", "/api/status?code=202", headers=[("Connection", "close")]))
st, h, _, body = c.response()
eq("... kept alive after the hand-built response: the next request is answered", (st, body),
   ("HTTP/1.1 202 ", b"status api\n"))
c.close()

# lws_token_to_string: every token of this build (lws 4.3.10's default configuration:
# lextable-strings.h), "" for _WSI_TOKEN_CLIENT_SENT_PROTOCOLS (the array's last,
# "not matchable" entry), NULL from there on (header.c: token >= LWS_ARRAY_SIZE(set))
TOKENS = ["get ", "post ", "options ", "host:", "connection:", "upgrade:", "origin:",
          "sec-websocket-draft:", "\\r\\n", "sec-websocket-extensions:", "sec-websocket-key1:",
          "sec-websocket-key2:", "sec-websocket-protocol:", "sec-websocket-accept:",
          "sec-websocket-nonce:", "http/1.1 ", "http2-settings:", "accept:",
          "access-control-request-headers:", "if-modified-since:", "if-none-match:",
          "accept-encoding:", "accept-language:", "pragma:", "cache-control:", "authorization:",
          "cookie:", "content-length:", "content-type:", "date:", "range:", "referer:",
          "sec-websocket-key:", "sec-websocket-version:", "sec-websocket-origin:", ":authority",
          ":method", ":path", ":scheme", ":status", "accept-charset:", "accept-ranges:",
          "access-control-allow-origin:", "age:", "allow:", "content-disposition:",
          "content-encoding:", "content-language:", "content-location:", "content-range:",
          "etag:", "expect:", "expires:", "from:", "if-match:", "if-range:",
          "if-unmodified-since:", "last-modified:", "link:", "location:", "max-forwards:",
          "proxy-authenticate:", "proxy-authorization:", "refresh:", "retry-after:", "server:",
          "set-cookie:", "strict-transport-security:", "transfer-encoding:", "user-agent:",
          "vary:", "via:", "www-authenticate:", "patch", "put", "delete", "uri-args", "proxy ",
          "x-real-ip:", "http/1.0 ", "x-forwarded-for:", "connect ", "head ", "te:",
          "replay-nonce:", ":protocol", "x-auth-token:", "x-amzn-dss-signature:"]
st, h, _, body = get("/api/tokens?all=1")
toks = [l for l in body.decode().splitlines() if l.startswith("tok ")]
eq("lws_token_to_string: tokens 0..87 (WSI_TOKEN_DSS_SIGNATURE)", toks[:88],
   ["tok %d=%s" % (i, s) for i, s in enumerate(TOKENS)])
# TODO(ours differs): lws 4.3 answers "" for token 88 (_WSI_TOKEN_CLIENT_SENT_PROTOCOLS),
# the set[] array's final "not matchable" "" entry; ours answers NULL
todo_eq("lws_token_to_string(_WSI_TOKEN_CLIENT_SENT_PROTOCOLS = 88) -> \"\"", toks[88:89], ["tok 88="])
eq("... NULL for the other internal tokens, WSI_TOKEN_COUNT, -1 and 1000", toks[89:],
   ["tok %d=(null)" % i for i in range(89, 96)] + ["tok COUNT=(null)", "tok -1=(null)", "tok 1000=(null)"])

# lws_hdr_fragment_length (fragments -1..4) and lws_hdr_copy of repeated headers and URI
# args; lws_hdr_custom_length / lws_hdr_custom_copy of present, absent and oddly named
# custom headers
st, h, _, body = get("/api/tokens?a=1&bb=22&ccc&&e=", headers=[
    ("Accept", "text/html"), ("Accept", "b/c, d"), ("Cookie", "a=1"), ("Cookie", "bb=2"),
    ("X-Custom", "hello"), ("X-Empty", ""), ("x-rep", "1"), ("X-Rep", "22")])
lines = [l for l in body.decode().splitlines() if not l.startswith("tok ")]
# URI args: a fragment per '&'-separated argument, an empty one ("&&") included;
# a negative or too large index -> 0 (parsers.c lws_hdr_fragment_length)
eq("URI args: fragment lengths, total, copy", lines[0], "args total=17 frags=0,3,5,3,0,2 copy=a=1&bb=22&ccc&&e=")
# A repeated header is a second fragment, and lws's parser starts it with a space it
# inserts itself (parsers.c, "continuation": issue_char(wsi, ' ')), after which the
# "optional initial space swallow" no longer applies (it tests the FIRST fragment's
# length), so "Accept: b/c, d" is stored as "  b/c, d" (8 bytes) and the copy is
# "text/html,  b/c, d"; cookies are joined with ';': "a=1;  bb=2".
# TODO(ours differs): ours stores the later fragments without those two spaces:
#   accept total=16 frags=0,9,6,0,0,0 copy=text/html,b/c, d
#   cookie total=8 frags=0,3,4,0,0,0 copy=a=1;bb=2
todo_eq("a repeated Accept: fragments keep lws's inserted space and the request's",
        lines[1], "accept total=18 frags=0,9,8,0,0,0 copy=text/html,  b/c, d")
todo_eq("a repeated Cookie: the same, joined with ';'", lines[2], "cookie total=10 frags=0,3,6,0,0,0 copy=a=1;  bb=2")
eq("a single header: one fragment; an absent one: 0 everywhere", lines[3:5],
   ["host total=%d frags=0,%d,0,0,0,0 copy=127.0.0.1:%d" % ((len("127.0.0.1:%d" % port),) * 2 + (port,)),
    "range total=0 frags=0,0,0,0,0,0 copy="])
eq("lws_hdr_custom_length / lws_hdr_custom_copy", lines[5:], [
    "custom_length 'x-custom:' 9 -> 5 (copy 5 'hello')",
    # the name must be the lowercase name with its colon, exactly nlen bytes
    "custom_length 'X-Custom:' 9 -> -1 (copy -1 '')",
    "custom_length 'x-custom' 8 -> -1 (copy -1 '')",
    # present with an empty value: 0, not -1
    "custom_length 'x-empty:' 8 -> 0 (copy 0 '')",
    # a repeated custom header: the first one (parsers.c walks unk_ll_head from the start)
    "custom_length 'x-rep:' 6 -> 1 (copy 1 '1')",
    "custom_length 'x-absent:' 9 -> -1 (copy -1 '')",
    # no prefix match
    "custom_length 'x-cust' 6 -> -1 (copy -1 '')",
    "custom_length '' 0 -> -1 (copy -1 '')"])

# lws_serve_http_file from a callback: 200, the content type given, content-length,
# "cache-control: no-store" unless other_headers has a cache-control, other_headers
# copied as they are, then HTTP_FILE_COMPLETION
server_lines()
st, h, names, body = get("/api/file?f=plain.txt", headers=[("Connection", "close")])
eq("lws_serve_http_file(plain.txt, \"text/x-api\")", (st, names, h.get("content-type"), h.get("content-length"),
                                                    h.get("cache-control"), body),
   ("HTTP/1.1 200 OK", ["x-test-vhost", "content-type", "content-length", "cache-control"],
    "text/x-api", str(len(FILES["plain.txt"])), "no-store", FILES["plain.txt"]))
lines = server_lines()
eq("... returned 0, then HTTP_FILE_COMPLETION", [l for l in lines if "api file" in l or "FILE_COMPLETION" in l],
   ["localhost api file ret=0", "localhost HTTP_FILE_COMPLETION"])
st, h, names, body = get("/api/file?f=plain.txt&hdr=1&ct=application/x-foo")
eq("... with other_headers: appended after cache-control", (st, names[1:], h.get("x-file-b"), body),
   ("HTTP/1.1 200 OK", ["content-type", "content-length", "cache-control", "x-file-a", "x-file-b"],
    "two", FILES["plain.txt"]))
st, h, names, body = get("/api/file?f=plain.txt&hdr=cc&ct=null")
# server.c lws_serve_http_file: no content-type for NULL or ""; no "no-store" when
# other_headers contains "cache-control" or "Cache-Control"
eq("... content type NULL, other_headers with Cache-Control: neither content-type nor no-store",
   (st, names[1:], h.get("cache-control"), body),
   ("HTTP/1.1 200 OK", ["content-length", "cache-control"], "max-age=5", FILES["plain.txt"]))
st, h, names, body = get("/api/file?f=plain.txt&ct=")
eq("... content type \"\": no content-type", (st, "content-type" in h), ("HTTP/1.1 200 OK", False))
# the path is the application's: nothing stops it leaving the www dir
st, h, _, body = get("/api/file?f=../outside.txt")
eq("... any path the application names is served (../outside.txt)", (st, body), ("HTTP/1.1 200 OK", b"OUTSIDE THE WWW DIR\n"))
# a missing file: lws_return_http_status(404) (so with error_document_404, a 302 to it)
# and the return value 1 (server.c: "return !wsi->mux_substream"), after which the
# application completes the transaction
server_lines()
st, h, _, body = get("/api/file?f=missing.txt")
eq("... a missing file on localhost: 302 to the error document", (st, h.get("location"), body),
   ("HTTP/1.1 302 Redirect", "/404.html", b""))
st, h, _, body = get("/api/file?f=missing.txt", host="second")
eq("... a missing file on a vhost without error document: 404 with lws's HTML",
   (st, h.get("content-type"), b"<h1>404</h1>" in body), ("HTTP/1.1 404 Not Found", "text/html", True))
lines = server_lines()
eq("... and lws_serve_http_file returned 1 both times", [l for l in lines if "api file" in l],
   ["localhost api file ret=1", "second api file ret=1"])
# a directory: lws opens it (open(2) of a directory succeeds), sends the headers with the
# directory's st_size as the content-length, then the read fails and the connection is
# closed with no body.  Deliberately, ours answers as for a missing file (302 to the
# error document here): lws promises a body it never sends.
c = Conn()
c.send(req("GET", "/api/file?f=sub"))
try:
    st, h, _, _ = c.response(head_only=True)
    got = (st, h.get("content-length"), c.closed(timeout=5), c.buf)
except (EOFError, ConnectionResetError):
    got = "closed without a response"
c.close()
deliberate("... a directory", got,
           ("HTTP/1.1 200 OK", str(os.stat(os.path.join(www, "sub")).st_size), True, b""),
           ("HTTP/1.1 302 Redirect", "0", True, b""))
# HEAD: the headers only, the transaction completed inside lws_serve_http_file (no
# HTTP_FILE_COMPLETION), and the connection goes on
server_lines()
c = Conn()
c.send(req("HEAD", "/api/file?f=plain.txt"))
st, h, _, _ = c.response(head_only=True)
eq("HEAD through lws_serve_http_file: the GET's headers", (st, h.get("content-length"), h.get("content-type")),
   ("HTTP/1.1 200 OK", str(len(FILES["plain.txt"])), "text/x-api"))
time.sleep(0.2)
c.send(req("GET", "/api/status", headers=[("Connection", "close")]))
st, h, _, body = c.response()
eq("... no body: the next request on the connection is answered", (st, body), ("HTTP/1.1 200 OK", b"status api\n"))
c.close()
o = order(server_lines(), keep=("HTTP", "HTTP_BIND_PROTOCOL", "HTTP_DROP_PROTOCOL", "HTTP_FILE_COMPLETION", "api"))
eq("... callbacks: the transaction completed (rebind) before lws_serve_http_file returned 0", o[:6],
   ["HTTP_BIND_PROTOCOL", "HTTP", "HTTP_DROP_PROTOCOL", "HTTP_BIND_PROTOCOL", "api", "HTTP_DROP_PROTOCOL"])

# lws_http_headers_detach: the header API answers as if there were no headers, and the
# kept-alive connection still reads the next request
c = Conn()
c.send(req("GET", "/api/detach?a=1", headers=[("X-Custom", "hi")]))
st, h, _, body = c.response()
eq("lws_http_headers_detach, then the header API", (st, body.decode().splitlines()), ("HTTP/1.1 200 OK", [
    "before: host=%d get_uri=11 custom=2" % len("127.0.0.1:%d" % port),
    "detach=0",
    "after: host=0 get_uri=0 args=0 frag0=0 custom=-1",
    # lws_hdr_copy: "" and 0 (no header); lws_hdr_copy_fragment: -1
    "copy host=0 ''",
    "copy_fragment args 0=-1",
    "urlarg a==(null)",
    # detaching again is harmless
    "detach again=0"]))
c.send(req("GET", "/api/tokens?z=9", headers=[("Connection", "close")]))
st, h, _, body = c.response()
check(st == "HTTP/1.1 200 OK" and "args total=3 frags=0,3,0,0,0,0 copy=z=9" in body.decode(),
      "... the next request on the connection has its own headers again")
c.close()

# a form through lws_spa_create (not _via_info): multipart with a file and a field the
# form does not name, urlencoded, and more than max_storage
bnd = "XyZbound"


def part(name, val, fn=None):
    hd = "--%s\r\nContent-Disposition: form-data; name=\"%s\"" % (bnd, name)
    if fn:
        hd += "; filename=\"%s\"\r\nContent-Type: text/plain" % fn
    return (hd + "\r\n\r\n").encode() + val + b"\r\n"


fbody = b"file body\x00\x01\xff" * 100
mp = (part("text", b"hello multipart") + part("other", b"ignored") + part("num", b"12345")
      + part("upload", fbody, "f.txt") + ("--%s--\r\n" % bnd).encode())
MP = [("Content-Type", "multipart/form-data; boundary=" + bnd)]
UE = [("Content-Type", "application/x-www-form-urlencoded")]
st, h, _, body = get("/api/upload", method="POST", body=mp, headers=MP)
eq("lws_spa_create: multipart: fields, the file through the callback, an unnamed field ignored",
   (st, body.decode().splitlines()),
   ("HTTP/1.1 200 OK", ["text=hello multipart (15)", "num=12345 (5)", "upload=(none) (0)",
                        "file=f.txt size=%d sum=%s" % (len(fbody), csum(fbody))]))
st, h, _, body = get("/api/upload", method="POST", body=mp, headers=MP, host="second")
eq("... the same on the second vhost", body.decode().splitlines()[0], "text=hello multipart (15)")
st, h, _, body = get("/api/upload", method="POST", body=b"text=a%20b&num=&upload=zz", headers=UE)
# an empty value is not stored (lws_urldecode_spa_cb: "!len" -> unrecognized)
eq("... urlencoded: an empty value stays NULL", body.decode().splitlines(),
   ["text=a b (3)", "num=(none) (0)", "upload=zz (2)", "file=(none) size=0 sum=00000000"])
# more than max_storage: lws_spa_process fails (lws_urldecode_spa_cb: "exceeded
# storage"), the callback returns -1, the connection closes without a response
for what, path, data, hdrs in (("multipart", "/api/upload?storage=16", mp, MP),
                               ("urlencoded", "/api/upload?storage=20",
                                b"text=0123456789abcdefghijklmnop&num=1", UE)):
    resp, closed = raw(req("POST", path, body=data, headers=hdrs), timeout=3)
    eq("... %s, a value over max_storage: closed without a response" % what, (resp, closed), (b"", True))
st, h, _, body = get("/api/upload")
eq("/api/upload with GET: the app's 405", (st, body), ("HTTP/1.1 405 Method Not Allowed", b"POST only\n"))

# the server is still well
st, h, _, body = get("/index.html")
eq("still serving after all that", (st, body), ("HTTP/1.1 200 OK", FILES["index.html"]))

# ---- a file mount naming a protocol: ADD_HEADERS; basic auth by callback -------------
# lws_http_serve binds the mount's protocol and lets it add headers (ADD_HEADERS);
# LWSAUTHM_BASIC_AUTH_CALLBACK asks the protocol's VERIFY_BASIC_AUTHORIZATION with
# "user:password" instead of a login file, and on success the Authorization header
# reads as the user name (server.c lws_check_basic_auth).
st, h, _, body = get("/addh/plain.txt")
eq("a file mount with a protocol: its ADD_HEADERS line is in the answer",
   (st, h.get("x-added-by"), body), ("HTTP/1.1 200 OK", "http-test", FILES["plain.txt"]))
st, h, _, body = get("/vauth/x")
eq("basic auth by callback: no credentials -> 401", (st, h.get("www-authenticate")),
   ("HTTP/1.1 401 Unauthorized", 'Basic realm="lwsws"'))
st, h, _, body = get("/vauth/x", headers=[("Authorization", "Basic " + base64.b64encode(b"cb:no").decode())])
eq("... refused by the callback -> 401", st, "HTTP/1.1 401 Unauthorized")
st, h, _, body = get("/vauth/x", headers=[("Authorization", "Basic " + base64.b64encode(b"cb:ok").decode())])
eq("... accepted: the app sees the Authorization header as the user name", (st, body),
   ("HTTP/1.1 200 OK", b"vauth user=cb\n"))

# ---- max_http_header_pool: a second server with a pool of 2 header tables ------------
# Two connections holding a table (their heads incomplete) make a third wait unread; when
# one of them completes its request and the table comes back, the third is served.
port2 = t.free_port()
srv2 = t.start(BIN, "-p", port2, "-d", www, "-a", login, "-P", "2")
t.wait_line(srv2, r"listening on port")
def conn2():
    return Conn(to_port=port2)
holders = [conn2(), conn2()]
for hc in holders:
    hc.send(b"GET /plain.txt HTTP/1.1\r\nHost: x\r\n")
time.sleep(0.3)
waiter = conn2()
waiter.send(req("GET", "/index.html"))
waiter.sock.settimeout(1.0)
try:
    early = waiter.sock.recv(1)
except socket.timeout:
    early = b""
eq("max_http_header_pool 2: a third request waits while two heads hold the tables", early, b"")
holders[0].send(b"\r\n")
st, h, _, body = holders[0].response()
eq("... a holder completes its request", st, "HTTP/1.1 200 OK")
waiter.sock.settimeout(5)
st, h, _, body = waiter.response()
eq("... then the waiting request is served", (st, body), ("HTTP/1.1 200 OK", FILES["index.html"]))
for cc in holders + [waiter]:
    cc.close()
srv2.send_signal(2)
try:
    srv2.wait(timeout=20)
except subprocess.TimeoutExpired:
    check(False, "second server exits on SIGINT")

srv.send_signal(2)
try:
    srv.wait(timeout=20)
except subprocess.TimeoutExpired:
    check(False, "server exits on SIGINT")
check(srv.returncode == 0, "server exits cleanly on SIGINT (rc %s)" % srv.returncode)
shutil.rmtree(tmp, ignore_errors=True)
if failures:
    print("%d checks failed" % failures)
    sys.exit(1)
