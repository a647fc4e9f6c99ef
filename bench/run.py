#!/usr/bin/env python3
"""The benchmark: our libwebsockets against Debian's (lws 4.1.6), on the same echo server.

    python3 bench/run.py            # the full run (make bench): about 6 minutes
    python3 bench/run.py --quick    # one short run per size (make bench QUICK=1)

examples-c/echo.c is built twice from the same source: against our header and library
(build/bench/echo-ours, run with LD_LIBRARY_PATH=target/release) and against the system's
(build/bench/echo-orig, /usr/include + libwebsockets.so.17). Each measurement starts a fresh
server pinned to one CPU and runs bench/loadgen pinned to the other, alternating ours,
original, ours, original. A full run writes bench/results.md, bench/results.json and
bench/msgs_per_sec.png; --quick only checks that everything completes and that the echoed
bytes are right (exit status 1 otherwise). Nothing here is a timed assertion.
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
OUT = os.path.join(ROOT, "build", "bench")
LOGS = os.path.join(OUT, "logs")
LIBDIR = os.path.join(ROOT, "target", "release")
LOADGEN = os.path.join(BENCH, "loadgen", "target", "release", "loadgen")
ECHO_SRC = os.path.join(ROOT, "examples-c", "echo.c")
# The flow-controlled echo (RECEIVE copies, rx off, WRITEABLE writes, rx on: the way lws's
# examples and most programs echo), for the large-message rows.
FLOW_SRC = os.path.join(BENCH, "echo-flow.c")
SYS_HEADER = "/usr/include/libwebsockets.h"
LIBS = ("ours", "orig")
NAMES = {"ours": "ours", "orig": "original", "uws": "uWebSockets"}
# uWebSockets' echo (bench/uws-echo.cpp), built only when its sources are at hand (UWS_DIR,
# or a shallow clone into build/bench/uWebSockets when the network allows).
UWS_SRC = os.path.join(BENCH, "uws-echo.cpp")
UWS_URL = "https://github.com/uNetworking/uWebSockets.git"
# (size, connections) compared with uWebSockets: the loads of issue 19's table.
UWS_ROWS = [(512, 100), (512, 5000), (64 * 1024, 10), (1024 * 1024, 10), (16 * 1024 * 1024, 1)]

KiB, MiB = 1024, 1024 * 1024
SIZES = [16, 512, 16 * KiB, 1 * MiB, 16 * MiB]
# (size, connections) of the flow-controlled program's rows.
FLOW_ROWS = [(64 * KiB, 10), (64 * KiB, 100), (1 * MiB, 10), (16 * MiB, 1)]
CONNS = [1, 100, 1000, 5000]
# Up to STREAM_CAP bytes in flight (size x conns) a combination runs for the window after a
# warm-up. Above it a message would not come back within the window, so instead each
# connection echoes exactly one message and the run is timed to completion ("bulk" rows, one
# repetition). Above BULK_CAP even that takes too long (16 MiB x 1000: ~50 s a run); skipped.
STREAM_CAP = 128 * MiB
BULK_CAP = 5 * 1024 * MiB
BULK_REPS = 2


def log(*a):
    print(*a, flush=True)


def human_size(n):
    if n >= MiB:
        return "%d MiB" % (n // MiB)
    if n >= KiB:
        return "%d KiB" % (n // KiB)
    return "%d B" % n


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, cwd=ROOT, **kw)


# ----------------------------------------------------------------------------------------
# Set-up

def apt_install(*pkgs):
    log("installing %s with apt-get" % " ".join(pkgs))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q"] + list(pkgs), env=env,
                   stdout=subprocess.DEVNULL, check=True)


def ensure_tools(quick):
    if not os.path.exists(SYS_HEADER):
        apt_install("libwebsockets-dev")
    if quick:
        return
    missing = [t for t in ("strace", "valgrind") if not shutil.which(t)]
    if missing:
        try:
            apt_install(*missing)
        except subprocess.CalledProcessError:
            log("could not install %s: those figures will be missing" % " ".join(missing))


def have_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        pass
    log("installing matplotlib with pip (for the plot)")
    for extra in ([], ["--break-system-packages"]):
        r = subprocess.run([sys.executable, "-m", "pip", "install", "-q"] + extra + ["matplotlib"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            break
    try:
        import importlib
        importlib.invalidate_caches()
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        log("matplotlib is not available: writing the table only")
        return False


def build():
    os.makedirs(LOGS, exist_ok=True)
    if not os.path.exists(os.path.join(LIBDIR, "libwebsockets.so.19")):
        run(["make", "lib"])
    log("building bench/loadgen")
    run(["cargo", "build", "--release", "-q", "--manifest-path",
         os.path.join(BENCH, "loadgen", "Cargo.toml")])
    cc = os.environ.get("CC", "cc")
    for src, prog in ((ECHO_SRC, "echo"), (FLOW_SRC, "flow")):
        run([cc, "-O2", "-Wall", "-I" + os.path.join(ROOT, "include"), src,
             "-L" + LIBDIR, "-lwebsockets", "-lpthread", "-o", os.path.join(OUT, prog + "-ours")])
    # lws 4.1 predates LWS_PROTOCOL_LIST_TERM; supply it from the command line instead of
    # touching the source (the same seven members of struct lws_protocols).
    probe = os.path.join(OUT, "probe.c")
    with open(probe, "w") as f:
        f.write("#include <libwebsockets.h>\n#ifndef LWS_PROTOCOL_LIST_TERM\n#error no\n#endif\n")
    has_term = subprocess.run([cc, "-fsyntax-only", "-I/usr/include", probe],
                              capture_output=True).returncode == 0
    extra = [] if has_term else ["-DLWS_PROTOCOL_LIST_TERM={ NULL, NULL, 0, 0, 0, NULL, 0 }"]
    for src, prog in ((ECHO_SRC, "echo"), (FLOW_SRC, "flow")):
        run([cc, "-O2", "-Wall", "-I/usr/include"] + extra + [src, "-lwebsockets",
            "-o", os.path.join(OUT, prog + "-orig")])
    # Each binary must load the library it was built for.
    for lib, want in (("ours", LIBDIR), ("orig", "/")):
        out = subprocess.run(["ldd", os.path.join(OUT, "echo-" + lib)], env=server_env(lib),
                             capture_output=True, text=True).stdout
        line = [l for l in out.splitlines() if "libwebsockets" in l]
        if not line or "not found" in line[0] or (lib == "ours" and LIBDIR not in line[0]):
            sys.exit("echo-%s does not load the right libwebsockets: %s" % (lib, line))


def uws_build():
    """Builds build/bench/uws-uws from bench/uws-echo.cpp and a uWebSockets tree (UWS_DIR, else
    a shallow clone); returns a line saying what was built, or None (the section is skipped)."""
    tree = os.environ.get("UWS_DIR") or os.path.join(OUT, "uWebSockets")

    def complete(d):
        return (os.path.exists(os.path.join(d, "src", "App.h")) and
                os.path.exists(os.path.join(d, "uSockets", "src", "libusockets.h")))

    if not complete(tree) and not os.environ.get("UWS_DIR"):
        shutil.rmtree(tree, ignore_errors=True)
        try:
            subprocess.run(["git", "clone", "-q", "--depth", "1", "--recurse-submodules=uSockets",
                            "--shallow-submodules", UWS_URL, tree], timeout=180, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (subprocess.SubprocessError, OSError):
            pass
    if not complete(tree):
        log("uWebSockets: no source tree (set UWS_DIR to a checkout with its uSockets "
            "submodule): its section is skipped")
        return None
    objs = os.path.join(OUT, "uws-obj")
    os.makedirs(objs, exist_ok=True)
    us = os.path.join(tree, "uSockets", "src")
    srcs = [os.path.join(d, f) for d in (us, os.path.join(us, "eventing"), os.path.join(us, "crypto"))
            for f in sorted(os.listdir(d)) if f.endswith(".c")]
    cc, cxx = os.environ.get("CC", "cc"), os.environ.get("CXX", "c++")
    try:
        # The way uWebSockets' own Makefile builds it without TLS or zlib: -O3 and LTO.
        subprocess.run([cc, "-O3", "-flto", "-DLIBUS_NO_SSL", "-std=c11", "-I" + us, "-c"] + srcs,
                       cwd=objs, check=True, capture_output=True)
        subprocess.run([cxx, "-O3", "-flto", "-std=c++20", "-DLIBUS_NO_SSL", "-DUWS_NO_ZLIB",
                        "-I" + os.path.join(tree, "src"), "-I" + us, UWS_SRC] +
                       [os.path.join(objs, f) for f in sorted(os.listdir(objs)) if f.endswith(".o")] +
                       ["-o", os.path.join(OUT, "uws-uws")], check=True, capture_output=True)
    except subprocess.CalledProcessError as e:
        log("uWebSockets: build failed (%s): its section is skipped" % e.stderr.decode()[-300:])
        return None
    rev = subprocess.run(["git", "-C", tree, "log", "-1", "--format=%h %cs"], capture_output=True,
                         text=True).stdout.strip()
    return "uWebSockets %s (uSockets epoll, no TLS, no zlib, -O3 -flto)" % (rev or "?")


def lws_versions():
    v = {"ours": "4.3.10 (this tree)"}
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libwebsockets-dev"],
                       capture_output=True, text=True)
    v["orig"] = ("Debian libwebsockets-dev " + r.stdout.strip()) if r.returncode == 0 else "system"
    return v


# ----------------------------------------------------------------------------------------
# Servers and the load generator

HAVE_TASKSET = shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2
SERVER_CPU, GEN_CPU = "1", "0"


def pin(cpu):
    return ["taskset", "-c", cpu] if HAVE_TASKSET else []


def server_env(lib):
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    if lib == "ours":
        env["LD_LIBRARY_PATH"] = LIBDIR
    return env


class Server:
    """A fresh echo server on a free port; `wrap` puts valgrind or strace in front."""

    def __init__(self, lib, tag, wrap=None, extra=(), prog="echo"):
        self.lib, self.tag = lib, tag
        self.errpath = os.path.join(LOGS, "%s-%s.err" % (tag, lib))
        self.err = open(self.errpath, "w")
        self.cmd = pin(SERVER_CPU) + (wrap or []) + [os.path.join(OUT, prog + "-" + lib), "-p", "0"] + \
            list(extra)
        self.p = subprocess.Popen(self.cmd, cwd=ROOT, env=server_env(lib), stdout=subprocess.PIPE,
                                  stderr=self.err, text=True)
        # Wait (bounded) for the server to print its port.
        ready, _, _ = select.select([self.p.stdout], [], [], 60)
        line = self.p.stdout.readline() if ready else ""
        m = re.match(r"listening on port (\d+)", line)
        if not m:
            self.p.kill()
            raise RuntimeError("%s server did not start: %r (see %s)" % (lib, line, self.errpath))
        self.port = int(m.group(1))
        self.pid = self.p.pid
        if wrap and wrap[0] == "strace":
            self.pid = self.child_of(self.p.pid)

    @staticmethod
    def child_of(ppid):
        for _ in range(100):
            for d in os.listdir("/proc"):
                if d.isdigit():
                    try:
                        with open("/proc/%s/stat" % d) as f:
                            st = f.read()
                    except OSError:
                        continue
                    if int(st[st.rfind(")") + 2:].split()[1]) == ppid:
                        return int(d)
            time.sleep(0.05)
        raise RuntimeError("no child of %d" % ppid)

    def stop(self):
        """SIGINT, then expect a clean exit. Returns a list of problems seen."""
        problems = []
        if self.p.poll() is not None:
            problems.append("server died during the run (exit status %s)" % self.p.returncode)
        else:
            os.kill(self.pid, signal.SIGINT)
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                problems.append("server did not exit within 30 s of SIGINT")
                self.p.kill()
                self.p.wait()
            if self.p.returncode != 0:
                problems.append("server exit status %s after SIGINT" % self.p.returncode)
        rest = self.p.stdout.read()
        if "bye" not in rest and not problems:
            problems.append("server did not print 'bye'")
        self.err.close()
        with open(self.errpath, errors="replace") as f:
            # "write failed" is the echo's message for a peer that went away: every run ends
            # with the generator aborting its connections.
            odd = [l.rstrip() for l in f if "E:" in l or "W:" in l]
            odd = [l for l in odd if not any(b in l for b in BENIGN.get(self.lib, []) + BENIGN["*"])]
        if odd:
            problems.append("server logged %d unexpected line(s), e.g. %s" % (len(odd), odd[0]))
        return problems


def loadgen(mode, port, pid, args, timeout=300):
    cmd = pin(GEN_CPU) + [LOADGEN, mode, "--port", str(port), "--pid", str(pid)] + \
        [str(a) for a in args]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "first_errors": ["load generator timed out after %d s" % timeout],
                "cmd": cmd}
    try:
        res = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        res = {"ok": False, "first_errors": ["no result from loadgen: " + r.stderr[-500:]]}
    res["cmd"] = cmd
    if r.returncode != 0:
        res["ok"] = False
    return res


PROBLEMS = []  # (what, lib, details, reproduction)
# Server log lines that are not problems, by library ("*": any): the echo's own message for
# a peer that went away (every run ends with the generator aborting its connections).
# lws 4.1.6 logs an error for each TLS write that fails because h2load has closed its
# connections at the end of a timed run (seen once in the 06:43 run).
BENIGN = {"*": ["echo: write failed"], "orig": ["_write returned -1"]}


def repro(lib, mode, args, prog="echo"):
    srv = ("LD_LIBRARY_PATH=target/release build/bench/%s-ours" % prog) if lib == "ours" \
        else "build/bench/%s-%s" % (prog, lib)
    return "%s -p 7681 &  bench/loadgen/target/release/loadgen %s --port 7681 %s" % (
        srv, mode, " ".join(str(a) for a in args))


def measure(lib, tag, mode, args, wrap=None, timeout=300, prog="echo"):
    """Start a server, run the generator against it, stop the server."""
    try:
        srv = Server(lib, tag, wrap, prog=prog)
    except RuntimeError as e:
        PROBLEMS.append((tag, lib, [str(e)], repro(lib, mode, args, prog)))
        log("   !! %s %s: %s" % (NAMES[lib], tag, e))
        return {"ok": False, "lib": lib, "problems": [str(e)]}, None
    res = loadgen(mode, srv.port, srv.pid, args, timeout)
    problems = srv.stop()
    if not res.get("ok"):
        problems = ["load generator: %s" % "; ".join(res.get("first_errors") or ["failed"])] + problems
    res["problems"] = problems
    res["lib"] = lib
    if problems:
        PROBLEMS.append((tag, lib, problems, repro(lib, mode, args, prog)))
        log("   !! %s %s: %s" % (NAMES[lib], tag, "; ".join(problems)))
    return res, srv


# ----------------------------------------------------------------------------------------
# The measurements

def echo_grid(sizes, conns_list, reps, warmup, duration, verify_every, quick, prog="echo"):
    """{(size, conns): {lib: [result per rep]}}"""
    grid = {}
    for size in sizes:
        for conns in conns_list(size):
            if size * conns > BULK_CAP:
                continue
            bulk = size * conns > STREAM_CAP
            runs = {lib: [] for lib in LIBS}
            # Bulk rows swing with the kernel's socket memory (GiBs in flight): two runs each.
            for rep in range(min(reps, BULK_REPS) if bulk else reps):
                for lib in LIBS:  # ours, original, ours, original, ...
                    if bulk:
                        args = ["--conns", conns, "--size", size, "--count", 1,
                                "--verify-every", 1, "--timeout", 240]
                    else:
                        args = ["--conns", conns, "--size", size, "--warmup", warmup,
                                "--duration", duration, "--verify-every", verify_every]
                    res, _ = measure(lib, "%s-%s-%d" % (prog, human_size(size).replace(" ", ""), conns),
                                     "echo", args, prog=prog)
                    runs[lib].append(res)
                    if quick and res.get("ok") and not res.get("verified"):
                        PROBLEMS.append(("%s %s x%d" % (prog, human_size(size), conns), lib,
                                         ["no message was echoed completely and verified"],
                                         repro(lib, "echo", args, prog)))
            grid[(size, conns)] = runs
            b = {lib: best(runs[lib]) for lib in LIBS}
            log("  %s %7s x %4d conns: msgs/s %10s | %10s   MB/s %8s | %8s" % (
                prog, human_size(size), conns, fmt(b["ours"].get("msgs_per_s")),
                fmt(b["orig"].get("msgs_per_s")), fmt(b["ours"].get("mb_per_s")),
                fmt(b["orig"].get("mb_per_s"))))
    return grid


def best(runs):
    """The repetition with the highest throughput (disturbances only ever slow a run down)."""
    good = [r for r in runs if r.get("ok")] or runs
    return max(good, key=lambda r: (r.get("mb_per_s") or 0)) if good else {}


def handshakes(reps, warmup, duration, conc):
    runs = {lib: [] for lib in LIBS}
    for _ in range(reps):
        for lib in LIBS:
            res, _ = measure(lib, "handshakes", "handshakes",
                             ["--conns", conc, "--warmup", warmup, "--duration", duration])
            runs[lib].append(res)
    out = {lib: max(runs[lib], key=lambda r: r.get("handshakes_per_s") or 0) for lib in LIBS}
    log("  handshakes/s: %s | %s" % (fmt(out["ours"].get("handshakes_per_s")),
                                     fmt(out["orig"].get("handshakes_per_s"))))
    return out, runs


def idle(reps, conns):
    runs = {lib: [] for lib in LIBS}
    for _ in range(reps):
        for lib in LIBS:
            res, _ = measure(lib, "idle", "idle", ["--conns", conns, "--settle", 1])
            runs[lib].append(res)
    out = {}
    for lib in LIBS:
        vals = [r["rss_bytes_per_conn"] for r in runs[lib] if r.get("ok")]
        out[lib] = {"rss_bytes_per_conn": min(vals) if vals else None, "runs": runs[lib]}
    log("  idle RSS bytes/conn: %s | %s" % (fmt(out["ours"]["rss_bytes_per_conn"]),
                                            fmt(out["orig"]["rss_bytes_per_conn"])))
    return out


# ----------------------------------------------------------------------------------------
# TLS: the same echo.c serving wss:// (--cert/--key), each library with its own TLS
# (ours: rustls with ring; Debian's lws: OpenSSL).  Clients, the same for both: `openssl
# s_time` for handshakes (one connection at a time: connect, handshake, close) and
# bench/wss_client.py (Python ssl + websockets) for wss echo throughput.

def tls_files():
    d = os.path.join(OUT, "tls")
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    if not (os.path.exists(cert) and os.path.exists(key)):
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=localhost"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def s_time(port, args, duration):
    """Handshakes per second by `openssl s_time` (whole seconds), over the wall-clock time
    of the run; `reused`: how many of them resumed a session."""
    secs = max(1, int(round(duration)))
    cmd = pin(GEN_CPU) + ["openssl", "s_time", "-connect", "127.0.0.1:%d" % port,
                          "-time", str(secs)] + args
    t = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + 60)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "s_time timed out", "cmd": cmd}
    el = time.monotonic() - t
    m = re.search(r"(\d+) connections in [\d.]+s;", r.stdout)
    n = int(m.group(1)) if m else 0
    marks = "".join(l for l in r.stdout.splitlines() if l and set(l) <= set("*r"))
    return {"ok": n > 0, "conns": n, "per_s": n / el if n else None,
            "reused": marks.count("r"), "cmd": cmd}


def wss_echo(port, size, duration):
    cmd = pin(GEN_CPU) + [sys.executable, os.path.join(BENCH, "wss_client.py"), str(port),
                          str(size), str(duration)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
        res = json.loads(r.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, ValueError, IndexError) as e:
        res = {"ok": False, "error": "wss client: %s" % e}
    res["cmd"] = cmd
    return res


TLS_ROWS = [("full", "handshakes/s, TLS 1.3 full handshake (ECDSA P-256)", ["-new", "-tls1_3"]),
            ("full12", "handshakes/s, TLS 1.2 full handshake", ["-new", "-tls1_2"]),
            ("resumed12", "handshakes/s, TLS 1.2 resumed session", ["-reuse", "-tls1_2"])]


def tls_bench(reps, duration):
    """{lib: {"full": .., "full12": .., "resumed12": .., "wss_mb_per_s": .., "runs": [...]}}"""
    cert, key = tls_files()
    runs = {lib: [] for lib in LIBS}
    for _ in range(reps):
        for lib in LIBS:
            try:
                srv = Server(lib, "tls", extra=["--cert", cert, "--key", key])
            except RuntimeError as e:
                PROBLEMS.append(("tls", lib, [str(e)], "echo --cert --key"))
                continue
            res = {name: s_time(srv.port, args, duration) for name, _, args in TLS_ROWS}
            res["wss"] = wss_echo(srv.port, MiB, duration)
            problems = srv.stop()
            for name, r in res.items():
                if not r.get("ok"):
                    problems.append("%s: %s" % (name, r.get("error") or "no result"))
            if res["resumed12"].get("ok") and res["resumed12"]["reused"] * 2 < res["resumed12"]["conns"]:
                problems.append("resumed12: only %d of %d handshakes resumed" % (
                    res["resumed12"]["reused"], res["resumed12"]["conns"]))
            if problems:
                PROBLEMS.append(("tls", lib, problems, "%s -p 7681 --cert C --key K; openssl s_time "
                                 "-connect 127.0.0.1:7681 -new" % ("LD_LIBRARY_PATH=target/release "
                                 "build/bench/echo-ours" if lib == "ours" else "build/bench/echo-orig")))
                log("   !! %s tls: %s" % (NAMES[lib], "; ".join(problems)))
            runs[lib].append(res)
    out = {}
    for lib in LIBS:
        o = {"runs": runs[lib]}
        for name, _, _ in TLS_ROWS:
            vals = [r[name]["per_s"] for r in runs[lib] if r[name].get("ok")]
            o[name] = max(vals) if vals else None
        vals = [r["wss"]["mb_per_s"] for r in runs[lib] if r["wss"].get("ok")]
        o["wss_mb_per_s"] = max(vals) if vals else None
        out[lib] = o
    log("  TLS 1.3 handshakes/s: %s | %s; TLS 1.2 resumed: %s | %s; wss 1 MiB echo MB/s: %s | %s" % (
        fmt(out["ours"]["full"]), fmt(out["orig"]["full"]), fmt(out["ours"]["resumed12"]),
        fmt(out["orig"]["resumed12"]), fmt(out["ours"]["wss_mb_per_s"]), fmt(out["orig"]["wss_mb_per_s"])))
    return out


def tls_rows(tls):
    rows = []
    for name, title, _ in TLS_ROWS + [("wss_mb_per_s", "wss echo MB/s, 1 MiB messages, 1 connection", None)]:
        o, g = tls["ours"][name], tls["orig"][name]
        r = ratio(o, g)
        rows.append([title, fmt(o), fmt(g), "—" if r is None else "%.3fx" % r])
    return rows


def tls_section(tls, duration, reps):
    L = ["## TLS\n"]
    L.append("`examples-c/echo.c --cert --key` (wss://, a self-signed ECDSA P-256 certificate "
             "made by the `openssl` CLI), each library with its own TLS: ours rustls (ring), "
             "Debian's lws 4.1.6 OpenSSL %s. Handshakes: `openssl s_time` (one connection at a "
             "time: connect, handshake, close; the client's own crypto is in every figure, the "
             "same for both), %d s per figure, over wall-clock time; resumed: TLS 1.2 session "
             "resumption (`-reuse`; s_time cannot resume TLS 1.3 sessions, whose tickets arrive "
             "after the handshake it does not read past). wss echo: `bench/wss_client.py` "
             "(Python ssl + websockets), one connection, 1 MiB messages one at a time, every "
             "echo compared, %.1f s; the Python client's own cost is in both figures. Best of %d.\n" % (
                 subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.split()[1],
                 max(1, int(round(duration))), duration, reps))
    L.append(md_table(["figure", "ours", "original", "ratio ours/original"], tls_rows(tls)) + "\n")
    return "\n".join(L)


def tls_only(reps, duration):
    """Runs the TLS rows alone and puts their section into bench/results.md and their
    results into bench/results.json, leaving the rest of a full run's results as they are."""
    tls = tls_bench(reps, duration)
    sec = tls_section(tls, duration, reps)
    md = os.path.join(BENCH, "results.md")
    text = open(md).read() if os.path.exists(md) else "# Benchmark results\n"
    if "\n## TLS\n" in text:
        head, rest = text.split("\n## TLS\n", 1)
        nxt = rest.find("\n## ")
        text = head + "\n" + sec + (rest[nxt:] if nxt >= 0 else "")
    else:
        at = text.find("\n## Echo: throughput")
        text = (text[:at] + "\n" + sec + text[at:]) if at >= 0 else text + "\n" + sec
    with open(md, "w") as f:
        f.write(text)
    js = os.path.join(BENCH, "results.json")
    try:
        with open(js) as f:
            raw = json.load(f)
    except (OSError, ValueError):
        raw = {}
    raw["tls"] = tls
    with open(js, "w") as f:
        json.dump(raw, f, indent=1, default=str)
    log("\n" + text_table(["figure", "ours", "original", "ratio"], tls_rows(tls)))
    return tls


