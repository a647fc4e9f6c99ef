#!/usr/bin/env python3
"""The HTTP/2 rows of the benchmark: requests per second that `h2load` (Debian's
nghttp2-client) gets from a static-file server, ours against the original (Debian's
lws 4.1.6, which serves h2 too).

The server is bench/h2-serve.c, built against each library: one file mount (a 1 KiB
index.html), lws's stock "http" protocol, the way lws's minimal http servers are written.
Loads, each 10 connections with up to 10 streams in flight on each (`-c 10 -m 10`):
  - h2c with prior knowledge (the server with LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE: lws
    4.1 serves h2c only that way);
  - h2 over TLS, chosen by ALPN (a self-signed P-256 certificate, TLS 1.3; each library
    with its own TLS: rustls here, OpenSSL there);
  - HTTP/1.1 keep-alive on the plain server (`--h1`, one request in flight per
    connection), for reference.
The server is pinned to one CPU and h2load to the other, as in the rest of the bench; a
warm-up run precedes each measured one. Reported: h2load's requests/s (best of the
repetitions), whether every request succeeded, and the server's CPU per request (user +
system ticks from /proc/PID/stat over the measured run, divided by the requests done).

  python3 bench/h2bench.py [--secs S] [--reps N] [--no-build]   (make bench-h2; also part of
                                                             make bench, into results.md)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402

SRC = os.path.join(bench.BENCH, "h2-serve.c")
WWW = os.path.join(bench.OUT, "h2-www")
# (key, title, server arguments, h2load arguments before the URL, scheme)
LOADS = [
    ("h2c", "h2c, prior knowledge", ["--prior"], ["-c", "10", "-m", "10"], "http"),
    ("h2tls", "h2 over TLS (ALPN)", ["TLS"], ["-c", "10", "-m", "10"], "https"),
    ("h1", "HTTP/1.1 keep-alive (reference)", [], ["--h1", "-c", "10"], "http"),
]


def build():
    os.makedirs(WWW, exist_ok=True)
    with open(os.path.join(WWW, "index.html"), "w") as f:
        # 1 KiB of text, the same every run.
        line = "<p>lws h2 bench: a static page of about one kibibyte.</p>\n"
        f.write((line * (1024 // len(line) + 1))[:1024])
    cc = os.environ.get("CC", "cc")
    bench.run([cc, "-O2", "-Wall", "-I" + os.path.join(bench.ROOT, "include"), SRC,
               "-L" + bench.LIBDIR, "-lwebsockets", "-o", os.path.join(bench.OUT, "h2-ours")])
    bench.run([cc, "-O2", "-Wall", "-I/usr/include", SRC, "-lwebsockets",
               "-o", os.path.join(bench.OUT, "h2-orig")])


def ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    fields = st[st.rfind(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def h2load(args, url, timeout):
    cmd = bench.pin(bench.GEN_CPU) + ["h2load"] + args + [url]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "h2load timed out", "cmd": cmd}
    out = r.stdout
    fin = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    req = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                    r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    proto = re.search(r"Application protocol: (\S+)", out)
    if not fin or not req:
        return {"ok": False, "error": "no result from h2load: " + (out + r.stderr)[-300:],
                "cmd": cmd}
    total, _, done, ok, failed, errored, tmo = (int(x) for x in req.groups())
    return {"ok": ok == done and done > 0 and failed == errored == tmo == 0,
            "req_per_s": float(fin.group(1)), "done": done, "succeeded": ok,
            "failed": failed + errored + tmo, "protocol": proto.group(1) if proto else None,
            "cmd": cmd}


# lws 4.1.6 logs an error for each write to an h2 peer that went away, which h2load does at
# the end of every run.
bench.BENIGN.setdefault("orig", []).append("_write returned -1")


def one(lib, key, srv_args, load_args, scheme, secs):
    extra = ["-d", WWW]
    for a in srv_args:
        if a == "TLS":
            cert, key_pem = bench.tls_files()
            extra += ["--cert", cert, "--key", key_pem]
        else:
            extra.append(a)
    tag = "h2-" + key
    try:
        srv = bench.Server(lib, tag, extra=extra, prog="h2")
    except RuntimeError as e:
        bench.PROBLEMS.append((tag, lib, [str(e)], "build/bench/h2-%s -p 0 %s" % (lib, " ".join(extra))))
        return {"ok": False, "lib": lib, "load": key, "error": str(e)}
    url = "%s://127.0.0.1:%d/" % (scheme, srv.port)
    warm = h2load(load_args + ["-n", "2000"], url, 120)
    k0 = ticks(srv.pid)
    r = h2load(load_args + ["-D", str(int(secs))], url, secs + 120)
    k1 = ticks(srv.pid)
    problems = srv.stop()
    if not warm.get("ok"):
        problems.append("warm-up: %s" % (warm.get("error") or "%d failed" % warm.get("failed", 0)))
    if not r.get("ok"):
        problems.append(r.get("error") or "%d of %d requests failed" % (r["failed"], r["done"]))
    want = "http/1.1" if "--h1" in load_args else ("h2" if scheme == "https" else "h2c")
    if r.get("protocol") and r["protocol"] != want:
        problems.append("spoke %s, not %s" % (r["protocol"], want))
    if problems:
        bench.PROBLEMS.append((tag, lib, problems, " ".join(r.get("cmd", []))))
        bench.log("   !! %s %s: %s" % (bench.NAMES[lib], tag, "; ".join(problems)))
    hz = os.sysconf("SC_CLK_TCK")
    r.update({"lib": lib, "load": key, "ok": r.get("ok") and not problems,
              "cpu_us_per_req": (k1 - k0) / hz * 1e6 / max(r.get("done", 0), 1)})
    return r


def rows(secs, reps):
    res = []
    for key, title, srv_args, load_args, scheme in LOADS:
        for _ in range(reps):
            for lib in bench.LIBS:
                r = one(lib, key, srv_args, load_args, scheme, secs)
                res.append(r)
                if r.get("req_per_s") is not None:
                    bench.log("   %-8s %-32s %9.0f req/s, %5.1f us CPU/req%s" % (
                        bench.NAMES[lib], title, r["req_per_s"], r["cpu_us_per_req"],
                        "" if r["ok"] else "  (PROBLEM)"))
    return res


def best(res, lib, key):
    runs = [r for r in res if r["lib"] == lib and r["load"] == key and r.get("ok")]
    return max(runs, key=lambda r: r["req_per_s"]) if runs else None


def table(res):
    lines = ["| load (h2load, 1 KiB file) | ours req/s | original req/s | ratio | "
             "server CPU/request (ours / original) | capacity ratio (CPU) |",
             "|---|---|---|---|---|---|"]
    for key, title, _, args, _ in LOADS:
        o, g = best(res, "ours", key), best(res, "orig", key)
        ratio = "%.2fx" % (o["req_per_s"] / g["req_per_s"]) if o and g and g["req_per_s"] else "—"
        # The server's CPU per request decides how many requests a busy server answers,
        # whoever sets the pace of a run (h2load shares the machine).
        cap = ("%.2fx" % (g["cpu_us_per_req"] / o["cpu_us_per_req"])
               if o and g and o["cpu_us_per_req"] else "—")
        lines.append("| %s (`%s`) | %s | %s | %s | %s / %s µs | %s |" % (
            title, " ".join(args), bench.fmt(o and o["req_per_s"]), bench.fmt(g and g["req_per_s"]),
            ratio, "%.1f" % o["cpu_us_per_req"] if o else "—",
            "%.1f" % g["cpu_us_per_req"] if g else "—", cap))
    return "\n".join(lines)


def section(res, secs, reps):
    return ("\n## HTTP/2 (h2load)\n\n`bench/h2-serve.c` (one file mount, lws's stock \"http\" "
            "protocol) built against each library, serving a 1 KiB file to `h2load` (nghttp2 "
            "client); server and h2load pinned to separate CPUs; %d s per run after a warm-up, "
            "best of %d; load average %s at the end. h2c needs LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE "
            "in lws 4.1; TLS is rustls here, OpenSSL in the original.\n\n%s\n" % (
                int(secs), reps, bench.loadavg(), table(res)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secs", type=float, default=5.0)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    if not shutil.which("h2load"):
        sys.exit("h2load is missing (Debian package: nghttp2-client)")
    os.makedirs(bench.LOGS, exist_ok=True)
    if not a.no_build:
        if not os.path.exists(os.path.join(bench.LIBDIR, "libwebsockets.so.19")):
            bench.run(["make", "lib"])
    build()
    bench.log("HTTP/2 (h2load), %d s per run, %d repetitions:" % (a.secs, a.reps))
    res = rows(a.secs, a.reps)
    md = section(res, a.secs, a.reps)
    bench.log(md)
    with open(os.path.join(bench.OUT, "h2.json"), "w") as f:
        json.dump(res, f, indent=1)
    if bench.PROBLEMS:
        bench.log("problems: %s" % bench.PROBLEMS)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
