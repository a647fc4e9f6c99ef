"""examples-c/demo in a real browser: headless Chromium (Debian's `chromium`), driven over
the DevTools protocol (CDP) from Python, through this directory's stdlib WebSocket client
(_rawws.WS; no node, no third-party package: the differential run starts drivers with
the original library's LD_LIBRARY_PATH, under which a pyenv Python can lose its
site-packages).

Two pages open the demo; a chat line typed in each reaches the other (and itself); the
live counter the server's timer pushes goes up; the form is POSTed from one page as
multipart and from the other urlencoded, and the JSON answers carry what was typed; then
a screenshot of a page is saved to build/browser/demo.png (LWS_BUILD/browser/) and must
be a non-empty PNG.  Then the dashboard page (dashboard.html, fed by lws-dashboard): its
first snapshot shows; the load button starts LOAD_N clients inside the demo, the message
rate goes above 0, the load's connections reach LOAD_N and the latency percentiles
show; a screenshot of it under load goes to build/browser/dashboard.png (a non-empty
PNG too); the button stops the load and the connections go back down.

chromium missing is a failure, not a skip (`apt-get install chromium`; .ci/run does);
CHROMIUM=/path/to/binary picks another Chromium.  Chromium's own log goes to
build/browser/chromium.log.  Every wait is bounded; chromium's whole process group and
the server are stopped on every path.
"""
import base64
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import _lwstest as t
from _rawws import WS

STARTUP_TIMEOUT = 30    # chromium's first start on a loaded 2-core machine is slow
STEP_TIMEOUT = 20       # each thing waited for in a page
TOTAL_TIMEOUT = 75      # the whole browser session (the runner allows 120 s)

PR_SET_PDEATHSIG = 1    # prctl(2)

OUT_DIR = os.path.join(t.BUILD, "browser")
SHOT = os.path.join(OUT_DIR, "demo.png")
DASH_SHOT = os.path.join(OUT_DIR, "dashboard.png")
LOAD_N = 100            # the load the dashboard test starts (one of the page's choices)
CHROME_LOG = os.path.join(OUT_DIR, "chromium.log")

# exotic enough to catch escaping mistakes on the way through lws_spa and the JSON
FORM_A = {"name": "Ada \"the\" Tester", "message": "héllo & <b>bold</b>\nline two"}
FORM_B = {"name": "Bob+Co", "message": "a=b&c=d 100% ✓"}


class Failure(Exception):
    """A failed check inside the browser session; main() reports it."""


def fail(msg):
    raise Failure(msg)


def check(cond, what, detail=""):
    if not cond:
        fail(what + (f": {detail}" if detail else ""))
    ok(what)


def ok(what):
    print("ok   " + what, flush=True)


def find_chromium():
    exe = os.environ.get("CHROMIUM")
    if exe:
        return exe if os.access(exe, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    return None


def start_chromium(exe, profile, extra=()):
    """Starts headless chromium in its own process group (with the `extra` switches);
    returns (proc, DevTools ws URL)."""
    os.makedirs(OUT_DIR, exist_ok=True)
    log = open(CHROME_LOG, "w")
    args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-proxy-server", "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "--user-data-dir=" + profile, "--window-size=1000,1400", *extra, "about:blank"]
    # not the LD_LIBRARY_PATH the runner sets for the demo: Chromium needs none of it
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    # its own process group (stop_group ends all of it), and killed with us should the
    # runner kill this driver on a timeout: that SIGKILL goes to our group only
    libc = ctypes.CDLL(None, use_errno=True)
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.PIPE,
                            text=True, errors="replace", start_new_session=True, env=env,
                            preexec_fn=lambda: libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL))
    found = {}
    ready = threading.Event()

    def pump():
        for line in proc.stderr:
            log.write(line)
            log.flush()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m and not ready.is_set():
                found["url"] = m.group(1)
                ready.set()
        ready.set()
        log.close()

    threading.Thread(target=pump, daemon=True).start()
    ready.wait(STARTUP_TIMEOUT)
    return proc, found.get("url")


def stop_group(proc, timeout=10):
    """SIGTERM to chromium's process group, then SIGKILL to whatever of it is left (its
    helper processes, or a leader that did not exit)."""
    if proc is None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass


