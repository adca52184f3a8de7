#!/usr/bin/env python3
"""Interval reports (docs/spec/intervals.md) against the spec and the reference model.

    intervals_check.py --binary .build/debug/callpulse [--gen ../shared/tools/gen.py]
                       [--only days|streams] [--seed 1] [--jobs 2] [--summary FILE] [--keep DIR]

1. Hand-made days (always): a few calls on each day a clock changes (Europe/Paris
   2026-03-29 and 2026-10-25, America/New_York 2026-03-08 and 2026-11-01, a skipped
   midnight in America/Santiago 2026-09-06, Australia/Lord_Howe's half-hour changes) and
   ordinary days at +05:45 (Asia/Kathmandu) and +05:30 (Asia/Kolkata). `callpulse report`
   for the whole day in 15m, 30m, 1h and 1d steps: 92/46/23/1 rows per queue on a short
   day, 100/50/25/1 on a long one, 96/48/24/1 otherwise; unique starts; every time with
   the offset in force (never `Z`); each call's effects in the bin of its own time.
2. Generated traffic (with --gen: gen.py across midnight in several zones, with and
   without faults, across DST changes): `callpulse replay` and `callpulse report`:
   - every queue's bins of the current local day sum to `today`, all bins to `totals`
     less `expired`;
   - on fault-free in-order streams each bin equals the difference of the model's
     (reference.py) totals at its end and at its start, read while feeding the events one
     at a time; on every stream each bin equals the model's effects (attributed at
     min(t, now)) that fall in it;
   - 30m, 1h and 1d roll-ups equal the sums of the base bins whose starts fall in them,
     derived values follow from each row's counters (semantics.md, "Derived values");
   - boundaries are the instants where the local time is a whole multiple of the step
     after local midnight, plus each day's start (computed here minute by minute with
     zoneinfo), rows are in queue (UTF-8 byte) then start order, `complete` is `now ≥ end`,
     the default range equals the explicit one;
   - `--format csv` parses with Python's csv module (CRLF, RFC 4180) and equals the JSON.
   - one stream with `retention: 2d` over 64 hours: recent bins kept, old ones dropped.
3. Restarts (the Paris fall-back day, and four of the generated streams):
   `callpulse serve --clock event --state-dir` fed over POST /api/v1/events;
   GET /api/v1/intervals before and after a graceful SIGTERM restart and a `kill -9`
   restart (after the POST answered 200) must be identical, and equal `callpulse report`
   of the same events; CSV by `format=csv` and by `Accept: text/csv`; `queue` filters;
   bad parameters give 400 naming the parameter.
4. The command line: a bad --step (or one that is no whole multiple of the length),
   --from after --to, a bad --from or --format exit non-zero naming the option.

Prints "intervals: N streams, ... D differences" and exits 1 on any difference.
Standard library only.
"""
import argparse
import bisect
import concurrent.futures
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
import urllib.parse
from datetime import datetime, timezone, date
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import differential  # noqa: E402  (the Daemon class)
import reference  # noqa: E402

COUNTERS = reference.COUNTERS  # every counter of a window (all but `expired`)
SECONDS = set(reference.SECONDS_COUNTERS)
DERIVED = ["service_level", "abandon_rate", "avg_wait_seconds", "avg_talk_seconds", "avg_acw_seconds",
           "avg_handle_seconds"]
ROW_KEYS = ["queue", "start", "end", "complete"] + COUNTERS + DERIVED
MINUTE = 60_000
DAY = 1440  # a step of `1d`, in "minutes" for the boundary rule
STEPS = {"15m": 15, "30m": 30, "1h": 60, "1d": DAY}
TIME_SHAPE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")

# ---------------------------------------------------------------------------------------
# time: the boundary rule, independently (minute by minute with zoneinfo)
# ---------------------------------------------------------------------------------------


def local(ms, zone):
    return datetime.fromtimestamp(ms / 1000, zone)


def day_start_of(ms, zone):
    """"The first instant whose local date is that day" for the local day holding ms
    (every zone here changes offsets on whole minutes)."""
    day = local(ms, zone).date()
    t = ms - ms % MINUTE
    while local(t - MINUTE, zone).date() >= day:
        t -= MINUTE
    return t


def is_boundary(ms, zone, step):
    """A bin boundary: the first instant of a local day, or (below a day) a minute whose
    local wall-clock time is a whole multiple of `step` minutes after local midnight."""
    if ms % MINUTE:
        return False
    here, before = local(ms, zone), local(ms - MINUTE, zone)
    if here.date() > before.date():
        return True
    return step != DAY and (here.hour * 60 + here.minute) % step == 0


def boundaries(zone, lo, hi, step):
    """The boundaries in [lo, hi)."""
    t = lo + (-lo) % MINUTE
    out = []
    while t < hi:
        if is_boundary(t, zone, step):
            out.append(t)
        t += MINUTE
    return out


def ceil_boundary(ms, zone, step):
    t = ms + (-ms) % MINUTE
    while not is_boundary(t, zone, step):
        t += MINUTE
    return t


def rfc3339(ms, zone):
    """RFC 3339 to the second with the offset in force (`+00:00`, never `Z`)."""
    return local(ms, zone).isoformat(timespec="seconds")


def parse_time(text, zone, where, problems):
    """A row's time: its shape and offset checked; epoch ms, or None."""
    if not isinstance(text, str) or not TIME_SHAPE.match(text):
        problems.append(f"{where}: time {text!r} is not RFC 3339 to the second with a numeric offset")
        return None
    when = datetime.fromisoformat(text)
    ms = int(round(when.timestamp() * 1000))
    want = local(ms, zone).utcoffset()
    if when.utcoffset() != want:
        problems.append(f"{where}: time {text!r} carries offset {when.utcoffset()}, but {zone.key} is at "
                        f"{want} at that instant ({rfc3339(ms, zone)})")
    return ms


# ---------------------------------------------------------------------------------------
# running callpulse
# ---------------------------------------------------------------------------------------


class DuplicateKey(ValueError):
    pass


