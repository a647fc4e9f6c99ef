#!/usr/bin/env python3
"""Writes the HTTP/2 seeds of the `server_conn` fuzz target (fuzz/seeds/server_conn/h2_*):
a client's bytes with prior knowledge (the connection preface first), so the whole
connection goes through the h2 role as a peer would drive it: GET, POST with a body,
several streams with PING, WINDOW_UPDATE, PRIORITY and RST_STREAM, and a WebSocket over
h2 (RFC 8441 extended CONNECT) echoing one frame.  Needs Python's `hpack`; the seeds
are committed, so run this only to change them.
"""
import os
import struct

from hpack import Encoder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds", "server_conn")
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST, SETTINGS, PING, GOAWAY, WINDOW = 0, 1, 2, 3, 4, 6, 7, 8
END_STREAM, ACK, END_HEADERS = 1, 1, 4


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def settings(**kv):
    ids = {"header_table_size": 1, "enable_push": 2, "max_concurrent": 3, "window": 4, "max_frame": 5}
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", ids[k], v) for k, v in kv.items()))


def request(enc, stream, method, path, extra=(), end=True):
    hs = [(":method", method), (":scheme", "http"), (":path", path), (":authority", "localhost")]
    return frame(HEADERS, END_HEADERS | (END_STREAM if end else 0), stream, enc.encode(hs + list(extra)))


def ws_frame(payload):
    mask = b"\x11\x22\x33\x44"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def main():
    seeds = {}
    e = Encoder()
    seeds["h2_get"] = PREFACE + settings() + request(e, 1, "GET", "/") + frame(GOAWAY, 0, 0, struct.pack(">II", 1, 0))
    e = Encoder()
    seeds["h2_post"] = (PREFACE + settings(window=65535) + frame(SETTINGS, ACK, 0)
                        + request(e, 1, "POST", "/form", [("content-length", "5"),
                                                          ("content-type", "text/plain")], end=False)
                        + frame(DATA, END_STREAM, 1, b"hello"))
    e = Encoder()
    seeds["h2_streams"] = (PREFACE + settings(header_table_size=256, max_concurrent=4)
                           + frame(WINDOW, 0, 0, struct.pack(">I", 1 << 20))
                           + request(e, 1, "GET", "/a")
                           + frame(PRIORITY, 0, 3, struct.pack(">IB", 1, 16))
                           + request(e, 3, "GET", "/b?x=1", [("cookie", "a=b")])
                           + frame(PING, 0, 0, b"12345678")
                           + request(e, 5, "POST", "/c", end=False)
                           + frame(RST, 0, 5, struct.pack(">I", 8))
                           + request(e, 7, "GET", "/d"))
    e = Encoder()
    seeds["h2_ws"] = (PREFACE + settings() + frame(SETTINGS, ACK, 0)
                      + frame(HEADERS, END_HEADERS, 1, e.encode([
                          (":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
                          (":path", "/"), (":authority", "localhost"),
                          ("sec-websocket-version", "13"), ("sec-websocket-protocol", "echo")]))
                      + frame(DATA, 0, 1, ws_frame(b"hi over h2"))
                      + frame(DATA, END_STREAM, 1, b"\x88\x82\x00\x00\x00\x00\x03\xe8"))
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {OUT}")


if __name__ == "__main__":
    main()