class CDP:
    """A minimal DevTools protocol client over the in-tree stdlib WebSocket client
    (_rawws.WS): one browser connection, pages attached with flatten=true, so a command
    names its page by sessionId.  Commands are answered in order of the ids we give; the
    events Chromium sends in between are not needed and are skipped."""

    def __init__(self, ws_url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", ws_url)
        if not m:
            fail(f"unexpected DevTools URL {ws_url!r}")
        self.ws = WS(int(m.group(2)), None, path=m.group(3), host=m.group(1),
                     timeout=STEP_TIMEOUT)
        if self.ws.status != 101:
            fail(f"the DevTools WebSocket handshake answered {self.ws.status}")
        self.next_id = 0
        self.deadline = time.monotonic() + TOTAL_TIMEOUT

    def send(self, method, params=None, session=None, timeout=STEP_TIMEOUT):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.text(json.dumps(msg))
        end = min(time.monotonic() + timeout, self.deadline)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                fail(f"DevTools {method}: no answer within {timeout} s"
                     if time.monotonic() < self.deadline else
                     f"the browser session took over {TOTAL_TIMEOUT} s")
            self.ws.sock.settimeout(left)
            try:
                op, data = self.ws.recv_msg()
            except socket.timeout:
                continue
            except (EOFError, OSError) as e:
                fail(f"DevTools {method}: the connection broke: {e!r}")
            if op == 9:
                self.ws.send(10, data)
            elif op == 8:
                fail(f"DevTools {method}: Chromium closed the connection")
            elif op == 1:
                reply = json.loads(data)
                if reply.get("id") != self.next_id:
                    continue        # an event
                if "error" in reply:
                    fail(f"DevTools {method}: {reply['error']}")
                return reply.get("result", {})

    def close(self):
        try:
            self.ws.close(1000)
            self.ws.sock.close()
        except OSError:
            pass


class Page:
    def __init__(self, cdp, name, session):
        self.cdp, self.name, self.session = cdp, name, session

    def js(self, expr):
        """The value of a JS expression in the page (promises awaited)."""
        r = self.cdp.send("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                               "awaitPromise": True}, self.session)
        if "exceptionDetails" in r:
            fail(f"page {self.name}: {expr!r} threw: "
                 f"{r['exceptionDetails'].get('exception', {}).get('description', r)}")
        return r.get("result", {}).get("value")

    def wait(self, expr, what, timeout=STEP_TIMEOUT):
        """Polls a JS expression until it is truthy; returns its value."""
        end = time.monotonic() + timeout
        while True:
            v = self.js(expr)
            if v:
                return v
            if time.monotonic() > end:
                fail(f"page {self.name}: {what}: not within {timeout} s (last value {v!r}; "
                     f"page text: {self.js('document.body && document.body.innerText')!r})")
            time.sleep(0.1)

    def type_into(self, element_id, text):
        """Focuses the element and types text into it through the Input domain, as a user's
        keyboard would (input events and all)."""
        self.js(f"document.getElementById({json.dumps(element_id)}).focus(), "
                f"document.getElementById({json.dumps(element_id)}).value = ''")
        self.cdp.send("Input.insertText", {"text": text}, self.session)

    def click(self, selector):
        self.js(f"document.querySelector({json.dumps(selector)}).click()")


def open_page(cdp, name, url):
    target = cdp.send("Target.createTarget", {"url": url})["targetId"]
    session = cdp.send("Target.attachToTarget",
                       {"targetId": target, "flatten": True})["sessionId"]
    page = Page(cdp, name, session)
    page.wait("document.readyState === 'complete' && !!document.getElementById('status')",
              "the demo page loads")
    page.wait("document.getElementById('status').className === 'on'",
              "its WebSocket (lws-demo) connects")
    return page


CHAT_LINES = "[...document.querySelectorAll('#log li')].map(li => li.textContent)"
COUNTER = "parseInt(document.getElementById('counter').textContent, 10)"


def session(cdp, url):
    a = open_page(cdp, "A", url)
    b = open_page(cdp, "B", url)
    ok("two pages load the demo from the file mount and connect over ws")
    title = a.js("document.title")
    check(title == "libwebsockets demo", f"the page is index.html (the mount's default): {title!r}")
    css = a.js("getComputedStyle(document.querySelector('section')).borderRadius")
    check(css == "6px", "demo.css is served and applied")

    # the counter: pushed by the server's timer to every page
    a.wait(f"!isNaN({COUNTER})", "a counter value arrives")
    first = a.js(COUNTER)
    a.wait(f"{COUNTER} >= {first + 2}", "the counter goes up by two (seconds)")
    b.wait(f"{COUNTER} >= {first + 2}", "page B's counter goes up too")
    ok("the live counter goes up on both pages")

    # the chat: A to B, B to A
    for sender, receiver, line in ((a, b, "hello from A"), (b, a, "hi A, B here ✓")):
        sender.type_into("line", line)
        sender.click("#chat button")
        for p in (receiver, sender):
            p.wait(f"{CHAT_LINES}.includes({json.dumps(line)})",
                   f"the line {line!r} from page {sender.name} shows up")
        ok(f"page {sender.name}'s chat line reaches page {receiver.name} (and itself)")
    la, lb = a.js(CHAT_LINES), b.js(CHAT_LINES)
    check(la == lb == ["hello from A", "hi A, B here ✓"],
          "both pages show the same chat, in order", f"A: {la!r}, B: {lb!r}")

    # the form: multipart from A, urlencoded from B; the server answers JSON
    for page, fields, button, enc in ((a, FORM_A, "#send-multipart", "multipart"),
                                      (b, FORM_B, "#send-urlencoded", "urlencoded")):
        page.type_into("name", fields["name"])
        page.type_into("message", fields["message"])
        page.click(button)
        shown = page.wait("(t => t.startsWith('sending') ? '' : t)"
                          "(document.getElementById('result').textContent)",
                          f"the {enc} form's answer shows")
        status, _, body = shown.partition(" ")
        try:
            got = json.loads(body)
        except ValueError:
            got = None
        check(status == "200" and isinstance(got, dict),
              f"the {enc} POST to /form is answered 200 with JSON", f"the page shows {shown!r}")
        # a form's textarea is submitted with CRLF line breaks (HTML spec)
        want = {"ok": True, "encoding": enc,
                **{k: v.replace("\n", "\r\n") for k, v in fields.items()}}
        check(got == want, f"lws_spa parsed the {enc} form: the answer carries the fields "
              "as typed", f"got {got!r}, want {want!r}")

    # the screenshot, of page A with everything on it
    screenshot(a, SHOT)

    dashboard(cdp, url + "dashboard.html")


def screenshot(page, path):
    """The page's content (the whole of it, not the empty window below) as a PNG file."""
    height = page.js("Math.ceil(document.body.getBoundingClientRect().bottom) + 16")
    width = page.js("Math.ceil(document.documentElement.scrollWidth)")
    shot = page.cdp.send("Page.captureScreenshot",
                         {"format": "png", "captureBeyondViewport": True,
                          "clip": {"x": 0, "y": 0, "width": width, "height": height,
                                   "scale": 1}}, page.session)
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot.get("data", "")))


