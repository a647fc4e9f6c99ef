"""The demo over HTTP/2 in a real browser: examples-c/demo serving https (--cert/--key,
a certificate made for the run) is loaded by headless Chromium (--ignore-certificate-errors,
driven over DevTools as browser_demo.py does). lws's default ALPN offers h2, so the page,
its files and the form POST come over h2, and Chromium carries the page's WebSocket on an
h2 stream (RFC 8441), which the demo reports. Checked: the page connects, the counter
ticks, a chat line comes back through the server, the form is answered with JSON.
"""
import json
import os
import shutil
import sys
import tempfile
import time

import _lwstest as t
import browser_demo as bd
from _tlspki import Pki


def main():
    exe = bd.find_chromium()
    if not exe:
        bd.missing("chromium not found (apt-get install chromium), or CHROMIUM=/path/to/chrome")
    tmp = tempfile.mkdtemp(prefix="lws-demo-h2-")
    pem, key = Pki(os.path.join(tmp, "pki")).leaf("localhost")
    profile = os.path.join(bd.OUT_DIR, "profile-demo-h2")
    shutil.rmtree(profile, ignore_errors=True)
    os.makedirs(profile)
    srv = chrome = cdp = None
    try:
        srv = t.start(t.example("demo"), "-p", "0", "--cert", pem, "--key", key)
        port = int(t.wait_line(srv, r"demo: open https://localhost:(\d+)", timeout=30).group(1))
        chrome, ws_url = bd.start_chromium(exe, profile, ["--ignore-certificate-errors"])
        if not ws_url:
            t.fail("chromium did not offer DevTools")
        cdp = bd.CDP(ws_url)
        target = cdp.send("Target.createTarget", {"url": "https://localhost:%d/" % port})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = bd.Page(cdp, "A", session)
        # (the tab starts on about:blank, whose readyState is complete too)
        page.wait("document.readyState === 'complete' && document.getElementById('status') && "
                  "document.getElementById('status').textContent === 'connected'",
                  "the page loads and its WebSocket connects")
        nav = page.js("performance.getEntriesByType('navigation')[0].nextHopProtocol")
        bd.check(nav == "h2", "the page came over h2", repr(nav))
        t.wait_line(srv, r"^demo: a page joined over an h2 stream$", timeout=10)
        bd.ok("the server saw the page's WebSocket on an h2 stream (RFC 8441)")
        c0 = page.js("document.getElementById('counter').textContent")
        page.wait("document.getElementById('counter').textContent !== %s" % json.dumps(c0),
                  "the counter ticks", timeout=5)
        bd.ok("the counter ticks")
        page.js("document.getElementById('line').value = 'hello over h2', "
                "document.getElementById('chat').requestSubmit()")
        page.wait("document.getElementById('log').textContent.includes('hello over h2')",
                  "the chat line comes back through the server")
        bd.ok("a chat line goes out and comes back over the h2 stream")
        reply = page.js("fetch('/form', {method: 'POST', body: new URLSearchParams("
                        "{name: 'h2', message: 'over h2'})}).then((r) => r.text())")
        bd.check(isinstance(reply, str) and json.loads(reply).get("name") == "h2",
                 "the form is answered with JSON", repr(reply))
        form = page.js("performance.getEntriesByType('resource')"
                       ".filter((e) => e.name.endsWith('/form')).map((e) => e.nextHopProtocol)")
        bd.check(form == ["h2"], "the form POST went over h2", repr(form))
    except bd.Failure as e:
        t.fail(str(e))
    finally:
        if cdp:
            cdp.close()
        bd.stop_group(chrome)
        if srv is not None:
            t.stop(srv)
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print("done")


if __name__ == "__main__":
    main()
