#!/usr/bin/env python3
"""make demo: builds examples-c/demo.c against our library and serves it on
http://localhost:7681 (PORT=N for another port) until Ctrl-C: the page (a file mount),
a chat every open page sees and a counter a timer pushes (ws, protocol lws-demo), and
a form POSTed to /form and parsed by lws_spa, and /dashboard.html, the server's live
numbers (ws connections, messages and bytes per second, round-trip percentiles, memory)
with a button that starts N ws clients inside the server echoing through it.  Open the
URL in two browser tabs.
LWS_INCLUDE, LWS_LIBDIR and LWS_BUILD build and run it against another libwebsockets, as
for tools/run_capi_tests.py (e.g. lws 4.3 itself, to compare)."""
import os
import signal
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(os.environ.get("LWS_BUILD") or os.path.join(ROOT, "build"))
LIBDIR = os.path.abspath(os.environ.get("LWS_LIBDIR") or os.path.join(ROOT, "target", "release"))


def build():
    """Compiles examples-c/*.c the way the tests do (tools/run_capi_tests.py); shows the
    compiler's complaint if the demo does not build."""
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "run_capi_tests.py"),
                        "example-build/demo"], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stdout.write(p.stdout + p.stderr)
        sys.exit(f"demo: examples-c/demo.c does not build against {LIBDIR}")


def main():
    build()
    port = os.environ.get("PORT", "7681")
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = LIBDIR + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    srv = subprocess.Popen([os.path.join(BUILD, "examples", "demo"), "-p", port,
                            "-d", os.path.join(ROOT, "examples-c", "demo-www")],
                           cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           text=True, bufsize=1)
    interrupts = []

    def on_sigint(sig, frame):
        # Ctrl-C reaches the server too (the terminal signals the whole foreground group);
        # pass it on in case it did not, and keep reading its output to the end.  A second
        # Ctrl-C kills a server that does not stop.
        interrupts.append(sig)
        if srv.poll() is None:
            if len(interrupts) == 1:
                srv.send_signal(signal.SIGINT)
            else:
                srv.kill()

    signal.signal(signal.SIGINT, on_sigint)
    line = srv.stdout.readline()
    if not line:
        sys.exit(f"demo: the server exited ({srv.wait()}) before it was ready")
    print(line.rstrip("\n"), flush=True)
    print("  open it in two tabs: the chat reaches both, the counter ticks, the form "
          "posts to /form.\n  /dashboard.html shows the server's live numbers; its "
          "button starts a load.\n  Ctrl-C stops it.", flush=True)
    for line in srv.stdout:
        print(line.rstrip("\n"), flush=True)
    rc = srv.wait()
    if interrupts and rc in (0, -signal.SIGKILL):
        rc = 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