def callgrind(conns, count):
    """Instructions per 512 B message: callgrind counts only inside lws_service()
    (--collect-atstart=no --toggle-collect=lws_service), and a run with the same connections
    but 0 messages is subtracted, so start-up, context creation, accepting, upgrading and
    closing cancel out; what is left is divided by the messages echoed."""
    if not shutil.which("valgrind"):
        return None
    out = {}
    for lib in LIBS:
        ir = {}
        for n in (0, count):
            f = os.path.join(LOGS, "callgrind-%s-%d.out" % (lib, n))
            wrap = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + f,
                    "--collect-atstart=no", "--toggle-collect=lws_service"]
            res, _ = measure(lib, "callgrind-%d" % n, "echo",
                             ["--conns", conns, "--size", 512, "--count", n, "--verify-every", 1],
                             wrap=wrap, timeout=600)
            ir[n] = None
            if res.get("ok") and os.path.exists(f):
                with open(f) as fh:
                    for line in fh:
                        if line.startswith(("totals:", "summary:")):
                            ir[n] = int(line.split()[1])
        if ir[0] is not None and ir[count] is not None:
            out[lib] = {"per_msg": (ir[count] - ir[0]) / (conns * count), "ir": ir}
        else:
            out[lib] = {"per_msg": None, "ir": ir}
    log("  instructions/msg: %s | %s" % (fmt(out["ours"]["per_msg"]), fmt(out["orig"]["per_msg"])))
    return out


