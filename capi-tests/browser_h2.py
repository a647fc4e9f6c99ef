"""HTTP/2 with a real browser: headless Chromium (driven over DevTools as browser_demo.py
does, with --ignore-certificate-errors for the run's self-signed certificate) loads a
page from browser_h2.c over https, where ALPN offers lws's default "h2,http/1.1".

Checked: the page, its stylesheet and script and a 300 KB file fetched by the script
(more than one flow-control window) come over h2 (the browser's own nextHopProtocol)
and intact; the page's WebSocket to the same origin echoes three messages (one of
100 KB), and the server says whether it arrived on an h2 stream (RFC 8441) or a
connection of its own.
"""
# lws-diff: ours-only: with lws 4.1.6 the page loads over h2 too, but the 100 KB WebSocket echo the program writes from WRITEABLE never reaches the browser over the h2 stream, and the server aborts at exit (double free)
import os
import shutil
import sys
import tempfile

import _lwstest as t
import browser_demo as bd
from _tlspki import Pki

BIG = bytes((i * 131 + (i >> 7)) & 0xFF for i in range(300_000))

INDEX = """<!doctype html>
<html><head><title>h2 test</title><link rel="stylesheet" href="style.css"></head>
<body><p id="s">loading</p><script src="app.js"></script></body></html>
"""
STYLE = "body { font-family: sans-serif; } #s { color: #333; }\n"
APP = """
function fnv(a) {
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) { h ^= a[i]; h = Math.imul(h, 0x01000193) >>> 0; }
  return h.toString(16).padStart(8, "0");
}
window.big = fetch("big.txt").then((r) => r.arrayBuffer())
  .then((b) => ({ len: b.byteLength, fnv: fnv(new Uint8Array(b)) }));
window.echo = new Promise((resolve) => {
  const msgs = ["hello over h2", "x".repeat(100000), "h\\u00e9llo \\u2713"];
  const got = [];
  const ws = new WebSocket("wss://" + location.host + "/", "echo");
  ws.onopen = () => ws.send(msgs[0]);
  ws.onmessage = (e) => {
    got.push(e.data);
    if (got.length < msgs.length) { ws.send(msgs[got.length]); return; }
    resolve({ same: msgs.every((m, i) => m === got[i]), count: got.length,
              protocol: ws.protocol });
    ws.close(1000);
  };
  ws.onerror = () => resolve({ error: "websocket error", count: got.length });
  setTimeout(() => resolve({ error: "timeout", count: got.length }), 20000);
});
document.getElementById("s").textContent = "loaded";
"""


def fnv(b):
    h = 0x811C9DC5
    for c in b:
        h = ((h ^ c) * 0x01000193) & 0xFFFFFFFF
    return "%08x" % h


def main():
    exe = bd.find_chromium()
    if not exe:
        bd.missing("chromium not found (apt-get install chromium), or CHROMIUM=/path/to/chrome")
    tmp = tempfile.mkdtemp(prefix="lws-browser-h2-")
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    for name, data in (("index.html", INDEX), ("style.css", STYLE), ("app.js", APP)):
        with open(os.path.join(www, name), "w") as f:
            f.write(data)
    with open(os.path.join(www, "big.txt"), "wb") as f:
        f.write(BIG)
    pem, key = Pki(os.path.join(tmp, "pki")).leaf("localhost")
    profile = os.path.join(bd.OUT_DIR, "profile-h2")
    shutil.rmtree(profile, ignore_errors=True)
    os.makedirs(profile)
    srv = chrome = cdp = None
    try:
        srv = t.start(sys.argv[1], www, pem, key)
        port = int(t.wait_line(srv, r"listening on port (\d+)", timeout=30).group(1))
        chrome, ws_url = bd.start_chromium(exe, profile, ["--ignore-certificate-errors"])
        if not ws_url:
            t.fail("chromium did not offer DevTools")
        cdp = bd.CDP(ws_url)
        url = "https://localhost:%d/" % port
        target = cdp.send("Target.createTarget", {"url": url})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = bd.Page(cdp, "A", session)
        page.wait("document.readyState === 'complete' && "
                  "document.getElementById('s') && "
                  "document.getElementById('s').textContent === 'loaded'",
                  "the page and its script load")
        bd.check(page.js("document.title") == "h2 test", "index.html is served")
        nav = page.js("performance.getEntriesByType('navigation')[0].nextHopProtocol")
        bd.check(nav == "h2", "the page came over h2", repr(nav))
        big = page.js("window.big")
        bd.check(big == {"len": len(BIG), "fnv": fnv(BIG)},
                 "a 300 KB file fetched by the script arrives intact", repr(big))
        # (the browser's own favicon.ico request, answered 404, is left out)
        res = page.js("JSON.stringify(performance.getEntriesByType('resource')"
                      ".map((e) => [e.name.split('/').pop(), e.nextHopProtocol])"
                      ".filter((e) => e[0] !== 'favicon.ico').sort())")
        bd.check(res == '[["app.js","h2"],["big.txt","h2"],["style.css","h2"]]',
                 "the stylesheet, the script and the file came over h2 too", res)
        echo = page.js("window.echo")
        bd.check(isinstance(echo, dict) and echo.get("same") and echo.get("count") == 3
                 and echo.get("protocol") == "echo",
                 "the page's WebSocket (subprotocol echo) echoes 3 messages, one of 100 KB",
                 repr(echo))
        m = t.wait_line(srv, r"^echo: ESTABLISHED on (.*)$", timeout=10)
        print("server: the WebSocket is on %s" % m.group(1), flush=True)
        n = t.wait_line(srv, r"^echo: (\d+) messages echoed", timeout=10)
        bd.check(n.group(1) == "3", "the server echoed 3 messages and saw the close")
        t.wait_line(srv, r"^echo: CLOSED", timeout=10)
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
