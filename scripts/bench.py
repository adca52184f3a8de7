#!/usr/bin/env python3
"""`make bench`: every performance target of docs/spec/quality.md in one table, with the peers a
user would otherwise run (mtail; Prometheus + Alertmanager) measured in the same run on the
same generated input. Loopback only, bounded; figures are printed, never asserted.
"""
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callpulse_daemon  # noqa: E402

ROOT = callpulse_daemon.ROOT
BIN = callpulse_daemon.BIN
BENCH = os.path.join(ROOT, ".build/release/callpulse-bench")
EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
rows = []


def row(what, figure, target, met):
    rows.append((what, figure, target, "-" if met is None else ("yes" if met else "NO")))


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def timed(command, repeat=3):
    best, rss = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, check=True)
        elapsed = time.perf_counter() - start
        rss = int(result.stderr.strip().split("\n")[-1])
        best = elapsed if best is None else min(best, elapsed)
    return best, rss


def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(open("/proc/meminfo").readline().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} cores, {cpu}, {memory} GiB, {platform.system()} {platform.release()}"


def memory_per_item(scratch):
    """RSS growth of `replay` per active call and per queue, from two sizes of each."""
    def rss_for(lines, name):
        path = os.path.join(scratch, name)
        with open(path, "w") as f:
            f.writelines(lines)
        _, rss = timed([BIN, "replay", path], repeat=1)
        os.remove(path)
        return rss * 1024
    stamp = '"CurrentStateTime":"2026-11-24T10:00:00Z"'
    def calls(n):
        return (f'{{"id":"call-{i:09d}-0000-0000-0000","event":"connecting","ResponseFields":{{"DN":"Q",{stamp}}}}}\n' for i in range(n))
    def queues(n):
        return (f'{{"id":"c{i}","event":"connecting","ResponseFields":{{"DN":"queue-{i:06d}",{stamp}}}}}\n' for i in range(n))
    small, large = rss_for(calls(100_000), "calls-small"), rss_for(calls(1_000_000), "calls-large")
    per_call = (large - small) / 900_000
    small_q, large_q = rss_for(queues(500), "queues-small"), rss_for(queues(4_500), "queues-large")
    per_queue = (large_q - small_q) / 4_000
    return per_call, per_queue


