"""examples-c/demo's static files under load: `wrk` (Debian's package) runs a short
HTTP/1.1 keep-alive load (2 threads, 50 connections, 3 s) against /index.html, served by
the demo's LWSMPRO_FILE mount; it must finish with no socket error and no non-2xx
answer.  Before that, one connection asks for the page three times in a row (keep-alive
seen from the client side) and gets the file's exact bytes each time.

wrk missing is a failure, not a skip (`apt-get install wrk`; .ci/run installs it);
WRK=/path/to/wrk picks another.  wrk's full report goes to stderr (build/capi/http_wrk.err).
"""
import os
import re
import shutil
import socket
import subprocess
import sys

import _lwstest as t

ROOT = os.environ.get("LWS_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WWW = os.path.join(ROOT, "examples-c", "demo-www")
WRK_ARGS = ["-t2", "-c50", "-d3s", "--timeout", "5s"]


def ok(what):
    print("ok   " + what, flush=True)


def read_response(sock, buf):
    """Reads one HTTP/1.1 response with a Content-Length; returns (status, headers, body,
    rest of buf)."""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            t.fail("the connection closed before a response's headers")
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    if "content-length" not in headers:
        t.fail(f"a response without content-length: {lines}")
    n = int(headers["content-length"])
    while len(buf) < n:
        d = sock.recv(65536)
        if not d:
            t.fail("the connection closed inside a response body")
        buf += d
    return status, headers, buf[:n], buf[n:]


def missing(msg):
    """A missing tool fails the test (never a silent skip); the message goes to stderr as
    well, which the runner shows with the failure."""
    sys.stderr.write(msg + "\n")
    t.fail(msg)


def main():
    if not os.path.exists(t.example("demo")):
        t.fail(f"{t.example('demo')} is missing: examples-c/demo.c did not build against "
               "this library (see the example-build/demo result)")
    wrk = os.environ.get("WRK") or shutil.which("wrk")
    if not wrk or not os.access(wrk, os.X_OK):
        missing("wrk not found: this test needs the HTTP load generator wrk "
                "(apt-get install wrk; .ci/run installs it), or WRK=/path/to/wrk")
    want = open(os.path.join(WWW, "index.html"), "rb").read()

    srv = t.start(t.example("demo"), "-p", "0", "-d", WWW)
    try:
        port = int(t.wait_line(srv, r"demo: open http://localhost:(\d+)", timeout=30).group(1))
        t.wait_port(port)

        # keep-alive by hand: three requests, one connection
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            buf = b""
            for i in range(3):
                s.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                status, headers, body, buf = read_response(s, buf)
                if status != 200 or body != want:
                    t.fail(f"request {i + 1} on one connection: status {status}, "
                           f"{len(body)} bytes (want 200 and index.html's {len(want)} bytes)")
                if "text/html" not in headers.get("content-type", ""):
                    t.fail(f"index.html served as {headers.get('content-type')!r}")
        ok("three requests on one keep-alive connection each get index.html (text/html)")

        url = f"http://127.0.0.1:{port}/index.html"
        try:
            # wrk needs none of the LD_LIBRARY_PATH the runner sets for the demo
            env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
            p = subprocess.run([wrk] + WRK_ARGS + [url], capture_output=True, text=True,
                               timeout=60, env=env)
        except subprocess.TimeoutExpired:
            t.fail("wrk did not finish within 60 s")
        sys.stderr.write(f"$ wrk {' '.join(WRK_ARGS)} {url}\n{p.stdout}{p.stderr}")
        if p.returncode != 0:
            t.fail(f"wrk exited {p.returncode}: {p.stderr.strip() or p.stdout.strip()}")
        m = re.search(r"^\s*(\d+) requests in ", p.stdout, re.M)
        requests = int(m.group(1)) if m else 0
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                           p.stdout)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", p.stdout)
        if not m:
            t.fail(f"wrk's report has no request count:\n{p.stdout}")
        if errors and any(int(x) for x in errors.groups()):
            t.fail(f"wrk saw socket errors: {errors.group(0)} ({requests} requests)")
        if non2xx and int(non2xx.group(1)):
            t.fail(f"wrk got {non2xx.group(1)} answers that were not 2xx/3xx "
                   f"({requests} requests)")
        if requests < 50:
            t.fail(f"only {requests} requests in 3 s over 50 connections")
        ok(f"wrk {' '.join(WRK_ARGS)}: finishes with requests served, no socket errors, "
           "no non-2xx answers")

        # the server is still fine afterwards
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            status, _, body, _ = read_response(s, b"")
            if status != 200 or body != want:
                t.fail(f"after the load, GET / answers {status} with {len(body)} bytes")
        ok("after the load, GET / (the mount's default) still gets index.html")
        t.stop(srv)
        srv = None
        ok("the demo exits cleanly on SIGINT")
    finally:
        if srv is not None and srv.poll() is None:
            srv.kill()
            srv.wait()


if __name__ == "__main__":
    main()
