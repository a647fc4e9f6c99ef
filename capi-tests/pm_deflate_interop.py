"""permessage-deflate (RFC 7692) against Python's `websockets`, which offers it by default:
its client against examples-c/echo --deflate, our client (pm_deflate_interop client)
against its server, each side checking the extension was negotiated and every message
came back intact; an inflation bomb (one small frame inflating past the message limit)
closes with 1009; window-bits answers outside what RFC 7692 allows fail the client's
handshake, and an offer we cannot honour is declined (the connection goes on without it).
"""
import asyncio
import base64
import os
import socket
import struct
import sys
import threading
import time
import zlib

import _lwstest as t
from _lwstest import fail

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

BIN = sys.argv[1]
TEXT = ("The quick brown fox jumps over the lazy dog. " * 5000)[:200_000]
NOISE = bytes(((i * 2654435761) >> 13) & 0xFF for i in range(20_000))


async def websockets_client(port):
    async with connect(f"ws://127.0.0.1:{port}/", max_size=None) as ws:
        ext = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        print(f"websockets client: server answered extensions: {ext!r}")
        if not ext.startswith("permessage-deflate"):
            fail("our server did not accept permessage-deflate")
        for m in ["hello", TEXT, NOISE, b"", "\u00e9t\u00e9 \u2603" * 1000]:
            await ws.send(m)
            back = await ws.recv()
            if back != m:
                fail(f"echo of a {type(m).__name__} of {len(m)} differs")
        # A fragmented message, compressed as one stream across its frames.
        await ws.send(iter(["part one, ", "part two, ", "part three"]))
        if await ws.recv() != "part one, part two, part three":
            fail("fragmented message not echoed")
        print("websockets client: 6 messages echoed (text, 200 KB text, binary, empty, "
              "UTF-8, fragmented)")
    # An offer we cannot honour (an 8-bit server window: zlib cannot compress with it) is
    # declined and the connection works without the extension.
    f = ClientPerMessageDeflateFactory(server_max_window_bits=8)
    async with connect(f"ws://127.0.0.1:{port}/", extensions=[f], compression=None) as ws:
        ext = ws.response.headers.get("Sec-WebSocket-Extensions")
        print(f"offer with server_max_window_bits=8: answered {ext!r}")
        if ext is not None:
            fail("an offer we cannot honour was accepted")
        await ws.send("plain")
        if await ws.recv() != "plain":
            fail("echo without the extension")


def server_direction():
    port = t.free_port()
    srv = t.start(t.example("echo"), "-p", port, "--utf8", "--deflate")
    t.wait_line(srv, r"listening")
    asyncio.run(websockets_client(port))
    t.stop(srv)


def client_direction():
    seen = []

    async def echo(ws):
        seen.append(ws.request.headers.get("Sec-WebSocket-Extensions", ""))
        seen.append(ws.response.headers.get("Sec-WebSocket-Extensions", ""))
        async for m in ws:
            await ws.send(m)

    async def main():
        async with serve(echo, "127.0.0.1", 0, max_size=None) as server:
            port = server.sockets[0].getsockname()[1]
            p = await asyncio.create_subprocess_exec(*t.WRAP, BIN, "client", str(port),
                                                     stdout=asyncio.subprocess.PIPE)
            out, _ = await asyncio.wait_for(p.communicate(), 60)
            return p.returncode, out.decode()

    rc, out = asyncio.run(main())
    print(out, end="")
    print(f"websockets server: offer {seen[0]!r}, answer {seen[1]!r}")
    if rc != 0 or "deflate on" not in out or not seen[1].startswith("permessage-deflate"):
        fail("our client did not negotiate and echo through permessage-deflate")


def handshake(port, ext):
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: {ext}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(4096)
        if not d:
            fail("no 101")
        head += d
    return s, head.decode("latin1")


