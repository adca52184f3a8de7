#!/usr/bin/env python3
"""Hostile clients against a daemon on loopback, each case bounded in time and size.

  scripts/hostile.py            (make hostile)

Cases: slowloris (headers trickled), 2,000 idle connections (one address, then spread over
40), a 10 MB NDJSON line, 100,000 levels of nesting, invalid UTF-8, 1,000,000 random queue
names, 1,000,000 random call ids. While each runs, a well-behaved client asks /-/healthy
every 50 ms from its own address; the table gives that client's latency, the daemon's RSS
after the case, and what the hostile client got (status and reason). The daemon runs with
connection_timeout 5s and max_active_calls 200,000 so the limits show within seconds (the call
ids go to queue-0, the first of the random queues, so both limits show).
"""
import json
import os
import random
import re
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callpulse_daemon  # noqa: E402

CONFIG = """limits:
  connection_timeout: 5s
  max_connections: 1024
  max_connections_per_client: 64
  max_active_calls: 200000
  max_queues: 5000
"""


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


def connect(port, source="127.0.0.1", timeout=5):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def request(port, method, path, body=b"", headers=None, source="127.0.0.1", timeout=30):
    """One request; returns (status, parsed JSON body or text)."""
    s = connect(port, source, timeout)
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
    for name, value in (headers or {}).items():
        head += f"{name}: {value}\r\n"
    try:
        s.sendall(head.encode() + b"\r\n" + body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered early (413 by Content-Length) and closed: read what it said
    data = b""
    while True:
        try:
            chunk = s.recv(1 << 16)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    s.close()
    if not data:
        return 0, "connection closed without an answer"
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    try:
        return status, json.loads(rest)
    except ValueError:
        return status, rest[:200].decode(errors="replace")


class Prober(threading.Thread):
    """The well-behaved client: GET /-/healthy every 50 ms, timing each."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.samples, self.failures, self.running = port, [], 0, True

    def run(self):
        while self.running:
            started = time.perf_counter()
            try:
                status, _ = request(self.port, "GET", "/-/healthy", timeout=5)
                if status == 200:
                    self.samples.append((time.perf_counter() - started) * 1000)
                else:
                    self.failures += 1
            except OSError:
                self.failures += 1
            time.sleep(0.05)

    def take(self):
        samples, failures = self.samples, self.failures
        self.samples, self.failures = [], 0
        if not samples:
            return f"no answer ({failures} failed)"
        samples.sort()
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        return f"p50 {statistics.median(samples):.2f} ms, p99 {p99:.2f} ms, max {samples[-1]:.1f} ms, {failures} failed"


def outcome(status, body):
    if isinstance(body, dict):
        reason = body.get("reason") or ",".join(sorted({e["reason"] for e in body.get("errors", [])}))
        counts = "" if "accepted" not in body else f" (accepted {body['accepted']}, rejected {body['rejected']})"
        return f"{status} {reason}{counts}"
    return f"{status} {body}"


def slowloris(port):
    """200 connections from one address trickle a header byte per second for 12 s."""
    sockets, refused = [], 0
    for _ in range(200):
        try:
            s = connect(port, "127.0.0.3")
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            sockets.append(s)
        except OSError:
            refused += 1
    alive = 0
    for second in range(12):
        alive = 0
        for s in sockets:
            try:
                s.sendall(b"X")
                alive += 1
            except OSError:
                pass
        time.sleep(1)
    # Stop trickling: the idle timeout (5 s) must close what is left.
    time.sleep(7)
    closed = 0
    for s in sockets:
        s.settimeout(0.5)
        try:
            if s.recv(100) == b"":
                closed += 1
        except (ConnectionResetError, BrokenPipeError):
            closed += 1
        except (socket.timeout, OSError):
            pass
        s.close()
    return (f"{alive} of 200 kept by the server while they trickled for 12 s (per-client limit 64, the others "
            f"closed at once); {closed} of 200 closed 7 s after the trickle stopped (idle timeout 5 s)")


def idle(port, sources):
    """2,000 connections that send nothing, from `sources` addresses; held 8 s."""
    sockets, failed = [], 0
    for index in range(2000):
        try:
            sockets.append(connect(port, sources[index % len(sources)], timeout=2))
        except OSError:
            failed += 1
    time.sleep(1)
    open_by_server = 0
    for s in sockets:
        s.settimeout(0.01)
        try:
            if s.recv(1) == b"":
                continue  # the server closed it: over a limit
            open_by_server += 1
        except socket.timeout:
            open_by_server += 1
        except OSError:
            pass
    time.sleep(7)
    for s in sockets:
        s.close()
    return f"{open_by_server} of 2,000 kept by the server, the rest closed at once (limits 64 per address, 1,024 in all)"


def big_line(port):
    line = b'{"message":{"call":{"id":"x","event":"connecting","ResponseFields":{"MediaProperties":{"queueName":"' + \
        b"A" * (10 * 1024 * 1024) + b'"}}}}}\n'
    return outcome(*request(port, "POST", "/api/v1/events", line, {"Content-Type": "application/x-ndjson"}))


def gzip_line(port):
    """The same line gzipped (10 kB on the wire): the limit applies to the decompressed body."""
    import gzip
    line = b'{"message":{"call":{"id":"x","event":"connecting","ResponseFields":{"MediaProperties":{"queueName":"' + \
        b"A" * (10 * 1024 * 1024) + b'"}}}}}\n'
    body = gzip.compress(line)
    got = outcome(*request(port, "POST", "/api/v1/events", body,
                           {"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}))
    return f"{got} ({len(body):,} bytes sent)"


def nesting(port):
    body = b"[" * 100000 + b"]" * 100000
    return outcome(*request(port, "POST", "/api/v1/events", body, {"Content-Type": "application/json"}))


def invalid_utf8(port):
    body = b'{"message":{"call":{"id":"u1","event":"connecting","ResponseFields":{"MediaProperties":{"queueName":"Q\xff\xfe"},' \
        b'"CurrentStateTime":"2026-11-24T10:00:00Z"}}}}'
    return outcome(*request(port, "POST", "/api/v1/events", body, {"Content-Type": "application/json"}))


def event(call_id, queue):
    return ('{"message":{"call":{"id":"%s","event":"connecting","ResponseFields":{"MediaProperties":'
            '{"queueName":"%s"}}}}}' % (call_id, queue))


def flood(port, name, make):
    """1,000,000 events in NDJSON batches of 10,000; the outcomes counted by reason."""
    accepted = rejected = 0
    reasons = {}
    for batch in range(100):
        body = "\n".join(make(batch * 10000 + i) for i in range(10000)).encode()
        status, reply = request(port, "POST", "/api/v1/events", body, {"Content-Type": "application/x-ndjson"}, timeout=60)
        if isinstance(reply, dict):
            accepted += reply.get("accepted", 0)
            rejected += reply.get("rejected", 0)
            for error in reply.get("errors", []):
                reasons[error["reason"]] = reasons.get(error["reason"], 0) + 1
    return f"{accepted:,} accepted, {rejected:,} rejected (first reasons: {reasons or 'none'})"


def main():
    config = "/tmp/callpulse-hostile.yml"
    with open(config, "w") as file:
        file.write(CONFIG)
    daemon, port = callpulse_daemon.start(["--config", config])
    prober = Prober(port)
    prober.start()
    time.sleep(1)
    print(f"baseline: RSS {rss_mib(daemon.pid):.1f} MiB; /-/healthy {prober.take()}")
    rng = random.Random(7)
    cases = [
        ("slowloris: 200 connections trickling headers", lambda: slowloris(port)),
        ("2,000 idle connections from one address", lambda: idle(port, ["127.0.0.4"])),
        ("2,000 idle connections from 40 addresses", lambda: idle(port, [f"127.0.1.{i}" for i in range(1, 41)])),
        ("a 10 MB NDJSON line", lambda: big_line(port)),
        ("the 10 MB line gzipped", lambda: gzip_line(port)),
        ("100,000 levels of nesting", lambda: nesting(port)),
        ("invalid UTF-8 in a queue name", lambda: invalid_utf8(port)),
        ("1,000,000 random queue names", lambda: flood(port, "queues", lambda i: event(f"q{i}", "queue-0" if i == 0 else f"queue-{rng.getrandbits(64):x}"))),
        ("1,000,000 random call ids", lambda: flood(port, "calls", lambda i: event(f"{rng.getrandbits(64):x}", "queue-0"))),
    ]
    rows = []
    for title, run in cases:
        started = time.time()
        result = run()
        time.sleep(0.5)
        rows.append((title, result, f"{rss_mib(daemon.pid):.1f}", prober.take(), f"{time.time() - started:.1f}"))
        print(f"- {title}: {result}\n    RSS {rows[-1][2]} MiB; other client: {rows[-1][3]}; {rows[-1][4]} s", flush=True)
    status, queues = request(port, "GET", "/api/v1/status")
    prober.running = False
    alive = daemon.poll() is None
    daemon.terminate()
    daemon.wait()
    print(f"\ndaemon alive after every case: {alive}; exit status on SIGTERM: {daemon.returncode}")
    print("\n| case | what the hostile client got | RSS after (MiB) | other client's /-/healthy | s |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0 if alive and daemon.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