def uws_compare(reps, warmup, duration, verify_every):
    """uWebSockets' echo beside ours (echo.c queueing whole messages, and the flow-controlled
    echo-flow.c) on issue 19's loads: {(size, conns): {"uws"|"echo"|"flow": [runs]}}."""
    out = {}
    for size, conns in UWS_ROWS:
        runs = {"uws": [], "echo": [], "flow": []}
        for _ in range(reps):
            for key, lib, prog in (("uws", "uws", "uws"), ("echo", "ours", "echo"), ("flow", "ours", "flow")):
                args = ["--conns", conns, "--size", size, "--warmup", warmup, "--duration", duration,
                        "--verify-every", verify_every]
                res, _ = measure(lib, "uws-%s-%s-%d" % (key, human_size(size).replace(" ", ""), conns),
                                 "echo", args, prog=prog)
                runs[key].append(res)
        out[(size, conns)] = runs
        b = {k: best(v) for k, v in runs.items()}
        log("  %7s x %4d conns: MB/s uWS %8s | echo.c %8s | echo-flow.c %8s" % (
            human_size(size), conns, fmt(b["uws"].get("mb_per_s")), fmt(b["echo"].get("mb_per_s")),
            fmt(b["flow"].get("mb_per_s"))))
    return out


def uws_table(cmp_):
    rows = []
    for (size, conns), runs in sorted(cmp_.items()):
        b = {k: best(v) for k, v in runs.items()}
        mb = {k: b[k].get("mb_per_s") for k in b}
        cpu = {k: b[k].get("server_cpu_us_per_msg") if b[k].get("msgs") else None for k in b}
        usr = {k: b[k].get("server_user_us_per_msg") if b[k].get("msgs") else None for k in b}
        rows.append([human_size(size), conns, fmt(mb["uws"]), fmt(mb["echo"]), fr(ratio(mb["echo"], mb["uws"])),
                     fmt(mb["flow"]), fr(ratio(mb["flow"], mb["uws"])),
                     "%s / %s / %s" % (fmt(cpu["uws"]), fmt(cpu["echo"]), fmt(cpu["flow"])),
                     "%s / %s / %s" % (fmt(usr["uws"]), fmt(usr["echo"]), fmt(usr["flow"])),
                     "%s / %s / %s" % tuple(fmt(b[k].get("gen_cpu_pct"), 0) for k in ("uws", "echo", "flow"))])
    return (["size", "conns", "MB/s uWS", "MB/s echo.c", "echo.c / uWS", "MB/s echo-flow.c",
             "echo-flow.c / uWS", "server CPU µs/msg uWS / echo.c / flow",
             "of it user µs/msg uWS / echo.c / flow", "generator CPU %"], rows)