def masked(b0, payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        h = struct.pack("!BB", b0, 0x80 | n)
    elif n < 65536:
        h = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        h = struct.pack("!BBQ", b0, 0x80 | 127, n)
    m = bytes(c ^ mask[i & 3] for i, c in enumerate(payload)) if n < 4096 else \
        (int.from_bytes(payload, "big") ^ int.from_bytes(mask * (n // 4) + mask[:n % 4], "big")
         ).to_bytes(n, "big")
    return h + mask + m


def read_close(s, timeout=60):
    s.settimeout(timeout)
    buf = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        while len(buf) >= 2:
            n = buf[1] & 0x7F
            hl = 2 + (2 if n == 126 else 8 if n == 127 else 0)
            if len(buf) < hl:
                break
            if n == 126:
                n = struct.unpack("!H", buf[2:4])[0]
            elif n == 127:
                n = struct.unpack("!Q", buf[2:10])[0]
            if len(buf) < hl + n:
                break
            op, payload, buf = buf[0] & 0x0F, buf[hl:hl + n], buf[hl + n:]
            if op == 8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        d = s.recv(65536)
        if not d:
            return None
        buf += d
    return None


def bomb():
    port = t.free_port()
    srv = t.start(BIN, "count", port)
    t.wait_line(srv, r"listening")
    s, head = handshake(port, "permessage-deflate")
    if "sec-websocket-extensions: permessage-deflate" not in head.lower():
        fail("extension not negotiated: " + head)
    t.wait_line(srv, r"established, deflate on")
    # 300 MiB of zeros, deflated into one frame of about 300 KiB (the limit is 256 MiB).
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    zeros = bytes(1 << 20)
    body = b"".join(c.compress(zeros) for _ in range(300)) + c.flush(zlib.Z_SYNC_FLUSH)
    body = body[:-4]
    s.sendall(masked(0x80 | 0x40 | 0x2, body))
    code = read_close(s)
    print(f"one {len(body)}-byte frame inflating to 300 MiB: closed with {code}")
    if code != 1009:
        fail("an inflation bomb must close with 1009")
    m = t.wait_line(srv, r"closed after (\d+) messages, (\d+) bytes")
    if m.group(1) != "0" or int(m.group(2)) > 256 << 20:
        fail("more than the limit was delivered: " + m.group(0))
    s.close()
    # RSV1 on a continuation frame is a protocol error even with the extension.
    s, _ = handshake(port, "permessage-deflate")
    s.sendall(masked(0x02, b"x") + masked(0x80 | 0x40 | 0x0, b"y"))
    code = read_close(s)
    print(f"RSV1 on a continuation: closed with {code}")
    if code != 1002:
        fail("RSV1 on a continuation must close with 1002")
    s.close()
    # Data that is not deflate at all.
    s, _ = handshake(port, "permessage-deflate")
    s.sendall(masked(0x80 | 0x40 | 0x2, b"\xff\xff\xff\xff\xff"))
    code = read_close(s)
    print(f"corrupt compressed data: closed with {code}")
    if code != 1007:
        fail("corrupt compressed data must close with 1007")
    s.close()
    t.stop(srv)


def flow_control():
    """A compressed message stops where a RECEIVE turns rx flow off and goes on, from the
    same byte, when it is turned on again."""
    port = t.free_port()
    srv = t.start(BIN, "count-flow", port)
    t.wait_line(srv, r"listening")
    s, head = handshake(port, "permessage-deflate")
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    msgs = [TEXT.encode(), NOISE, b"tail"]
    frames = b""
    for m in msgs:
        body = c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH)
        frames += masked(0x80 | 0x40 | 0x2, body[:-4])
    s.sendall(frames)
    time.sleep(2)
    s.sendall(masked(0x88, struct.pack("!H", 1000)))
    read_close(s)
    s.close()
    m = t.wait_line(srv, r"closed after (\d+) messages, (\d+) bytes, (\d+) while rx flow was off",
                    timeout=30)
    print(f"under rx flow control: {m.group(0)}")
    if (int(m.group(1)), int(m.group(2)), m.group(3)) != (3, sum(map(len, msgs)), "0"):
        fail("compressed input not held back by rx flow control, or not resumed intact")
    t.stop(srv)


def inflation_limit():
    """The program lowers a connection's inflation limit (lws_set_extension_option's
    "rx_max_size"): a message inflating to less passes whole, one inflating past it
    closes with 1009 without more than the limit delivered."""
    port = t.free_port()
    srv = t.start(BIN, "count-limit", port)
    t.wait_line(srv, r"listening")
    s, head = handshake(port, "permessage-deflate")
    t.wait_line(srv, r"limit set: 0")
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    for n in (50000, 99999):
        body = c.compress(b"z" * n) + c.flush(zlib.Z_SYNC_FLUSH)
        s.sendall(masked(0x80 | 0x40 | 0x2, body[:-4]))
    body = c.compress(b"z" * 100001) + c.flush(zlib.Z_SYNC_FLUSH)
    s.sendall(masked(0x80 | 0x40 | 0x2, body[:-4]))
    code = read_close(s)
    s.close()
    m = t.wait_line(srv, r"closed after (\d+) messages, (\d+) bytes", timeout=30)
    print(f"inflation limit 100000: 50000 and 99999 passed, 100001 closed with {code}; {m.group(0)}")
    if code != 1009:
        fail("a message inflating past the program's limit must close with 1009")
    if m.group(1) != "2" or not 149999 <= int(m.group(2)) <= 149999 + 100000:
        fail("the messages within the limit must be delivered, no more than the limit after")
    t.stop(srv)


def window_mismatch():
    """Server answers our client must refuse (RFC 7692 section 5: the client fails the
    WebSocket connection)."""
    for answer, want in [
            # out of RFC 7692's 8..15
            ("permessage-deflate; server_max_window_bits=7", "HS: EXT: Rejects server options"),
            # a client window answer must carry a value
            ("permessage-deflate; client_max_window_bits", "HS: EXT: Rejects server options"),
            # larger than the window we offered to accept (we offered none: 15 is the most)
            ("permessage-deflate; server_max_window_bits=16", "HS: EXT: Rejects server options"),
            ("permessage-deflate; bogus", "HS: EXT: failed parsing options"),
            ("x-unknown-extension", "HS: EXT: unknown ext")]:
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen()
        port = ls.getsockname()[1]

        def serve_once():
            c, _ = ls.accept()
            req = b""
            while b"\r\n\r\n" not in req:
                req += c.recv(4096)
            key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n")
                   if l.lower().startswith(b"sec-websocket-key:")][0]
            import hashlib
            acc = base64.b64encode(hashlib.sha1(
                key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()).decode()
            c.sendall((f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       f"Connection: Upgrade\r\nSec-WebSocket-Accept: {acc}\r\n"
                       f"Sec-WebSocket-Extensions: {answer}\r\n\r\n").encode())
            time.sleep(1)
            c.close()
            ls.close()

        th = threading.Thread(target=serve_once, daemon=True)
        th.start()
        p = t.start(BIN, "client", port)
        m = t.wait_line(p, r"connection error: (.*)", timeout=20)
        print(f"answer {answer!r}: {m.group(1)}")
        if m.group(1) != want:
            fail(f"expected {want!r}")
        p.wait(timeout=20)
        th.join(timeout=5)


server_direction()
client_direction()
bomb()
flow_control()
inflation_limit()
window_mismatch()
print("ok")
