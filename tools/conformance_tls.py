#!/usr/bin/env python3
"""make conformance-tls: the Autobahn cases (kosoku) over wss://, both directions.

kosoku speaks no TLS, so a relay here stands between it and our program, moving bytes
both ways (asyncio, one thread: the relay's own TLS objects are never used from two
threads):

  server: kosoku fuzzingclient -> relay -> TLS -> examples-c/echo --cert --key
  client: examples-c/autobahn-client --tls -> TLS -> relay -> kosoku fuzzingserver

Every case's frames then cross our TLS layer: handshake, records split and joined,
close_notify, on the server side and on the client side.  Same groups and verdicts as
tools/conformance.py; the reports go to build/conformance/{server,client}-tls/.  The
certificates (a CA and a leaf for "localhost") are made at run time with the openssl CLI.
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


# The client direction's cases: all but permessage-deflate's, and of those one per
# subgroup (16-byte messages): the fuzzing server spends most of its time compressing
# the larger and fragmented ones, which the plain run (tools/conformance.py) covers, and
# they add nothing about TLS.  ~25 s where all of c.GROUPS take ~85 s.
CLIENT_GROUPS = [g for g in c.GROUPS if not g.startswith(("12.", "13."))] + [
    f"{g}.1" for g in ("12.1", "12.2", "12.3", "12.4", "12.5", "13.1", "13.2", "13.3",
                       "13.4", "13.5", "13.6", "13.7")]


def make_certs(d):
    """A CA (d/ca.pem) and a leaf for localhost it signed (d/localhost.pem, .key): our
    client verifies the relay's certificate as any wss client would."""
    sys.path.insert(0, os.path.join(c.ROOT, "capi-tests"))
    from _tlspki import Pki  # noqa: E402 (the capi tests' helper, openssl CLI)
    pki = Pki(d)
    pki.leaf("localhost")
    return pki.ca, os.path.join(d, "localhost.pem"), os.path.join(d, "localhost.key")


def start_relay(target_port, connect_ctx=None, accept_ctx=None):
    """Starts a relay on a daemon thread; returns its port.  Each connection it accepts
    (over TLS with `accept_ctx`) is joined to a new one to 127.0.0.1:target_port (over
    TLS with `connect_ctx`)."""
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
            ur, uw = await asyncio.open_connection(
                "127.0.0.1", target_port, ssl=connect_ctx,
                server_hostname="localhost" if connect_ctx else None)
        except (OSError, ssl.SSLError) as e:
            print(f"  relay: connection to 127.0.0.1:{target_port} failed: {e}", flush=True)
            cw.close()
            return
        await asyncio.gather(pump(cr, uw), pump(ur, cw))

    async def main():
        srv = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=accept_ctx)
        port.append(srv.sockets[0].getsockname()[1])
        ready.set()
        await srv.serve_forever()

    threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()
    ready.wait(10)
    return port[0]


def run_server_tls(k, ca, cert, key):
    out = os.path.join(c.OUT, "server-tls")
    shutil.rmtree(out, ignore_errors=True)
    port = c.free_port()
    srv = subprocess.Popen([os.path.join(c.ROOT, "build/examples/echo"), "-p", str(port),
                            "--utf8", "--deflate", "--cert", cert, "--key", key],
                           env=c.ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c.wait_port(port)
        relay = start_relay(port, connect_ctx=ssl.create_default_context(cafile=ca))
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
    return took, alive, c.judge(
        out, "server (kosoku fuzzingclient -> relay -> examples-c/echo over TLS)")


def run_client_tls(k, ca, cert, key):
    out = os.path.join(c.OUT, "client-tls")
    shutil.rmtree(out, ignore_errors=True)
    port = c.free_port()
    args = [k, "-m", "fuzzingserver", "-o", out]
    for g in CLIENT_GROUPS:
        args += ["-i", g]
    fs = subprocess.Popen(args + [f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        c.wait_port(port)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)
        relay = start_relay(port, accept_ctx=tls)
        t0 = time.time()
        # The client verifies the relay's certificate for "localhost" against the CA.
        subprocess.run([os.path.join(c.ROOT, "build/examples/autobahn-client"), "-p",
                        str(relay), "--deflate", "--tls", "--ca", ca, "--host", "localhost"],
                       env=c.ENV, stdout=subprocess.DEVNULL, timeout=1200, check=True)
        took = time.time() - t0
        deadline = time.time() + 60
        while not os.path.exists(os.path.join(out, "index.json")) and time.time() < deadline:
            time.sleep(0.1)
    finally:
        fs.terminate()
        fs.wait(timeout=10)
    return took, True, c.judge(
        out, "client (examples-c/autobahn-client over TLS -> relay -> kosoku fuzzingserver)")


def main():
    k = c.kosoku()
    ca, cert, key = make_certs(os.path.join(c.OUT, "pki"))
    failed = c.report(run(k, ca, cert, key) for run in (run_server_tls, run_client_tls))
    print(f"reports: {c.OUT}/server-tls/index.html, {c.OUT}/client-tls/index.html")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