def value(id_):
    """A dashboard figure as the page got it from the server (data-value), a number or
    null."""
    return (f"(v => v === '' ? null : Number(v))"
            f"(document.getElementById({json.dumps(id_)}).dataset.value)")


def dashboard(cdp, url):
    target = cdp.send("Target.createTarget", {"url": url})["targetId"]
    session = cdp.send("Target.attachToTarget",
                       {"targetId": target, "flatten": True})["sessionId"]
    d = Page(cdp, "D", session)
    d.wait("document.readyState === 'complete' && !!document.getElementById('load-toggle')",
           "the dashboard page loads")
    title = d.js("document.title")
    check(title == "libwebsockets dashboard", f"dashboard.html is served: {title!r}")
    d.wait("document.getElementById('status').className === 'on'",
           "its WebSocket (lws-dashboard) connects")
    d.wait(f"{value('connections')} !== null && {value('rss')} > 0",
           "a snapshot arrives")
    ok("the dashboard connects; a snapshot shows connections and the process's memory")
    check(d.js(f"{value('load-clients')}") == 0 and d.js(f"{value('p50')}") is None,
          "no load yet: no load clients, no latency")
    check(d.js("document.getElementById('load-toggle').textContent") == "Start load",
          "the button offers to start the load")

    d.js(f"document.getElementById('load-n').value = '{LOAD_N}'")
    d.click("#load-toggle")
    d.wait(f"{value('msgs')} > 0 && {value('load-clients')} > 0",
           "the message rate goes above 0")
    ok("pressed 'Start load': messages flow")
    d.wait(f"{value('load-clients')} === {LOAD_N}", f"the load's {LOAD_N} clients connect")
    ok(f"the load's connections reach {LOAD_N}")
    d.wait(f"{value('connections')} > {LOAD_N}",
           "the server counts the echo ends (and this page) among its connections")
    ok(f"the connections tile counts over {LOAD_N} server-side connections")
    d.wait(f"{value('p50')} > 0 && {value('p99')} >= {value('p50')} && "
           f"{value('p999')} >= {value('p99')}", "latency percentiles show")
    ok("round-trip latency shows p50 <= p99 <= p99.9")
    check(d.js("document.getElementById('load-toggle').textContent") == "Stop load",
          "the button now offers to stop it")
    # a few more seconds of load, so the charts have a line to show
    start = d.js(value("uptime"))
    d.wait(f"{value('uptime')} >= {start + 3} && {value('load-clients')} === {LOAD_N}",
           "three more seconds of load")
    screenshot(d, DASH_SHOT)

    d.click("#load-toggle")
    d.wait(f"{value('load-clients')} === 0 && {value('connections')} < {LOAD_N}",
           "the load's connections close")
    d.wait("document.getElementById('load-toggle').textContent === 'Start load'",
           "the button offers to start again")
    ok("pressed 'Stop load': the load's connections close, the button is back")


