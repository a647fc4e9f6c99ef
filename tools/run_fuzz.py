#!/usr/bin/env python3
"""Runs the cargo-fuzz targets of fuzz/ one after the other (`make fuzz SECS=N`).

Each target starts from its committed seeds (fuzz/seeds/TARGET) and its growing local
corpus (fuzz/corpus/TARGET, not committed) and runs for --secs seconds on one core.
Prints one line per target (executions, corpus size, crash or not) and exits 1 if any
target crashed; libFuzzer leaves the crashing input in fuzz/artifacts/TARGET/.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "fuzz")


def targets():
    names = []
    for line in open(os.path.join(FUZZ, "Cargo.toml")):
        m = re.match(r'name = "(\w+)"', line.strip())
        if m and m.group(1) != "websockets_fuzz":
            names.append(m.group(1))
    return [n for n in names if os.path.exists(os.path.join(FUZZ, "fuzz_targets", n + ".rs"))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secs", type=int, default=60)
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    names = a.names or targets()
    rows, failed = [], False
    for t in names:
        corpus = os.path.join("corpus", t)
        os.makedirs(os.path.join(FUZZ, corpus), exist_ok=True)
        seeds = os.path.join("seeds", t)
        cmd = ["cargo", "+nightly", "fuzz", "run", "-O", t, corpus]
        if os.path.isdir(os.path.join(FUZZ, seeds)):
            cmd.append(seeds)
        cmd += ["--", f"-max_total_time={a.secs}", "-rss_limit_mb=1024", "-timeout=10",
                "-print_final_stats=1"]
        print(f"== {t}: {a.secs} s", flush=True)
        start = time.time()
        p = subprocess.run(cmd, cwd=FUZZ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace")
        took = time.time() - start
        out = p.stdout
        runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", out)
        cov = re.findall(r"#\d+\s+\w+\s+cov: (\d+) ft: \d+ corp: (\d+)", out)
        art = re.findall(r"Test unit written to (\S+)", out)
        ok = p.returncode == 0
        failed |= not ok
        if not ok:
            sys.stdout.write("\n".join(out.splitlines()[-60:]) + "\n")
        rows.append((t, took, runs[-1] if runs else "?", cov[-1] if cov else ("?", "?"),
                     "ok" if ok else "CRASH " + (art[-1] if art else f"(exit {p.returncode})")))
    print("\ntarget          seconds  executions  coverage  corpus  result")
    for t, took, runs, (c, corp), res in rows:
        print(f"{t:<15} {took:7.0f}  {runs:>10}  {c:>8}  {corp:>6}  {res}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
