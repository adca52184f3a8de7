#!/usr/bin/env python3
"""How good is the forecast? (docs/spec/forecast.md, "Accuracy, measured")

  scripts/forecast_accuracy.py [--binary PATH] [--hours 24] [--seed 1] [--agents both|estimated|configured] [--flag-hold 0]
                               [--by-queue] [--only SCENARIO,...] [--patience 60s] [--agents-window 5m]
                               [--keep DIR]                                          (make forecast-accuracy)

Per scenario (under-, right- and over-staffed, and well staffed but hit by surges of arrivals),
`callpulse simulate --agents` writes --hours of M/M/N traffic with impatient callers for three
queues of different sizes (16, 8 and 3 erlangs; handle 4 min, patience 60 s, service level 80 %
in 20 s). Staffing is named by what happens (UNDER, RIGHT, OVER below), not by Erlang C, which
ignores abandonment and so asks for more agents than 60 s of patience needs. Then a
`callpulse serve --clock event` on an ephemeral loopback port is fed those events in time order
over POST /api/v1/events, sample point by sample point: every minute of event time and at
each interval's middle, the events up to that instant go in, followed by one event that only
moves the event clock to it (a `dropped` for a call never seen: ignored, `unknown_call`), and
GET /api/v1/queues gives each queue's `forecast`. At the end GET /api/v1/intervals (15m) gives
each interval's final service level.

Per scenario, over the intervals after the first hour (warm-up: the forecast needs a full
handle window) with a service level:
  - MAE: mean |projected_service_level at mid-interval − the interval's final service level|,
    in points (target ≤ 5);
  - caught: of the intervals that missed the target (final < service_level_target), the share
    flagged, i.e. with a projection under the target at a sample ≥ 5 min before the interval's
    end (target ≥ 80 %);
  - false flags: of the flagged intervals, the share that then met the target (target ≤ 10 %).
Beside them: the mean signed error (bias), the mean final SL and the agents the forecast saw
at mid-interval against the real ones. With --agents both (the default) every scenario runs
twice: with the agents estimated from the feed (as deployed without a schedule) and with the
real staffing configured per queue (overrides: agents), which isolates the queueing model.

Exits 1 when the daemon rejected or lost an event, or a snapshot lacked a forecast; the
figures themselves are reported, not enforced. Standard library only; loopback only.
"""
import argparse
import datetime
import http.client
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import callpulse_daemon  # noqa: E402

START = "2026-11-24T06:00:00Z"
HANDLE_SECONDS = 240
PATIENCE = "60s"
SL_SECONDS = 20
TARGET = 0.8
INTERVAL = 15 * 60_000
WARM_UP = 60 * 60_000
FLAG_LEAD = 5 * 60_000
# Offered load per queue, erlangs: a large, a middle and a small team.
LOADS = {"Billing": 16.0, "Support": 8.0, "Sales": 3.0}
TIME = re.compile(rb'"CurrentStateTime":"([^"]+)"')
TICK_ID = "forecast-accuracy-clock"
GENERATED = set()


def erlang_c_service_level(agents, load, seconds=SL_SECONDS, handle=HANDLE_SECONDS):
    """Erlang C: the share answered within `seconds` (0 when agents ≤ load)."""
    if agents <= load:
        return 0.0
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    c = agents * b / (agents - load * (1 - b))
    return 1 - c * math.exp(-(agents - load) * seconds / handle)


def required_agents(load):
    n = int(load) + 1
    while erlang_c_service_level(n, load) < TARGET:
        n += 1
    return n


# Agents per queue, named by what happens with 60 s of patience (the service level over 300
# simulated hours, Billing/Support/Sales): under 73/64/63 %, right 83/82/79 %, over 94/92/96 %.
# Erlang C, which knows no abandonment, asks for 20/11/5 (the over-staffed team, nearly).
UNDER = {"Billing": 15, "Support": 7, "Sales": 3}
RIGHT = {"Billing": 17, "Support": 9, "Sales": 4}
OVER = {"Billing": 20, "Support": 11, "Sales": 6}


def scenarios(hours):
    """(name, agents per queue, surges). The surges hit the over-staffed team, so the intervals
    that miss are mostly theirs: 45 min of 1.6 × the arrivals every 3 h from 2 h on."""
    surges = [f"{h}h:45m:1.6" for h in range(2, hours - 1, 3)]
    return [
        ("under-staffed", UNDER, []),
        ("right-staffed", RIGHT, []),
        ("over-staffed", OVER, []),
        ("surges-x1.6", OVER, surges),
    ]


def millis(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).isoformat(timespec="milliseconds")


def tick(ms):
    """An event that only moves the event clock: a `dropped` for a call never seen (ignored)."""
    return json.dumps({"call": {"id": TICK_ID, "event": "dropped",
                                "ResponseFields": {"CurrentStateTime": iso(ms)}}}).encode() + b"\n"


