#!/usr/bin/env python3
"""make conformance: the Autobahn test cases (run by kosoku, PyPI) in both directions.

  server: kosoku -m fuzzingclient drives examples-c/echo (built on our library);
  client: examples-c/autobahn-client (built on our library) runs every case against
          kosoku -m fuzzingserver.

Groups 1-7, 9, 10 and, with permessage-deflate on in both programs (--deflate), 12 and
13: a representative subset of those by default (FULL=1 in the environment, or --full,
runs all of them).  Every case must be OK, except the ones listed in ALLOWED whose
Autobahn definition can only give the result named there.  Reports go to
build/conformance/{server,client}/ (index.html).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "conformance")
GROUPS = ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*"]
FULL = os.environ.get("FULL", "") not in ("", "0") or "--full" in sys.argv
# permessage-deflate: 12.x send 1000 messages per case, 16 B to 128 KiB, with different
# payloads; 13.x the same under each parameter combination of the offers.  All of them
# take minutes (the 128 KiB ones 10-20 s each); the subset keeps, for every subgroup, the
# 16 B and 64 B cases and two fragmented ones, and one 128 KiB case (13.7.18: every
# parameter at once).
DEFLATE = ["12.*", "13.*"] if FULL else [
    f"{g}.{c}" for g in ("12.1", "12.2", "12.3", "12.4", "12.5", "13.1", "13.2", "13.3",
                         "13.4", "13.5", "13.6", "13.7") for c in (1, 2, 11, 12)
] + ["13.7.18"]
GROUPS += DEFLATE
# Cases whose expectation is informational only: Autobahn records what happened and
# grades nothing stricter (7.1.6: data after a close; 7.13.x: close codes >= 5000).
ALLOWED = {"7.1.6": "INFORMATIONAL", "7.13.1": "INFORMATIONAL", "7.13.2": "INFORMATIONAL"}
ENV = dict(os.environ, LD_LIBRARY_PATH=os.path.join(ROOT, "target", "release"))
# Our clients, as lws's, go through the proxy `http_proxy` names: not to 127.0.0.1 here.
ENV.pop("http_proxy", None)


def kosoku():
    exe = shutil.which("kosoku")
    if not exe:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "kosoku"])
        exe = shutil.which("kosoku") or "kosoku"
    return exe


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def load_index(outdir, wait=60):
    """kosoku's index.json, once it is whole: the file can exist before it is written (a
    run once stopped here on an empty report), so an unreadable one is read again."""
    path, deadline = os.path.join(outdir, "index.json"), time.time() + wait
    while True:
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            if time.time() >= deadline:
                raise
            time.sleep(0.2)


def judge(outdir, name):
    index = load_index(outdir)
    bad, counts = [], {}
    for agent, cases in index.items():
        for case, r in cases.items():
            b, bc = r["behavior"], r["behaviorClose"]
            key = f"{b}/{bc}"
            counts[key] = counts.get(key, 0) + 1
            want = ALLOWED.get(case, "OK")
            if b not in ("OK", want) or bc not in ("OK", want):
                bad.append(f"{case}: {b} / {bc}")
    total = sum(counts.values())
    print(f"{name}: {total} cases: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())), flush=True)
    return total, bad


def run_server_direction(k):
    out = os.path.join(OUT, "server")
    shutil.rmtree(out, ignore_errors=True)
    port = free_port()
    srv = subprocess.Popen([os.path.join(ROOT, "build/examples/echo"), "-p", str(port), "--utf8",
                            "--deflate"],
                           env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        t0 = time.time()
        args = [k, "-m", "fuzzingclient", "-p", "2", "-o", out]
        for g in GROUPS:
            args += ["-i", g]
        subprocess.run(args + [f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, timeout=1200)
        took = time.time() - t0
        alive = srv.poll() is None
    finally:
        srv.terminate()
        srv.wait(timeout=10)
    return took, alive, judge(out, "server (kosoku fuzzingclient -> examples-c/echo)")


def run_client_direction(k):
    out = os.path.join(OUT, "client")
    shutil.rmtree(out, ignore_errors=True)
    port = free_port()
    args = [k, "-m", "fuzzingserver", "-o", out]
    for g in GROUPS:
        args += ["-i", g]
    fs = subprocess.Popen(args + [f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        t0 = time.time()
        subprocess.run([os.path.join(ROOT, "build/examples/autobahn-client"), "-p", str(port),
                        "--deflate"],
                       env=ENV, stdout=subprocess.DEVNULL, timeout=1200, check=True)
        took = time.time() - t0
        deadline = time.time() + 60
        while not os.path.exists(os.path.join(out, "index.json")) and time.time() < deadline:
            time.sleep(0.1)
    finally:
        fs.terminate()
        fs.wait(timeout=10)
    return took, True, judge(out, "client (examples-c/autobahn-client -> kosoku fuzzingserver)")


def report(results):
    """The verdict on each direction's run as it finishes (`results` yields what the
    run_* functions return: seconds taken, whether the server under test survived, and
    judge()'s (cases finished, bad verdicts)); True when any failed.  Also used by
    tools/conformance_tls.py."""
    failed = False
    for took, alive, (total, bad) in results:
        print(f"  took {took:.1f} s", flush=True)
        if not alive:
            print("  FAIL: the server under test died")
            failed = True
        if total < 300:
            print(f"  FAIL: only {total} cases finished")
            failed = True
        for b in bad:
            print("  FAIL " + b)
        failed |= bool(bad)
    return failed


def main():
    k = kosoku()
    failed = report(run(k) for run in (run_server_direction, run_client_direction))
    print(f"reports: {OUT}/server/index.html, {OUT}/client/index.html")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