def missing(msg):
    """A missing tool fails the test (never a silent skip); the message goes to stderr as
    well, which the runner shows with the failure."""
    sys.stderr.write(msg + "\n")
    t.fail(msg)


def main():
    if not os.path.exists(t.example("demo")):
        t.fail(f"{t.example('demo')} is missing: examples-c/demo.c did not build against "
               "this library (see the example-build/demo result)")
    exe = find_chromium()
    if not exe:
        missing("chromium not found: this test needs Debian's headless-capable Chromium "
                "(apt-get install chromium; .ci/run installs it), or CHROMIUM=/path/to/chrome")
    for shot in (SHOT, DASH_SHOT):
        if os.path.exists(shot):
            os.remove(shot)

    srv = chrome = None
    # a fresh profile each run, in the build directory (a killed run leaves it there,
    # not in /tmp)
    profile = os.path.join(OUT_DIR, "profile")
    shutil.rmtree(profile, ignore_errors=True)
    os.makedirs(profile)
    try:
        # -p 0: the kernel picks the port, the demo prints it; no -d: its default (the
        # demo-www next to its source) must be found
        srv = t.start(t.example("demo"), "-p", "0")
        port = int(t.wait_line(srv, r"demo: open http://localhost:(\d+)", timeout=30).group(1))
        t.wait_port(port)
        ok("the demo prints its URL and listens")

        chrome, ws_url = start_chromium(exe, profile)
        if not ws_url:
            tail = open(CHROME_LOG, errors="replace").read()[-2000:]
            t.fail(f"chromium did not offer DevTools within {STARTUP_TIMEOUT} s (exit "
                   f"{chrome.poll()}); {CHROME_LOG}:\n{tail}")
        ok("headless chromium starts, DevTools protocol reached")

        cdp = None
        try:
            cdp = CDP(ws_url)
            session(cdp, f"http://127.0.0.1:{port}/")
        except Failure as e:
            t.fail(str(e))
        except (OSError, EOFError, ValueError, AssertionError) as e:
            t.fail(f"the DevTools connection broke: {type(e).__name__}: {e}")
        finally:
            if cdp:
                cdp.close()

        for shot in (SHOT, DASH_SHOT):
            size = os.path.getsize(shot) if os.path.exists(shot) else 0
            head = open(shot, "rb").read(24) if size else b""
            if not (size > 0 and head[:8] == b"\x89PNG\r\n\x1a\n" and
                    int.from_bytes(head[16:20], "big") > 0 and
                    int.from_bytes(head[20:24], "big") > 0):
                t.fail(f"the screenshot {shot} is not a non-empty PNG ({size} bytes: "
                       f"{head[:8]!r})")
            ok(f"the screenshot build/browser/{os.path.basename(shot)} is a non-empty PNG")

        stop_group(chrome)
        chrome = None
        t.stop(srv)
        srv = None
        ok("the demo exits cleanly on SIGINT")
    finally:
        stop_group(chrome)
        if srv is not None and srv.poll() is None:
            srv.kill()
            srv.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
