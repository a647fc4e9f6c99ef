#!/usr/bin/env python3
"""make asan: the library built with AddressSanitizer (Rust nightly's -Zsanitizer=address,
into target/asan/), the C tests and example programs built with
-fsanitize=address,undefined against it, and run (tools/run_capi_tests.py with
LWS_LIBDIR/LWS_BUILD pointing at the ASan build; drivers start the ASan-built servers).

First a canary (capi-tests/asan/canary.c) must die with a heap-buffer-overflow report
inside the library: proof that the sanitizer sees the library's memory accesses, so a
clean run means something.  Leak detection is on (LeakSanitizer).  What is instrumented:
all of the library's Rust code (the Rust standard library is not rebuilt, so its own
code is not, but every allocation goes through ASan's malloc and is checked on use by
instrumented code), the C shims and the test programs; UBSan covers the C side only.

  tools/run_asan.py [TEST ...]   (default: every C test and driver; builtins are skipped)
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBDIR = os.path.join(ROOT, "target", "asan", "x86_64-unknown-linux-gnu", "release")
BUILD = os.path.join(ROOT, "build", "asan")
CC = "cc -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
# RSS is not the library's under ASan (redzones, quarantine): the tests that bound it
# run with a small quarantine and are judged on everything else they check.
ASAN = "detect_leaks=1:abort_on_error=0:quarantine_size_mb=16:detect_stack_use_after_return=0"
# Checks that measure memory or speed, which ASan changes: not run here.
SKIP = {"hostile", "http_wrk", "browser_demo"}


def main():
    env = dict(os.environ, CC=CC, LWS_LIBDIR=LIBDIR, LWS_BUILD=BUILD, ASAN_OPTIONS=ASAN,
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
               LD_LIBRARY_PATH=LIBDIR)
    os.makedirs(BUILD, exist_ok=True)
    canary = os.path.join(BUILD, "canary")
    subprocess.check_call(CC.split() + ["-I" + os.path.join(ROOT, "include"),
                                        os.path.join(ROOT, "capi-tests", "asan", "canary.c"),
                                        "-L" + LIBDIR, "-lwebsockets", "-o", canary])
    p = subprocess.run([canary], env=env, capture_output=True, text=True, timeout=60)
    if p.returncode == 0 or "heap-buffer-overflow" not in p.stderr or "websockets" not in p.stderr:
        print("asan: the canary's overflow inside the library was NOT reported:\n" + p.stderr[-2000:])
        return 1
    print("asan: canary ok (heap-buffer-overflow inside the library reported)")
    names = sys.argv[1:]
    if not names:
        names = sorted({f[:-2] for f in os.listdir(os.path.join(ROOT, "capi-tests")) if f.endswith(".c")}
                       | {f[:-3] for f in os.listdir(os.path.join(ROOT, "capi-tests"))
                          if f.endswith(".py") and not f.startswith("_")})
        names = [n for n in names if n not in SKIP]
    return subprocess.call([sys.executable, os.path.join(ROOT, "tools", "run_capi_tests.py")] + names,
                           env=env)


if __name__ == "__main__":
    sys.exit(main())
