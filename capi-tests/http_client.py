"""Driver of http_client.c: a small HTTP/1.1 server (stdlib socketserver, so it can
also answer badly on purpose) routes by path; each case runs the client once and prints
what the client saw and what the server received.

Compared with Debian's lws 4.1.6 (the differential run).  A case where we differ from
lws on purpose, or where lws 4.3 differs from 4.1.6, prints its lines with a tag
(`client[TAG]:`), which the markers below leave out of the comparison; the pipelining
cases (4.1.6's client stalls on them, as 4.3.10's does) run against 4.3 only.
"""
# lws-diff: ours-only `^(client|server got)?\[deliberate\]`: deliberate: an answer to HEAD has no body and completes at once (lws waits for the announced Content-Length and closes without COMPLETED); LCCSCF_HTTP_X_WWW_FORM_URLENCODED keeps the program's Content-Length (lws appends "Content-Length: 0" and the server reads no body); a malformed status line is a connection error (lws goes on with status 0)
# lws-diff: ours-only `^(client|server got)?\[4\.3\]`: lws 4.3 follows four redirects (its lws_client_reset refuses the fifth: "HS: Redirect failed"), 4.1.6 three
# lws-diff: ours-only `^(== pipelin|(client|server|server got)\[pipeline\])`: LCCSCF_PIPELINE transactions (4.1.6's client stalls on them, 4.3.10's too; see README)
# lws-diff: ours-only `lws_http_check_retry_after`: lws_http_check_retry_after is new in lws 4.3
# lws-diff: ours-only `^client: lws_http_client_read: -1$`: deliberate: after COMPLETED_CLIENT_HTTP on a connection that followed a relative redirect lws calls RECEIVE_CLIENT_HTTP once more, where lws_http_client_read fails (-1); with nothing left to read we do not
import os, re, socket, socketserver, subprocess, sys, threading, time
import _lwstest as t
from _rawws import lws_43

BIN = sys.argv[1]
WRAP = t.WRAP
seen = []          # what the server received, per request
file_lines = {}    # lines that depend on http_client.c's bytes, and what they become
conns = 0          # connections accepted
port = 0


