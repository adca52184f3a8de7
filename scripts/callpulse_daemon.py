"""Helpers the load scripts share: start `callpulse serve` on an ephemeral loopback port."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CALLPULSE", os.path.join(ROOT, ".build/release/callpulse"))


def start(arguments):
    """Starts `callpulse serve --listen 127.0.0.1:0 ARGUMENTS`; returns (process, port) from its log line."""
    log = tempfile.NamedTemporaryFile("w+", delete=False, prefix="callpulse-", suffix=".log")
    process = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", *arguments],
                               stderr=log, stdout=subprocess.DEVNULL)
    for _ in range(200):
        log.seek(0)
        match = re.search(r"listening on https?://127\.0\.0\.1:(\d+)", log.read())
        if match:
            return process, int(match.group(1))
        time.sleep(0.05)
    process.kill()
    sys.exit("callpulse serve did not start:\n" + open(log.name).read())


def free_port():
    """A free loopback port, for peers that cannot report the one they bound."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