def simulate(binary, path, agents, surges, hours, seed, patience):
    args = [binary, "simulate", "--agents", ",".join(f"{q}={n}" for q, n in agents.items()),
            "--calls-per-hour", ",".join(f"{q}={a * 3600 / HANDLE_SECONDS:g}" for q, a in LOADS.items()),
            "--handle", f"{HANDLE_SECONDS}s", "--patience", patience, "--duration", f"{hours}h",
            "--start", START, "--seed", str(seed), "--output", path]
    for surge in surges:
        args += ["--surge", surge]
    subprocess.run(args, check=True, stderr=subprocess.DEVNULL)


class Daemon:
    """`callpulse serve --clock event` on an ephemeral port, one keep-alive connection."""

    def __init__(self, config):
        arguments = ["--clock", "event"]  # info level: start() reads the port from the "listening" line
        if config:
            self.config = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
            self.config.write(config)
            self.config.close()
            arguments += ["--config", self.config.name]
        else:
            self.config = None
        self.process, self.port = callpulse_daemon.start(arguments)
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(self, method, path, body=None):
        headers = {"Content-Type": "application/x-ndjson"} if body is not None else {}
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            sys.exit(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
        return json.loads(data)

    def stop(self):
        self.connection.close()
        self.process.terminate()
        self.process.wait(timeout=20)
        if self.config:
            os.unlink(self.config.name)


def run(binary, scenario, mode, options, seed, keep):
    name, agents, surges = scenario
    hours = options.hours
    path = os.path.join(keep, f"{name}-{seed}.ndjson")
    if path not in GENERATED:  # both modes read the same traffic
        simulate(binary, path, agents, surges, hours, seed, options.patience)
        GENERATED.add(path)
    with open(path, "rb") as f:
        events = [(millis(TIME.search(line).group(1).decode()), line) for line in f]
    start = millis(START)
    end = start + hours * 3_600_000
    config = ""
    if options.agents_window:
        config += f"forecast: {{ agents_window: {options.agents_window} }}\n"
    if mode == "configured":
        config += "overrides:\n" + "".join(f"  - queues: [\"{q}\"]\n    agents: {n}\n" for q, n in agents.items())
    daemon = Daemon(config)
    try:
        # Every minute, and each interval's middle.
        samples = sorted(set(range(start + 60_000, end + 1, 60_000)) |
                         set(range(start + INTERVAL // 2, end, INTERVAL)))
        by_interval = {}  # (queue, interval start ms) → {"mid": projection, "flag": bool, "agents": seen}
        below_since = {}  # queue → the first sample of its current run under the target
        accepted = ignored = rejected = 0
        index = 0
        for sample in samples:
            body = []
            while index < len(events) and events[index][0] <= sample:
                body.append(events[index][1])
                index += 1
            body.append(tick(sample))
            reply = daemon.request("POST", "/api/v1/events", b"".join(body))
            accepted += reply.get("accepted", 0)
            ignored += reply.get("ignored", 0)
            rejected += reply.get("rejected", 0)
            snapshot = daemon.request("GET", "/api/v1/queues")
            for queue in snapshot["queues"]:
                forecast = queue.get("forecast")
                if forecast is None:
                    sys.exit(f"{name}: queue {queue['queue']} has no forecast in /api/v1/queues")
                if forecast["interval_start"] is None:
                    continue
                interval_start = millis(forecast["interval_start"])
                interval_end = millis(forecast["interval_end"])
                record = by_interval.setdefault((queue["queue"], interval_start),
                                                {"mid": None, "flag": False, "agents": None})
                projection = forecast["projected_service_level"]
                if sample == interval_start + INTERVAL // 2:
                    record["mid"] = projection
                    record["agents"] = forecast["agents"]
                if projection is not None and projection < forecast["service_level_target"]:
                    since = below_since.setdefault(queue["queue"], sample)
                    # A flag is the projection under the target (held --flag-hold, as a rule's `for`).
                    if sample <= interval_end - FLAG_LEAD and sample - since >= options.flag_hold * 60_000:
                        record["flag"] = True
                else:
                    below_since.pop(queue["queue"], None)
        if rejected or accepted != len(events) or ignored != len(samples):
            sys.exit(f"{name}: {len(events)} events sent, {accepted} accepted, {ignored} ignored "
                     f"(expected {len(samples)} clock ticks), {rejected} rejected")
        query = urllib.parse.urlencode({"step": "15m", "from": iso(start), "to": iso(end)})
        rows = daemon.request("GET", f"/api/v1/intervals?{query}")["intervals"]
    finally:
        daemon.stop()
    results = {"all": summarize(rows, by_interval, agents, start)}
    for queue in agents:
        results[queue] = summarize([row for row in rows if row["queue"] == queue], by_interval, agents, start)
    return results


def summarize(rows, by_interval, agents, start):
    errors, signed, finals, seen = [], [], [], []
    missed = caught = flagged = false_flags = no_projection = 0
    for row in rows:
        interval_start = millis(row["start"])
        final = row["service_level"]
        if interval_start < start + WARM_UP or not row["complete"] or final is None:
            continue
        record = by_interval.get((row["queue"], interval_start))
        if record is None or record["mid"] is None:
            no_projection += 1
            continue
        finals.append(final)
        errors.append(abs(record["mid"] - final) * 100)
        signed.append((record["mid"] - final) * 100)
        if record["agents"] is not None:
            seen.append(record["agents"] / agents[row["queue"]])
        met = final >= TARGET
        missed += not met
        flagged += record["flag"]
        caught += record["flag"] and not met
        false_flags += record["flag"] and met
    mean = lambda values: sum(values) / len(values) if values else None  # noqa: E731
    return {"intervals": len(errors), "mae": mean(errors), "bias": mean(signed), "final": mean(finals),
            "missed": missed, "caught": caught / missed if missed else None, "flagged": flagged,
            "false_flags": false_flags / flagged if flagged else None, "no_projection": no_projection,
            "agents_seen": mean(seen)}


def figure(value, target, fmt, good):
    if value is None:
        return "n/a".ljust(len(fmt.format(0)) + len(target) + 6)
    return f"{fmt.format(value)} ({target}) {'ok  ' if good(value) else 'MISS'}"


def print_row(scenario, mode, queue, r):
    """One table row: every figure beside its target."""
    if queue == "all":
        name, staffing = scenario[0], "/".join(str(n) for n in scenario[1].values())
    else:
        name, staffing = f"  {queue}", str(scenario[1][queue])
    caught = figure(r["caught"], "≥ 80 %", "{:>5.0%}", lambda v: v >= 0.8)
    false_flags = figure(r["false_flags"], "≤ 10 %", "{:>5.0%}", lambda v: v <= 0.1)
    bias = f"{r['bias']:>+6.1f}" if r["bias"] is not None else "   n/a"
    final = f"{r['final']:>8.1%}" if r["final"] is not None else "     n/a"
    seen = f"{r['agents_seen']:>5.2f}x" if r["agents_seen"] is not None else "   n/a"
    print(f"{name:<14} {mode:<10} {staffing:<9} {r['intervals']:>4}  "
          f"{figure(r['mae'], '≤ 5', '{:>5.1f}', lambda v: v <= 5):<20} "
          f"{r['missed']:>3}: {caught:<17} {r['flagged']:>3}: {false_flags:<17} {bias} {final} {seen}"
          + (f"  ({r['no_projection']} without a projection)" if r["no_projection"] else ""), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=callpulse_daemon.BIN)
    parser.add_argument("--hours", type=int, default=24, help="simulated hours per scenario (the first is warm-up)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--agents", choices=["both", "estimated", "configured"], default="both")
    parser.add_argument("--patience", default=PATIENCE, help="callers' mean patience (the staffing assumes 60s)")
    parser.add_argument("--by-queue", action="store_true", help="a row per queue under each scenario's")
    parser.add_argument("--only", help="comma-separated scenario names (under-staffed, right-staffed, ...)")
    parser.add_argument("--agents-window", help="forecast.agents_window for the daemon (default: its own, 5m)")
    parser.add_argument("--keep", help="keep the generated NDJSON in this directory")
    parser.add_argument("--flag-hold", type=int, default=0, metavar="MINUTES",
                        help="a flag needs the projection under the target this long (5: as ServiceLevelAtRisk's for)")
    args = parser.parse_args()
    if args.hours < 2:
        parser.error("--hours must be at least 2 (the first hour is warm-up)")
    callpulse_daemon.BIN = args.binary
    keep = args.keep or tempfile.mkdtemp(prefix="forecast-accuracy-")
    os.makedirs(keep, exist_ok=True)
    modes = ["estimated", "configured"] if args.agents == "both" else [args.agents]
    began = time.monotonic()
    print(f"forecast accuracy: {args.hours} h per scenario (first hour warm-up), queues "
          + ", ".join(f"{q} {a:g} erlangs" for q, a in LOADS.items())
          + f", handle {HANDLE_SECONDS} s, patience {args.patience}, SL {TARGET:.0%} in {SL_SECONDS} s, "
          + f"flags held {args.flag_hold} min; "
          + "Erlang C asks for " + "/".join(str(required_agents(a)) for a in LOADS.values()) + " agents")
    header = (f"{'scenario':<14} {'agents':<10} {'staffing':<9} {'ints':>4}  {'MAE pts':<20} "
              f"{'missed: caught':<22} {'flags: on met':<22} {'bias':>6} {'final SL':>8} {'N seen':>6}")
    print(header)
    print("-" * len(header))
    try:
        for number, scenario in enumerate(scenarios(args.hours)):
            if args.only and scenario[0] not in args.only.split(","):
                continue
            for mode in modes:
                results = run(args.binary, scenario, mode, args, args.seed + number, keep)
                for queue in ["all"] + (list(LOADS) if args.by_queue else []):
                    print_row(scenario, mode, queue, results[queue])
    finally:
        if not args.keep:
            shutil.rmtree(keep, ignore_errors=True)
    print(f"staffing: agents of {'/'.join(LOADS)}; ints: intervals after warm-up; missed: intervals under the "
          f"target, caught: of them flagged ≥ 5 min before their end; flags: intervals flagged, on met: of them "
          f"the share that met the target; bias: mean (projection − final) in points; N seen: the forecast's "
          f"agents at mid-interval ÷ the real ones. {time.monotonic() - began:.0f} s.")


if __name__ == "__main__":
    main()
