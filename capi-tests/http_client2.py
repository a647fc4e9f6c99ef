"""Drives capi-tests/http_client2.c: keep_warm_secs (a pipelined GET takes an idle
connection's socket within it, and makes its own after it), the bound on body bytes a
program leaves unread, lws_client_reset, and a redirect from http to https.  A plain
HTTP/1.1 server (keep-alive, counting connections) and a TLS one (Python ssl)."""
import http.server
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading

import _lwstest as t
from _tlspki import Pki

tmp = tempfile.mkdtemp(prefix="lws-hc2-")
pki = Pki(tmp)
pki.leaf("localhost")
seen = []
conns = [0]
BIG = 2 * 1024 * 1024


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        conns[0] += 1
        super().setup()

    def do_GET(self):
        seen.append(self.path)
        if self.path == "/tohttps":
            self.send_response(302)
            self.send_header("Location", f"https://localhost:{tls_port}/secure")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/tohttp":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{port}/plain")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = (b"x" * BIG) if self.path == "/big" else f"answer {self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def handle(self):
        try:
            super().handle()
        except OSError:
            pass  # the client that stops reading is closed on purpose

    def log_message(self, *a):
        pass


plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
c.load_cert_chain(os.path.join(tmp, "localhost.pem"), os.path.join(tmp, "localhost.key"))
tls.socket = c.wrap_socket(tls.socket, server_side=True)
port, tls_port = plain.server_address[1], tls.server_address[1]
for s in (plain, tls):
    threading.Thread(target=s.serve_forever, daemon=True).start()


def run(title, *args):
    print(f"== {title}")
    del seen[:]
    conns[0] = 0
    r = subprocess.run(t.WRAP + [sys.argv[1], str(port), str(tls_port), pki.ca, *args],
                       capture_output=True, text=True, timeout=60)
    sys.stderr.write(r.stderr)
    sys.stdout.write(r.stdout)
    print(f"server: {' '.join(seen)} on {conns[0]} connection(s) (exit {r.returncode})")


run("keep_warm_secs 3, second GET 300 ms after the first", "warm", "3", "300")
run("keep_warm_secs 1, second GET 1800 ms after the first", "warm", "1", "1800")
run("RECEIVE_CLIENT_HTTP that never reads a 2 MiB body", "noread")
run("lws_client_reset to another path", "reset")
run("lws_client_reset five times", "resets")
run("redirect from http to https", "https")
run("redirect from https to http", "downgrade")
run("redirect from https to http, LCCSCF_ACCEPT_TLS_DOWNGRADE_REDIRECTS", "downgrade-ok")
plain.shutdown()
tls.shutdown()
shutil.rmtree(tmp, ignore_errors=True)
