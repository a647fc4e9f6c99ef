"""Drives capi-tests/lws_fixes.c: the triggers of memory-safety bugs lws fixed after
4.3.10, each named by its lws commit, replayed through the API.  The HTTP/2 ones (HPACK
integers, header data past the limit) are in h2_server_hostile.py, CVE-2025-11677 in
cve_2025_11677.c.

  - lejp: a key longer than the path buffer; keys joined past it (lws 90ac44571, "lejp:
    bounds check on path"): refused, LEJP_REJECT_UNKNOWN;
  - a context destroyed while an HTTP client connection is not yet born, and while it
    waits for its answer (lws 694e2fae3, use-after-free of the header table in
    lws_context_destroy): destroyed, the connection closed once;
  - a client to a name that does not resolve (lws 746d77f31, a wsi returned after it was
    closed): one CONNECTION_ERROR, and the pointer returned is never one that was closed;
  - lws_vhost_destroy with a connection open on it (lws 3870f1a08, "context destroy:
    avoid UAF"): both ends closed, then the context destroyed;
  - chunk sizes past INT_MAX and past 64 bits in an HTTP client's answer (lws d4d863fd2,
    "http: client: chunking: disallow chunk overflow"): the body fails, no completion.
"""
import socket
import subprocess
import sys
import threading

import _lwstest as t

failures = 0


def check(ok, what):
    global failures
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    failures += not ok


def run(*args):
    r = subprocess.run(t.WRAP + [sys.argv[1], *map(str, args)], capture_output=True, text=True,
                       timeout=60)
    sys.stderr.write(r.stderr)
    for line in r.stdout.splitlines():
        print("  " + line)
    return r.returncode, r.stdout.splitlines()


ANSWERS = {
    b"/never": None,
    # 20 hex digits: more than 64 bits
    b"/huge": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc",
    # 2^31: one past INT_MAX, where lws's int shifted into the sign bit
    b"/intmax": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n80000000\r\nhello",
    # a size that is not hex at all after a good chunk
    b"/neg": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n-5\r\nxx",
}


def serve(listener):
    while True:
        try:
            c, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=answer, args=(c,), daemon=True).start()


def answer(c):
    c.settimeout(30)
    head = b""
    try:
        while b"\r\n\r\n" not in head:
            d = c.recv(4096)
            if not d:
                return
            head += d
        path = head.split(b" ")[1]
        body = ANSWERS.get(path)
        if body is None:
            c.recv(1)  # never answers: waits for the client to go away
            return
        c.sendall(body)
    except OSError:
        pass
    finally:
        c.close()


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
port = listener.getsockname()[1]
threading.Thread(target=serve, args=(listener,), daemon=True).start()

print("== lejp path bounds (lws 90ac44571)")
rc, out = run("lejp")
check(rc == 0 and out == ["a 300-byte key: -22 Unknown",
                          "nested keys joined past the path: -22 Unknown",
                          "a 127-byte key: 0",
                          "a.<126-byte key>: -22 Unknown"],
      "a path past LEJP_MAX_PATH is refused; 127 bytes still fit")

print("== context destroyed under a client connection (lws 694e2fae3)")
rc, out = run("pending", port, "now")
check(rc == 0 and out[0] == "connect: a wsi" and out[-1].startswith("destroyed:"),
      "destroyed before the connection was born")
rc, out = run("pending", port, "waiting")
ends = [i for i, l in enumerate(out) if l.startswith(("CLOSED_CLIENT_HTTP", "CONNECTION_ERROR"))]
check(rc == 0 and "request going out" in out and out[-1].startswith("destroyed:")
      and len(ends) <= 1 and all(i > out.index("destroying the context") for i in ends),
      "destroyed while the request waits for its answer; closed at most once")

print("== a client to a name that does not resolve (lws 746d77f31)")
rc, out = run("dnsfail")
check(rc == 0 and out[-1] == "errors: 1"
      and ("connect: NULL" in out or "CONNECTION_ERROR (the wsi connect returned)" in out),
      "one CONNECTION_ERROR, for a wsi the program was given only if it was still alive")

print("== lws_vhost_destroy with a connection open (lws 3870f1a08)")
rc, out = run("vhost")
check(rc == 0 and out[-1] == "context destroyed", "both ends closed, then the context destroyed")

print("== hostile chunk sizes in an HTTP client's answer (lws d4d863fd2)")
for path in ("/huge", "/intmax", "/neg"):
    rc, out = run("chunk", port, path)
    check(rc == 0 and out[-1].startswith("completed 0,"),
          "%s: the body fails, never completes" % path)

listener.close()
if failures:
    t.fail("%d checks failed" % failures)