def main():
    print(f"CallPulse benchmark — {machine()}", flush=True)
    scratch = tempfile.mkdtemp(prefix="callpulse-bench-")
    try:
        print("core benchmarks (callpulse-bench) ...", flush=True)
        out = run([BENCH, "--events", str(EVENTS), "--runs", "3"]).stdout
        figures = dict(kv.split("=") for kv in re.search(r"^FIGURES (.*)$", out, re.M).group(1).split())
        f = {k: float(v) for k, v in figures.items()}
        row("core: apply decoded events", f"{f['apply_per_s'] / 1e6:.2f}M events/s", ">= 5M events/s", f["apply_per_s"] >= 5e6)
        row("core: apply, steady state", f"{f['apply_steady_per_s'] / 1e6:.2f}M events/s", ">= 5M events/s",
            f["apply_steady_per_s"] >= 5e6)
        row("replay: decode + apply (in memory)", f"{f['replay_per_s'] / 1e6:.2f}M/s, {f['replay_mb_per_s']:.0f} MB/s",
            ">= 1M events/s", f["replay_per_s"] >= 1e6)
        snapshot_ms = f["snapshot_1000_ms"]
        row("snapshot, 1,000 queues (median, under the lock)", f"{snapshot_ms:.2f} ms", "", None)
        row("GET /metrics render, 1,000 queues (median)", f"{snapshot_ms + f['metrics_render_1000_ms']:.2f} ms "
            f"({f['metrics_bytes_1000'] / 1e6:.1f} MB)", "<= 10 ms", snapshot_ms + f["metrics_render_1000_ms"] <= 10)
        row("GET /api/v1/queues render, 1,000 queues (median)", f"{snapshot_ms + f['queues_render_1000_ms']:.2f} ms", "<= 10 ms",
            snapshot_ms + f["queues_render_1000_ms"] <= 10)

        print("interval history (callpulse-bench --only intervals) ...", flush=True)
        out = run([BENCH, "--only", "intervals", "--runs", "3"]).stdout
        figures = dict(kv.split("=") for kv in re.search(r"^FIGURES (.*)$", out, re.M).group(1).split())
        iv = {k: float(v) for k, v in figures.items()}
        row("RSS, 200 queues x 35 days of 15m bins", f"{iv['intervals_rss_mib']:.1f} MiB", "<= 64 MiB",
            iv["intervals_rss_mib"] <= 64)
        for key, label in [("intervals_day_json_ms", "JSON"), ("intervals_day_csv_ms", "CSV")]:
            row(f"GET /api/v1/intervals, 1 day x 200 queues, {label}", f"{iv[key]:.2f} ms", "<= 50 ms", iv[key] <= 50)

        events = os.path.join(scratch, "events.ndjson")
        print(f"generating {EVENTS:,} events ...", flush=True)
        run([BIN, "simulate", "--queues", "20", "--rate", "300", "--count", str(EVENTS), "--seed", "42", "--output", events])
        size = os.path.getsize(events)
        run(["cat", events])  # warm the page cache
        print("callpulse replay vs mtail on the same file ...", flush=True)
        replay_s, replay_rss = timed([BIN, "replay", events])
        replay_rate = EVENTS / replay_s
        row("callpulse replay (file, end to end)", f"{replay_rate / 1e6:.2f}M events/s, {size / replay_s / 1e6:.0f} MB/s, "
            f"peak RSS {replay_rss / 1024:.0f} MiB", ">= 1M events/s", replay_rate >= 1e6)
        mtail_rate = None
        if shutil.which("mtail"):
            mtail_s, _ = timed(["mtail", "--one_shot", "--one_shot_format", "prometheus", "--logtostderr",
                                "--progs", os.path.join(ROOT, "Benchmarks/peers"), "--logs", events], repeat=1)
            mtail_rate = EVENTS / mtail_s
            row("peer: mtail, same file, counters per queue/event", f"{mtail_rate / 1e3:.0f}k events/s", "", None)
            row("ratio: replay / mtail", f"{replay_rate / mtail_rate:.1f} x", ">= 10 x", replay_rate / mtail_rate >= 10)
        else:
            row("peer: mtail", "not installed", "", None)

        print("memory per active call and per queue ...", flush=True)
        per_call, per_queue = memory_per_item(scratch)
        row("memory per active call", f"{per_call:.0f} bytes", "<= 400 bytes", per_call <= 400)
        row("memory per queue (4 windows)", f"{per_queue / 1024:.1f} KiB", "<= 64 KiB", per_queue <= 64 * 1024)

        print("HTTP ingest and scrapes (scripts/load.py) ...", flush=True)
        load = run([sys.executable, os.path.join(ROOT, "scripts/load.py")]).stdout
        ingest = float(re.search(r"ingest, 2 clients: .*?: ([\d,]+) events/s", load).group(1).replace(",", ""))
        row("HTTP ingest, NDJSON batches of 1,000", f"{ingest / 1e3:.0f}k events/s", ">= 300k events/s", ingest >= 3e5)
        if mtail_rate:
            row("ratio: HTTP ingest / mtail", f"{ingest / mtail_rate:.1f} x", ">= 3 x", ingest / mtail_rate >= 3)
        scrapes = re.search(r"while ingesting ([\d,]+) events/s: ([\d,]+) scrapes/s", load)
        row("GET /metrics while ingesting, 1,000 queues", f"{scrapes.group(2)} scrapes/s (ingest {scrapes.group(1)}/s)",
            ">= 100 scrapes/s", int(scrapes.group(2).replace(",", "")) >= 100)
        for line in load.splitlines()[-4:]:
            row("  noisy neighbours: " + line.split(":")[0], line.split(":", 1)[1].strip()[:60], "", None)

        print("event -> webhook latency (scripts/alert_latency.py) ...", flush=True)
        env = dict(os.environ, PROBES="200", PROM_PROBES="5", PROM_DEFAULT_PROBES=os.environ.get("PROM_DEFAULT_PROBES", "2"))
        latency = run([sys.executable, os.path.join(ROOT, "scripts/alert_latency.py")], env=env).stdout
        ours = re.search(r"CallPulse event -> webhook.*?p99 ([\d.]+) ms", latency)
        row("event -> webhook, for: 0s, 10k events/s other traffic", f"p99 {ours.group(1)} ms" if ours else "no alert",
            "<= 50 ms", bool(ours) and float(ours.group(1)) <= 50)
        for label, key in [("peer: Prometheus + Alertmanager, tuned (1 s)", "tuned"),
                           ("peer: Prometheus + Alertmanager, defaults", "defaults")]:
            match = re.search(rf"Prometheus \+ Alertmanager \({key}.*?\): .*?p50 ([\d.]+) ms, p99 ([\d.]+) ms", latency)
            row(label, f"p50 {float(match.group(1)) / 1000:.2f} s, p99 {float(match.group(2)) / 1000:.2f} s" if match else "n/a",
                "", None)
        ratio = re.search(r"ratio: CallPulse p99 is ([\d,]+) x", latency)
        row("ratio: tuned Prometheus + Alertmanager p99 / ours", f"{ratio.group(1)} x" if ratio else "n/a", ">= 25 x",
            bool(ratio) and int(ratio.group(1).replace(",", "")) >= 25)
        print("restart with 1,000,000 active calls (scripts/durability_bench.py restart) ...", flush=True)
        restart = run([sys.executable, os.path.join(ROOT, "scripts/durability_bench.py"), "restart"]).stdout
        for label, pattern in [("graceful stop", r"after a graceful stop .*?ready in ([\d.]+) s"),
                               ("SIGKILL", r"after SIGKILL .*?ready in ([\d.]+) s")]:
            seconds = float(re.search(pattern, restart).group(1))
            row(f"restart with 1,000,000 active calls, after {label}", f"{seconds:.2f} s to ready", "<= 3 s", seconds <= 3)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    width = [max(len(r[i]) for r in rows + [("what", "measured", "target", "met")]) for i in range(4)]
    print()
    for r in [("what", "measured", "target", "met")] + rows:
        print("  ".join(cell.ljust(width[i]) for i, cell in enumerate(r)))


if __name__ == "__main__":
    main()
