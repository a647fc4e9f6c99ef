"""http_defaults: a vhost without a protocol array gets lws's default HTTP protocol (404
for what no mount serves, keep-alive kept); info.pprotocols gives the protocols by
pointer; info.finalize is called when the vhost goes.  Expectations checked against lws
4.3.10 (HTTP_TEST_BIN=<http_defaults built against it>)."""
import http.client
import os
import shutil
import sys
import tempfile

import _lwstest as t
from _rawws import check

BIN = os.environ.get("HTTP_TEST_BIN") or (sys.argv[1] if len(sys.argv) > 1 else t.capi("http_defaults"))

tmp = tempfile.mkdtemp(prefix="lws-http-defaults-")
with open(os.path.join(tmp, "index.html"), "wb") as f:
    f.write(b"<h1>index</h1>\n")


def run(mode):
    port = t.free_port()
    srv = t.start(BIN, "-p", port, "-d", tmp, "-m", mode)
    try:
        t.wait_line(srv, r"listening on port")
        t.wait_port(port)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/")
        r = c.getresponse()
        check((r.status, r.read()) == (200, b"<h1>index</h1>\n"), f"[{mode}] GET / -> index.html")
        c.request("GET", "/missing.html")
        r = c.getresponse()
        body = r.read()
        check(r.status == 404 and b"<h1>404</h1>" in body and r.getheader("content-type") == "text/html",
              f"[{mode}] a missing file -> 404 from the default protocol (lws_callback_http_dummy)")
        c.request("GET", "/")
        r = c.getresponse()
        check(r.status == 200 and r.read() == b"<h1>index</h1>\n",
              f"[{mode}] ... on the same kept-alive connection")
        if mode == "pp":
            c.request("GET", "/dyn/x")
            r = c.getresponse()
            check((r.status, r.read()) == (200, b"dyn /dyn/x via dyn\n"),
                  "[pp] /dyn answered by the protocol given through info.pprotocols")
        c.close()
        t.stop(srv)
        t.wait_line(srv, r"^finalize defaults 42$", timeout=5)
        check(True, f"[{mode}] info.finalize is called with the vhost and its argument")
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()


run("none")
run("pp")
shutil.rmtree(tmp, ignore_errors=True)
print("http_defaults: all OK")
