#!/usr/bin/env python3
"""Loopback load figures for the daemon (issue: HTTP targets of spec/quality.md).

Starts `callpulse serve` on 127.0.0.1 with an ephemeral port and reports:
  - ingest throughput with NDJSON batches of 1,000 events (target >= 300,000 events/s),
  - GET /metrics for 1,000 queues: median latency (target <= 10 ms) and scrapes/s while
    ingesting (target >= 100),
  - other clients' latency while a 10 MB body, garbage and 1,000 idle connections arrive.
Everything is bounded in count and time and talks to 127.0.0.1 only. Figures are printed,
never asserted.
"""
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CALLPULSE", os.path.join(ROOT, ".build/release/callpulse"))
EVENTS = int(os.environ.get("LOAD_EVENTS", "400000"))
BATCH = 1000


def start_daemon(config):
    directory = tempfile.mkdtemp(prefix="callpulse-load-")
    path = os.path.join(directory, "config.yml")
    with open(path, "w") as f:
        f.write(config)
    log = open(os.path.join(directory, "log"), "w+")
    process = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--clock", "event", "--config", path],
                               stderr=log, stdout=subprocess.DEVNULL)
    for _ in range(200):
        log.seek(0)
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
        if match:
            return process, int(match.group(1))
        time.sleep(0.05)
    process.kill()
    sys.exit("callpulse serve did not start")


def batches():
    print(f"generating {EVENTS} events for 1,000 queues ...", flush=True)
    out = subprocess.run([BIN, "simulate", "--queues", "1000", "--rate", "2000", "--count", str(EVENTS), "--seed", "5"],
                         check=True, capture_output=True).stdout
    lines = out.split(b"\n")
    return [b"\n".join(lines[i:i + BATCH]) for i in range(0, len(lines), BATCH) if lines[i:i + BATCH] != [b""]]


def ingest(port, chunks, results, stop_at):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for chunk in chunks:
        if time.time() > stop_at:
            break
        connection.request("POST", "/api/v1/events", body=chunk, headers={"Content-Type": "application/x-ndjson"})
        reply = connection.getresponse()
        reply.read()
        results.append((reply.status, chunk.count(b"\n") + 1))


def scrape(port, until, latencies):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.time() < until[0]:
        start = time.perf_counter()
        connection.request("GET", "/metrics")
        reply = connection.getresponse()
        reply.read()
        latencies.append(time.perf_counter() - start)


def main():
    chunks = batches()
    process, port = start_daemon("limits: { max_connections: 4096, max_connections_per_client: 2048 }\n")
    try:
        # Ingest: two client threads (the daemon's pool has two workers on a 2-core machine).
        results = []
        halves = [chunks[0::2], chunks[1::2]]
        started = time.perf_counter()
        threads = [threading.Thread(target=ingest, args=(port, half, results, time.time() + 120)) for half in halves]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        events = sum(n for status, n in results if status == 200)
        print(f"ingest: {events} events in {len(results)} batches of {BATCH}: {events / elapsed:,.0f} events/s "
              f"(target >= 300,000); statuses {sorted(set(s for s, _ in results))}")

        # /metrics with 1,000 queues, alone.
        latencies = []
        scrape(port, [time.time() + 5], latencies)
        body = http.client.HTTPConnection("127.0.0.1", port)
        body.request("GET", "/metrics")
        size = len(body.getresponse().read())
        print(f"/metrics alone: {len(latencies)} scrapes of {size / 1000:,.0f} KB, median {statistics.median(latencies) * 1000:.1f} ms, "
              f"p99 {sorted(latencies)[int(len(latencies) * 0.99)] * 1000:.1f} ms (target median <= 10 ms)")

        # Scrapes while ingesting (re-sending the stream: duplicates still pass the decoder).
        latencies = []
        until = [time.time() + 60]
        scraper = threading.Thread(target=scrape, args=(port, until, latencies))
        results = []
        started = time.perf_counter()
        scraper.start()
        ingest(port, chunks, results, time.time() + 20)
        until[0] = 0
        scraper.join()
        elapsed = time.perf_counter() - started
        events = sum(n for _, n in results)
        print(f"while ingesting {events / elapsed:,.0f} events/s: {len(latencies) / elapsed:,.0f} scrapes/s, "
              f"median {statistics.median(latencies) * 1000:.1f} ms (target >= 100 scrapes/s)")

        # Hostile neighbours: other clients keep being served.
        def health_latency(samples=50):
            values = []
            for _ in range(samples):
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                start = time.perf_counter()
                c.request("GET", "/-/healthy")
                c.getresponse().read()
                values.append(time.perf_counter() - start)
                c.close()
            return statistics.median(values) * 1000
        print(f"baseline: GET /-/healthy median {health_latency():.2f} ms")
        big = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        big.request("POST", "/api/v1/events", body=b"x" * (10 << 20))
        reply = big.getresponse()
        print(f"10 MB body: HTTP {reply.status} {reply.read()[:80]!r}; then /-/healthy median {health_latency():.2f} ms")
        garbage = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        garbage.request("POST", "/api/v1/events", body=os.urandom(100_000))
        reply = garbage.getresponse()
        print(f"100 KB of random bytes: HTTP {reply.status}; then /-/healthy median {health_latency():.2f} ms")
        idle = []
        for _ in range(1000):
            s = socket.create_connection(("127.0.0.1", port))
            s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # headers never finished
            idle.append(s)
        print(f"1,000 idle half-sent connections held: /-/healthy median {health_latency():.2f} ms")
        for s in idle:
            s.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
