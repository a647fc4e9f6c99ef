"""Helpers for the Python drivers of capi-tests/ (stdlib only).

    import _lwstest as t
    srv = t.start(t.example("echo"), "-p", str(port))   # or t.start(sys.argv[1])
    t.wait_line(srv, r"listening")                      # a line of its stdout
    ...talk to it over 127.0.0.1...
    t.stop(srv)                                         # SIGINT, wait, exit status checked

The runner (tools/run_capi_tests.py) puts this directory on PYTHONPATH and sets
LWS_BUILD (the build directory), LWS_ROOT (the checkout) and LWS_WRAP (a command prefix,
e.g. valgrind, that every binary must be started under: start() does it).  A driver
prints its transcript on stdout and exits 0 on success; fail() exits 1 with a message.
"""
import os, queue, re, shlex, signal, socket, subprocess, sys, threading, time

BUILD = os.environ.get("LWS_BUILD") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build")
WRAP = shlex.split(os.environ.get("LWS_WRAP", ""))


def example(name):
    """Path of examples-c/NAME.c's binary."""
    return os.path.join(BUILD, "examples", name)


def capi(name):
    """Path of capi-tests/NAME.c's binary."""
    return os.path.join(BUILD, "capi", name)


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n):
    """n different free ports (free_port() n times may give one twice: each port is
    released before the next is picked).  Vhosts of one context given the same port
    share one listener, so a test's vhosts would silently become one."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def start(binary, *args):
    """Starts binary (under LWS_WRAP) with stdout readable line by line through
    wait_line(); its stderr goes to the driver's stderr (build/capi/NAME.err)."""
    p = subprocess.Popen(WRAP + [binary] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, text=True, errors="replace", bufsize=1)
    p.lines = queue.Queue()

    def pump():
        for line in p.stdout:
            p.lines.put(line.rstrip("\n"))
        p.lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return p


def wait_line(p, pattern, timeout=10):
    """Waits for a stdout line of p matching the regex; returns the match (fails on
    timeout or end of output).  Lines before it are skipped."""
    end = time.monotonic() + timeout
    while True:
        try:
            line = p.lines.get(timeout=max(0.0, end - time.monotonic()))
        except queue.Empty:
            fail(f"no line matching {pattern!r} within {timeout} s")
        if line is None:
            fail(f"output ended (exit {p.poll()}) before a line matching {pattern!r}")
        m = re.search(pattern, line)
        if m:
            return m


def wait_port(port, timeout=10):
    """Waits until something accepts TCP connections on 127.0.0.1:port."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    fail(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(p, sig=signal.SIGINT, timeout=20, expect=0):
    """Sends sig, waits, and fails unless the exit status is `expect` (valgrind's
    --error-exitcode shows up here)."""
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            fail(f"did not exit within {timeout} s of signal {int(sig)}")
    if p.returncode != expect:
        fail(f"exit status {p.returncode}, expected {expect}")
    return p.returncode


def ws_exchange(url, sock, messages, subprotocols=None, timeout=15, **kw):
    """Opens a WebSocket on `sock` (already connected; `ssl=`, `server_hostname=` for
    wss), sends each of `messages` and returns the reply to each, in order.

    Through websockets' asyncio client, not its sync one: the sync client reads in a
    thread of its own while the caller writes, which over TLS puts SSL_read and
    SSL_write on one OpenSSL session at once.  OpenSSL does not allow that, and under
    load a write could vanish: the upgrade request never left the client, and the
    server waited out its timeout.  asyncio's TLS runs on one thread."""
    import asyncio
    from websockets.asyncio.client import connect

    async def run():
        async with connect(url, sock=sock, subprotocols=subprotocols, open_timeout=timeout,
                           proxy=None, **kw) as ws:
            replies = []
            for m in messages:
                await ws.send(m)
                replies.append(await asyncio.wait_for(ws.recv(), timeout))
            return replies

    return asyncio.run(run())
