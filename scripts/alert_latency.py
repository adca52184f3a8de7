#!/usr/bin/env python3
"""Event → webhook latency for a `for: 0s` rule, with 10,000 events/s of other traffic.

Measures, on loopback only and bounded in time:
  - CallPulse: from the start of the POST carrying the event to the webhook's arrival
    (target p99 <= 50 ms);
  - the same alert through a real Prometheus + Alertmanager (1 s scrape and evaluation,
    group_wait 0s), when both are installed, for the side-by-side ratio.
Figures are printed, never asserted.
"""
import http.client
import http.server
import json
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

import callpulse_daemon

PROBES = int(os.environ.get("PROBES", "200"))
PROM_PROBES = int(os.environ.get("PROM_PROBES", "10"))
PROM_DEFAULT_PROBES = int(os.environ.get("PROM_DEFAULT_PROBES", "0"))
arrivals = {}  # (path, queue) -> arrival time
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        now = time.time()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with lock:
            for alert in body.get("alerts", []):
                if alert.get("status") == "firing":
                    arrivals.setdefault((self.path, alert["labels"].get("queue")), now)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def stamp():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def event(call, name, queue):
    return json.dumps({"message": {"call": {"id": call, "event": name, "ResponseFields": {
        "MediaProperties": {"queueName": queue}, "CurrentStateTime": stamp()}}}})


def background(port, seconds, rate, counter):
    """`rate` events/s in batches of 100 every 100/rate s: calls offered and abandoned on 50 queues."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    deadline = time.time() + seconds
    sequence = 0
    sent = 0
    while time.time() < deadline:
        start = time.time()
        lines = []
        for _ in range(50):
            sequence += 1
            queue = f"bg-{sequence % 50}"
            lines.append(event(f"bg{sequence}", "connecting", queue))
            lines.append(event(f"bg{sequence}", "dropped", queue))
        connection.request("POST", "/api/v1/events", body="\n".join(lines), headers={"Content-Type": "application/x-ndjson"})
        connection.getresponse().read()
        sent += len(lines)
        pause = 100 / rate - (time.time() - start)
        if pause > 0:
            time.sleep(pause)
    counter.value = sent


def probe(port, name, path, count, spacing, timeout):
    latencies = []
    for index in range(count):
        queue = f"{name}-{index}"
        # A fresh connection per probe: waits for slow peers outlast the daemon's idle timeout.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start = time.time()
        connection.request("POST", "/api/v1/events", body=event(queue, "connecting", queue),
                           headers={"Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()
        deadline = start + timeout
        while time.time() < deadline:
            with lock:
                arrived = arrivals.get((path, queue))
            if arrived:
                latencies.append(arrived - start)
                break
            time.sleep(0.0005)
        time.sleep(max(0, spacing - (time.time() - start)))
    return latencies


def report(label, latencies, expected):
    if not latencies:
        print(f"{label}: no alert arrived")
        return None
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"{label}: {len(latencies)}/{expected} alerts, p50 {statistics.median(ordered) * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms")
    return p99


def main():
    receiver_port = callpulse_daemon.free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", receiver_port), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scratch = tempfile.mkdtemp(prefix="callpulse-latency-")
    rules = os.path.join(scratch, "rules.yml")
    with open(rules, "w") as f:
        f.write(f"""hooks:
  - {{ name: probe, type: webhook, url: "http://127.0.0.1:{receiver_port}/callpulse", send_resolved: false }}
evaluation_interval: 1s
rules:
  - {{ alert: ProbeWaiting, queues: ["probe-*"], metric: waiting, op: ">=", threshold: 1, for: 0s, hooks: [probe] }}