def parse_massif(path, prog):
    """(library bytes, program bytes) at massif's peak snapshot: the program's are the
    allocations made directly from the program binary (echo.c's session buffers)."""
    snaps, cur = [], None
    with open(path) as f:
        for line in f:
            if line.startswith("snapshot="):
                cur = {"total": 0, "prog": 0, "peak": False}
                snaps.append(cur)
            elif cur is None:
                continue
            elif line.startswith("mem_heap_B="):
                cur["total"] = int(line.split("=")[1])
            elif line.startswith("heap_tree=peak"):
                cur["peak"] = True
            elif line.startswith(" n") and not line.startswith("  ") and ("/" + prog) in line:
                cur["prog"] += int(line.split()[1])
    peak = [x for x in snaps if x["peak"]] or sorted(snaps, key=lambda x: x["total"])[-1:]
    if not peak:
        return None
    return peak[0]["total"] - peak[0]["prog"], peak[0]["prog"]


def inflight_heap(size=16 * KiB, counts=(50, 300)):
    """Heap per connection with a message in flight, split into the library's and the
    program's own (valgrind massif's peak snapshot).  Two connection counts, so what is
    fixed (the context, lws's descriptor table) cancels: (heap at 300 - heap at 50) / 250."""
    if not shutil.which("valgrind"):
        return None
    out = {}
    for lib in LIBS:
        got = {}
        for n in counts:
            f = os.path.join(LOGS, "massif-%s-%d.out" % (lib, n))
            wrap = ["valgrind", "--tool=massif", "--massif-out-file=" + f, "--threshold=0.01",
                    "--detailed-freq=1", "--max-snapshots=200"]
            res, _ = measure(lib, "massif-%d" % n, "echo",
                             ["--conns", n, "--size", size, "--warmup", 1, "--duration", 3,
                              "--verify-every", 100], wrap=wrap, timeout=300)
            got[n] = parse_massif(f, "echo-" + lib) if res.get("ok") and os.path.exists(f) else None
        a, b = got[counts[0]], got[counts[1]]
        if a and b:
            d = counts[1] - counts[0]
            out[lib] = {"lib_per_conn": (b[0] - a[0]) / d, "prog_per_conn": (b[1] - a[1]) / d, "raw": got}
        else:
            out[lib] = {"lib_per_conn": None, "prog_per_conn": None, "raw": got}
    log("  heap per connection in flight, library: %s | %s; program: %s | %s" % (
        fmt(out["ours"]["lib_per_conn"]), fmt(out["orig"]["lib_per_conn"]),
        fmt(out["ours"]["prog_per_conn"]), fmt(out["orig"]["prog_per_conn"])))
    return out


