#!/usr/bin/env python3
"""The wss echo client of bench/run.py's TLS rows: one connection to the echo server over
TLS (Python's ssl, i.e. OpenSSL, and the `websockets` package), messages of SIZE bytes
sent and their echoes read back one at a time for DURATION seconds after a short
warm-up, every echo compared with what was sent.  The same client for both libraries.

    wss_client.py PORT SIZE DURATION      -> one JSON line: msgs, mb_per_s, ok
"""
import json
import ssl
import sys
import time

from websockets.sync.client import connect

port, size, duration = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE  # the bench's throwaway self-signed certificate
msg = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
out = {"ok": False, "msgs": 0, "mb_per_s": None}
try:
    with connect(f"wss://127.0.0.1:{port}/", ssl=ctx, max_size=None, compression=None,
                 subprotocols=["lws-echo"], open_timeout=10) as ws:
        for _ in range(3):
            ws.send(msg)
            ws.recv(timeout=10)
        n, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < duration:
            ws.send(msg)
            if ws.recv(timeout=10) != msg:
                raise RuntimeError("echo differs from what was sent")
            n += 1
        el = time.monotonic() - t0
    out = {"ok": n > 0, "msgs": n, "mb_per_s": n * size / el / 1e6}
except Exception as e:  # reported by run.py as a problem of that run
    out["error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
