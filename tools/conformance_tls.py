#!/usr/bin/env python3
"""make conformance-tls: the Autobahn server cases (kosoku) against examples-c/echo over wss://.

kosoku speaks no TLS, so it talks to a relay here that opens a TLS connection to
`examples-c/echo --cert --key` for each of its connections and moves bytes both ways
(asyncio, one thread: the relay's own TLS objects are never used from two threads).  Every
case's frames then cross our TLS layer: handshake, records split and joined, close_notify.
Same groups and verdicts as tools/conformance.py's server direction; the report goes to
build/conformance/server-tls/.  The certificate is made at run time with the openssl CLI.
"""
import asyncio
import os
import shutil
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance as c  # noqa: E402


def make_cert(d):
    os.makedirs(d, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-keyout", os.path.join(d, "key.pem"), "-out", os.path.join(d, "cert.pem")],
                   check=True, capture_output=True)


def start_relay(target_port, cafile):
    """Starts the plain-to-TLS relay on a daemon thread; returns its port."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    ready = threading.Event()
    port = []

    async def pump(r, w):
        try:
            while True:
                d = await r.read(65536)
                if not d:
                    break
                w.write(d)
                await w.drain()
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        try:
            w.close()
        except Exception:
            pass

    async def handle(cr, cw):
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", target_port, ssl=ctx,
                                                   server_hostname="localhost")
        except (OSError, ssl.SSLError) as e:
            print(f"  relay: TLS connection to the server failed: {e}", flush=True)
            cw.close()
            return
        await asyncio.gather(pump(cr, uw), pump(ur, cw))

    async def main():
        srv = await asyncio.start_server(handle, "127.0.0.1", 0)
        port.append(srv.sockets[0].getsockname()[1])
        ready.set()
        await srv.serve_forever()

    threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()
    ready.wait(10)
    return port[0]


def main():
    k = c.kosoku()
    out = os.path.join(c.OUT, "server-tls")
    shutil.rmtree(out, ignore_errors=True)
    certdir = os.path.join(c.OUT, "pki")
    make_cert(certdir)
    port = c.free_port()
    srv = subprocess.Popen([os.path.join(c.ROOT, "build/examples/echo"), "-p", str(port),
                            "--utf8", "--deflate",
                            "--cert", os.path.join(certdir, "cert.pem"),
                            "--key", os.path.join(certdir, "key.pem")],
                           env=c.ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c.wait_port(port)
        relay = start_relay(port, os.path.join(certdir, "cert.pem"))
        t0 = time.time()
        args = [k, "-m", "fuzzingclient", "-p", "2", "-o", out]
        for g in c.GROUPS:
            args += ["-i", g]
        subprocess.run(args + [f"127.0.0.1:{relay}"], stdout=subprocess.DEVNULL, timeout=1800)
        took = time.time() - t0
        alive = srv.poll() is None
    finally:
        srv.terminate()
        srv.wait(timeout=10)
    total, bad = c.judge(out, "server (kosoku fuzzingclient -> relay -> examples-c/echo over TLS)")
    print(f"  took {took:.1f} s")
    failed = bool(bad) or not alive or total < 300
    if not alive:
        print("  FAIL: the server under test died")
    for b in bad:
        print("  FAIL " + b)
    print(f"report: {out}/index.html")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