def parse_strace(path):
    calls = {}
    with open(path) as f:
        for line in f:
            t = line.split()
            if len(t) >= 5 and re.match(r"^\d+\.\d+$", t[0]) and t[-1] != "total":
                calls[t[-1]] = int(t[3])
    return calls


def strace(conns, count):
    """System calls per 512 B message: strace -c -f on the server for a fixed workload, minus
    the same run with 0 messages (start-up, accept, upgrade and close cancel out)."""
    if not shutil.which("strace"):
        return None
    out = {}
    for lib in LIBS:
        calls = {}
        for n in (0, count):
            f = os.path.join(LOGS, "strace-%s-%d.out" % (lib, n))
            res, _ = measure(lib, "strace-%d" % n, "echo",
                             ["--conns", conns, "--size", 512, "--count", n, "--verify-every", 1],
                             wrap=["strace", "-f", "-c", "-o", f], timeout=600)
            calls[n] = parse_strace(f) if res.get("ok") and os.path.exists(f) else None
        if calls[0] is not None and calls[count] is not None:
            names = set(calls[0]) | set(calls[count])
            delta = {k: (calls[count].get(k, 0) - calls[0].get(k, 0)) / (conns * count) for k in names}
            delta = {k: v for k, v in delta.items() if abs(v) >= 0.005}
            out[lib] = {"per_msg": sum(delta.values()), "by_call": delta}
        else:
            out[lib] = {"per_msg": None, "by_call": {}}
    log("  syscalls/msg: %s | %s" % (fmt(out["ours"]["per_msg"]), fmt(out["orig"]["per_msg"])))
    return out


# ----------------------------------------------------------------------------------------
# Reporting

def fmt(v, digits=None):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if digits is not None:
        return "%.*f" % (digits, v)
    a = abs(v)
    if a >= 1000:
        return "{:,.0f}".format(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def ratio(a, b):
    if a is None or b is None or not b:
        return None
    return a / b


def fr(r):
    return "—" if r is None else "%.2fx" % r


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def text_table(head, rows):
    cols = [head] + [[str(c) for c in r] for r in rows]
    w = [max(len(r[i]) for r in cols) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w[i]) for i, c in enumerate(r)) for r in cols]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


def msgs_or_dash(r):
    # Where no message completed in the window (huge messages, many connections) only the
    # byte rate means something.
    return r.get("msgs_per_s") if r.get("msgs") else None


def echo_tables(grid):
    thr, lat, cpu = [], [], []
    for (size, conns), runs in sorted(grid.items()):
        o, g = best(runs["ours"]), best(runs["orig"])
        label = [human_size(size), ("%d †" % conns) if size * conns > STREAM_CAP else conns]
        mo, mg = msgs_or_dash(o), msgs_or_dash(g)
        thr.append(label + [fmt(mo), fmt(mg), fr(ratio(mo, mg)),
                            fmt(o.get("mb_per_s")), fmt(g.get("mb_per_s")),
                            fr(ratio(o.get("mb_per_s"), g.get("mb_per_s")))])
        p50o, p50g = (o.get("p50_us") if mo else None), (g.get("p50_us") if mg else None)
        p99o, p99g = (o.get("p99_us") if mo else None), (g.get("p99_us") if mg else None)
        p999o, p999g = (o.get("p999_us") if mo else None), (g.get("p999_us") if mg else None)
        lat.append(label + [fmt(p50o), fmt(p50g), fr(ratio(p50o, p50g)),
                            fmt(p99o), fmt(p99g), fr(ratio(p99o, p99g)),
                            fmt(p999o), fmt(p999g), fr(ratio(p999o, p999g))])
        co, cg = o.get("server_cpu_us_per_msg"), g.get("server_cpu_us_per_msg")
        if not mo:
            co = None
        if not mg:
            cg = None
        uo = o.get("server_user_us_per_msg") if mo else None
        ug = g.get("server_user_us_per_msg") if mg else None
        cpu.append(label + [fmt(co), fmt(cg), fr(ratio(co, cg)),
                            "%s / %s" % (fmt(uo), fmt(ug)),
                            "%s / %s" % (fmt(o.get("server_cpu_pct"), 0), fmt(g.get("server_cpu_pct"), 0)),
                            "%s / %s" % (fmt(o.get("gen_cpu_pct"), 0), fmt(g.get("gen_cpu_pct"), 0))])
    return {
        "throughput": (["size", "conns", "msgs/s ours", "msgs/s original", "ratio",
                        "MB/s ours", "MB/s original", "ratio"], thr),
        "latency": (["size", "conns", "p50 µs ours", "p50 µs original", "ratio",
                     "p99 µs ours", "p99 µs original", "ratio",
                     "p99.9 µs ours", "p99.9 µs original", "ratio"], lat),
        "cpu": (["size", "conns", "server CPU µs/msg ours", "original", "ratio",
                 "of it user µs/msg ours / original",
                 "server CPU % ours / original", "generator CPU % ours / original"], cpu),
    }


def rss_busy_per_conn(r):
    """Server RSS growth per connection with its messages in flight (end of the window)."""
    a, b, n = r.get("rss_idle_kib"), r.get("rss_busy_kib"), r.get("conns")
    if a is None or b is None or not n:
        return None
    return (b - a) * 1024 / n


