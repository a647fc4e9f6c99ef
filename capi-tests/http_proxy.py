"""Drives capi-tests/http_proxy.c: ws, wss, http and https clients through an HTTP proxy
given each way lws takes one (creation info with and without a port in the address,
lws_set_proxy with credentials, the http_proxy environment variable).

The proxy here logs each CONNECT line and the credentials it was given, answers 502 for
nowhere.invalid, and otherwise opens the tunnel to 127.0.0.1 at the port asked.  Behind
it, one asyncio server per port speaks ws (echo) and plain HTTP (a page naming the path
and the Host it was asked for), in clear text and over TLS; it logs each request, so the
transcript shows the request went through the tunnel unchanged."""
import os
import sys

# The library path is the C program's: this interpreter may itself link a libpython that
# a system library directory there would shadow (pyenv builds), which breaks `ssl`.
if "LWS_PROXY_LD" not in os.environ:
    env = dict(os.environ, LWS_PROXY_LD=os.environ.get("LD_LIBRARY_PATH", ""))
    env.pop("LD_LIBRARY_PATH", None)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import asyncio
import base64
import logging
import shutil
import ssl
import subprocess
import tempfile
import threading

import _lwstest as t
from _tlspki import Pki

try:
    from websockets.asyncio.server import serve
except ImportError:
    t.fail("python3 websockets (>= 13) is missing (Debian package: python3-websockets)")

# The clients close without a close frame once they have their echo: not news.
logging.getLogger("websockets").setLevel(logging.CRITICAL)
tmp = tempfile.mkdtemp(prefix="lws-proxy-")
pki = Pki(tmp)
pki.leaf("localhost")
log = []
loop = asyncio.new_event_loop()
port, tls_port, proxy_port = t.free_ports(3)


async def pipe(r, w):
    try:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        w.close()


async def proxy(r, w):
    try:
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
        w.close()
        return
    lines = head.decode("latin-1").split("\r\n")
    auth = "-"
    for h in lines[1:]:
        name, _, value = h.partition(":")
        if name.strip().lower() == "proxy-authorization":
            scheme, _, tok = value.strip().partition(" ")
            auth = f"{scheme.lower()} {base64.b64decode(tok).decode()}"
    target = lines[0].split(" ")[1] if lines[0].startswith("CONNECT ") else ""
    shown = target.replace(f":{port}", ":PORT").replace(f":{tls_port}", ":TLSPORT")
    log.append(f"proxy: {lines[0].split(' ')[0]} {shown} {lines[0].split(' ')[-1]}"
               f" auth={auth}")
    host, _, tport = target.rpartition(":")
    if host == "nowhere.invalid" or not tport.isdigit():
        w.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        await w.drain()
        w.close()
        return
    try:
        ur, uw = await asyncio.open_connection("127.0.0.1", int(tport))
    except OSError:
        w.write(b"HTTP/1.1 503 Service Unavailable\r\n\r\n")
        w.close()
        return
    w.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await asyncio.gather(pipe(r, uw), pipe(ur, w))


def page(tls):
    def process_request(conn, request):
        host = request.headers.get("Host", "").replace(f":{port}", ":PORT").replace(
            f":{tls_port}", ":TLSPORT")
        kind = "ws" if "upgrade" in request.headers.get("Connection", "").lower() else "http"
        log.append(f"server{' (tls)' if tls else ''}: {kind} {request.path} Host={host}")
        if kind == "http" and request.path == "/redir":
            r = conn.respond(302, "moved\n")
            r.headers["Location"] = "/plain"
            return r
        if kind == "http":
            return conn.respond(200, f"page {request.path}\n")
        return None
    return process_request


async def echo(ws):
    async for m in ws:
        await ws.send(m)


async def main(started):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(tmp, "localhost.pem"), os.path.join(tmp, "localhost.key"))
    await asyncio.start_server(proxy, "127.0.0.1", proxy_port)
    await serve(echo, "127.0.0.1", port, process_request=page(False))
    await serve(echo, "127.0.0.1", tls_port, ssl=ctx, process_request=page(True))
    started.set()
    await asyncio.Event().wait()


started = threading.Event()
threading.Thread(target=lambda: loop.run_until_complete(main(started)), daemon=True).start()
if not started.wait(10):
    t.fail("the servers did not start")

failures = 0


def run(how, proxy, *cases, env=None, shown=None):
    global failures
    e = dict(os.environ, LD_LIBRARY_PATH=os.environ["LWS_PROXY_LD"])
    e.pop("http_proxy", None)
    e.update(env or {})
    log.clear()
    r = subprocess.run(t.WRAP + [sys.argv[1], how, proxy, str(port), str(tls_port), pki.ca,
                                 *cases], capture_output=True, text=True, timeout=60, env=e)
    sys.stderr.write(r.stderr)
    print(f"== {how} {shown or proxy.replace(str(proxy_port), 'PROXYPORT')}")
    for line in r.stdout.splitlines():
        print(line)
    for line in log:
        print("  " + line)
    if r.returncode != 0:
        print(f"FAIL: exit {r.returncode}")
        failures += 1
    return r.stdout


addr = f"127.0.0.1:{proxy_port}"
run("info", addr, "ws", "wss", "get", "gets", "nowhere", "redirect")
run("port", addr, "get")
run("set", f"user:secret@{addr}", "ws", "gets")
run("env", "-", "get", "wss", env={"http_proxy": f"http://envuser:pw@{addr}/"})
# The proxy goes away: the connection fails with a reason, nothing else.
dead = t.free_port()
run("info", f"127.0.0.1:{dead}", "get", shown=f"127.0.0.1:DEADPORT")

shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failures else 0)