def pairs_without_duplicates(pairs):
    keys = [k for k, _ in pairs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise DuplicateKey(f"duplicate keys {duplicates} in one object")
    return dict(pairs)


def load(data):
    """A report or endpoint JSON document; a duplicate key in any object is an error."""
    return json.loads(data, object_pairs_hook=pairs_without_duplicates)


def run(command, timeout=120, stdin=None):
    return subprocess.run(command, capture_output=True, timeout=timeout, input=stdin)


def yaml_config(zone, length="15m", retention=None, expiry=None, formula=None):
    lines = [f"timezone: {zone}"]
    intervals = f"length: {length}" + (f", retention: {retention}" if retention else "")
    lines.append(f"intervals: {{ {intervals} }}")
    if expiry:
        lines.append("expiry: { " + ", ".join(f"{k}: {v}" for k, v in expiry.items()) + " }")
    if formula:
        lines.append(f"service_level_formula: {formula}")
    return "\n".join(lines) + "\n"


def settings_dict(zone, expiry=None, formula=None):
    d = {"timezone": zone}
    if expiry:
        d["expiry"] = dict(expiry)
    if formula:
        d["service_level_formula"] = formula
    return d


def report_command(binary, paths, config, step=None, lo=None, hi=None, fmt="json", zone=None):
    command = [binary, "report"] + list(paths) + ["--config", config, "--format", fmt]
    if step:
        command += ["--step", step]
    if lo is not None:
        command += ["--from", rfc3339(lo, zone)]
    if hi is not None:
        command += ["--to", rfc3339(hi, zone)]
    return command


def ms_counters(row):
    """A row's (or block's) counters with seconds as integer milliseconds."""
    out = {}
    for key in COUNTERS:
        value = row.get(key)
        if key in SECONDS:
            out[key] = None if not isinstance(value, (int, float)) or isinstance(value, bool) else round(value * 1000)
        else:
            out[key] = value if isinstance(value, int) and not isinstance(value, bool) else None
    return out


def zero():
    return dict.fromkeys(COUNTERS, 0)


def add(a, b):
    return {k: a[k] + (b[k] or 0) for k in COUNTERS}


def counter_differences(got, want, where):
    return [f"{where}: {k} = {got[k]}, want {want[k]}" + (" (ms)" if k in SECONDS else "")
            for k in COUNTERS if got[k] != want[k]]


def derived_differences(row, counters, formula, where):
    """The derived values of a row follow from its counters (semantics.md)."""
    expected = reference.Model.block(None, types.SimpleNamespace(formula=formula), counters)
    problems = []
    for key in DERIVED:
        a, b = row.get(key), expected[key]
        if a is None or b is None:
            if a is not b:
                problems.append(f"{where}: {key} = {a!r}, from its counters {b!r}")
        elif isinstance(a, bool) or not isinstance(a, (int, float)) or abs(a - b) > 1e-9 * max(1, abs(b)):
            problems.append(f"{where}: {key} = {a!r}, from its counters {b!r}")
    return problems


class Figures:
    def __init__(self):
        self.streams = 0
        self.days = 0
        self.reports = 0
        self.rows = 0
        self.model_bins = 0          # base bins compared with the model (both ways)
        self.totals_model_streams = 0  # streams checked by the difference of model totals
        self.effects_model_streams = 0
        self.nonzero_bins = 0
        self.rollup_rows = 0
        self.csv_rows = 0
        self.day_sums = 0            # (queue, stream) pairs: today and totals sums
        self.zones = set()
        self.restarts = {"sigterm": 0, "kill9": 0}
        self.daemon_requests = 0
        self.differences = 0
        self.expired = 0
        self.retention_dropped = 0

    def merge(self, other):
        for key, value in vars(other).items():
            if isinstance(value, int):
                setattr(self, key, getattr(self, key) + value)
        self.zones |= other.zones
        for k, v in other.restarts.items():
            self.restarts[k] += v


# ---------------------------------------------------------------------------------------
# one report document
# ---------------------------------------------------------------------------------------


def check_document(doc, where, zone, step, lo, hi, now, queues, formulas, figures, problems):
    """A report/endpoint JSON document for [lo, hi) (lo a boundary). Returns
    {queue: [(start, end, counters_ms)]} of the rows, in order."""
    minutes = STEPS[step]
    want_to = ceil_boundary(hi, zone, minutes)
    want_starts = boundaries(zone, lo, want_to, minutes)
    if not isinstance(doc, dict):
        problems.append(f"{where}: not a JSON object")
        return {}
    for key, want in (("timezone", zone.key), ("step", step), ("from", rfc3339(lo, zone)),
                      ("to", rfc3339(want_to, zone))):
        if doc.get(key) != want:
            problems.append(f"{where}: {key} {doc.get(key)!r}, want {want!r}")
    rows = doc.get("intervals")
    if not isinstance(rows, list):
        problems.append(f"{where}: no intervals array")
        return {}
    ordered = sorted(queues, key=lambda q: q.encode("utf-8"))
    want_keys = [(q, s) for q in ordered for s in want_starts]
    got_keys = [(r.get("queue"), r.get("start")) for r in rows]
    if [(q, rfc3339(s, zone)) for q, s in want_keys] != got_keys:
        counts = {}
        for q, _ in got_keys:
            counts[q] = counts.get(q, 0) + 1
        starts = [s for q, s in got_keys if q == (ordered[0] if ordered else None)]
        duplicates = sorted({s for s in starts if starts.count(s) > 1})
        want_set = {rfc3339(s, zone) for s in want_starts}
        problems.append(f"{where}: rows {len(rows)}, want {len(want_keys)} ({len(want_starts)} per queue "
                        f"x {len(ordered)} queues {ordered}); per queue got {counts}; "
                        f"duplicate starts {duplicates[:4]}; missing {sorted(want_set - set(starts))[:4]}; "
                        f"unexpected {sorted(set(starts) - want_set)[:4]}")
    out = {}
    for index, row in enumerate(rows):
        here = f"{where} row {index} ({row.get('queue')!r} {row.get('start')})"
        if list(row) != ROW_KEYS:
            problems.append(f"{here}: keys {list(row)}, want {ROW_KEYS}")
        start = parse_time(row.get("start"), zone, here + " start", problems)
        end = parse_time(row.get("end"), zone, here + " end", problems)
        if start is None or end is None:
            continue
        if is_boundary(start, zone, minutes):
            want_end = ceil_boundary(start + MINUTE, zone, minutes)
            if end != want_end:
                problems.append(f"{here}: end {row.get('end')}, want {rfc3339(want_end, zone)}")
        if row.get("complete") is not (now is not None and now >= end):
            problems.append(f"{here}: complete {row.get('complete')!r} with now {rfc3339(now, zone) if now else None}")
        counters = ms_counters(row)
        if any(v is None for v in counters.values()):
            problems.append(f"{here}: counters not all numbers of the right kind: "
                            f"{ {k: row.get(k) for k, v in counters.items() if v is None} }")
            continue
        problems += derived_differences(row, counters, formulas.get(row.get("queue"), "standard"), here)
        out.setdefault(row.get("queue"), []).append((start, end, counters))
        if any(counters.values()):
            figures.nonzero_bins += 1
    figures.rows += len(rows)
    figures.reports += 1
    return out


def check_rollup(rollup, base, where, zone, problems):
    """Each roll-up row equals the sum of the base bins whose starts fall in it."""
    for queue, rows in rollup.items():
        bins = base.get(queue, [])
        for start, end, counters in rows:
            total = zero()
            for s, _, c in bins:
                if start <= s < end:
                    total = add(total, c)
            problems += counter_differences(counters, total, f"{where} {queue!r} {rfc3339(start, zone)}")


def check_csv(data, doc, where, problems):
    """CSV: header `queue,start,end,complete,<counters>,<derived>`, CRLF line ends, RFC 4180
    quoting, `true`/`false`, null as an empty field; rows equal the JSON's."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{where}: not UTF-8")
        return 0
    if not text.endswith("\r\n") or re.search(r"(?<!\r)\n", text):
        problems.append(f"{where}: line ends are not all CRLF: {text[:120]!r}")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        problems.append(f"{where}: csv does not parse: {error}")
        return 0
    if not records or records[0] != ROW_KEYS:
        problems.append(f"{where}: header {records[0] if records else None}, want {ROW_KEYS}")
        return 0
    rows = doc.get("intervals", [])
    if len(records) - 1 != len(rows):
        problems.append(f"{where}: {len(records) - 1} rows, JSON has {len(rows)}")
    for number, (record, row) in enumerate(zip(records[1:], rows), start=2):
        if len(record) != len(ROW_KEYS):
            problems.append(f"{where} line {number}: {len(record)} fields, want {len(ROW_KEYS)}")
            continue
        for key, field in zip(ROW_KEYS, record):
            value = row.get(key)
            if isinstance(value, bool):
                same = field == ("true" if value else "false")
            elif value is None:
                same = field == ""
            elif isinstance(value, int):
                same = re.fullmatch(r"-?\d+", field) is not None and int(field) == value
            elif isinstance(value, float):
                try:
                    same = abs(float(field) - value) <= 1e-12 * max(1, abs(value))
                except ValueError:
                    same = False
            else:
                same = field == value
            if not same:
                problems.append(f"{where} line {number}: {key} {field!r}, JSON {value!r}")
    return len(records) - 1


# ---------------------------------------------------------------------------------------
# the model's bins
# ---------------------------------------------------------------------------------------


def timed_events(data):
    """The decodable events of one input: [(t or None, event)]."""
    out = []
    for _, _, value in reference.read_input(data):
        if isinstance(value, reference.Reject):
            continue
        try:
            event = reference.decode(value)
        except reference.Reject:
            continue
        out.append((event["t"], event))
    return out


def model_bins_by_totals(datas, settings, edges):
    """Feeds the events one at a time and reads the model's totals at each edge of the
    event clock (before the first event at or after it); each bin is the difference of the
    totals at its end and its start. Returns ({queue: {start: counters}}, model), or
    (None, reason) when the stream is not fault-free and in order."""
    model = reference.Model(settings)
    events = [e for data in datas for e in timed_events(data)]
    times = [t for t, _ in events]
    if any(t is None for t in times) or any(a > b for a, b in zip(times, times[1:])):
        return None, "not in order"
    readings, i = [], 0

    def reading():
        return {q: dict(x.totals) for q, x in model.queues.items()}

    for t, event in events:
        while i < len(edges) and edges[i] <= t:
            readings.append(reading())
            i += 1
        outcome = model.process(event)
        if outcome[0] != "accepted":
            return None, f"the model did not accept every event ({outcome[0]} {outcome[1]})"
    while i < len(edges):
        readings.append(reading())
        i += 1
    bins = {}
    for q in model.queues:
        bins[q] = {}
        for k in range(len(edges) - 1):
            before, after = readings[k].get(q, zero()), readings[k + 1].get(q, zero())
            bins[q][edges[k]] = {c: after[c] - before[c] for c in COUNTERS}
    return bins, model


def model_bins_by_effects(model, edges):
    """The model's effects (attributed at min(t, now)) in the bins [edges[k], edges[k+1])."""
    bins = {}
    for q, queue in model.queues.items():
        bins[q] = {e: zero() for e in edges[:-1]}
        for at, counter, amount in queue.effects:
            if at < edges[0] or at >= edges[-1]:
                bins[q].setdefault("outside", zero())[counter] += amount
            else:
                bins[q][edges[bisect.bisect_right(edges, at) - 1]][counter] += amount
    return bins


def compare_model(rows, bins, where, zone, figures, problems, only=None):
    """Every base row against the model's bin; `only(start)` limits the rows compared."""
    for q in sorted(set(rows) | set(bins)):
        if "outside" in bins.get(q, {}):
            problems.append(f"{where}: the model has effects of {q!r} outside the range: {bins[q]['outside']}")
        for start, end, counters in rows.get(q, []):
            if only and not only(start, end):
                continue
            want = bins.get(q, {}).get(start, zero())
            problems += counter_differences(counters, want, f"{where} {q!r} bin {rfc3339(start, zone)}")
            figures.model_bins += 1


# ---------------------------------------------------------------------------------------
# one stream through replay and report
# ---------------------------------------------------------------------------------------


def check_stream(binary, name, paths, config_path, zone_name, settings, length, directory, figures, lines,
                 range_=None, retention_ms=None, expect_counts=None):
    """`replay` and `report` of `paths` (one clock). `range_`: an explicit (lo, hi) to ask
    for besides the default range. `expect_counts`: {step: rows per queue}."""
    zone = ZoneInfo(zone_name)
    problems = []
    base = STEPS[length]
    steps = [s for s, m in STEPS.items() if m % base == 0 or m == DAY]
    datas = []
    for path in paths:
        with open(path, "rb") as f:
            datas.append(f.read())
    replayed = run([binary, "replay", "--config", config_path] + paths)
    if replayed.returncode != 0:
        problems.append(f"replay exited {replayed.returncode}: {replayed.stderr.decode(errors='replace')[-400:]}")
        return problems
    snapshot = json.loads(replayed.stdout)
    queues = [q["queue"] for q in snapshot["queues"]]
    formulas = {q["queue"]: q["service_level_formula"] for q in snapshot["queues"]}
    now = int(round(datetime.fromisoformat(snapshot["generated_at"].replace("Z", "+00:00")).timestamp() * 1000))
    model = reference.Model(reference.Settings.from_dict(settings))
    for data in datas:
        model.ingest(data)
    if model.now != now:
        problems.append(f"replay's now {snapshot['generated_at']} is not the model's {model.now}")
    effects = [at for q in model.queues.values() for at, _, _ in q.effects]
    earliest = min(effects) if effects else now
    lo = day_start_of(earliest, zone)
    hi = (now // 1000 + 1) * 1000  # a second past now: rounded up to the end of the step holding now
    figures.zones.add(zone_name)
    figures.expired += sum(q["totals"]["expired"] for q in snapshot["queues"])

    documents = {}
    ranges = [(lo, hi)] + ([range_] if range_ else [])
    for r_lo, r_hi in ranges:
        for step in steps:
            where = f"report --step {step} --from {rfc3339(r_lo, zone)} --to {rfc3339(r_hi, zone)}"
            result = run(report_command(binary, paths, config_path, step, r_lo, r_hi, "json", zone))
            if result.returncode != 0:
                problems.append(f"{where}: exit {result.returncode}: {result.stderr.decode(errors='replace')[-400:]}")
                continue
            try:
                doc = load(result.stdout)
            except ValueError as error:
                problems.append(f"{where}: not JSON ({error}): {result.stdout[:200]!r}")
                continue
            rows = check_document(doc, where, zone, step, r_lo, r_hi, now, queues, formulas, figures, problems)
            documents[(r_lo, r_hi, step)] = (doc, rows)
            if expect_counts and (r_lo, r_hi) == (range_ or (None, None)) and step in expect_counts:
                for q in queues:
                    if len(rows.get(q, [])) != expect_counts[step]:
                        problems.append(f"{where}: {len(rows.get(q, []))} rows for {q!r}, want {expect_counts[step]}")
            if step in ("15m", "1d") or step == length:
                csv_result = run(report_command(binary, paths, config_path, step, r_lo, r_hi, "csv", zone))
                if csv_result.returncode != 0:
                    problems.append(f"{where} --format csv: exit {csv_result.returncode}: "
                                    f"{csv_result.stderr.decode(errors='replace')[-300:]}")
                else:
                    figures.csv_rows += check_csv(csv_result.stdout, doc, where + " --format csv", problems)
        base_key = (r_lo, r_hi, length)
        if base_key not in documents:
            continue
        base_rows = documents[base_key][1]
        for step in steps:
            if step != length and (r_lo, r_hi, step) in documents:
                check_rollup(documents[(r_lo, r_hi, step)][1], base_rows, f"{step} roll-up", zone, problems)
                figures.rollup_rows += sum(len(v) for v in documents[(r_lo, r_hi, step)][1].values())

    # The default range: from the start of the local day of the earliest effect to the end
    # of the step holding now.
    result = run(report_command(binary, paths, config_path, length if length != "15m" else None))
    if result.returncode != 0:
        problems.append(f"report (defaults): exit {result.returncode}: {result.stderr.decode(errors='replace')[-300:]}")
    elif (lo, hi, length) in documents:
        default = load(result.stdout)
        if default != documents[(lo, hi, length)][0]:
            problems.append(f"report without --from/--to (from {default.get('from')}, to {default.get('to')}, "
                            f"{len(default.get('intervals', []))} rows) differs from --from {rfc3339(lo, zone)} "
                            f"--to {rfc3339(hi, zone)} ({len(documents[(lo, hi, length)][0]['intervals'])} rows)")

    if (lo, hi, length) not in documents:
        return problems
    base_rows = documents[(lo, hi, length)][1]
    edges = boundaries(zone, lo, ceil_boundary(hi, zone, STEPS[length]) + MINUTE, STEPS[length])
    kept = (lambda s, e: True) if retention_ms is None else (lambda s, e: s >= now - retention_ms)
    by_effects = model_bins_by_effects(model, edges)
    # today and totals
    today_start = day_start_of(now, zone)
    for queue in snapshot["queues"]:
        q = queue["queue"]
        rows = base_rows.get(q, [])
        today = zero()
        everything = zero()
        for start, _, counters in rows:
            everything = add(everything, counters)
            if start >= today_start:
                today = add(today, counters)
        problems += counter_differences(today, ms_counters(queue["today"]),
                                        f"{q!r}: sum of the bins from {rfc3339(today_start, zone)} against today")
        if retention_ms is None:
            problems += counter_differences(everything, ms_counters(queue["totals"]),
                                            f"{q!r}: sum of all bins against totals (less expired "
                                            f"{queue['totals']['expired']})")
        else:
            # Retention dropped the old bins: the sum is at most totals; bins that ended more
            # than the retention and one length before now are gone (zeros).
            totals = ms_counters(queue["totals"])
            over = [k for k in COUNTERS if everything[k] > totals[k]]
            if over:
                problems.append(f"{q!r}: the bins sum to more than totals in {over}")
            for start, end, counters in rows:
                if end <= now - retention_ms - STEPS[length] * MINUTE:
                    if any(counters.values()):
                        problems.append(f"{q!r} bin {rfc3339(start, zone)}: not dropped by retention "
                                        f"({retention_ms // 3_600_000}h before now {rfc3339(now, zone)}): "
                                        f"{ {k: v for k, v in counters.items() if v} }")
                    elif any(by_effects.get(q, {}).get(start, zero()).values()):
                        figures.retention_dropped += 1  # a bin with effects, dropped
        figures.day_sums += 1
    # the model, bin by bin
    by_totals, result_or_reason = model_bins_by_totals(datas, reference.Settings.from_dict(settings), edges)
    if by_totals is not None:
        compare_model(base_rows, by_totals, "model totals at the bin edges", zone, figures, problems, kept)
        figures.totals_model_streams += 1
    compare_model(base_rows, by_effects, "model effects", zone, figures, problems, kept)
    figures.effects_model_streams += 1
    lines.append(f"{name}: zone {zone_name}, length {length}, {len(queues)} queues, "
                 f"{sum(len(v) for v in base_rows.values())} base rows, "
                 f"model by totals: {'yes' if by_totals is not None else 'no (' + result_or_reason + ')'}, "
                 f"{len(problems)} differences")
    return problems


# ---------------------------------------------------------------------------------------
# hand-made days
# ---------------------------------------------------------------------------------------


def event(call_id, name, queue, t, qts=None):
    """One connector message (the shape of Tests/Fixtures/one-call-lifecycle.ndjson), times
    as epoch milliseconds."""
    return json.dumps({
        "channel": "Amazon", "topic": "InboundCall", "subtopic": "InboundCallStateChange",
        "message": {"source": "AmazonConnect", "call": {
            "ResponseFields": {"MediaProperties": {"callType": "inbound", "queueName": queue,
                                                   "queueTimestamp": qts if qts is not None else t},
                               "CallState": name, "Type": "inbound", "CurrentStateTime": t, "DN": queue},
            "id": call_id, "event": name, "CallType": "inbound"}}})


def call_lines(call_id, queue, t, kind):
    """A call entering the queue at t: answered (with hold and ACW) or abandoned."""
    if kind == "answered":
        steps = [("connecting", 0), ("connected", 12_500), ("hold", 60_000), ("connected", 90_000),
                 ("Dropped", 200_000), ("ACW", 200_000), ("Dropped", 230_000)]
    elif kind == "abandoned":
        steps = [("connecting", 0), ("missed", 15_000), ("connecting", 15_000), ("Dropped", 40_000)]
    else:
        steps = [("connecting", 0), ("connected", 3_000), ("Dropped", 600_000)]
    return [(t + dt, event(call_id, name, queue, t + dt, qts=t - 2_000)) for name, dt in steps]


DAYS = [
    # (zone, date, rows per queue for 15m/30m/1h/1d, what the day is)
    ("Europe/Paris", "2026-03-29", {"15m": 92, "30m": 46, "1h": 23, "1d": 1}, "Paris spring forward"),
    ("Europe/Paris", "2026-10-25", {"15m": 100, "30m": 50, "1h": 25, "1d": 1}, "Paris fall back"),
    ("America/New_York", "2026-03-08", {"15m": 92, "30m": 46, "1h": 23, "1d": 1}, "New York spring forward"),
    ("America/New_York", "2026-11-01", {"15m": 100, "30m": 50, "1h": 25, "1d": 1}, "New York fall back"),
    ("America/Santiago", "2026-09-06", {"15m": 92, "30m": 46, "1h": 23, "1d": 1}, "Santiago, midnight skipped"),
    ("Asia/Kathmandu", "2026-11-24", {"15m": 96, "30m": 48, "1h": 24, "1d": 1}, "Kathmandu +05:45"),
    ("Asia/Kolkata", "2026-11-24", {"15m": 96, "30m": 48, "1h": 24, "1d": 1}, "Kolkata +05:30"),
    ("Australia/Lord_Howe", "2026-04-05", {"15m": 98, "30m": 49, "1h": 24, "1d": 1}, "Lord Howe, half an hour back"),
    ("Australia/Lord_Howe", "2026-10-04", {"15m": 94, "30m": 47, "1h": 23, "1d": 1}, "Lord Howe, half an hour on"),
    ("UTC", "2026-11-24", {"15m": 96, "30m": 48, "1h": 24, "1d": 1}, "UTC (+00:00, never Z), a late call"),
]


def day_stream(zone, day, late=False):
    """A few calls over the day, two of them in each hour around the change (both
    occurrences of a repeated hour), in two queues; NDJSON in time order. `late`: then a
    call 40 minutes before the last event (accepted: within the expiry limits), whose
    effects land in bins that are already complete."""
    first = day_start_of(int(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).timestamp() * 1000), zone)
    following = day_start_of(first + 30 * 3_600_000, zone)
    # Every 37 minutes of real time plus a few seconds, so calls land near boundaries and
    # inside every hour, including the repeated or shifted ones.
    events = []
    t, n = first + 5_000, 0
    while t < following - 11 * MINUTE:  # the longest call lasts 10 minutes
        queue = "Billing" if n % 3 else "Sales, \"EU\""
        kind = ["answered", "abandoned", "answered", "long"][n % 4]
        events += call_lines(f"{day.isoformat()}-{n}", queue, t, kind)
        n += 1
        t += 37 * MINUTE + 7_000 + (n % 5) * 60_000
    events.sort(key=lambda e: e[0])
    if late:
        events += call_lines(f"{day.isoformat()}-late", "Billing", events[-1][0] - 40 * MINUTE, "answered")
    return "\n".join(text for _, text in events) + "\n", first, following


def check_day(binary, work, number, figures, lines):
    problems = []
    for zone_name, day_text, counts, what in DAYS[number:number + 1]:
        zone, day = ZoneInfo(zone_name), date.fromisoformat(day_text)
        directory = os.path.join(work, f"day-{zone_name.replace('/', '_')}-{day_text}")
        os.makedirs(directory)
        text, first, following = day_stream(zone, day, late=zone_name == "UTC")
        path = os.path.join(directory, "day.ndjson")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        config = os.path.join(directory, "config.yml")
        with open(config, "w") as f:
            f.write(yaml_config(zone_name))
        # The oracle agrees with the numbers the spec names.
        for step, count in counts.items():
            oracle = len(boundaries(zone, first, following, STEPS[step]))
            if oracle != count:
                problems.append(f"{what}: the test's own boundary rule gives {oracle} {step} bins, not {count}")
        day_problems = check_stream(binary, f"{what} ({day_text})", [path], config, zone_name,
                                    settings_dict(zone_name), "15m", directory, figures, lines,
                                    range_=(first, following), expect_counts=counts)
        problems += [f"{what} ({day_text}): {p}" for p in day_problems]
        # The 1d step names the day exactly: [day start, next day start).
        result = run(report_command(binary, [path], config, "1d", first, following, "json", zone))
        whole = {}
        if result.returncode == 0:
            whole["1d"] = load(result.stdout)
            for row in whole["1d"].get("intervals", []):
                if (row.get("start"), row.get("end")) != (rfc3339(first, zone), rfc3339(following, zone)):
                    problems.append(f"{what}: 1d row {row.get('queue')!r} {row.get('start')} .. {row.get('end')}, "
                                    f"want {rfc3339(first, zone)} .. {rfc3339(following, zone)}")
        result = run(report_command(binary, [path], config, "15m", first, following, "json", zone))
        if result.returncode == 0:
            whole["15m"] = load(result.stdout)
        # `from` is rounded down and `to` up to step boundaries: 7 minutes into the day and
        # 7 minutes before its end ask for the whole day, in 15m and 1d steps.
        for step, doc in whole.items():
            inside = run(report_command(binary, [path], config, step, first + 7 * MINUTE, following - 7 * MINUTE,
                                        "json", zone))
            got = json.loads(inside.stdout) if inside.returncode == 0 else {}
            if got != doc:
                problems.append(f"{what}: report --step {step} --from {rfc3339(first + 7 * MINUTE, zone)} --to "
                                f"{rfc3339(following - 7 * MINUTE, zone)} (exit {inside.returncode}) is not the whole "
                                f"day's report: from {got.get('from')}, to {got.get('to')}")
        if zone_name == "UTC" and "15m" in whole:
            # `-` reads stdin; several files are read in order under one clock.
            lines_ = text.split("\n")
            parts = [os.path.join(directory, "part1.ndjson"), os.path.join(directory, "part2.ndjson")]
            with open(parts[0], "w", encoding="utf-8") as f:
                f.write("\n".join(lines_[:len(lines_) // 2]) + "\n")
            with open(parts[1], "w", encoding="utf-8") as f:
                f.write("\n".join(lines_[len(lines_) // 2:]))
            for how, files, stdin in (("report -", ["-"], text.encode()), ("report part1 part2", parts, None)):
                result = run(report_command(binary, files, config, "15m", first, following, "json", zone), stdin=stdin)
                if result.returncode != 0 or json.loads(result.stdout) != whole["15m"]:
                    problems.append(f"{what}: {how} (exit {result.returncode}) differs from report of the whole file")
        figures.days += 1
        if (zone_name, day_text) == ("Europe/Paris", "2026-10-25"):
            # The daemon keeps the repeated hour's bins across restarts.
            try:
                problems += [f"{what} ({day_text}): {p}" for p in
                             check_daemon(binary, f"{what} ({day_text})", path, config, zone_name, "15m", directory,
                                          figures, lines)]
            except (RuntimeError, OSError, ValueError) as error:
                problems.append(f"{what} ({day_text}): daemon: {type(error).__name__}: {error}"[:2000])
    return problems


# ---------------------------------------------------------------------------------------
# the daemon: restarts
# ---------------------------------------------------------------------------------------


def kill9(daemon):
    daemon.process.kill()
    daemon.process.wait()
    daemon.log.close()


def check_daemon(binary, name, path, config, zone_name, length, directory, figures, lines):
    """Posts the stream in bodies to `serve --clock event --state-dir`, restarting it twice
    (SIGTERM, then kill -9 right after a 200): the intervals must be unchanged by each
    restart and equal `callpulse report` of the file."""
    zone = ZoneInfo(zone_name)
    problems = []
    with open(path, "rb") as f:
        data = f.read()
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        problems.append("the daemon stream must be NDJSON")
        return problems
    chunks = data.split(b"\n")
    size = max(1, len(chunks) // 6)
    bodies = [b"\n".join(chunks[i:i + size]) + b"\n" for i in range(0, len(chunks), size)]
    bodies = [b for b in bodies if b.strip(b"\xef\xbb\xbf \t\r\n")]
    replayed = run([binary, "replay", "--config", config, path])
    snapshot = json.loads(replayed.stdout)
    now = int(round(datetime.fromisoformat(snapshot["generated_at"].replace("Z", "+00:00")).timestamp() * 1000))
    model = reference.Model(reference.Settings.from_dict(settings_dict(zone_name)))
    model.ingest(data)
    effects = [at for q in model.queues.values() for at, _, _ in q.effects]
    lo = day_start_of(min(effects) if effects else now, zone)
    hi = (now // 1000 + 1) * 1000
    query = urllib.parse.urlencode({"from": rfc3339(lo, zone), "to": rfc3339(hi, zone), "step": length})
    state = os.path.join(directory, "state")
    generation = [0]

    def start():
        daemon = differential.Daemon(binary, config, directory, state, generation=generation[0])
        generation[0] += 1
        return daemon

    def intervals(daemon, q=query, headers=None):
        figures.daemon_requests += 1
        status, body = daemon.request("GET", "/api/v1/intervals?" + q, headers=headers)
        if status != 200:
            problems.append(f"GET /api/v1/intervals?{q}: status {status}: {body[:300]!r}")
            return None
        return body

    def post(daemon, body, number):
        figures.daemon_requests += 1
        status, reply = daemon.request("POST", "/api/v1/events", body, {"Content-Type": "application/x-ndjson"})
        if status not in (200, 400):
            problems.append(f"POST body {number}: status {status}: {reply[:200]!r}")
        return status

    def same(before, after, what):
        if before is None or after is None:
            return
        try:
            a, b = load(before), load(after)
        except ValueError as error:
            problems.append(f"{what}: {error}")
            return
        if a == b:
            return
        rows_a = {(r["queue"], r["start"]): r for r in a.get("intervals", [])}
        rows_b = {(r["queue"], r["start"]): r for r in b.get("intervals", [])}
        changed = [k for k in rows_a if rows_a[k] != rows_b.get(k)] + [k for k in rows_b if k not in rows_a]
        problems.append(f"{what}: the intervals changed ({len(rows_a)} rows before, {len(rows_b)} after; "
                        f"{len(changed)} rows differ, e.g. {changed[:3]}: "
                        f"{[(rows_a.get(k), rows_b.get(k)) for k in changed[:1]]})"[:1500])

    half = len(bodies) // 2
    daemon = start()
    try:
        for number, body in enumerate(bodies[:half]):
            post(daemon, body, number)
        before = intervals(daemon)
        code = daemon.stop()
        if code != 0:
            problems.append(f"serve exited {code} on SIGTERM")
        daemon = start()
        figures.restarts["sigterm"] += 1
        same(before, intervals(daemon), "restart after SIGTERM")
        answers = [post(daemon, body, number) for number, body in enumerate(bodies[half:], start=half)]
        before = intervals(daemon)
        if 200 in answers:
            # Every POST was answered (a 200 acknowledges, so the events are durable; a 400
            # applied nothing): kill -9 loses nothing.
            kill9(daemon)
            daemon = start()
            figures.restarts["kill9"] += 1
            same(before, intervals(daemon), "restart after kill -9")
        else:
            problems.append(f"no body of the second half was answered 200 ({answers}): no kill -9 restart")
        after = intervals(daemon)
        # The daemon's intervals equal `callpulse report` of the same events.
        result = run(report_command(binary, [path], config, length, lo, hi, "json", zone))
        if result.returncode != 0:
            problems.append(f"report: exit {result.returncode}")
        elif after is not None:
            same(result.stdout, after, "GET /api/v1/intervals against callpulse report of the same events")
        for step, minutes in STEPS.items():
            if step == length or (minutes % STEPS[length] and minutes != DAY):
                continue
            stepped = urllib.parse.urlencode({"from": rfc3339(lo, zone), "to": rfc3339(hi, zone), "step": step})
            result = run(report_command(binary, [path], config, step, lo, hi, "json", zone))
            body = intervals(daemon, stepped)
            if result.returncode != 0:
                problems.append(f"report --step {step}: exit {result.returncode}")
            elif body is not None:
                same(result.stdout, body, f"GET /api/v1/intervals?step={step} against callpulse report --step {step}")
        # Without parameters: from the start of today to the end of the step holding now,
        # in steps of the length.
        default = intervals(daemon, "")
        if default is not None and after is not None:
            default = json.loads(default)
            today = day_start_of(now, zone)
            want = {"from": rfc3339(today, zone), "to": rfc3339(ceil_boundary(now + 1, zone, STEPS[length]), zone),
                    "step": length, "timezone": zone_name}
            got = {k: default.get(k) for k in want}
            rows = [r for r in json.loads(after)["intervals"]
                    if parse_time(r["start"], zone, "row", []) >= today]
            if got != want or default.get("intervals") != rows:
                count = len(default.get("intervals") or [])
                problems.append(f"GET /api/v1/intervals without parameters: {got}, {count} rows; "
                                f"want {want}, the {len(rows)} rows of today")
        # CSV, by format=csv and by Accept: text/csv, equals report's.
        csv_report = run(report_command(binary, [path], config, length, lo, hi, "csv", zone)).stdout
        for how, q, headers in (("format=csv", query + "&format=csv", None),
                                ("Accept: text/csv", query, {"Accept": "text/csv"})):
            figures.daemon_requests += 1
            status, body = daemon.request("GET", "/api/v1/intervals?" + q, headers=headers)
            if status != 200 or body != csv_report:
                problems.append(f"GET /api/v1/intervals ({how}): status {status}, "
                                f"{'equal to' if body == csv_report else 'differs from'} report --format csv: "
                                f"{body[:160]!r} / {csv_report[:160]!r}")
        # queue filters: repeatable; an unknown queue gives no rows.
        queues = [q["queue"] for q in snapshot["queues"]]
        if after is not None and len(queues) >= 2:
            pick = queues[:2]
            q = query + "&" + urllib.parse.urlencode([("queue", pick[0]), ("queue", pick[1]),
                                                      ("queue", "no such queue")])
            body = intervals(daemon, q)
            if body is not None:
                want = [r for r in json.loads(after)["intervals"] if r["queue"] in pick]
                got = json.loads(body).get("intervals")
                if got != want:
                    problems.append(f"GET ?queue={pick[0]!r}&queue={pick[1]!r}&queue=unknown: {len(got or [])} rows, "
                                    f"want the {len(want)} rows of those queues")
            body = intervals(daemon, query + "&queue=no%20such%20queue")
            if body is not None and json.loads(body).get("intervals") != []:
                problems.append("GET ?queue=<unknown>: rows listed for an unknown queue")
        # Bad values, and from after to: 400 naming the parameter.
        bad = [("step", {"step": "7m"}), ("step", {"step": "2d"}), ("from", {"from": "yesterday"}),
               ("to", {"to": "2026-13-45T00:00:00Z"}), ("format", {"format": "xml"}),
               (("from", "to"), {"from": rfc3339(hi, zone), "to": rfc3339(lo, zone)})]
        if length != "15m":
            bad.append(("step", {"step": "15m"}))  # not a whole multiple of the length
        for parameter, values in bad:
            figures.daemon_requests += 1
            status, body = daemon.request("GET", "/api/v1/intervals?" + urllib.parse.urlencode(values))
            try:
                answer = json.loads(body)
            except ValueError:
                answer = {}
            names = parameter if isinstance(parameter, tuple) else (parameter,)
            if status != 400 or not any(n in str(answer.get("error", "")) for n in names):
                problems.append(f"GET /api/v1/intervals?{urllib.parse.urlencode(values)}: status {status}, "
                                f"want 400 naming {parameter!r}: {body[:200]!r}")
    finally:
        code = daemon.stop()
    if code != 0:
        problems.append(f"serve exited {code} on the last SIGTERM")
    lines.append(f"{name} (daemon): {len(bodies)} bodies, restarts after SIGTERM and kill -9, "
                 f"{len(problems)} differences")
    return problems


# ---------------------------------------------------------------------------------------
# plan
# ---------------------------------------------------------------------------------------

SHORT_EXPIRY = {"ringing": "10m", "connected": "30m", "acw": "5m", "finished": "20m"}


def plan(seed):
    """(name, gen.py arguments, zone, length, expiry, formula, retention, daemon?)"""
    streams = []
    zones = ["Europe/Paris", "America/New_York", "Asia/Kathmandu", "Asia/Kolkata"]
    for i, zone in enumerate(zones):
        for faults in (0, 2):
            args = ["--seed", str(seed * 100 + i * 2 + faults), "--calls", str(90 + 20 * i), "--queues", str(3 + i % 2),
                    "--faults", str(faults), "--span", ["2h", "3h", "90m", "2h"][i],
                    "--cross-midnight", "--midnight-zone", zone]
            if faults and i == 0:
                args += ["--shape", "array", "--queue", 'Sales, "EU"']
            if not faults and i == 1:
                args += ["--queue", 'q"uote,comma']
            daemon = (faults == 0 and i in (0, 2)) or (faults == 2 and i == 3)
            streams.append((f"{zone} faults {faults}", args, zone, "15m", SHORT_EXPIRY if faults else None,
                            "removed_within" if i == 2 else None, None, daemon))
    # Generated traffic across clock changes: a repeated hour (fault-free, in order) and a
    # skipped one (30-minute bins).
    streams.append(("Europe/Paris fall back",
                    ["--seed", str(seed * 100 + 20), "--calls", "120", "--faults", "0", "--no-cross-midnight",
                     "--start", "2026-10-25T00:10:00Z", "--span", "2h"],
                    "Europe/Paris", "15m", None, None, None, True))
    streams.append(("America/New_York spring forward, 30m bins",
                    ["--seed", str(seed * 100 + 21), "--calls", "100", "--faults", "1", "--no-cross-midnight",
                     "--start", "2026-03-08T06:20:00Z", "--span", "90m"],
                    "America/New_York", "30m", SHORT_EXPIRY, None, None, False))
    # 64 hours under `retention: 2d` (the shortest allowed).
    streams.append(("Asia/Kolkata 64h, retention 2d, 1h bins",
                    ["--seed", str(seed * 100 + 22), "--calls", "220", "--faults", "0", "--no-cross-midnight",
                     "--start", "2026-11-20T10:00:00Z", "--span", "64h"],
                    "Asia/Kolkata", "1h", None, None, "2d", False))
    return streams


class Context:
    def __init__(self, args, work):
        self.binary, self.gen, self.work, self.keep = args.binary, args.gen, work, args.keep


def job(context, task):
    figures, lines = Figures(), []
    kind = task[0]
    if kind == "day":
        problems = check_day(context.binary, context.work, task[1], figures, lines)
        name = "hand-made day"
    else:
        _, index, (name, gen_args, zone, length, expiry, formula, retention, daemon) = task
        directory = os.path.join(context.work, f"s{index}")
        os.makedirs(directory)
        stream = os.path.join(directory, "stream.in")
        generated = run([sys.executable, context.gen] + gen_args + ["--out", stream])
        problems = []
        if generated.returncode != 0:
            problems.append(f"gen.py failed: {generated.stderr.decode()}")
        else:
            config = os.path.join(directory, "config.yml")
            with open(config, "w") as f:
                f.write(yaml_config(zone, length, retention, expiry, formula))
            problems += check_stream(context.binary, name, [stream], config, zone, settings_dict(zone, expiry, formula),
                                     length, directory, figures, lines,
                                     retention_ms=reference.duration_ms(retention) if retention else None)
            if daemon:
                try:
                    problems += check_daemon(context.binary, name, stream, config, zone, length, directory, figures,
                                             lines)
                except (RuntimeError, OSError, ValueError) as error:  # a daemon that does not start or answer
                    problems.append(f"daemon: {type(error).__name__}: {error}"[:2000])
            figures.streams += 1
        if problems:
            lines.append(f"    [gen.py {' '.join(map(repr, gen_args))}]")
        if problems and context.keep:
            kept = os.path.join(context.keep, f"s{index}")
            shutil.copytree(directory, kept, dirs_exist_ok=True, ignore=shutil.ignore_patterns("state"))
            lines.append(f"    kept in {kept}")
    if problems:
        lines.append(f"{name}: {len(problems)} differences")
        lines.extend("    " + p for p in problems[:15])
        if len(problems) > 15:
            lines.append(f"    ... and {len(problems) - 15} more")
    figures.differences += len(problems)
    return figures, lines


def preflight(binary, work):
    """`report` exists and the config keys are accepted: else say so and stop."""
    path = os.path.join(work, "preflight.yml")
    with open(path, "w") as f:
        f.write(yaml_config("Europe/Paris", "15m", "35d"))
    check = run([binary, "check", "config", path])
    if check.returncode != 0:
        return f"callpulse check config refuses `intervals: {{ length: 15m, retention: 35d }}`: " \
               f"{check.stdout.decode()}{check.stderr.decode()}"
    helped = run([binary, "report", "--help"])
    if helped.returncode != 0:
        return f"callpulse has no `report` command: {helped.stderr.decode()[-300:]}"
    return None


def cli_errors(binary, work):
    """Bad --step values and --from after --to: a non-zero exit with a message (the
    endpoint's 400 naming the parameter, for the command line)."""
    problems = []
    path = os.path.join(work, "errors.ndjson")
    with open(path, "w") as f:
        f.write("\n".join(text for _, text in call_lines("e1", "Billing", 1795541806000, "answered")) + "\n")
    config15, config30 = os.path.join(work, "e15.yml"), os.path.join(work, "e30.yml")
    with open(config15, "w") as f:
        f.write(yaml_config("Europe/Paris", "15m"))
    with open(config30, "w") as f:
        f.write(yaml_config("Europe/Paris", "30m"))
    for config, extra, parameter in (
            (config15, ["--step", "7m"], "step"),
            (config30, ["--step", "15m"], "step"),
            (config15, ["--from", "2026-11-25T00:00:00+01:00", "--to", "2026-11-24T00:00:00+01:00"], "from"),
            (config15, ["--from", "not a time"], "from"),
            (config15, ["--format", "xml"], "format")):
        result = run([binary, "report", path, "--config", config] + extra)
        if result.returncode == 0 or parameter not in result.stderr.decode(errors="replace"):
            problems.append(f"report {' '.join(extra)} (length {'30m' if config == config30 else '15m'}): exit "
                            f"{result.returncode}, want non-zero with a message naming {parameter!r}: "
                            f"{result.stderr.decode(errors='replace')[-200:]!r}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True, help="the callpulse executable")
    parser.add_argument("--gen", help="../shared/tools/gen.py (without it: the hand-made days only)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="streams run at once (default 2)")
    parser.add_argument("--only", choices=["days", "streams"], help="only the hand-made days, or only the streams")
    parser.add_argument("--summary", help="write the run's figures here as JSON")
    parser.add_argument("--keep", help="keep the inputs of streams that differ in this directory")
    args = parser.parse_args()

    started = time.monotonic()
    figures = Figures()
    work = tempfile.mkdtemp(prefix="callpulse-intervals-")
    try:
        refused = preflight(args.binary, work)
        if refused:
            print(refused)
            return 2
        if args.only != "streams":
            problems = cli_errors(args.binary, work)
            for line in problems:
                print("command line: " + line)
            figures.differences += len(problems)
        tasks = [("day", n) for n in range(len(DAYS))] if args.only != "streams" else []
        if args.gen and args.only != "days":
            tasks += [("stream", i, s) for i, s in enumerate(plan(args.seed))]
        context = Context(args, work)
        with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for part, lines in pool.map(job, [context] * len(tasks), tasks):
                figures.merge(part)
                for line in lines:
                    if "differences" not in line or not line.endswith(" 0 differences"):
                        print(line, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    elapsed = time.monotonic() - started
    summary = {"streams": figures.streams, "days": figures.days, "reports": figures.reports, "rows": figures.rows,
               "model_bins": figures.model_bins, "totals_model_streams": figures.totals_model_streams,
               "effects_model_streams": figures.effects_model_streams, "nonzero_bins": figures.nonzero_bins,
               "rollup_rows": figures.rollup_rows, "csv_rows": figures.csv_rows, "day_sums": figures.day_sums,
               "zones": sorted(figures.zones), "restarts": figures.restarts,
               "daemon_requests": figures.daemon_requests, "expired": figures.expired,
               "retention_dropped": figures.retention_dropped,
               "differences": figures.differences, "seconds": round(elapsed, 1)}
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f)
    print(f"zones: {', '.join(sorted(figures.zones))}; expired calls in the streams: {figures.expired}")
    print(f"restarts: {figures.restarts['sigterm']} after SIGTERM, {figures.restarts['kill9']} after kill -9 "
          f"({figures.daemon_requests} requests); bins with effects dropped by retention: {figures.retention_dropped}")
    print(f"intervals: {figures.streams} generated streams and {figures.days} hand-made days, "
          f"{figures.reports} reports, {figures.rows} rows ({figures.nonzero_bins} non-zero), "
          f"{figures.model_bins} bins compared with the model ({figures.totals_model_streams} streams by "
          f"totals at the edges), {figures.rollup_rows} roll-up rows, {figures.csv_rows} CSV rows, "
          f"{figures.differences} differences ({elapsed:.1f} s)")
    return 1 if figures.differences else 0


if __name__ == "__main__":
    sys.exit(main())