def summary_rows(grid, hs, idl, cg, stc, flow=None, heap=None, uws=None):
    rows = []

    def add(name, o, g, target, passed, note=""):
        r = ratio(o, g)
        rows.append([name, fmt(o), fmt(g), "—" if r is None else "%.3fx" % r, target,
                     "—" if passed is None else ("pass" if passed else "falls short"), note])

    if cg:
        o, g = cg["ours"]["per_msg"], cg["orig"]["per_msg"]
        add("user-space instructions per 512 B message (server)", o, g, "ours ≤ 900",
            None if o is None else o <= 900)
    if stc:
        add("syscalls per 512 B message (server)", stc["ours"]["per_msg"], stc["orig"]["per_msg"], "", None)
    for conns, want in ((100, 1.2), (5000, 1.6)):
        runs = grid.get((512, conns))
        if runs:
            o, g = msgs_or_dash(best(runs["ours"])), msgs_or_dash(best(runs["orig"]))
            r = ratio(o, g)
            add("msgs/s, 512 B, %d connections" % conns, o, g, "≥ %.1fx" % want,
                None if r is None else r >= want, saturation_note(best(runs["ours"])))
            co = best(runs["ours"]).get("server_cpu_us_per_msg")
            cg_ = best(runs["orig"]).get("server_cpu_us_per_msg")
            add("server CPU µs per 512 B message, %d connections" % conns, co, cg_, "", None,
                "capacity ratio original/ours: %s" % fr(ratio(cg_, co)))
    for conns in CONNS:
        runs = grid.get((MiB, conns))
        if runs:
            o, g = best(runs["ours"]).get("mb_per_s"), best(runs["orig"]).get("mb_per_s")
            r = ratio(o, g)
            add("MB/s, 1 MiB messages, %d connection%s" % (conns, "" if conns == 1 else "s"), o, g,
                "≥ 1.2x", None if r is None else r >= 1.2, bulk_note(best(runs["ours"]), best(runs["orig"])))
    for (size, conns), runs in sorted((flow or {}).items()):
        o, g = best(runs["ours"]).get("mb_per_s"), best(runs["orig"]).get("mb_per_s")
        r = ratio(o, g)
        bo, bg = best(runs["ours"]), best(runs["orig"])
        co, cg_ = bo.get("server_cpu_us_per_msg"), bg.get("server_cpu_us_per_msg")
        note = saturation_note(bo)
        if co and cg_:
            note = ("%s%sserver CPU µs/msg %s / %s: capacity ratio %s" % (
                note, "; " if note else "", fmt(co), fmt(cg_), fr(ratio(cg_, co))))
            uo, ug = bo.get("server_user_us_per_msg"), bg.get("server_user_us_per_msg")
            if uo is not None and ug is not None:
                # The kernel's part (socket copies, TCP) is the same work for both; with
                # no user time at all ours would reach cg_ / (co - uo).
                note += ("; of it in user space %s / %s, in the kernel %s / %s "
                         "(ceiling with zero user time: %s)" % (
                             fmt(uo), fmt(ug), fmt(co - uo), fmt(cg_ - ug),
                             fr(ratio(cg_, co - uo))))
        add("MB/s, flow-controlled echo, %s x %d connection%s" % (
            human_size(size), conns, "" if conns == 1 else "s"), o, g, "≥ 1.5x",
            None if r is None else r >= 1.5, note)
    runs = grid.get((16 * KiB, 1000))
    if runs:
        o, g = rss_busy_per_conn(best(runs["ours"])), rss_busy_per_conn(best(runs["orig"]))
        note = "server VmRSS at the end of the window minus before connecting"
        if heap and heap["ours"]["prog_per_conn"] is not None and heap["orig"]["prog_per_conn"] is not None:
            note += ("; of it echo.c's own buffers (massif): %s / %s B, see the next row" % (
                fmt(heap["ours"]["prog_per_conn"]), fmt(heap["orig"]["prog_per_conn"])))
        add("RSS per connection with a 16 KiB message in flight, bytes (1000 connections)",
            o, g, "", None, note)
    if heap:
        add("library heap per connection with a 16 KiB message in flight, bytes (massif)",
            heap["ours"]["lib_per_conn"], heap["orig"]["lib_per_conn"], "", None,
            "the program's own allocations excluded; (300 connections - 50) / 250")
    for (size, conns), runs in sorted((uws or {}).items()):
        if size < 64 * KiB:
            continue
        u, f = best(runs["uws"]).get("mb_per_s"), best(runs["flow"]).get("mb_per_s")
        r = ratio(f, u)
        add("MB/s, flow-controlled echo vs uWebSockets, %s x %d connection%s" % (
            human_size(size), conns, "" if conns == 1 else "s"), f, u, "≥ 1.0x",
            None if r is None else r >= 1.0, "the original column is uWebSockets' echo here")
    big = [(c, runs) for (s, c), runs in grid.items() if s == 16 * MiB]
    if big:
        done = all(all(r.get("ok") and r.get("verified") for r in runs["ours"]) for _, runs in big)
        msgs_o = sum(r.get("verified", 0) for _, runs in big for r in runs["ours"])
        msgs_g = sum(r.get("verified", 0) for _, runs in big for r in runs["orig"])
        add("16 MiB messages echoed and verified (%s connections)" % ", ".join(str(c) for c, _ in sorted(big)),
            msgs_o, msgs_g, "completes", done, "messages compared byte for byte, all runs")
    if idl:
        o, g = idl["ours"]["rss_bytes_per_conn"], idl["orig"]["rss_bytes_per_conn"]
        r = ratio(o, g)
        add("RSS per idle connection, bytes (%s connections)" % fmt(IDLE_CONNS), o, g, "≤ 0.5x",
            None if r is None else r <= 0.5)
    if hs:
        o, g = hs["ours"].get("handshakes_per_s"), hs["orig"].get("handshakes_per_s")
        r = ratio(o, g)
        add("handshakes/s (upgrade + close handshake)", o, g, "≥ 1.5x",
            None if r is None else r >= 1.5, saturation_note(hs["ours"], hs["orig"]))
        o, g = hs["ours"].get("server_cpu_us_per_handshake"), hs["orig"].get("server_cpu_us_per_handshake")
        add("server CPU µs per handshake", o, g, "", None,
            "capacity ratio original/ours: %s" % fr(ratio(g, o)))
    return rows


def bulk_note(o, g):
    """For runs where neither side used its CPU: say so, with the server CPU per message."""
    po, pg = o.get("server_cpu_pct"), g.get("server_cpu_pct")
    if po is None or pg is None or max(po, pg) >= 80 or not o.get("msgs"):
        return ""
    return ("servers at %.0f%% / %.0f%% CPU: the kernel, holding GiBs of socket buffers, set "
            "the pace; server CPU per message %s / %s µs (%s)" % (
                po, pg, fmt(o.get("server_cpu_us_per_msg")), fmt(g.get("server_cpu_us_per_msg")),
                fr(ratio(o.get("server_cpu_us_per_msg"), g.get("server_cpu_us_per_msg")))))


def saturation_note(o, g=None):
    """Say when the generator, not the server, was the limit."""
    gen = o.get("gen_cpu_pct")
    if gen is not None and gen >= 90:
        return "generator at %.0f%% CPU: it, not the server, may be the limit" % gen
    return ""


IDLE_CONNS = 10000


