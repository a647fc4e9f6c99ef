"""A small raw WebSocket client for the C tests: full control over every frame byte
(masking, RSV bits, opcodes, fragmentation, split writes), so tests can send what a
well-behaved library never would.  Python stdlib only."""
import base64
import hashlib
import os
import socket
import struct
import subprocess
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def start_server(binary, *args, wait_line=b"listening on port"):
    """Starts a C test server that prints 'listening on port N' and returns (proc, port)."""
    wrap = os.environ.get("LWS_WRAP", "").split()
    p = subprocess.Popen(wrap + [binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    p.preamble = ""
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        if wait_line in line:
            return p, int(line.split()[-1])
        p.preamble += line.decode(errors="replace")
    raise SystemExit("server did not start: " + p.stderr.read().decode(errors="replace"))


def stop_server(p, sig=2, timeout=20):
    """Stops the server with SIGINT; returns (stdout rest, stderr, returncode)."""
    p.send_signal(sig)
    out, err = p.communicate(timeout=timeout)
    return out.decode(errors="replace"), err.decode(errors="replace"), p.returncode


class WS:
    def __init__(self, port, protocols=None, path="/", host="127.0.0.1", extra=b"", timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        key = base64.b64encode(os.urandom(16))
        req = (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
               b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
               b"Sec-WebSocket-Version: 13\r\n")
        if protocols:
            req += b"Sec-WebSocket-Protocol: " + ", ".join(protocols).encode() + b"\r\n"
        req += extra + b"\r\n"
        self.sock.sendall(req)
        head = self._read_until(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1])
        self.headers = {}
        for line in head.split(b"\r\n")[1:]:
            if b":" in line:
                k, v = line.split(b":", 1)
                self.headers[k.strip().lower().decode()] = v.strip().decode()
        if self.status == 101:
            want = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
            assert self.headers.get("sec-websocket-accept") == want, "bad accept key"
        self.protocol = self.headers.get("sec-websocket-protocol")

    def _read_until(self, marker):
        while marker not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError("connection closed during handshake")
            self.buf += d
        i = self.buf.index(marker) + len(marker)
        head, self.buf = self.buf[:i], self.buf[i:]
        return head

    def _read(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(max(65536, n - len(self.buf)))
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    @staticmethod
    def frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
        if isinstance(payload, str):
            payload = payload.encode()
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload) if length is None else length
        mbit = 0x80 if mask else 0
        if n < 126:
            h = struct.pack("!BB", b0, mbit | n)
        elif n < 65536:
            h = struct.pack("!BBH", b0, mbit | 126, n)
        else:
            h = struct.pack("!BBQ", b0, mbit | 127, n)
        if mask:
            key = os.urandom(4)
            h += key
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload)) if len(payload) < 4096 else _mask_fast(payload, key)
        return h + payload

    def send(self, opcode, payload=b"", **kw):
        self.sock.sendall(self.frame(opcode, payload, **kw))

    def send_raw(self, data, chunk=None, delay=0.0):
        if chunk is None:
            self.sock.sendall(data)
            return
        for i in range(0, len(data), chunk):
            self.sock.sendall(data[i:i + chunk])
            if delay:
                time.sleep(delay)

    def text(self, s):
        self.send(1, s)

    def recv(self):
        """Returns (fin, opcode, payload) of the next frame."""
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        assert not (b1 & 0x80), "server frames must not be masked"
        return bool(b0 & 0x80), b0 & 0x0F, self._read(n)

    def recv_msg(self):
        """Returns (opcode, payload) of the next data message (reassembled); control frames
        are returned as they come."""
        fin, op, data = self.recv()
        if op >= 8:
            return op, data
        first = op
        while not fin:
            fin, op, more = self.recv()
            if op >= 8:
                raise AssertionError("control frame inside a message not expected here")
            data += more
        return first, data

    def recv_text(self):
        op, data = self.recv_msg()
        assert op == 1, "expected text, got opcode %d (%r)" % (op, data[:40])
        return data.decode()

    def expect_close(self):
        """Reads until a close frame; returns (code, reason) (code None when empty)."""
        while True:
            fin, op, data = self.recv()
            if op == 8:
                if len(data) >= 2:
                    return struct.unpack("!H", data[:2])[0], data[2:].decode(errors="replace")
                return None, ""

    def outcome(self, timeout=2, close_timeout=6):
        """What the server does next, as a line for the transcript: the frames it sends
        ("echoed OPCODE PAYLOAD"; pings and pongs skipped) up to its close frame, which is
        answered as a client must ("close CODE"), then whether it closes TCP within
        close_timeout (lws itself may take up to its 5 s close timeout).  Ends with
        "nothing for N s" if the server goes quiet, "TCP closed without a close frame"."""
        parts = []
        self.sock.settimeout(timeout)
        try:
            while True:
                fin, op, data = self.recv()
                if op in (9, 10):
                    continue
                if op != 8:
                    parts.append("echoed %d %r" % (op, data))
                    continue
                parts.append("close %s" % (struct.unpack("!H", data[:2])[0]
                                           if len(data) >= 2 else "(no code)"))
                try:
                    self.send(8, data[:2])
                except OSError:
                    pass
                parts.append("TCP closed" if self.eof(close_timeout)
                             else "TCP open after %g s" % close_timeout)
                break
        except socket.timeout:
            parts.append("nothing for %g s" % timeout)
        except (EOFError, ConnectionResetError, BrokenPipeError):
            parts.append("TCP closed without a close frame")
        return ", ".join(parts)

    def close(self, code=1000, reason=b""):
        self.send(8, (struct.pack("!H", code) + reason) if code is not None else b"")

    def eof(self, timeout=5):
        """True if the server closes the TCP connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def _mask_fast(payload, key):
    n = len(payload)
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def lws_43():
    """True when the test runs against an lws 4.3 header and library (ours or lws's);
    what lws 4.3 does differently from older lws is checked only then (README.md)."""
    v = os.environ.get("LWS_HEADER_VERSION", "4.3").split(".")
    try:
        return (int(v[0]), int(v[1])) >= (4, 3)
    except (ValueError, IndexError):
        return True


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        sys.exit(1)
