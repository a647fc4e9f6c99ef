"""examples-c/demo without a browser (stdlib only): what browser_demo.py exercises, one
piece at a time, so a failure there is easy to place.

  the file mount      GET / (the default, index.html), /demo.js, /demo.css with their
                      bytes and types; a missing file is 404
  /form               urlencoded and multipart POSTs parsed by lws_spa, answered with
                      JSON (quotes, newlines, UTF-8 escaped right); an empty POST; a GET
                      is 405; all of it on one keep-alive connection, files in between
  ws "lws-demo"       the counter arrives at once and then every second, to every client;
                      a chat line reaches every client, also one split into fragments
"""
import http.client
import json
import os
import time

import _lwstest as t
from _rawws import WS, check

ROOT = os.environ.get("LWS_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WWW = os.path.join(ROOT, "examples-c", "demo-www")


def multipart(fields, boundary="----demo-boundary-7MA4YWxkTrZu0gW"):
    body = b""
    for k, v in fields.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n"
                 .encode() + v.encode() + b"\r\n")
    return body + f"--{boundary}--\r\n".encode(), "multipart/form-data; boundary=" + boundary


def main():
    if not os.path.exists(t.example("demo")):
        t.fail(f"{t.example('demo')} is missing: examples-c/demo.c did not build against "
               "this library (see the example-build/demo result)")
    srv = t.start(t.example("demo"), "-p", "0", "-d", WWW)
    try:
        port = int(t.wait_line(srv, r"demo: open http://localhost:(\d+)", timeout=30).group(1))
        t.wait_port(port)
        run(port)
        t.stop(srv)
        srv = None
        check(True, "the demo exits cleanly on SIGINT")
    finally:
        if srv is not None and srv.poll() is None:
            srv.kill()
            srv.wait()


def run(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def req(method, path, body=None, headers=None):
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.getheader("content-type", ""), r.read()

    for path, name, ctype in (("/", "index.html", "text/html"), ("/demo.js", "demo.js", "javascript"),
                              ("/demo.css", "demo.css", "text/css")):
        st, ct, body = req("GET", path)
        want = open(os.path.join(WWW, name), "rb").read()
        check(st == 200 and ctype in ct and body == want,
              f"GET {path}: 200, {ctype}, the bytes of demo-www/{name}")
    st, _, _ = req("GET", "/no-such-file.html")
    check(st == 404, "GET of a missing file: 404")

    fields = {"name": "Ada \"the\" Tester", "message": "héllo & <b>x</b>\r\nline two ✓"}
    enc = "&".join(f"{k}={v}" for k, v in (
        ("name", "Ada+%22the%22+Tester"), ("message", "h%C3%A9llo+%26+%3Cb%3Ex%3C%2Fb%3E%0D%0Aline+two+%E2%9C%93")))
    st, ct, body = req("POST", "/form", enc, {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200 and "application/json" in ct, "POST /form (urlencoded): 200, application/json")
    check(json.loads(body) == {"ok": True, "encoding": "urlencoded", **fields},
          "lws_spa decodes the urlencoded fields; the JSON answer escapes them right")
    st, _, body = req("GET", "/demo.css")
    check(st == 200, "the same connection serves a file after the POST (keep-alive)")
    mp, mct = multipart(fields)
    st, ct, body = req("POST", "/form", mp, {"Content-Type": mct})
    check(st == 200 and json.loads(body) == {"ok": True, "encoding": "multipart", **fields},
          "POST /form (multipart) on the same connection: lws_spa parses the parts")
    st, ct, body = req("POST", "/form", b"", {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200 and json.loads(body) == {"ok": True, "encoding": "urlencoded", "name": "",
                                             "message": ""},
          "an empty POST /form: 200, empty fields")
    st, _, body = req("POST", "/form", "name=ctl&message=" + "%01" * 900,
                      {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200 and json.loads(body)["message"] == "\x01" * 900,
          "900 control characters: the JSON answer escapes each (\\u0001) and still fits")
    st, _, _ = req("GET", "/form")
    check(st == 405, "GET /form: 405")
    st, _, body = req("GET", "/")
    check(st == 200 and body.startswith(b"<!DOCTYPE html>"),
          "and the connection still serves the page after all that")
    c.close()

    a, b = WS(port, ["lws-demo"]), WS(port, ["lws-demo"])
    check(a.status == b.status == 101 and a.protocol == b.protocol == "lws-demo",
          "two ws clients join with protocol lws-demo")
    first = [w.recv_text() for w in (a, b)]
    check(all(m.startswith("counter:") and m[8:].isdigit() for m in first),
          "each gets the counter at once")
    t0, n0 = time.monotonic(), int(first[0][8:])
    nxt = a.recv_text()
    check(nxt.startswith("counter:") and int(nxt[8:]) > n0, "then a higher value, a tick later")

    def next_chat(w):
        while True:
            m = w.recv_text()
            if m.startswith("chat:"):
                return m[5:]
    a.text("hello from a ✓")
    check(next_chat(a) == next_chat(b) == "hello from a ✓", "a's chat line reaches a and b")
    b.send(1, "split ", fin=False)
    b.send(0, "in three ", fin=False)
    b.send(0, "frames")
    check(next_chat(a) == next_chat(b) == "split in three frames",
          "a line sent in three fragments arrives whole")
    counts = []
    for w in (a, b):
        w.sock.settimeout(5)
        while True:
            m = w.recv_text()
            if m.startswith("counter:"):
                counts.append(int(m[8:]))
                break
    check(all(n > n0 for n in counts) and time.monotonic() - t0 < 10,
          "the counter keeps going up for both")
    for w in (a, b):
        w.close(1000)
        w.expect_close()


if __name__ == "__main__":
    main()
