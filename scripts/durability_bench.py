#!/usr/bin/env python3
"""Figures for the state directory (issue: durable state), printed, never asserted:

  1. HTTP ingest (NDJSON batches of 1,000, two client processes) without and with the
     journal: the journal must keep >= 50 % of the throughput;
  2. restart with 1,000,000 active calls in state: seconds from exec to /-/ready 200, after a
     graceful stop (checkpoint) and after SIGKILL (checkpoint + journal);
  3. the longest ingest pause a checkpoint causes: request latency of a steady client while
     checkpoints of 1,000,000 calls are written every 3 s, beside the same without checkpoints.

  scripts/durability_bench.py          (make durability)
  scripts/durability_bench.py restart  (section 2 only, for make bench)

The state directory lives under $TMPDIR (the machine's disk here). Loopback only.
"""
import http.client
import multiprocessing as mp
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callpulse_daemon  # noqa: E402
import load  # noqa: E402

BIN = callpulse_daemon.BIN


def start(state_dir=None, checkpoint="5m", extra=""):
    directory = tempfile.mkdtemp(prefix="callpulse-durable-bench-")
    config = os.path.join(directory, "config.yml")
    with open(config, "w") as file:
        file.write(f"checkpoint_interval: {checkpoint}\nlimits: {{ max_active_calls: 1200000, max_body_bytes: 32MiB }}\n{extra}")
    arguments = ["--clock", "event", "--config", config] + (["--state-dir", state_dir] if state_dir else [])
    started = time.time()
    process, port = callpulse_daemon.start(arguments)
    return process, port, started


def wait_ready(port, limit=120):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/-/ready")
            if connection.getresponse().status == 200:
                return time.time()
        except OSError:
            pass
        time.sleep(0.005)
    sys.exit("not ready in time")


def throughput(port, batches, seconds=12):
    results = mp.Queue()
    started = time.time()
    processes = load.run_ingest(port, batches, 2, seconds, results)
    for process in processes:
        process.join()
    elapsed = time.time() - started
    sent = 0
    codes = set()
    while not results.empty():
        _, count, statuses = results.get()
        sent += count
        codes.update(statuses)
    return sent / elapsed, sorted(codes)


def post(port, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("POST", "/api/v1/events", body=body, headers={"Content-Type": "application/x-ndjson"})
    reply = connection.getresponse()
    reply.read()
    return reply.status


def fill_million(port):
    """1,000,000 ringing calls in 100 batches of 10,000 (event clock, one per ms)."""
    for batch in range(100):
        lines = []
        for i in range(batch * 10000, (batch + 1) * 10000):
            t = 1795000000000 + i
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 1000)) + ".%03dZ" % (t % 1000)
            lines.append('{"message":{"call":{"id":"call-%07d","event":"connecting","ResponseFields":'
                         '{"MediaProperties":{"queueName":"Q%02d"},"CurrentStateTime":"%s"}}}}' % (i, i % 50, stamp))
        assert post(port, "\n".join(lines).encode()) == 200


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


def pauses(port, seconds):
    """Latency of 100-event posts, back to back, for `seconds`: (max, p99, count) in ms."""
    # Within the hour of the million ringing calls, so none of them expires while this runs.
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((1795000000000 + 1_200_000) // 1000)) + ".000Z"
    body = "\n".join('{"message":{"call":{"id":"p-%d","event":"missed","ResponseFields":{"MediaProperties":'
                     '{"queueName":"P"},"CurrentStateTime":"%s"}}}}' % (i, stamp) for i in range(100)).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        started = time.perf_counter()
        connection.request("POST", "/api/v1/events", body=body, headers={"Content-Type": "application/x-ndjson"})
        connection.getresponse().read()
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return latencies[-1], latencies[int(len(latencies) * 0.99)], len(latencies)


def restart(root):
    """Section 2; leaves the filled state directory at ROOT/state-b for section 3."""
    print("== 2. restart with 1,000,000 active calls in state")
    state = os.path.join(root, "state-b")
    process, port, _ = start(state, checkpoint="1h")
    wait_ready(port)
    fill_million(port)
    print(f"   filled: RSS {rss_mib(process.pid):.0f} MiB")
    process.send_signal(signal.SIGTERM)
    process.wait()
    size = sum(os.path.getsize(os.path.join(state, f)) for f in os.listdir(state))
    process, port, started = start(state, checkpoint="1h")
    ready = wait_ready(port)
    print(f"   after a graceful stop (checkpoint, {size / 1e6:.0f} MB on disk): ready in {ready - started:.2f} s "
          f"(target <= 3 s)")
    for batch in range(5):  # some journal after the checkpoint (answers, within the hour), then a crash
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((1795000000000 + 1_500_000) // 1000)) + ".000Z"
        post(port, ("\n".join('{"message":{"call":{"id":"call-%07d","event":"connected","ResponseFields":{"CurrentStateTime":'
                              '"%s"}}}}' % (i, stamp) for i in range(batch * 10000, (batch + 1) * 10000))).encode())
    process.kill()
    process.wait()
    process, port, started = start(state, checkpoint="1h")
    ready = wait_ready(port)
    print(f"   after SIGKILL (checkpoint + 5 journal records of 10,000 events): ready in {ready - started:.2f} s")
    process.send_signal(signal.SIGTERM)
    process.wait()


def main():
    root = tempfile.mkdtemp(prefix="callpulse-durability-")
    try:
        if sys.argv[1:] == ["restart"]:  # make bench takes this section only
            restart(root)
            return
        print("== 1. ingest throughput, NDJSON batches of 1,000, two client processes")
        batches = load.make_batches(os.path.join(root, "events.ndjson"))
        rows = []
        for label, state in [("without journal", None), ("with journal", os.path.join(root, "state-a"))]:
            process, port, _ = start(state)
            wait_ready(port)
            rate, codes = throughput(port, batches)
            rows.append(rate)
            print(f"   {label:16} {rate:>10,.0f} events/s  (statuses {codes})")
            process.send_signal(signal.SIGTERM)
            process.wait()
        print(f"   journal keeps {rows[1] / rows[0] * 100:.0f} % (target >= 50 %)")

        restart(root)

        print("== 3. ingest pauses from checkpoints of 1,000,000 calls (back-to-back 100-event posts, 20 s)")
        for label, checkpoint in [("checkpoint every 3 s", "3s"), ("no checkpoint", "1h")]:
            state = os.path.join(root, "state-c-" + checkpoint)
            shutil.copytree(os.path.join(root, "state-b"), state)
            process, port, _ = start(state, checkpoint=checkpoint)
            wait_ready(port)
            worst, p99, count = pauses(port, 20)
            print(f"   {label:22} longest {worst:7.1f} ms, p99 {p99:6.1f} ms over {count} posts")
            process.send_signal(signal.SIGTERM)
            process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
