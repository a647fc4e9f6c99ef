"""permessage-deflate with a real browser: headless Chromium (driven over DevTools as
browser_demo.py does) opens a WebSocket to examples-c/echo --deflate (an lws program that
lists the extension the usual way) through a small frame-logging TCP relay in this
driver, and sends text (large and compressible, small, UTF-8) and binary messages.

Checked: the browser sees `permessage-deflate` in `ws.extensions`, and the server's 101
names it; on the wire (the relay parses both directions' frames), the browser's messages
carry RSV1 (compressed) and so does the server's echo of the large text, whose
compressed frame is a fraction of its size; every echo comes back intact, in order.
"""
import json
import os
import shutil
import socket
import struct
import sys
import threading

import _lwstest as t
import browser_demo as bd

BIG = "lorem ipsum dolor sit amet, " * 4000        # 112 000 bytes of compressible text


class Relay:
    """Accepts one connection, connects it to the server and copies both ways, logging
    each direction's frames after its HTTP head: (fin, rsv1, opcode, payload length)."""

    def __init__(self, port):
        self.port = port
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(4)
        self.addr = self.ls.getsockname()[1]
        self.frames = {"c2s": [], "s2c": []}
        self.heads = {"c2s": b"", "s2c": b""}
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        c, _ = self.ls.accept()
        s = socket.create_connection(("127.0.0.1", self.port))
        threading.Thread(target=self.pump, args=(c, s, "c2s"), daemon=True).start()
        self.pump(s, c, "s2c")

    def pump(self, src, dst, way):
        buf, head_done = b"", False
        while True:
            try:
                d = src.recv(65536)
            except OSError:
                d = b""
            if not d:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            dst.sendall(d)
            buf += d
            if not head_done:
                if b"\r\n\r\n" not in buf:
                    continue
                i = buf.index(b"\r\n\r\n") + 4
                self.heads[way], buf, head_done = buf[:i], buf[i:], True
            while len(buf) >= 2:
                b0, b1 = buf[0], buf[1]
                n, hl = b1 & 0x7F, 2
                if n == 126:
                    if len(buf) < 4:
                        break
                    n, hl = struct.unpack("!H", buf[2:4])[0], 4
                elif n == 127:
                    if len(buf) < 10:
                        break
                    n, hl = struct.unpack("!Q", buf[2:10])[0], 10
                hl += 4 if b1 & 0x80 else 0
                if len(buf) < hl + n:
                    break
                self.frames[way].append((bool(b0 & 0x80), bool(b0 & 0x40), b0 & 0x0F, n))
                buf = buf[hl + n:]


PAGE_JS = """
new Promise((resolve) => {
  const msgs = [BIG, "hi", "héllo ✓ wörld", new Uint8Array([0, 1, 2, 3, 255, 254]), BIG + "!"];
  const got = [];
  const ws = new WebSocket("ws://127.0.0.1:PORT/", "lws-echo");
  ws.binaryType = "arraybuffer";
  ws.onopen = () => msgs.forEach((m) => ws.send(m));
  ws.onmessage = (e) => {
    got.push(typeof e.data === "string" ? e.data : Array.from(new Uint8Array(e.data)));
    if (got.length === msgs.length) {
      const want = msgs.map((m) => typeof m === "string" ? m : Array.from(m));
      const same = want.every((w, i) => JSON.stringify(w) === JSON.stringify(got[i]));
      resolve({ extensions: ws.extensions, protocol: ws.protocol, same: same,
                count: got.length });
      ws.close(1000);
    }
  };
  ws.onerror = () => resolve({ error: "websocket error", extensions: ws.extensions });
  setTimeout(() => resolve({ error: "timeout", count: got.length, extensions: ws.extensions }),
             15000);
})
"""


def main():
    if not os.path.exists(t.example("echo")):
        t.fail(f"{t.example('echo')} is missing (see the example-build/echo result)")
    exe = bd.find_chromium()
    if not exe:
        bd.missing("chromium not found (apt-get install chromium), or CHROMIUM=/path/to/chrome")
    profile = os.path.join(bd.OUT_DIR, "profile-deflate")
    shutil.rmtree(profile, ignore_errors=True)
    os.makedirs(profile)
    srv = chrome = cdp = None
    try:
        srv = t.start(t.example("echo"), "-p", "0", "--deflate")
        port = int(t.wait_line(srv, r"listening on port (\d+)", timeout=30).group(1))
        relay = Relay(port)
        chrome, ws_url = bd.start_chromium(exe, profile)
        if not ws_url:
            t.fail("chromium did not offer DevTools")
        cdp = bd.CDP(ws_url)
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = bd.Page(cdp, "A", session)
        js = PAGE_JS.replace("PORT", str(relay.addr)).replace(
            "BIG", json.dumps(BIG), 1).replace("BIG + ", json.dumps(BIG) + " + ")
        r = page.js(js)
        bd.check(isinstance(r, dict) and "error" not in r, "the page's WebSocket ran", repr(r))
        bd.check("permessage-deflate" in (r.get("extensions") or ""),
                 "the browser negotiated permessage-deflate", repr(r.get("extensions")))
        bd.check(r.get("protocol") == "lws-echo", "subprotocol lws-echo")
        bd.check(r.get("same") and r.get("count") == 5, "all 5 messages echoed intact, in order")
        head = relay.heads["s2c"].decode("latin1").lower()
        bd.check("sec-websocket-extensions: permessage-deflate" in head,
                 "the server's 101 accepts permessage-deflate")
        c2s = [f for f in relay.frames["c2s"] if f[2] in (0, 1, 2)]
        s2c = [f for f in relay.frames["s2c"] if f[2] in (0, 1, 2)]
        firsts = [f for f in c2s if f[2] != 0]
        bd.check(len(firsts) == 5 and all(f[1] for f in firsts),
                 "the browser's 5 messages arrive compressed (RSV1)", repr(c2s))
        big_echo = [f for f in s2c if f[2] == 1 and f[1]]
        bd.check(len(big_echo) >= 2, "the server's echoes of the large text are compressed (RSV1)",
                 repr(s2c))
        sizes = [n for (_, _, _, n) in s2c]
        bd.check(min(n for (_, rsv, op, n) in big_echo) * 10 < len(BIG),
                 "the large text's echo is compressed to under a tenth of its size", repr(sizes))
        print("frames: browser->server %s; server->browser %s" % (
            [(op, rsv, n) for (_, rsv, op, n) in c2s], [(op, rsv, n) for (_, rsv, op, n) in s2c]),
            file=sys.stderr)
    except bd.Failure as e:
        t.fail(str(e))
    finally:
        if cdp:
            cdp.close()
        bd.stop_group(chrome)
        if srv is not None:
            t.stop(srv)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
