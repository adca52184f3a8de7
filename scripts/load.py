#!/usr/bin/env python3
"""Loopback load figures for the daemon (HTTP targets of docs/spec/quality.md).

Starts `callpulse serve` on 127.0.0.1 with an ephemeral port and reports:
  - ingest throughput with NDJSON batches of 1,000 events (target >= 300,000 events/s),
  - GET /metrics for 1,000 queues: median latency (target <= 10 ms render) and scrapes/s
    while ingesting (target >= 100),
  - other clients' latency while a 10 MB body, garbage and 1,000 idle connections arrive.
Clients run in separate processes (no shared interpreter lock). Everything is bounded in
count and time and talks to 127.0.0.1 only. Figures are printed, never asserted.
"""
import http.client
import multiprocessing as mp
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import callpulse_daemon

BIN = callpulse_daemon.BIN
EVENTS = int(os.environ.get("LOAD_EVENTS", "400000"))
BATCH = 1000


def start_daemon(config):
    directory = tempfile.mkdtemp(prefix="callpulse-load-")
    path = os.path.join(directory, "config.yml")
    with open(path, "w") as f:
        f.write(config)
    return callpulse_daemon.start(["--clock", "event", "--config", path])


def make_batches(path):
    subprocess.run([BIN, "simulate", "--queues", "1000", "--rate", "2000", "--count", str(EVENTS), "--seed", "5",
                    "--output", path], check=True, capture_output=True)
    with open(path, "rb") as f:
        lines = f.read().rstrip(b"\n").split(b"\n")
    return [b"\n".join(lines[i:i + BATCH]) for i in range(0, len(lines), BATCH)]


def ingest_worker(port, chunks, deadline, results):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = statuses = 0
    codes = set()
    for chunk in chunks:
        if time.time() > deadline:
            break
        connection.request("POST", "/api/v1/events", body=chunk, headers={"Content-Type": "application/x-ndjson"})
        reply = connection.getresponse()
        reply.read()
        codes.add(reply.status)
        sent += chunk.count(b"\n") + 1
    results.put(("ingest", sent, sorted(codes)))


def scrape_worker(port, seconds, results):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        start = time.perf_counter()
        connection.request("GET", "/metrics")
        reply = connection.getresponse()
        reply.read()
        latencies.append(time.perf_counter() - start)
    results.put(("scrape", latencies))


def run_ingest(port, batches, workers, deadline_seconds, results):
    processes = [mp.Process(target=ingest_worker, args=(port, batches[i::workers], time.time() + deadline_seconds, results))
                 for i in range(workers)]
    for p in processes:
        p.start()
    return processes


def health_latency(port, samples=100):
    values = []
    for _ in range(samples):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start = time.perf_counter()
        c.request("GET", "/-/healthy")
        c.getresponse().read()
        values.append(time.perf_counter() - start)
        c.close()
    return f"median {statistics.median(values) * 1000:.2f} ms, max {max(values) * 1000:.2f} ms"


def raw_post(port, body, content_length=None):
    """Sends a POST over a raw socket and returns the status line (the server may answer early)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    length = len(body) if content_length is None else content_length
    s.sendall(b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % length)
    try:
        for offset in range(0, len(body), 1 << 16):
            s.sendall(body[offset:offset + (1 << 16)])
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        reply = s.recv(4096).split(b"\r\n")[0].decode(errors="replace")
    except ConnectionResetError:
        reply = "connection reset"
    s.close()
    return reply


def main():
    results = mp.Queue()
    with tempfile.TemporaryDirectory(prefix="callpulse-load-") as scratch:
        print(f"generating {EVENTS:,} events for 1,000 queues ...", flush=True)
        batches = make_batches(os.path.join(scratch, "events.ndjson"))
    process, port = start_daemon("limits: { max_connections: 4096, max_connections_per_client: 2048 }\n")
    try:
        started = time.perf_counter()
        workers = run_ingest(port, batches, 2, 120, results)
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - started
        reports = [results.get() for _ in workers]
        events = sum(r[1] for r in reports)
        codes = sorted(set(c for r in reports for c in r[2]))
        print(f"ingest, 2 clients: {events:,} events in batches of {BATCH}: {events / elapsed:,.0f} events/s "
              f"(target >= 300,000); HTTP {codes}")

        scraper = mp.Process(target=scrape_worker, args=(port, 5, results))
        scraper.start()
        scraper.join()
        latencies = results.get()[1]
        size = len(http.client.HTTPConnection("127.0.0.1", port).request("GET", "/metrics") or b"")
        c = http.client.HTTPConnection("127.0.0.1", port)
        c.request("GET", "/metrics")
        size = len(c.getresponse().read())
        print(f"/metrics alone, 1,000 queues: {len(latencies)} scrapes of {size / 1000:,.0f} KB, median "
              f"{statistics.median(latencies) * 1000:.1f} ms, p99 {sorted(latencies)[int(len(latencies) * 0.99)] * 1000:.1f} ms")

        # Scrapes while ingesting: the stream is sent again (duplicates still go through the decoder).
        # wrk, when installed, drives both: Python's client costs more CPU than the server it measures.
        if shutil.which("wrk"):
            batch_file = os.path.join(tempfile.mkdtemp(prefix="callpulse-wrk-"), "batch.ndjson")
            with open(batch_file, "wb") as f:
                f.write(batches[0])
            script = batch_file + ".lua"
            with open(script, "w") as f:
                f.write(f'local f = io.open("{batch_file}", "rb")\nwrk.method = "POST"\nwrk.body = f:read("*all")\n'
                        'wrk.headers["Content-Type"] = "application/x-ndjson"\n')
            def wrk(arguments):
                out = subprocess.run(["wrk", "-t1", "-c1", "-d10s", *arguments], capture_output=True, text=True).stdout
                return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            scraped = []
            scraper = threading.Thread(target=lambda: scraped.append(wrk([f"http://127.0.0.1:{port}/metrics"])))
            scraper.start()
            batches_per_s = wrk(["-s", script, f"http://127.0.0.1:{port}/api/v1/events"])
            scraper.join()
            print(f"while ingesting {batches_per_s * BATCH:,.0f} events/s: {scraped[0]:,.0f} scrapes/s "
                  f"(wrk, one connection each; target >= 100 scrapes/s)")
        else:
            started = time.perf_counter()
            scraper = mp.Process(target=scrape_worker, args=(port, 10, results))
            scraper.start()
            workers = run_ingest(port, batches, 1, 10, results)
            for w in workers + [scraper]:
                w.join()
            elapsed = time.perf_counter() - started
            got = [results.get() for _ in range(2)]
            scrapes = next(r[1] for r in got if r[0] == "scrape")
            events = next(r[1] for r in got if r[0] == "ingest")
            print(f"while ingesting {events / elapsed:,.0f} events/s: {len(scrapes) / elapsed:,.0f} scrapes/s, median "
                  f"{statistics.median(scrapes) * 1000:.1f} ms (Python clients; target >= 100 scrapes/s)")

        print(f"other clients, baseline: GET /-/healthy {health_latency(port)}")
        print(f"10 MB body (Content-Length): {raw_post(port, b'x' * (10 << 20))}; /-/healthy {health_latency(port)}")
        print(f"100 KB of random bytes: {raw_post(port, os.urandom(100_000))}; /-/healthy {health_latency(port)}")
        idle = []
        for _ in range(1000):
            s = socket.create_connection(("127.0.0.1", port))
            s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # headers never finished
            idle.append(s)
        print(f"1,000 idle half-sent connections held: /-/healthy {health_latency(port)}")
        for s in idle:
            s.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
