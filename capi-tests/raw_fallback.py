"""Drives raw_fallback.c: an HTTP request and two raw peers (one whose first bytes
start like a method and then are not one) on the same port; prints what each peer got
and the program's callback lines."""
# lws-diff: ours-only `^split peer: (echoed|line raw: RAW_RX)`: deliberate: lws gives RAW_RX only the bytes of the read that showed they are not HTTP, so the "GE" of the first packet is lost; this library hands over every byte the peer sent
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from _lwstest import fail, free_port, start, stop, wait_line
from _tlspki import Pki

binary = sys.argv[1]
port = free_port()
p = start(binary, port)
wait_line(p, r"^ready$")


def talk(first, rest=b"", want=None, timeout=5):
    """Sends `first` (then `rest` after a pause), reads until `want` or EOF."""
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(first)
        if rest:
            time.sleep(0.2)
            s.sendall(rest)
        end = time.monotonic() + timeout
        while time.monotonic() < end and not (want and want in got):
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            got += chunk
    return got


r = talk(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
head, _, body = r.partition(b"\r\n\r\n")
status = head.split(b"\r\n")[0].decode()
print(f"http peer: {status} / {body.decode().strip()}")
print(f"http peer: line {wait_line(p, r'^http: ').string}")

r = talk(b"hello raw\n", want=b"hello raw\n")
print(f"raw peer: echoed {r.decode().strip()!r}")
for _ in range(3):
    print(f"raw peer: line {wait_line(p, r'^raw: ').string}")

# Starts like GET, then is not: decided on the second packet, with both parts.
r = talk(b"GE", b"Xcellent\n", want=b"GEXcellent\n")
print(f"split peer: echoed {r.decode().strip()!r}")
for _ in range(3):
    print(f"split peer: line {wait_line(p, r'^raw: ').string}")

stop(p)

# The same server on TLS (ALLOW_NON_SSL_ON_SSL_PORT, no redirect, no plain HTTP): a TLS
# peer gets HTTP; plain text of any kind, an HTTP request too, goes to the raw protocol.
tmp = tempfile.mkdtemp(prefix="lws-rawfb-")
pki = Pki(tmp)
pki.leaf("localhost")
port = free_port()
p = start(binary, port, f"{tmp}/localhost.pem", f"{tmp}/localhost.key")
wait_line(p, r"^ready$")
# curl, not Python's ssl: the differential run points the dynamic linker at the
# system's libraries, which a non-system Python's _ssl may not load with.
r = subprocess.run(["curl", "-s", "-i", "--cacert", pki.ca, "--resolve",
                    f"localhost:{port}:127.0.0.1", f"https://localhost:{port}/hello"],
                   capture_output=True, timeout=20).stdout
head, _, body = r.partition(b"\r\n\r\n")
status = head.split(b"\r\n")[0].decode()
print(f"tls: https peer: {status} / {body.decode().strip()}")
print(f"tls: https peer: line {wait_line(p, r'^http: ').string}")
r = talk(b"hello raw\n", want=b"hello raw\n")
print(f"tls: plain raw peer: echoed {r.decode().strip()!r}")
for _ in range(3):
    print(f"tls: plain raw peer: line {wait_line(p, r'^raw: ').string}")
req = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
r = talk(req, want=req)
print(f"tls: plain http peer: echoed as raw: {r == req}")
stop(p)
shutil.rmtree(tmp, ignore_errors=True)