""")
    process, port = callpulse_daemon.start(["--rules", rules])
    try:
        sent = mp.Value("l", 0)
        seconds = PROBES * 0.1 + 5
        load = mp.Process(target=background, args=(port, seconds, 10_000, sent))
        load.start()
        time.sleep(1)
        ours = probe(port, "probe", "/callpulse", PROBES, 0.1, 2)
        load.join()
        print(f"background traffic: {sent.value / seconds:,.0f} events/s while probing")
        p99 = report("CallPulse event -> webhook (for: 0s)", ours, PROBES)

        prometheus, alertmanager = shutil.which("prometheus"), shutil.which("prometheus-alertmanager")
        if not (prometheus and alertmanager):
            print("Prometheus + Alertmanager: not installed (apt-get install prometheus prometheus-alertmanager)")
            return
        tuned = peer_latency(port, receiver_port, scratch, "tuned", "1s", "1s", "0s", PROM_PROBES, 4, 20)
        prom_p99 = report("Prometheus + Alertmanager (tuned: 1 s scrape/eval, group_wait 0s)", tuned, PROM_PROBES)
        if p99 and prom_p99:
            print(f"ratio: CallPulse p99 is {prom_p99 / p99:,.0f} x below Prometheus + Alertmanager's (target >= 25 x)")
        if PROM_DEFAULT_PROBES:
            defaults = peer_latency(port, receiver_port, scratch, "defaults", "1m", "1m", "30s", PROM_DEFAULT_PROBES, 1, 200)
            report("Prometheus + Alertmanager (defaults: 1 m scrape/eval, group_wait 30s)", defaults, PROM_DEFAULT_PROBES)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


def peer_latency(port, receiver_port, scratch, name, scrape, evaluation, group_wait, count, spacing, timeout):
    """The same alert through Prometheus (scraping CallPulse) and Alertmanager, on loopback."""
    prometheus, alertmanager = shutil.which("prometheus"), shutil.which("prometheus-alertmanager")
    if not (prometheus and alertmanager):
        print("Prometheus + Alertmanager: not installed (apt-get install prometheus prometheus-alertmanager)")
        return []
    directory = os.path.join(scratch, name)
    os.makedirs(directory)
    am_port, prom_port = callpulse_daemon.free_port(), callpulse_daemon.free_port()
    with open(os.path.join(directory, "am.yml"), "w") as f:
        f.write(f"""route: {{ receiver: hook, group_by: [queue], group_wait: {group_wait}, repeat_interval: 1h }}
receivers: [{{ name: hook, webhook_configs: [{{ url: "http://127.0.0.1:{receiver_port}/am-{name}", send_resolved: false }}] }}]
""")
    with open(os.path.join(directory, "rules.yml"), "w") as f:
        f.write(f"""groups:
  - name: probe
    interval: {evaluation}
    rules:
      - alert: ProbeWaiting
        expr: callpulse_queue_waiting_calls{{queue=~"{name}-.*"}} >= 1
""")
    with open(os.path.join(directory, "prometheus.yml"), "w") as f:
        f.write(f"""global: {{ scrape_interval: {scrape}, evaluation_interval: {evaluation}, scrape_timeout: 1s }}
rule_files: [{os.path.join(directory, "rules.yml")}]
alerting: {{ alertmanagers: [{{ static_configs: [{{ targets: ["127.0.0.1:{am_port}"] }}] }}] }}
scrape_configs: [{{ job_name: callpulse, static_configs: [{{ targets: ["127.0.0.1:{port}"] }}] }}]
""")
    am = subprocess.Popen([alertmanager, f"--config.file={directory}/am.yml", f"--storage.path={directory}/am",
                           f"--web.listen-address=127.0.0.1:{am_port}",
                           f"--cluster.listen-address=127.0.0.1:{callpulse_daemon.free_port()}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    prom = subprocess.Popen([prometheus, f"--config.file={directory}/prometheus.yml", f"--storage.tsdb.path={directory}/tsdb",
                             f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(4)
        return probe(port, name, f"/am-{name}", count, spacing, timeout)
    finally:
        for p in (prom, am):
            p.terminate()
            p.wait(timeout=30)


if __name__ == "__main__":
    main()