def machine():
    model, cores = "?", 0
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name") and model == "?":
                    model = l.split(":", 1)[1].strip()
                if l.startswith("processor"):
                    cores += 1
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1024 / 1024)
    except OSError:
        pass
    cc = subprocess.run([os.environ.get("CC", "cc"), "--version"], capture_output=True, text=True).stdout
    return {
        "cpu": model, "cpus": cores, "memory": mem, "uname": " ".join(platform.uname()),
        "cc": cc.splitlines()[0] if cc else "?",
        "rustc": subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip(),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def plot(grid, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    names = {"ours": "ours (Rust, 4.3 API)", "orig": "libwebsockets 4.1.6 (Debian)"}
    for lib, style, color in (("ours", "o-", "C0"), ("orig", "s--", "C1")):
        runs = [(c, best(grid[(512, c)][lib])) for c in CONNS if (512, c) in grid]
        pts = [(c, msgs_or_dash(r)) for c, r in runs]
        pts = [(c, v) for c, v in pts if v]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, color=color,
                    label=names[lib] + ": measured")
        # What the server alone could do: 1 / its CPU time per message.
        cap = [(c, 1e6 / r["server_cpu_us_per_msg"]) for c, r in runs
               if r.get("msgs") and r.get("server_cpu_us_per_msg")]
        if cap:
            ax.plot([p[0] for p in cap], [p[1] for p in cap], ":", color=color, alpha=0.7,
                    label=names[lib] + ": 1 / server CPU per msg")
    ax.set_xscale("log")
    ax.set_xlabel("connections (1 message of 512 B in flight each)")
    ax.set_ylabel("messages echoed per second")
    ax.set_title("echo.c, 512 B messages")
    ax.grid(True, which="both", alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def uws_md(uws, built, reps):
    if not uws:
        return ""
    return ("## Beside uWebSockets\n\n%s, `bench/uws-echo.cpp` (its `ws->send` of each message "
            "as it arrives, whole) against our library under `examples-c/echo.c` (queues whole "
            "messages) and `bench/echo-flow.c` (rx flow control per chunk, as lws's examples). "
            "One message in flight per connection; best of %d, alternating.\n\n%s\n" % (
                built, reps, md_table(*uws_table(uws))))


def write_results(path, meta, grid, hs, idl, cg, stc, summary, params, elapsed, plotted,
                  tls_md="", flow=None, uws_section_md=""):
    t = echo_tables(grid)
    sh = ["figure", "ours", "original", "ratio ours/original", "target", "result", "note"]
    L = []
    L.append("# Benchmark results\n")
    L.append("Made by `make bench` (`bench/run.py`) on %s, in %.0f s. Our library (lws 4.3 API, "
             "this tree) against %s, both driving the same `examples-c/echo.c`.\n" % (
                 meta["date"], elapsed, meta["versions"]["orig"]))
    L.append("**Disturbances.** The machine has 2 CPUs and is shared with other work (other "
             "builds and tests may have run at the same time; load average %s at the start, %s "
             "at the end). Runs alternate ours/original so drift hits both, and the better of "
             "%d repetitions is kept, but figures within ~10%% of each other are a tie.\n" % (
                 meta["load_start"], meta["load_end"], params["reps"]))
    L.append("## Machine\n")
    L.append("- CPU: %s, %d logical CPUs; memory %s" % (meta["cpu"], meta["cpus"], meta["memory"]))
    L.append("- `uname`: %s" % meta["uname"])
    L.append("- %s; %s" % (meta["cc"], meta["rustc"]))
    L.append("- server pinned to CPU %s and generator to CPU %s with `taskset`%s\n" % (
        SERVER_CPU, GEN_CPU, "" if HAVE_TASKSET else " (not available: not pinned)"))
    L.append("## Summary against the targets\n")
    L.append(md_table(sh, summary) + "\n")
    if plotted:
        L.append("![messages/s vs connections at 512 B](msgs_per_sec.png)\n")
    if tls_md:
        L.append(tls_md)
    if uws_section_md:
        L.append(uws_section_md)
    L.append("## Echo: throughput\n")
    L.append("msgs/s: messages echoed completely inside the window. MB/s: echoed payload "
             "received back by the generator per second (10^6 bytes, one direction; the server "
             "moves as much again inbound). †: bulk rows (more than %d MiB in flight): each "
             "connection echoes exactly one message, all at once, and the run is timed from the "
             "first byte to the last close; msgs/s and MB/s are over that time, latency is each "
             "message's completion time, best of %d.\n" % (STREAM_CAP // MiB, min(params["reps"], BULK_REPS)))
    L.append(md_table(*t["throughput"]) + "\n")
    L.append("## Echo: round-trip latency\n")
    L.append("From queueing a message's first byte to receiving the last byte of its echo, "
             "per message, in µs (closed loop: each connection sends its next message when the "
             "echo is back).\n")
    L.append(md_table(*t["latency"]) + "\n")
    if flow:
        ft = echo_tables(flow)
        L.append("## Flow-controlled echo: large messages\n")
        L.append("`bench/echo-flow.c`: RECEIVE copies the chunk into the session, turns rx flow "
                 "off and asks for WRITEABLE; WRITEABLE writes it back with the same fragment "
                 "flags and turns rx on (pt_serv_buf_size 64 KiB, rx_buffer_size 1 MiB). One "
                 "message in flight per connection; best of %d.\n" % params["reps"])
        L.append(md_table(*ft["throughput"]) + "\n")
        L.append(md_table(*ft["latency"]) + "\n")
        L.append(md_table(*ft["cpu"]) + "\n")
    L.append("## Echo: CPU\n")
    L.append("Server CPU µs/msg: utime+stime of the server (/proc/PID/stat, 10 ms ticks) over "
             "the window, divided by the messages echoed. CPU %: share of one CPU used during "
             "the window; a generator near 100% means the generator, not the server, set the "
             "pace (on loopback most of either side's time is the kernel's TCP work).\n")
    L.append(md_table(*t["cpu"]) + "\n")
    if stc:
        L.append("## System calls per 512 B message\n")
        names = sorted(set(stc["ours"]["by_call"]) | set(stc["orig"]["by_call"]),
                       key=lambda k: -(stc["ours"]["by_call"].get(k, 0) + stc["orig"]["by_call"].get(k, 0)))
        rows = [[k, fmt(stc["ours"]["by_call"].get(k), 2), fmt(stc["orig"]["by_call"].get(k), 2)] for k in names]
        rows.append(["**total**", fmt(stc["ours"]["per_msg"], 2), fmt(stc["orig"]["per_msg"], 2)])
        L.append(md_table(["syscall", "ours", "original"], rows) + "\n")
    L.append("## Reading these numbers\n")
    L.append(
        "- Both sides share a 2-CPU machine over loopback, where most of either side's CPU "
        "time is the kernel's TCP work, and the kernel charges each packet's receive "
        "processing to the sender. When the generator's CPU is near 100% (tables below), it "
        "set the pace and the msgs/s ratio understates the difference between the servers; "
        "the server's CPU time per message (and per handshake) is then the fairer figure: "
        "1 / that time is the rate the server alone could sustain (dotted lines in the plot).\n"
        "- Debian's lws 4.1.6 runs its default event loop, `poll()` over every connection "
        "(its libuv/libev/glib event libraries are not used by echo.c), and listens dual-stack "
        "on IPv6; ours uses epoll. That is most of the difference at 1000 and 5000 "
        "connections.\n"
        "- Lower is better for latency, CPU, instructions, syscalls and RSS; higher for "
        "msgs/s, MB/s and handshakes/s.\n")
    L.append("## What was measured, and how\n")
    L.append(
        "- **Servers.** `examples-c/echo.c` compiled twice from the same file with `cc -O2`: "
        "`-Iinclude -Ltarget/release -lwebsockets` (run with `LD_LIBRARY_PATH=target/release`) "
        "and against the system's `/usr/include` and `libwebsockets.so.17` (4.1.6, which lacks "
        "`LWS_PROTOCOL_LIST_TERM`: the build defines it on the command line as the seven-member "
        "terminator; the source is unchanged). Every measurement starts a fresh server on a "
        "free port and stops it with SIGINT; a server that dies, hangs on exit or logs "
        "anything but the echo's own `write failed` (a peer that went away) is reported.\n"
        "- **Generator.** `bench/loadgen` (Rust, one thread, mio/epoll, non-blocking sockets): "
        "an RFC 6455 client asking for `Sec-WebSocket-Protocol: lws-echo` and checking "
        "`Sec-WebSocket-Accept`; binary frames masked with a fresh key per frame; 16/64-bit "
        "lengths; fragmented echoes reassembled. Payloads are streamed from a pattern, and the "
        "echoed bytes of every %s message are compared with what was sent (every message's "
        "length always).\n"
        "- **Echo runs.** %s connections per size; each connection keeps 1 message in flight; "
        "all connections are opened and upgraded first, then %.1f s warm-up, then a %.1f s "
        "window (more than %d MiB in flight: the bulk rows, see above; more than %d MiB: "
        "skipped, i.e. 16 MiB × 1000 and 5000, which take ~50 s and ~4 min a run). Each "
        "combination is run %d times alternating ours, original, ours, original, and the best "
        "run (by MB/s) is shown.\n"
        "- **Handshakes/s.** %d connections at a time, each: connect, upgrade, send a close "
        "frame, wait for the server's close and TCP close, then a new one; upgrades completed "
        "in a %.1f s window after %.1f s warm-up; best of %d. On loopback the kernel's TCP "
        "set-up and tear-down for both ends is mostly charged to the generator, so it runs out "
        "of CPU first: the server's CPU µs per handshake is the fairer comparison.\n"
        "- **RSS per idle connection.** VmRSS of the server (/proc/PID/status) before opening "
        "any connection and after %s upgraded, idle connections plus 1 s; (after − before) / "
        "connections; the lower of %d runs.\n"
        "- **Instructions per message.** `valgrind --tool=callgrind --collect-atstart=no "
        "--toggle-collect=lws_service`: only instructions executed inside `lws_service()` "
        "(everything the library and the callbacks do; not start-up or context creation) are "
        "counted, user space only. %d connections × %d messages of 512 B, minus the same run "
        "with 0 messages (same accepts, upgrades and close handshakes), divided by the "
        "messages.\n"
        "- **Syscalls per message.** `strace -f -c` on the server, %d connections × %d messages "
        "of 512 B, minus the 0-message run, divided by the messages. strace slows the server, "
        "so events batch a little more per `epoll_wait` than at full speed.\n"
        "- Raw results of every run: `bench/results.json`; server logs: `build/bench/logs/`.\n" % (
            ("" if params["verify_every"] == 1 else "%dth" % params["verify_every"]),
            ", ".join(str(c) for c in CONNS), params["warmup"], params["duration"],
            STREAM_CAP // MiB, BULK_CAP // MiB, params["reps"], params["hs_conc"], params["duration"],
            params["warmup"], params["reps"], fmt(IDLE_CONNS), params["idle_reps"],
            params["cg_conns"], params["cg_count"], params["st_conns"], params["st_count"]))
    if PROBLEMS:
        L.append("## Problems seen\n")
        for tag, lib, probs, rep in PROBLEMS:
            L.append("- %s, %s: %s  \n  reproduce: `%s`" % (tag, NAMES[lib], "; ".join(probs), rep))
        L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L))


# ----------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one short run per size; checks only")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--duration", type=float, default=2.0)
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--tls-only", action="store_true",
                    help="only the TLS rows, written into the existing results.md/.json")
    a = ap.parse_args()
    t0 = time.time()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    global CONNS, IDLE_CONNS
    fd_room = hard - 100
    if fd_room < max(CONNS + [IDLE_CONNS]):
        CONNS = [c for c in CONNS if c <= fd_room] or [1]
        IDLE_CONNS = min(IDLE_CONNS, fd_room)
        log("RLIMIT_NOFILE hard limit %d: connections capped at %d" % (hard, fd_room))

    ensure_tools(a.quick)
    if not a.no_build:
        build()
    uws_built = None if a.quick else uws_build()
    meta = machine()
    meta["versions"] = lws_versions()
    meta["load_start"] = loadavg()
    log("bench: ours (%s) vs original (%s)%s" % (meta["versions"]["ours"], meta["versions"]["orig"],
                                                  "" if HAVE_TASKSET else "; taskset unavailable"))

    if a.quick:
        quick_conns = {16: 10, 512: 10, 16 * KiB: 10, MiB: 4, 16 * MiB: 1}
        grid = echo_grid(SIZES, lambda s: [quick_conns[s]], 1, 0.2, 0.6, 1, True)
        echo_grid([64 * KiB, MiB], lambda s: [4], 1, 0.2, 0.6, 1, True, prog="flow")
        hs, _ = handshakes(1, 0.1, 0.4, 8)
        idl = idle(1, 200)
        tls_bench(1, 1)
        elapsed = time.time() - t0
        if PROBLEMS:
            log("\nbench QUICK: %d problem(s):" % len(PROBLEMS))
            for tag, lib, probs, rep in PROBLEMS:
                log("  %s (%s): %s\n    reproduce: %s" % (tag, NAMES[lib], "; ".join(probs), rep))
            return 1
        log("bench QUICK: every run completed and echoed correctly (%.0f s)" % elapsed)
        return 0

    if a.tls_only:
        tls_only(a.reps, a.duration)
        if PROBLEMS:
            for tag, lib, probs, rep in PROBLEMS:
                log("  %s (%s): %s\n    reproduce: %s" % (tag, NAMES[lib], "; ".join(probs), rep))
            return 1
        return 0

    params = {"reps": a.reps, "warmup": a.warmup, "duration": a.duration, "verify_every": 16,
              "hs_conc": 32, "idle_reps": 2, "cg_conns": 10, "cg_count": 5000,
              "st_conns": 10, "st_count": 1000}
    log("echo (%d reps, %.1f s + %.1f s warm-up each):" % (a.reps, a.duration, a.warmup))
    grid = echo_grid(SIZES, lambda s: CONNS, a.reps, a.warmup, a.duration, params["verify_every"], False)
    log("flow-controlled echo (bench/echo-flow.c):")
    flow = {}
    for size, conns in FLOW_ROWS:
        flow.update(echo_grid([size], lambda s, c=conns: [c], a.reps, a.warmup, a.duration,
                              params["verify_every"], False, prog="flow"))
    uws = None
    if uws_built:
        log("uWebSockets (%s):" % uws_built)
        uws = uws_compare(a.reps, a.warmup, a.duration, params["verify_every"])
    log("in-flight heap (massif):")
    heap = inflight_heap()
    log("handshakes:")
    hs, hs_runs = handshakes(a.reps, a.warmup, a.duration, params["hs_conc"])
    log("idle connections:")
    idl = idle(params["idle_reps"], IDLE_CONNS)
    log("callgrind:")
    cg = callgrind(params["cg_conns"], params["cg_count"])
    log("strace:")
    stc = strace(params["st_conns"], params["st_count"])
    log("TLS:")
    tls = tls_bench(a.reps, a.duration)
    meta["load_end"] = loadavg()

    summary = summary_rows(grid, hs, idl, cg, stc, flow, heap, uws)
    plotted = False
    png = os.path.join(BENCH, "msgs_per_sec.png")
    if have_matplotlib():
        try:
            plot(grid, png)
            plotted = True
        except Exception as e:  # the table matters more than the picture
            log("plot failed: %s" % e)
    elapsed = time.time() - t0
    write_results(os.path.join(BENCH, "results.md"), meta, grid, hs, idl, cg, stc, summary,
                  params, elapsed, plotted, tls_section(tls, a.duration, a.reps), flow,
                  uws_md(uws, uws_built, a.reps))
    # The compressed-echo row (bench/deflate.py; `make bench-deflate` runs only it).
    import deflate
    deflate.bench = sys.modules[__name__]
    log("compressed echo (permessage-deflate):")
    with open(os.path.join(BENCH, "results.md"), "a") as f:
        f.write("\n## Compressed echo (permessage-deflate, text-like payloads)\n\n"
                + deflate.table(deflate.rows(3.0)) + "\n")
    # The HTTP/2 rows (bench/h2bench.py; `make bench-h2` runs only them).
    import h2bench
    h2bench.bench = sys.modules[__name__]
    log("HTTP/2 (h2load):")
    h2bench.build()
    h2res = h2bench.rows(5.0, 2)
    with open(os.path.join(BENCH, "results.md"), "a") as f:
        f.write(h2bench.section(h2res, 5.0, 2))
    raw = {"meta": meta, "params": params,
           "echo": [{"size": s, "conns": c, "runs": r} for (s, c), r in sorted(grid.items())],
           "flow": [{"size": s, "conns": c, "runs": r} for (s, c), r in sorted(flow.items())],
           "uws": [{"size": s_, "conns": c, "runs": r} for (s_, c), r in sorted((uws or {}).items())],
           "heap": heap, "handshakes": hs_runs, "idle": idl, "callgrind": cg, "strace": stc, "tls": tls, "h2": h2res,
           "problems": [{"what": t, "lib": l, "problems": p, "reproduce": r} for t, l, p, r in PROBLEMS]}
    with open(os.path.join(BENCH, "results.json"), "w") as f:
        json.dump(raw, f, indent=1, default=str)

    t = echo_tables(grid)
    log("\n" + text_table(*t["throughput"]))
    log("\n" + text_table(*t["latency"]))
    log("\n" + text_table(*t["cpu"]))
    ft = echo_tables(flow)
    log("\nflow-controlled echo:\n" + text_table(*ft["throughput"]))
    log("\n" + text_table(*ft["latency"]))
    log("\n" + text_table(["figure", "ours", "original", "ratio", "target", "result", "note"], summary))
    log("\nwrote bench/results.md, bench/results.json%s (%.0f s)" % (
        ", bench/msgs_per_sec.png" if plotted else "", elapsed))
    if PROBLEMS:
        log("%d problem(s) seen (a crash, hang, failed run or wrong echo): see bench/results.md"
            % len(PROBLEMS))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
