"""examples-c/demo without a browser (stdlib only): what browser_demo.py exercises, one
piece at a time, so a failure there is easy to place.

  the file mount      GET / (the default, index.html), /demo.js, /demo.css with their
                      bytes and types; a missing file is 404
  /form               urlencoded and multipart POSTs parsed by lws_spa, answered with
                      JSON (quotes, newlines, UTF-8 escaped right); an empty POST; a GET
                      is 405; all of it on one keep-alive connection, files in between
  ws "lws-demo"       the counter arrives at once and then every second, to every client;
                      a chat line reaches every client, also one split into fragments
  ws "lws-dashboard"  a JSON snapshot at once and then every second, with every field;
                      "load N" starts N ws clients inside the demo that echo through
                      lws-echo (rates above 0, percentiles in order, no errors), "load 0"
                      stops them; an unknown command is ignored
  ws "lws-echo"       echoes text and binary messages, also fragmented ones, as they came
"""
import http.client
import json
import os
import sys
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
                              ("/demo.css", "demo.css", "text/css"),
                              ("/dashboard.html", "dashboard.html", "text/html"),
                              ("/dashboard.js", "dashboard.js", "javascript")):
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

    echo(port)
    dashboard(port)


def echo(port):
    e = WS(port, ["lws-echo"])
    check(e.status == 101 and e.protocol == "lws-echo", "a ws client joins with protocol lws-echo")
    e.text("echo me ✓")
    check(e.recv_msg() == (1, "echo me ✓".encode()), "a text message comes back as it was")
    blob = bytes(range(256)) * 12          # over lws-echo's 1024-byte rx_buffer_size
    e.send(2, blob)
    got, kinds = b"", set()
    while True:
        fin, op, data = e.recv()
        kinds.add(op)
        got += data
        if fin:
            break
    check(got == blob and 2 in kinds and kinds <= {0, 2},
          "a 3072-byte binary message comes back whole, in binary (continuation) frames")
    e.send(1, "in ", fin=False)
    e.send(0, "two", fin=True)
    check(e.recv_msg() == (1, b"in two"), "a fragmented message comes back whole")
    e.close(1000)
    e.expect_close()


def why(cond, what, detail):
    """check(), with what was seen on stderr when it fails (stdout stays the same for
    every run)."""
    if not cond:
        sys.stderr.write(f"{what}: {detail}\n")
    check(cond, what)


DASH_FIELDS = {"uptime_s", "connections", "load_target", "load_clients", "load_connecting",
               "load_errors", "msgs_per_s", "bytes_per_s", "round_trips_per_s", "rtt_samples",
               "rtt_p50_us", "rtt_p99_us", "rtt_p999_us", "rss_bytes"}
LOAD_N = 10


def dashboard(port):
    d = WS(port, ["lws-dashboard"])
    check(d.status == 101 and d.protocol == "lws-dashboard",
          "a ws client joins with protocol lws-dashboard")
    d.sock.settimeout(5)
    t0 = time.monotonic()
    snap = json.loads(d.recv_text())
    why(set(snap) == DASH_FIELDS, "a JSON snapshot arrives at once, with every field",
        f"got {sorted(snap)}")
    check(all(isinstance(snap[k], int) for k in DASH_FIELDS if not k.startswith("rtt_p")) and
          all(snap[k] is None for k in ("rtt_p50_us", "rtt_p99_us", "rtt_p999_us")),
          "its figures are integers; no latency without a load")
    check(snap["load_target"] == snap["load_clients"] == 0 and snap["rss_bytes"] > 0,
          "no load yet; the process's memory (RSS) is there")
    nxt = json.loads(d.recv_text())
    check(nxt["uptime_s"] >= snap["uptime_s"] and time.monotonic() - t0 < 3,
          "the next snapshot comes about a second later")

    def until(cond, what, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = json.loads(d.recv_text())
            if cond(s):
                return s
        why(False, what, f"not within {timeout} s; last snapshot {s}")

    d.text("no such command")
    d.text(f"load {LOAD_N}")
    s = until(lambda s: s["load_target"] == LOAD_N, "the load's target")
    check(True, f"'load {LOAD_N}' sets the load's target (an unknown command before it was ignored)")
    s = until(lambda s: s["load_clients"] == LOAD_N and s["msgs_per_s"] > 0 and s["rtt_samples"] > 0,
              "the load running")
    check(s["connections"] >= LOAD_N + 1,
          f"{LOAD_N} load clients connect through lws_client_connect_via_info; the server "
          "counts their echo ends (and this client) among its connections")
    check(s["round_trips_per_s"] > 0 and s["msgs_per_s"] >= s["round_trips_per_s"] and
          s["bytes_per_s"] >= 128 * s["round_trips_per_s"],
          "messages, bytes and round trips per second go up (two 128-byte messages a round trip)")
    why(0 < s["rtt_p50_us"] <= s["rtt_p99_us"] <= s["rtt_p999_us"],
        "round-trip latency: 0 < p50 <= p99 <= p99.9", str(s))
    why(s["load_errors"] == 0, "every echo is what was sent; no connect failed", str(s))
    d.text("load 0")
    s = until(lambda s: s["load_target"] == 0 and s["load_clients"] == 0 and
              s["load_connecting"] == 0 and s["connections"] == 1, "the load stopping")
    check(True, "'load 0' stops it: the load's connections close, this one is left")
    s = until(lambda s: s["rtt_samples"] == 0, "no more round trips")
    check(s["rtt_p50_us"] is None and s["round_trips_per_s"] == 0,
          "then no round trips, no latency")
    d.close(1000)
    d.expect_close()


if __name__ == "__main__":
    main()
