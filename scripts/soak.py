#!/usr/bin/python3
"""Soak: the simulator posts ~2,000 events/s to a daemon for a given time; every 10 s the
daemon's RSS, open fds, active calls, waiting calls and ingest rate go into a CSV, and a PNG
plot is drawn at the end (and refreshed as it runs).

  scripts/soak.py [--duration 1h] [--rate 2000] [--queues 20] [--out docs/soak]

Writes OUT.csv and OUT.png, and prints the figures docs/spec/quality.md asks for: RSS growth after
warm-up (target < 5 %), fd growth (target none), calls left active. Loopback only.

Finished calls are kept for `expiry.finished` (1 h by default) to recognise late duplicates,
so with the default, memory grows through the first hour of any run (about 1.1 M finished
records at 2,000 events/s). The soak sets `--finished 10m` so that steady state arrives
within its hour; give `--finished 1h` (and a longer --duration) to soak the default.
"""
import argparse
import csv
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callpulse_daemon  # noqa: E402


def duration_seconds(text):
    match = re.fullmatch(r"(\d+)(s|m|h)", text)
    if not match:
        sys.exit(f"--duration '{text}' is not a duration such as 90s, 10m or 1h")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]


def proc_value(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    sums = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
        sums[name] = sums.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
    return sums


def plot(rows, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    minutes = [row["elapsed_s"] / 60 for row in rows]
    series = [("rss_mib", "resident memory (MiB)"), ("open_fds", "open file descriptors"),
              ("active_calls", "active calls"), ("ingest_events_per_s", "ingest (events/s)")]
    figure, axes = plt.subplots(len(series), 1, figsize=(10, 10), sharex=True)
    for axis, (key, label) in zip(axes, series):
        axis.plot(minutes, [row[key] for row in rows], linewidth=1.2)
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.set_ylim(bottom=0)
    axes[-1].set_xlabel("minutes")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description="CallPulse soak test")
    parser.add_argument("--duration", default="1h")
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--interval", type=int, default=10)
    parser.add_argument("--warmup", default="25m", help="samples before this are warm-up (calls build up, then finished ones expire)")
    parser.add_argument("--finished", default="10m", help="expiry.finished: how long finished calls are kept")
    parser.add_argument("--out", default=os.path.join(callpulse_daemon.ROOT, "docs/soak"))
    args = parser.parse_args()
    total = duration_seconds(args.duration)
    warmup = min(duration_seconds(args.warmup), total // 2)

    config = args.out + ".config.yml"
    with open(config, "w") as file:
        file.write(f"expiry: {{ finished: {args.finished} }}\n")
    daemon, port = callpulse_daemon.start(["--config", config])
    simulator = subprocess.Popen([callpulse_daemon.BIN, "simulate", "--target", f"http://127.0.0.1:{port}",
                                  "--rate", str(args.rate), "--queues", str(args.queues),
                                  "--duration", f"{total}s", "--seed", "7"],
                                 stdout=subprocess.DEVNULL, stderr=open(args.out + ".simulator.log", "w"))
    rows = []
    started = time.time()
    previous_accepted, previous_time = 0.0, started
    print(f"soak: daemon pid {daemon.pid} on 127.0.0.1:{port}, {args.rate} events/s for {args.duration}, "
          f"expiry.finished {args.finished}; "
          f"samples every {args.interval} s into {args.out}.csv", flush=True)
    try:
        while True:
            time.sleep(args.interval - ((time.time() - started) % args.interval))
            now = time.time()
            values = metrics(port)
            accepted = values.get("callpulse_events_accepted_total", 0.0)
            row = {
                "elapsed_s": round(now - started),
                "rss_mib": round(proc_value(daemon.pid, "VmRSS") / 1024, 1),
                "open_fds": len(os.listdir(f"/proc/{daemon.pid}/fd")),
                "threads": proc_value(daemon.pid, "Threads"),
                "active_calls": int(values.get("callpulse_active_calls", 0)),
                "waiting_calls": int(values.get("callpulse_queue_waiting_calls", 0)),
                "ingest_events_per_s": round((accepted - previous_accepted) / (now - previous_time)),
                "accepted_total": int(accepted),
                "rejected_total": int(values.get("callpulse_events_rejected_total", 0)),
            }
            previous_accepted, previous_time = accepted, now
            rows.append(row)
            print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
            with open(args.out + ".csv", "w", newline="") as file:
                writer = csv.DictWriter(file, fieldnames=list(row))
                writer.writeheader()
                writer.writerows(rows)
            if len(rows) % 30 == 0:
                plot(rows, args.out + ".png", f"CallPulse soak, {args.rate} events/s (running)")
            if simulator.poll() is not None or now - started >= total:
                break
    finally:
        if simulator.poll() is None:
            simulator.send_signal(signal.SIGTERM)
        simulator.wait()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait()

    plot(rows, args.out + ".png", f"CallPulse soak: {args.rate} events/s for {args.duration}")
    steady = [row for row in rows if row["elapsed_s"] >= warmup] or rows
    first, last = steady[0], rows[-1]
    growth = (last["rss_mib"] - first["rss_mib"]) / first["rss_mib"] * 100
    rates = sorted(row["ingest_events_per_s"] for row in steady)
    print(f"\nsoak: {len(rows)} samples over {rows[-1]['elapsed_s']} s; simulator exit {simulator.returncode}")
    print(f"  RSS after warm-up ({first['elapsed_s']} s) {first['rss_mib']} MiB -> end {last['rss_mib']} MiB "
          f"({growth:+.1f} %; target < 5 %); max {max(r['rss_mib'] for r in rows)} MiB")
    print(f"  open fds: start {rows[0]['open_fds']}, after warm-up {first['open_fds']}, end {last['open_fds']}, "
          f"max {max(r['open_fds'] for r in rows)}")
    print(f"  active calls: after warm-up {first['active_calls']}, end {last['active_calls']}, "
          f"max {max(r['active_calls'] for r in rows)}")
    print(f"  ingest after warm-up: median {rates[len(rates) // 2]} events/s; accepted {last['accepted_total']}, "
          f"rejected {last['rejected_total']}")
    print(f"  CSV {args.out}.csv, plot {args.out}.png")
    return 0 if simulator.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
