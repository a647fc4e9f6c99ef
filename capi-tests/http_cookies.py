"""Drives capi-tests/http_cookies.c against a Python server that sets cookies and
answers with the cookies it received: what is kept (lws's rules, and where we are
stricter), what is sent where, the jar file, and the jar read again by a new process."""
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import _lwstest as t

SETS = {
    "/set": [
        "a=1; Max-Age=600; Path=/",            # kept, sent everywhere
        "d=3; Max-Age=600",                    # default path: this request's (/set)
        "p=2; Max-Age=600; Path=/sub",         # only under /sub
        "s=session; Path=/",                   # no expiry: not kept (as lws)
        "sec=x; Max-Age=600; Path=/; Secure",  # kept, never sent over plain http
        "evil=1; Max-Age=600; Path=/; Domain=example.com",  # not our domain: refused
        "old=1; Expires=Thu, 01 Jan 2015 00:00:00 GMT; Path=/",  # already expired
        'q="quoted value"; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Path=/',
    ],
    "/del": ["a=; Max-Age=0; Path=/"],
    "/redir": ["r=1; Max-Age=600; Path=/"],
}


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        got = self.headers.get_all("Cookie") or []
        cookies = sorted(c for h in got for c in h.split("; ") if c)
        body = (f"got {len(got)} header(s): {'; '.join(cookies) or '-'}\n").encode()
        if self.path == "/redir":
            self.send_response(302)
            self.send_header("Location", "/show")
        else:
            self.send_response(200)
        for c in SETS.get(self.path, []):
            self.send_header("Set-Cookie", c)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
port = srv.server_address[1]
tmp = tempfile.mkdtemp(prefix="lws-cookies-")
jar = os.path.join(tmp, "jar.txt")


def run(*paths):
    r = subprocess.run(t.WRAP + [sys.argv[1], str(port), jar, *paths], capture_output=True,
                       text=True, timeout=60)
    sys.stderr.write(r.stderr)
    print(f"-- run (exit {r.returncode})")
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        t.fail(f"http_cookies exit {r.returncode}")


def show_jar():
    print("-- jar file (expiry column masked)")
    with open(jar) as f:
        for line in sorted(f.read().splitlines()):
            if line and not line.startswith("#"):
                cols = line.split("\t")
                if len(cols) > 4:
                    cols[4] = "T" if cols[4] != "4102444800" else "2100-01-01"
                print("\t".join(cols))


run("/set", "/set", "/show", "/sub/show", "/show:nocache", "/redir")
show_jar()
# A new process with the same jar file: the cookies are still there; Max-Age=0 removes.
run("/show", "/del", "/show")
show_jar()
srv.shutdown()
shutil.rmtree(tmp, ignore_errors=True)
