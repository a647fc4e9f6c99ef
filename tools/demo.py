#!/usr/bin/env python3
"""make demo: the chat example (examples-c/chat.c) on our library, on port 7681, with two
scripted clients chatting through it; then it keeps serving until Ctrl-C."""
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "capi-tests"))
from _rawws import WS  # noqa: E402

env = dict(os.environ, LD_LIBRARY_PATH="target/release")
port = int(os.environ.get("PORT", "7681"))
srv = subprocess.Popen(["build/examples/chat", "-p", str(port)], env=env, stdout=subprocess.PIPE, text=True)
line = srv.stdout.readline()
print("chat server:", line.strip())
alice, bob = WS(port, ["lws-chat"]), WS(port, ["lws-chat"])
for who, ws, text in (("alice", alice, "hello bob"), ("bob", bob, "hi alice!")):
    ws.text(f"{who}: {text}")
    print("  alice sees:", alice.recv_text(), "| bob sees:", bob.recv_text())
print(f"\nws://localhost:{port}/ (subprotocol lws-chat) is open: every message a client")
print("sends reaches every client. Ctrl-C stops it.")
try:
    srv.wait()
except KeyboardInterrupt:
    srv.send_signal(signal.SIGINT)
    srv.wait()