def read_request(f):
    """One request from the socket file: (request line, headers dict, raw head, body)."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        b = f.read(1)
        if not b:
            return None
        head += b
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for l in lines[1:]:
        if ":" in l:
            k, v = l.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    body = b""
    if "content-length" in hdrs:
        body = f.read(int(hdrs["content-length"]))
    elif "multipart/form-data" in hdrs.get("content-type", ""):
        b = re.search(r'boundary="?([^";]+)"?', hdrs["content-type"]).group(1)
        end = b"--" + b.encode() + b"--\r\n"
        while not body.endswith(end):
            c = f.read(1)
            if not c:
                break
            body += c
    return lines[0], hdrs, head, body


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        global conns
        conns += 1
        conn = conns
        while self.one(conn):
            pass

    def one(self, conn):
        """Answers one request; True to read another on this connection."""
        r = read_request(self.rfile)
        if r is None:
            return False
        line, hdrs, head, body = r
        seen.append((line + " (connection %d)" % conn, hdrs, head, body))
        path = line.split(" ")[1].split("?")[0]
        w = self.wfile.write
        if path == "/ka":
            # keeps the connection unless the client says close
            n = line.split("?")[1].split(" ")[0] if "?" in line else "-"
            w(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\nanswer %s" % (7 + len(n), n.encode()))
            self.wfile.flush()
            return hdrs.get("connection", "").lower() != "close"
        if path == "/ka10":
            w(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
        elif path == "/cl":
            w(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
              b"X-Answer: 42\r\nRetry-After: 120\r\n\r\nhello world")
        elif path == "/chunked":
            w(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for piece in (b"first ", b"second " * 40, b"third"):
                w(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                time.sleep(0.02)
            w(b"0\r\n\r\n")
        elif path == "/close":
            w(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close")
        elif path == "/head":
            w(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
            self.wfile.flush()
            # lws itself waits for the 1234 bytes announced: close after a while.
            self.connection.settimeout(1)
            try:
                self.rfile.read(1)
            except OSError:
                pass
        elif path.startswith("/large/"):
            n = int(path.split("/")[2])
            w(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
            block = bytes(range(256)) * 256
            sent = 0
            while sent < n:
                k = min(len(block), n - sent)
                w(block[:k])
                sent += k
        elif path == "/post":
            w(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        elif path.startswith("/r/"):
            # /r/CODE/KIND: KIND abs, rel, none (no Location), loop
            _, _, code, kind = path.split("/")
            loc = {"abs": "http://127.0.0.1:%d/final" % port, "rel": "/final",
                   "loop": "/r/%s/loop" % code, "none": None}[kind]
            w(b"HTTP/1.1 %s Moved\r\nContent-Length: 5\r\n" % code.encode())
            if loc:
                w(b"Location: %s\r\n" % loc.encode())
            w(b"\r\nmoved")
        elif path == "/final":
            w(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal")
        elif path == "/hangup":
            pass
        elif path == "/badstatus":
            w(b"HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nno")
        elif path == "/badchunk":
            w(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")
            self.wfile.flush()
            time.sleep(0.5)
        elif path == "/short":
            w(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
        self.wfile.flush()
        return False


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()


def run(title, method, path, *opts, show_head=False, show_body=False, to=None, tag=""):
    shown = [o for o in opts if not o.startswith("rss=")]  # not checked under valgrind
    print(f"== {title}: {method} {path} {' '.join(shown)}".rstrip())
    global conns
    del seen[:]
    conns = 0
    p = subprocess.run(WRAP + [BIN, to or str(port), method, path] + list(opts),
                       stdout=subprocess.PIPE, text=True, errors="replace", timeout=40)
    lines = p.stdout.splitlines()
    if any(o.startswith("pipeline=") for o in opts):
        # connections of their own run side by side: each one's lines in order
        lines.sort(key=lambda l: l[:4] if l.startswith("[") else "~")
    for l in lines:
        if l.startswith("peak RSS"):
            if "above" in l:
                t.fail(f"{title}: {l}")
            continue
        l = file_lines.get(l, l) if to else l
        print(f"client{tag}: " + l.replace(":%d/" % port, ":PORT/"))
    if p.returncode != 0:
        t.fail(f"{title}: client exit {p.returncode}")
    if any(o.startswith("pipeline=") for o in opts):
        print(f"server{tag}: %d requests on %d connection(s)" % (len(seen), conns))
        for line in sorted(l.rsplit(" (", 1)[0] for l, _, _, _ in seen):
            print(f"server got{tag}: " + line)
        return
    for line, hdrs, head, body in seen:
        print(f"server got{tag}: " + line)
        m = re.search(r'boundary="?([^";]+)"?', hdrs.get("content-type", ""))
        if show_head:
            for l in head.decode("latin-1").split("\r\n")[1:]:
                if l:
                    print(f"{tag}  " + (l.replace(m.group(1), "<B>") if m else l))
        if show_body:
            if m:
                body = body.replace(m.group(1).encode(), b"<B>")
                print(f"{tag}  boundary length %d" % len(m.group(1)))
            print(f"{tag}  body %r" % body)


run("content-length", "GET", "/cl", "hdrs", show_head=True)
run("chunked, small reads", "GET", "/chunked", "smallbuf")
run("until close", "GET", "/close")
run("HEAD", "HEAD", "/head", tag="[deliberate]")
# A body twice the RSS allowed (with the library and libc mapped): streamed, not kept.
run("large body", "GET", "/large/%d" % (32 << 20), *([] if WRAP else ["rss=%d" % (16 << 10)]))
run("POST urlencoded", "POST", "/post", "urlenc", show_head=True, show_body=True,
    tag="[deliberate]")
run("POST multipart", "POST", "/post", "multipart", show_head=True, show_body=True)
run("PUT body in pieces", "PUT", "/post", "body=10000")
if seen and seen[0][3] != bytes((ord("a") + i % 26) for i in range(10000)):
    t.fail("PUT body differs")
for code in ("301", "302", "307", "308"):
    run(f"redirect {code} absolute", "GET", f"/r/{code}/abs")
    run(f"redirect {code} relative", "DELETE", f"/r/{code}/rel")
run("303 turns POST into GET", "POST", "/r/303/rel", "urlenc")
run("redirect loop", "GET", "/r/302/loop", tag="[4.3]")
run("redirect without Location", "GET", "/r/302/none")
run("no follow", "GET", "/r/302/rel", "nofollow")
run("server hangs up", "GET", "/hangup")
run("malformed status line", "GET", "/badstatus", tag="[deliberate]")
run("bad chunk size", "GET", "/badchunk")
run("closed inside the body", "GET", "/short")
# LCCSCF_PIPELINE: three transactions, one after the other on one connection; a
# server answering HTTP/1.0 does not keep it, so each then connects on its own.
if lws_43():
    run("pipelined on one connection", "GET", "/ka", "pipeline=3", tag="[pipeline]")
    run("pipelining refused by HTTP/1.0", "GET", "/ka10", "pipeline=3", tag="[pipeline]")

# Our own server (the same context listens and serves capi-tests/ as files).
data = open("capi-tests/http_client.c", "rb").read()
h = 2166136261
for b in data:
    h = ((h ^ b) * 16777619) & 0xffffffff
file_lines = {"content-length (%d): %d" % (len(str(len(data))), len(data)): "content-length: the file's",
              "body length %d fnv %08x" % (len(data), h): "body: the file's bytes"}
run("our server: a file", "GET", "/http_client.c", to="self")
run("our server: HEAD", "HEAD", "/http_client.c", to="self", tag="[deliberate]")
run("our server: 404", "GET", "/no-such-file", to="self")
srv.shutdown()
