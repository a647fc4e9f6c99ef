#!/usr/bin/env python3
"""Is an io_uring backend worth building?  Issue 19 asks for it only if it lowers server CPU
per message by at least 25% at 5000 connections, measured on a prototype first.

    python3 bench/uring-proto/run.py [--reps 3] [--duration 2]

Builds bench/uring-proto/echo-proto.c (needs liburing-dev and libssl-dev; installed with
apt-get if missing) and runs the same minimal echo server with --epoll and with --uring
against bench/loadgen, alternating, pinned as bench/run.py pins (server CPU 1, generator
CPU 0). Our library's examples-c/echo.c is run beside them for scale. Prints server CPU
microseconds per message (best of the repetitions) and the uring/epoll ratio per load.
Nothing here is part of `make test`; it is a measurement.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import run as bench  # noqa: E402  (the bench's Server/measure/loadgen plumbing)

LOADS = [(512, 100), (512, 5000), (16 * 1024, 100), (16 * 1024, 1000)]


def build():
    if not os.path.exists("/usr/include/liburing.h") or not os.path.exists("/usr/include/openssl/sha.h"):
        bench.apt_install("liburing-dev", "libssl-dev")
    os.makedirs(bench.OUT, exist_ok=True)
    subprocess.run(["cc", "-O2", "-Wall", "-o", os.path.join(bench.OUT, "proto-proto"),
                    os.path.join(HERE, "echo-proto.c"), "-luring", "-lcrypto"], check=True)
    with open(os.path.join(bench.OUT, "uring-proto"), "w") as f:
        f.write("#!/bin/sh\nexec \"$(dirname \"$0\")/proto-proto\" --uring \"$@\"\n")
    with open(os.path.join(bench.OUT, "epoll-proto"), "w") as f:
        f.write("#!/bin/sh\nexec \"$(dirname \"$0\")/proto-proto\" --epoll \"$@\"\n")
    for n in ("uring-proto", "epoll-proto"):
        os.chmod(os.path.join(bench.OUT, n), 0o755)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--duration", type=float, default=2.0)
    a = ap.parse_args()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.makedirs(bench.LOGS, exist_ok=True)
    build()
    if not os.path.exists(os.path.join(bench.OUT, "echo-ours")):
        bench.build()
    bench.NAMES.update({"proto": "prototype"})
    rows = []
    for size, conns in LOADS:
        got = {"epoll": [], "uring": [], "lib": []}
        for _ in range(a.reps):
            for key, lib, prog in (("epoll", "proto", "epoll"), ("uring", "proto", "uring"),
                                   ("lib", "ours", "echo")):
                res, _ = bench.measure(lib, "proto-%s-%d-%d" % (key, size, conns), "echo",
                                       ["--conns", conns, "--size", size, "--warmup", 0.5,
                                        "--duration", a.duration, "--verify-every", 16], prog=prog)
                got[key].append(res)
        cpu = {}
        for k, runs in got.items():
            vals = [r["server_cpu_us_per_msg"] for r in runs if r.get("ok") and r.get("server_cpu_us_per_msg")]
            cpu[k] = min(vals) if vals else None
        r = bench.ratio(cpu["uring"], cpu["epoll"])
        rows.append([bench.human_size(size), conns, bench.fmt(cpu["epoll"]), bench.fmt(cpu["uring"]),
                     bench.fr(r), bench.fmt(cpu["lib"])])
        print(rows[-1], flush=True)
    print()
    print(bench.md_table(["size", "conns", "epoll µs/msg", "io_uring µs/msg", "io_uring / epoll",
                          "this library (echo.c) µs/msg"], rows))
    return 1 if bench.PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
