#!/usr/bin/env python3
"""The per-queue `forecast` of `callpulse replay` against docs/spec/forecast.md ("Forecast").

    forecast_check.py --binary .build/debug/callpulse [--gen ../shared/tools/gen.py]
                      [--only handmade|streams] [--config FILE] [--seed 0]
                      [--summary FILE] [--keep DIR] [--self-test]

Streams: a few hand-made ones (always: an observed span of 0, λ = 0, N = 0, a peak inside
and one outside the agents window, outbound calls keeping agents busy, configured agents
that are overloaded, late and young ringing calls, a +05:45 zone with 30-minute intervals,
a handle time of 0) and, with --gen, gen.py streams (faults 0, several seeds, zones,
interval lengths, forecast windows and overrides), most cut off mid-interval so calls are
ringing at the end. Each stream is replayed (`callpulse replay --config C`) and reported
(`callpulse report --config C --format json`), and every queue's `forecast` is checked:

1. Shape: the keys (in the order below), right after `today`; each value's type and
   null-ness by the spec's rules (observed span 0 or `handle_seconds` null: every output
   null, `overloaded` included; N = 0: only `required_agents`; `0 < N ≤ A`: overloaded,
   C = 1, service level 0, no estimated wait); top-level `observed_since`.
2. Inputs against the independent model (reference.py, replayed here event by event):
   `observed_since` (the first event that set the event clock), λ = `offered` over the
   arrival window ÷ min(W, now − observed_since), `handle_seconds` = the handle window's
   `avg_handle_seconds`, `busy_agents` = ringing (every call type) + talking + held + acw
   records of the queue, `agents` = the configured figure, else the largest busy count
   after any applied event (of the queue) or expiry (of its records, each one in deadline
   order) at most `agents_window` before now, or now; `agents_source`; the target; the
   current interval's start and end (the bin holding now, intervals.md, with the offset in
   force) against `report` and against the boundary rule; S and D of that interval
   (report's counters by the queue's `service_level_formula`) against the model.
3. Outputs recomputed from the inputs as reported with this file's own Erlang C (plain
   floats, the textbook sum in log space with math.lgamma; not the Erlang B recurrence)
   to 1e-9 (absolute for ratios, relative for λ, A and seconds above 1; the estimated wait
   to its millisecond rounding; `required_agents` exactly unless the target lies within
   1e-9 of a service level):
   C, service level, estimated wait, required agents, and the projection
   (S + Σpᵢ + m·SL) / (D + late + young + m), late = ringing inbound calls older than T,
   pᵢ = 1 − C·e^(−(N − A)(T − ageᵢ)/h) for the rest (0 when overloaded), m = λ·(end − now).

`--config FILE` (YAML; JSON text is YAML too) replaces the generated streams' own configs:
the keys read are timezone, intervals.length, windows, expiry, service_level_seconds,
short_abandon_seconds, service_level_formula, forecast.{arrival_window, handle_window,
agents_window, service_level_target} and overrides[].{queues, service_level_seconds,
short_abandon_seconds, service_level_formula, service_level_target, agents}.

`--self-test` checks the checker: the binary's snapshot gets a `forecast` fabricated from
the model with exact arithmetic (erlang_table.py's rationals and 60-digit decimals), which
must pass, then each field of it perturbed, which must fail.

Prints "forecast: S streams, Q queues checked, V values compared, D differences" (and each
difference: stream, queue, field, reported and expected values) and exits 1 on any
difference. Standard library only (PyYAML is used for --config when present).
"""
import argparse
import copy
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import reference  # noqa: E402
import intervals_check  # noqa: E402  (the boundary rule, RFC 3339 with offsets)

MINUTE = 60_000
SECOND = 1000
T0 = 1_795_514_400_000  # 2026-11-24T10:00:00Z

FORECAST_KEYS = ["arrival_rate_per_second", "handle_seconds", "offered_load_erlangs", "busy_agents", "agents",
                 "agents_source", "service_level_target", "overloaded", "wait_probability",
                 "service_level_at_staffing", "estimated_wait_seconds", "required_agents",
                 "projected_service_level", "interval_start", "interval_end", "settled"]
OUTPUTS = ["overloaded", "wait_probability", "service_level_at_staffing", "estimated_wait_seconds",
           "required_agents", "projected_service_level"]
DEFAULT_FORECAST = {"arrival_window": "15m", "handle_window": "1h", "agents_window": "5m",
                    "service_level_target": 0.8}
BUSY_STATES = ("ringing", "talking", "held", "acw")
UTC_SHAPE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TOLERANCE = 1e-9


# ---------------------------------------------------------------------------------------
# Erlang C, independently: the textbook formula in log space (no recurrence)
# ---------------------------------------------------------------------------------------

def erlang_c(n, a):
    """C(n, a) = (aⁿ/n! · n/(n − a)) / (Σ_{k<n} aᵏ/k! + aⁿ/n! · n/(n − a)), for n > a ≥ 0."""
    assert n > a >= 0
    if a == 0:
        return 0.0
    log_a = math.log(a)
    terms = [k * log_a - math.lgamma(k + 1) for k in range(n)]
    last = n * log_a - math.lgamma(n + 1) + math.log(n) - math.log(n - a)
    top = max(max(terms), last)
    below = math.fsum(math.exp(v - top) for v in terms)
    x = math.exp(last - top)
    return x / (below + x)


def decay(excess, seconds, h):
    """e^(−(N − A)·t/h); with h = 0 the limit (0 when (N − A)·t > 0)."""
    if h == 0:
        return 0.0 if excess * seconds > 0 else 1.0
    return math.exp(-excess * seconds / h)


def service_level(n, a, t, h):
    """1 − C·e^(−(n − a)·T/h) for n > a; 0 when overloaded."""
    if n <= a:
        return 0.0
    return 1 - erlang_c(n, a) * decay(n - a, t, h)


def required_agents(a, t, h, target):
    """The least whole n > a with SL(n) ≥ target; also each candidate's service level, for
    the tie rule."""
    n = math.floor(a) + 1
    while True:
        level = service_level(n, a, t, h)
        if level >= target or n > 1_000_000:
            return n
        n += 1


def expected_outputs(lam, h, n, t_ms, target, met, counted, ages_ms, now, end):
    """The outputs of the spec from the inputs as reported (None = null)."""
    out = dict.fromkeys(OUTPUTS)
    out["offered_load_erlangs"] = None
    if lam is None or h is None:
        return out
    a = lam * h
    t = t_ms / 1000
    out["offered_load_erlangs"] = a
    out["required_agents"] = required_agents(a, t, h, target)
    if n == 0:
        return out
    overloaded = n <= a
    out["overloaded"] = overloaded
    if overloaded:
        c, level = 1.0, 0.0
        out["estimated_wait_seconds"] = None
    else:
        c = erlang_c(n, a)
        level = 1 - c * decay(n - a, t, h)
        out["estimated_wait_seconds"] = c * h / (n - a)
    out["wait_probability"] = c
    out["service_level_at_staffing"] = level
    numerator, denominator = float(met), float(counted)
    for age in ages_ms:
        denominator += 1
        if age > t_ms or overloaded:
            continue  # late (a certain miss), or no young call is answered in time
        numerator += 1 - c * decay(n - a, (t_ms - age) / 1000, h)
    m = lam * max(0, end - now) / 1000
    numerator += m * level
    denominator += m
    out["projected_service_level"] = numerator / denominator if denominator > 0 else None
    return out


# ---------------------------------------------------------------------------------------
# settings
# ---------------------------------------------------------------------------------------

class Config:
    """A config (as a dict of the YAML's keys) and what the forecast reads from it."""

    def __init__(self, d):
        self.d = d
        forecast = dict(DEFAULT_FORECAST, **(d.get("forecast") or {}))
        self.arrival_ms = reference.duration_ms(forecast["arrival_window"])
        self.handle_ms = reference.duration_ms(forecast["handle_window"])
        self.agents_ms = reference.duration_ms(forecast["agents_window"])
        self.target = float(forecast["service_level_target"])
        self.length = reference.duration_ms((d.get("intervals") or {}).get("length", "15m")) // MINUTE
        self.zone = ZoneInfo(d.get("timezone", "UTC"))
        self.settings = reference.Settings.from_dict(d)
        self.overrides = list(d.get("overrides") or [])

    def forecast_policy(self, queue):
        """(configured agents or None, target): the first matching override wins as a whole."""
        for override in self.overrides:
            if any(reference.glob_matches(p, queue) for p in override["queues"]):
                return override.get("agents"), float(override.get("service_level_target", self.target))
        return None, self.target

    def yaml(self):
        """The config as YAML: one key per line, values in JSON (flow) form."""
        return "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in self.d.items())


def read_config(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        import yaml
        return yaml.safe_load(text) or {}
    except ImportError:
        return json.loads(text)


# ---------------------------------------------------------------------------------------
# the model: reference.py, with the clock's first time, expiry swept at every event, and
# each queue's busy count after every applied event and expiry
# ---------------------------------------------------------------------------------------

class ForecastModel(reference.Model):
    def __init__(self, settings):
        super().__init__(settings)
        self.observed_since = None
        # queue -> [(clock now, busy count after it, kind)]; kind: "event", "expiry:<class>"
        self.points = {}

    def busy(self, queue):
        return sum(1 for r in self.calls.values() if r["queue"] == queue and r["state"] in BUSY_STATES)

    def point(self, queue, kind):
        self.points.setdefault(queue, []).append((self.now, self.busy(queue), kind))

    def sweep(self):
        """Step 4 at the new now: every stale record expires, in deadline order."""
        stale = []
        for call_id, record in self.calls.items():
            klass = reference.EXPIRY_CLASS[record["state"]]
            limit = self.settings.expiry[klass]
            if self.now - record["last"] > limit:
                stale.append((record["last"] + limit, call_id, record["queue"], klass))
        for _, call_id, queue, klass in sorted(stale, key=lambda s: s[0]):
            self.expire(call_id)
            self.point(queue, "expiry:" + klass)

    def process(self, ev):
        t = ev["t"] if ev["t"] is not None else self.now
        if t is not None:
            if self.observed_since is None:
                self.observed_since = t
            self.now = t if self.now is None else max(self.now, t)
            self.sweep()
        kind, outcome = super().process(ev)
        if kind == "accepted":
            self.point(self.calls[ev["id"]]["queue"], "event")
        return kind, outcome

    def estimated_agents(self, queue, window, keep=lambda point: True):
        """The largest busy count after a change at most `window` before now, or now."""
        counts = [count for at, count, kind in self.points.get(queue, [])
                  if self.now - at <= window and keep((at, count, kind))]
        return max(counts + [self.busy(queue)])

    def ringing_ages(self, queue):
        return [self.now - r["queue_entry"] for r in self.calls.values()
                if r["queue"] == queue and r["state"] == "ringing" and r["type"] == "inbound"]

    def interval_counts(self, queue, lo, hi):
        """The counters of the effects attributed in [lo, hi)."""
        sums = dict.fromkeys(reference.COUNTERS, 0)
        for at, key, amount in self.queues[queue].effects:
            if lo <= at < hi:
                sums[key] += amount
        return sums


def formula_terms(formula, c):
    """(S, D) of the service-level formula (semantics.md) from counters."""
    if formula == "standard":
        return c["answered_within_sl"], c["wait_count"] + c["abandoned"] - c["short_abandoned"]
    if formula == "answered":
        return c["answered_within_sl"], c["wait_count"]
    if formula == "removed_within":
        return c["answered_within_sl"] + c["abandoned_within_sl"], c["wait_count"] + c["abandoned"]
    raise ValueError(f"unknown service_level_formula {formula!r}")


def current_interval(now, zone, length):
    """[start, end) of the bin holding now, by the boundary rule (intervals_check.py)."""
    starts = intervals_check.boundaries(zone, now - 3 * 3_600_000, now + 1, length)
    return starts[-1], intervals_check.ceil_boundary(now + 1, zone, length)


# ---------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------

class Check:
    def __init__(self, stream):
        self.stream = stream
        self.values = 0
        self.problems = []
        self.figures = {"queues": 0, "overloaded": 0, "n_zero": 0, "span_zero": 0, "handle_null": 0,
                        "rate_zero": 0, "configured": 0, "estimated_peak_above_now": 0, "expiry_in_agents_window": 0,
                        "agents_readings_differ": 0, "projected": 0,
                        "projected_null": 0, "young": 0, "late": 0, "outbound_busy": 0, "ties": 0,
                        "zones": set(), "lengths": set()}

    def fail(self, queue, field, reported, expected, detail=""):
        self.problems.append(f"{self.stream}: queue {queue!r}: {field}: reported {reported!r}, "
                             f"expected {expected!r}" + (f" ({detail})" if detail else ""))

    def same(self, queue, field, reported, expected, kind="exact", detail=""):
        """Compares one value; kind: exact, ratio (abs 1e-9), relative (1e-9, absolute below 1),
        millis (a seconds value rounded to the ms)."""
        self.values += 1
        if kind == "exact" or expected is None or reported is None or isinstance(expected, (bool, str)):
            same_type = type(reported) is type(expected) or (is_number(reported) and is_number(expected))
            if reported != expected or not same_type:
                self.fail(queue, field, reported, expected, detail)
            return
        if not isinstance(reported, (int, float)) or isinstance(reported, bool):
            self.fail(queue, field, reported, expected, "not a number")
            return
        if kind == "ratio":
            ok = abs(reported - expected) <= TOLERANCE
        elif kind == "relative":
            ok = abs(reported - expected) <= TOLERANCE * max(1.0, abs(expected))
        elif kind == "millis":
            whole = abs(reported * 1000 - round(reported * 1000)) < 1e-6
            ok = whole and abs(reported - expected) <= 0.0005 + TOLERANCE * max(1.0, abs(expected))
            if not whole:
                detail = (detail + "; " if detail else "") + "not rounded to the millisecond"
        else:
            raise ValueError(kind)
        if not ok:
            self.fail(queue, field, reported, expected,
                      (detail + "; " if detail else "") + f"difference {reported - expected:.3g}")


def check_snapshot(check, snapshot, report, model, config):
    """Every queue's forecast of `snapshot` (parsed replay JSON) against the spec and the model."""
    now = model.now
    since = model.observed_since
    check.values += 1
    observed = snapshot.get("observed_since")
    if since is None:
        if observed is not None:
            check.fail("*", "observed_since", observed, None)
    elif not isinstance(observed, str) or not UTC_SHAPE.match(observed):
        check.fail("*", "observed_since", observed, reference_time(since), "not an RFC 3339 UTC time like last_event_at")
    elif reference.rfc3339_to_ms(observed) != since:
        check.fail("*", "observed_since", observed, reference_time(since))
    check.values += 1
    if snapshot.get("generated_at") != reference_time(now):
        check.fail("*", "generated_at", snapshot.get("generated_at"), reference_time(now))

    reported = {q["queue"]: q for q in snapshot["queues"]}
    model_snapshot = {q["queue"]: q for q in model.snapshot()["queues"]}  # expiry at now (none left)
    check.values += 1
    if sorted(reported) != sorted(model_snapshot):
        check.fail("*", "queues", sorted(reported), sorted(model_snapshot))
    rows = {}
    for row in report["intervals"]:
        lo = reference.rfc3339_to_ms(row["start"])
        hi = reference.rfc3339_to_ms(row["end"])
        if lo <= now < hi:
            rows[row["queue"]] = row
    start, end = current_interval(now, config.zone, config.length)
    check.figures["zones"].add(config.zone.key)
    check.figures["lengths"].add(config.length)
    arrival_key = reference.window_name(config.arrival_ms // MINUTE)
    handle_key = reference.window_name(config.handle_ms // MINUTE)

    for name in sorted(set(reported) & set(model_snapshot)):
        q, mq = reported[name], model_snapshot[name]
        check.figures["queues"] += 1
        keys = list(q)
        check.values += 1
        if "forecast" not in q:
            check.fail(name, "forecast", "absent", "an object after today")
            continue
        if "today" in keys and keys.index("forecast") != keys.index("today") + 1:
            check.fail(name, "forecast", f"at position {keys.index('forecast')} of {keys}", "right after today")
        f = q["forecast"]
        check.values += 1
        if not isinstance(f, dict) or list(f) != FORECAST_KEYS:
            check.fail(name, "forecast keys", list(f) if isinstance(f, dict) else f, FORECAST_KEYS)
            if not isinstance(f, dict) or set(f) != set(FORECAST_KEYS):
                continue

        # -- inputs against the model ------------------------------------------------------
        configured, target = config.forecast_policy(name)
        t_ms = model.queues[name].service_level_ms
        check.same(name, "service_level_seconds", q["service_level_seconds"], reference.seconds_value(t_ms),
                   "relative")
        check.same(name, "service_level_target", f["service_level_target"], target, "relative")
        span = min(config.arrival_ms, now - since)
        offered = mq["windows"][arrival_key]["offered"]
        lam = offered / (span / 1000) if span > 0 else None
        check.same(name, "arrival_rate_per_second", f["arrival_rate_per_second"], lam, "relative",
                   f"offered {offered} over {arrival_key} / span {span} ms")
        handle = mq["windows"][handle_key]["avg_handle_seconds"]
        check.same(name, "handle_seconds", f["handle_seconds"], handle, "relative",
                   f"avg_handle_seconds of {handle_key}")
        busy = model.busy(name)
        check.same(name, "busy_agents", f["busy_agents"], busy, "exact",
                   "ringing (every type) + talking + held + acw records")
        if configured is not None:
            agents, source = configured, "configured"
            check.figures["configured"] += 1
        else:
            agents, source = model.estimated_agents(name, config.agents_ms), "estimated"
            if agents > busy:
                check.figures["estimated_peak_above_now"] += 1
            if any(kind != "event" and now - at <= config.agents_ms for at, _, kind in model.points.get(name, [])):
                check.figures["expiry_in_agents_window"] += 1
            if len(set(alternative_readings(model, name, config).values()) | {agents}) > 1:
                check.figures["agents_readings_differ"] += 1
        check.same(name, "agents_source", f["agents_source"], source)
        check.same(name, "agents", f["agents"], agents, "exact", agents_detail(model, name, config, f["agents"])
                   if source == "estimated" and f["agents"] != agents else "")
        check.same(name, "interval_start", f["interval_start"], intervals_check.rfc3339(start, config.zone))
        check.same(name, "interval_end", f["interval_end"], intervals_check.rfc3339(end, config.zone))
        # Rules read the forecast once a whole handle window was observed.
        check.same(name, "settled", f["settled"], since is not None and now - since >= config.handle_ms)
        row = rows.get(name)
        check.values += 1
        if row is None:
            check.fail(name, "report", "no row holding now", f"[{f['interval_start']}, {f['interval_end']})")
            met = counted = 0
        else:
            if (row["start"], row["end"]) != (f["interval_start"], f["interval_end"]):
                check.fail(name, "interval", (f["interval_start"], f["interval_end"]),
                           (row["start"], row["end"]), "the report's row holding now")
            met, counted = formula_terms(q["service_level_formula"], row)
            model_terms = formula_terms(q["service_level_formula"], model.interval_counts(name, start, end))
            check.values += 1
            if (met, counted) != model_terms:
                check.fail(name, "interval S and D", (met, counted), model_terms,
                           f"report's {row['start']} row against the model")
        ages = model.ringing_ages(name)
        check.figures["late"] += sum(1 for a in ages if a > t_ms)
        check.figures["young"] += sum(1 for a in ages if a <= t_ms)
        if any(r["queue"] == name and r["type"] != "inbound" and r["state"] in BUSY_STATES
               for r in model.calls.values()):
            check.figures["outbound_busy"] += 1

        # -- types ---------------------------------------------------------------------------
        for key in ("busy_agents", "agents"):
            check.values += 1
            if not is_int(f[key]):
                check.fail(name, key, f[key], "an integer")
        for key in ("arrival_rate_per_second", "handle_seconds", "offered_load_erlangs", "wait_probability",
                    "service_level_at_staffing", "estimated_wait_seconds", "projected_service_level",
                    "service_level_target"):
            check.values += 1
            if f[key] is not None and not is_number(f[key]):
                check.fail(name, key, f[key], "a number or null")
        check.values += 2
        if f["required_agents"] is not None and not is_int(f["required_agents"]):
            check.fail(name, "required_agents", f["required_agents"], "an integer or null")
        if f["overloaded"] is not None and not isinstance(f["overloaded"], bool):
            check.fail(name, "overloaded", f["overloaded"], "true, false or null")

        # -- outputs from the inputs as reported -----------------------------------------------
        r_lam, r_h, r_n = f["arrival_rate_per_second"], f["handle_seconds"], f["agents"]
        if not (is_number(r_lam) or r_lam is None) or not (is_number(r_h) or r_h is None) or not is_int(r_n):
            continue
        r_t = q["service_level_seconds"] * 1000
        r_target = f["service_level_target"] if is_number(f["service_level_target"]) else target
        r_end = reference.rfc3339_to_ms(f["interval_end"]) if isinstance(f["interval_end"], str) else end
        want = expected_outputs(r_lam, r_h, r_n, r_t, r_target, met, counted, ages, now, r_end)
        check.same(name, "offered_load_erlangs", f["offered_load_erlangs"], want["offered_load_erlangs"],
                   "relative", "arrival_rate_per_second × handle_seconds")
        check.same(name, "overloaded", f["overloaded"], want["overloaded"])
        check.same(name, "wait_probability", f["wait_probability"], want["wait_probability"], "ratio")
        check.same(name, "service_level_at_staffing", f["service_level_at_staffing"],
                   want["service_level_at_staffing"], "ratio")
        check.same(name, "estimated_wait_seconds", f["estimated_wait_seconds"], want["estimated_wait_seconds"],
                   "millis")
        check_required(check, name, f["required_agents"], want, r_t, r_h, r_target)
        late = sum(1 for a in ages if a > r_t)
        check.same(name, "projected_service_level", f["projected_service_level"], want["projected_service_level"],
                   "ratio", f"S {met}, D {counted}, {late} late and {len(ages) - late} young ringing, "
                            f"{max(0, r_end - now) / 1000} s left")

        # -- coverage ------------------------------------------------------------------------
        figures = check.figures
        if span == 0:
            figures["span_zero"] += 1
        if handle is None:
            figures["handle_null"] += 1
        if lam == 0:
            figures["rate_zero"] += 1
        if want["offered_load_erlangs"] is not None and r_n == 0:
            figures["n_zero"] += 1
        if want["overloaded"]:
            figures["overloaded"] += 1
        if want["projected_service_level"] is None:
            figures["projected_null"] += 1
        else:
            figures["projected"] += 1


def check_required(check, name, reported, want, t_ms, h, target):
    expected = want["required_agents"]
    if reported == expected or reported is None or expected is None or not is_int(reported):
        check.same(name, "required_agents", reported, expected)
        return
    check.values += 1
    a = want["offered_load_erlangs"]
    # A tie: the service level at the disputed staffing is within 1e-9 of the target.
    disputed = [n for n in (min(reported, expected), max(reported, expected) - 1) if n > a]
    if reported > a and any(abs(service_level(n, a, t_ms / 1000, h) - target) <= TOLERANCE for n in disputed):
        check.figures["ties"] += 1
        return
    check.fail(name, "required_agents", reported, expected,
               f"A {a!r}, SL({reported}) = {service_level(reported, a, t_ms / 1000, h) if reported > a else 0!r}, "
               f"SL({expected}) = {service_level(expected, a, t_ms / 1000, h)!r}, target {target}")


def alternative_readings(model, name, config):
    """What other readings of "after any applied event or expiry" would give."""
    w = config.agents_ms
    return {
        "events only": model.estimated_agents(name, w, lambda p: p[2] == "event"),
        "no finished-record expiries": model.estimated_agents(name, w, lambda p: p[2] != "expiry:finished"),
        "points at changes only": changes_only(model, name, w),
        "window exclusive": max([c for at, c, _ in model.points.get(name, []) if model.now - at < w]
                                + [model.busy(name)]),
    }


def agents_detail(model, name, config, reported):
    """The other readings, for a report of a difference in `agents`."""
    readings = alternative_readings(model, name, config)
    matching = [k for k, v in readings.items() if v == reported]
    return f"busy now {model.busy(name)}; other readings: {readings}" + (
        f"; the reported value matches: {matching}" if matching else "")


def changes_only(model, name, window):
    last, counts = None, [model.busy(name)]
    for at, count, _ in model.points.get(name, []):
        if count != last and model.now - at <= window:
            counts.append(count)
        last = count
    return max(counts)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def reference_time(ms):
    when = datetime.fromtimestamp(ms // 1000, timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


# ---------------------------------------------------------------------------------------
# streams
# ---------------------------------------------------------------------------------------

def line(call_id, event, seconds, queue, qts=None, call_type=None):
    """One event in the connector's envelope; times are seconds after T0."""
    media = {"queueName": queue}
    if call_type:
        media["callType"] = call_type
    if qts is not None:
        media["queueTimestamp"] = reference_time(T0 + round(qts * 1000))
    call = {"id": call_id, "event": event,
            "ResponseFields": {"MediaProperties": media, "CurrentStateTime": reference_time(T0 + round(seconds * 1000))}}
    return json.dumps({"channel": "Amazon", "message": {"source": "AmazonConnect", "call": call}})


def handmade():
    """(name, config dict, NDJSON text) of the hand-made streams."""
    streams = []
    # An observed span of 0: every event at one instant (a call completed with handle 0 and
    # one ringing): λ null, so every output is null although handle_seconds is 0.
    lines = [line("a", "connecting", 0, "Instant"), line("a", "connected", 0, "Instant"),
             line("a", "dropped", 0, "Instant"), line("b", "connecting", 0, "Instant")]
    streams.append(("handmade: observed span 0", {}, lines))

    # One timeline, 21 min 40 s, Asia/Kathmandu (+05:45) with 30-minute intervals.
    events = []
    # Idle: answered 20 minutes ago and still talking; nothing offered in the arrival window:
    # λ = 0, A = 0, N = 1 from now; no call in the interval: the projection is null.
    events += [(0, line("x", "connecting", 0, "Idle")), (10, line("x", "connected", 10, "Idle")),
               (5, line("y", "connecting", 5, "Idle")), (12, line("y", "connected", 12, "Idle")),
               (200, line("y", "dropped", 200, "Idle")), (200.001, line("y", "acw", 200.001, "Idle")),
               (260, line("y", "dropped", 260, "Idle"))]
    # Quiet: one call, over 8 minutes ago: N = 0, only required_agents.
    events += [(700, line("q1", "connecting", 700, "Quiet")), (705, line("q1", "connected", 705, "Quiet")),
               (800, line("q1", "dropped", 800, "Quiet"))]
    # Peak: 9 busy at 10 min (outside the 5-minute agents window), 6 inside it, then one
    # young and one late ringing call (T = 30 s by an override).
    for i in range(9):
        events += [(600 + i, line(f"p9-{i}", "connecting", 600 + i, "Peak")),
                   (610 + i, line(f"p9-{i}", "connected", 610 + i, "Peak")),
                   (640 + 3 * i, line(f"p9-{i}", "dropped", 640 + 3 * i, "Peak"))]
    for i in range(6):
        events += [(1100 + i, line(f"p6-{i}", "connecting", 1100 + i, "Peak", qts=1095 + i)),
                   (1110 + i, line(f"p6-{i}", "connected", 1110 + i, "Peak", qts=1095 + i)),
                   (1200 + 9 * i, line(f"p6-{i}", "dropped", 1200 + 9 * i, "Peak")),
                   (1200.5 + 9 * i, line(f"p6-{i}", "acw", 1200.5 + 9 * i, "Peak")),
                   (1230 + 9 * i, line(f"p6-{i}", "dropped", 1230 + 9 * i, "Peak"))]
    events += [(1240, line("p-late", "connecting", 1240, "Peak", qts=1200)),
               (1290, line("p-young", "connecting", 1290, "Peak", qts=1285))]
    # Out: 20 calls offered in the window, handled 300 s each, 1 agent configured
    # (overloaded); the last three ringing (two late, one young), and an outbound call ringing.
    for i in range(20):
        at = 700 + 30 * i if i < 19 else 1290.25
        events.append((at, line(f"o{i}", "connecting", at, "Out", qts=at - 2)))
        if i < 17:
            events += [(at + 5, line(f"o{i}", "connected", at + 5, "Out", qts=at - 2)),
                       (at + 305, line(f"o{i}", "dropped", at + 305, "Out"))]
    events += [(1295, line("dial-1", "connecting", 1295, "Out", call_type="outbound")),
               (1300, line("tick", "connecting", 1300, "Clock"))]
    events.sort(key=lambda e: e[0])
    config = {"timezone": "Asia/Kathmandu", "intervals": {"length": "30m"},
              "overrides": [{"queues": ["Out"], "agents": 1, "service_level_target": 0.9},
                            {"queues": ["Peak"], "service_level_seconds": 30}]}
    streams.append(("handmade: idle, quiet, peak, overloaded (+05:45, 30m)", config, [e[1] for e in events]))

    # A handle time of 0 (answered and dropped in the same millisecond): A = 0, nobody waits.
    lines = []
    for i in range(3):
        lines += [line(f"z{i}", "connecting", 10 * i, "Zero"), line(f"z{i}", "connected", 10 * i + 3, "Zero"),
                  line(f"z{i}", "dropped", 10 * i + 3, "Zero")]
    lines += [line("z3", "connecting", 40, "Zero", qts=38), line("z4", "connecting", 60, "Zero", qts=59)]
    streams.append(("handmade: handle_seconds 0", {}, lines))

    # Expiries inside the agents window (now 1000 s, window [700, 1000]), limits of 10 min
    # for ringing and finished records: a level set by events before the window is kept by
    # the point after an expiry inside it. Exp: 3 busy from 350 s (two talking, one ringing);
    # a closed record expires at 850 s (no change: 3), the ringing one at 960 s (2), a call
    # ends at 980 s (1): agents 3 (2 without the closed record's expiry, 1 from events
    # alone). Exp2: the same without the closed record: agents 2.
    events = []
    for queue, prefix in (("Exp", "e"), ("Exp2", "f")):
        events += [(100, line(f"{prefix}b1", "connecting", 100, queue)),
                   (101, line(f"{prefix}b1", "connected", 101, queue)),
                   (110, line(f"{prefix}b2", "connecting", 110, queue)),
                   (111, line(f"{prefix}b2", "connected", 111, queue)),
                   (350, line(f"{prefix}r1", "connecting", 350, queue)),
                   (980, line(f"{prefix}b2", "dropped", 980, queue))]
    events += [(200, line("ef1", "connecting", 200, "Exp")), (240, line("ef1", "dropped", 240, "Exp"))]
    events += [(at, line(f"tick{at}", "connecting", at, "Tick")) for at in (0, 850, 960, 1000)]
    events.sort(key=lambda e: e[0])
    config = {"expiry": {"ringing": "10m", "connected": "4h", "acw": "1h", "finished": "10m"}}
    streams.append(("handmade: expiries inside the agents window", config, [e[1] for e in events]))
    return streams


# (name, gen.py arguments, share of the lines kept (1: whole), config)
GENERATED = [
    ("default config, cut mid-interval", ["--seed", "11", "--calls", "400", "--queues", "4", "--span", "1h",
                                           "--plain", "--no-cross-midnight"], 0.55, {}),
    ("overrides: configured agents, targets, thresholds; every timestamp form",
     ["--seed", "12", "--calls", "700", "--queues", "5", "--span", "2h", "--no-cross-midnight",
      "--queue", "Billing", "--queue", "Support", "--queue", "Sales"], 0.7,
     {"overrides": [{"queues": ["Billing"], "agents": 2, "service_level_target": 0.9},
                    {"queues": ["Sup*"], "service_level_seconds": 30, "service_level_target": 0.95},
                    {"queues": ["Sales"], "agents": 40}],
      "forecast": {"service_level_target": 0.85}}),
    ("a whole stream: every call over", ["--seed", "13", "--calls", "250", "--queues", "3", "--span", "40m",
                                         "--plain", "--no-cross-midnight"], 1, {}),
    ("Asia/Kolkata across midnight, 30m intervals",
     ["--seed", "14", "--calls", "500", "--queues", "4", "--span", "2h", "--cross-midnight",
      "--midnight-zone", "Asia/Kolkata"], 0.5,
     {"timezone": "Asia/Kolkata", "intervals": {"length": "30m"}}),
    ("heavy traffic, 2 agents everywhere: overloaded",
     ["--seed", "15", "--calls", "900", "--queues", "2", "--span", "30m", "--plain", "--no-cross-midnight"], 0.8,
     {"overrides": [{"queues": ["*"], "agents": 2}], "forecast": {"service_level_target": 0.9}}),
    ("other forecast windows, removed_within, T 30 s",
     ["--seed", "16", "--calls", "300", "--queues", "4", "--span", "1h", "--plain", "--no-cross-midnight"], 0.65,
     {"windows": ["1m", "5m", "15m", "1h"], "service_level_seconds": 30, "service_level_formula": "removed_within",
      "forecast": {"arrival_window": "5m", "handle_window": "15m", "agents_window": "2m"}}),
    ("only the first events: no handle time yet",
     ["--seed", "17", "--calls", "200", "--queues", "4", "--span", "1h", "--plain", "--no-cross-midnight"], 0.02, {}),
    ("America/New_York, 1h intervals, answered formula",
     ["--seed", "18", "--calls", "600", "--queues", "6", "--span", "3h", "--no-cross-midnight"], 0.4,
     {"timezone": "America/New_York", "intervals": {"length": "1h"}, "service_level_formula": "answered",
      "forecast": {"agents_window": "15m"}}),
    ("long span: expiry of hanging records", ["--seed", "19", "--calls", "500", "--queues", "3", "--span", "3h",
                                              "--plain", "--no-cross-midnight"], 0.9,
     {"expiry": {"ringing": "1h", "connected": "30m", "acw": "10m", "finished": "20m"}}),
]


def generate(gen, arguments, keep, path):
    result = subprocess.run([sys.executable, gen, "--faults", "0", "--shape", "ndjson"] + arguments,
                            capture_output=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"gen.py {' '.join(arguments)}: {result.stderr.decode(errors='replace')}")
    lines = [x for x in result.stdout.split(b"\n") if x.strip()]
    if keep < 1:
        lines = lines[:max(1, int(len(lines) * keep))]
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")


# ---------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------

def run(command, timeout=300):
    result = subprocess.run(command, capture_output=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: "
                           f"{result.stderr.decode(errors='replace')[:2000]}")
    return intervals_check.load(result.stdout)


def replay_model(path, config):
    model = ForecastModel(config.settings)
    with open(path, "rb") as f:
        model.ingest(f.read())
    return model


def check_stream(binary, name, path, config, directory, fabricate=False):
    """Checks one stream; returns the Check (with its problems)."""
    config_path = os.path.join(directory, "config.yml")
    with open(config_path, "w", encoding="utf-8") as f:
        f.write(config.yaml())
    snapshot = run([binary, "replay", "--config", config_path, path])
    report = run([binary, "report", path, "--config", config_path, "--format", "json"])
    model = replay_model(path, config)
    check = Check(name)
    if model.now is None:
        check.problems.append(f"{name}: no event set the clock")
        return check
    if fabricate:
        return self_test_stream(check, snapshot, report, model, config)
    check_snapshot(check, snapshot, report, model, config)
    return check


# ---------------------------------------------------------------------------------------
# --self-test: a forecast made with exact arithmetic must pass; each perturbation must fail
# ---------------------------------------------------------------------------------------

def fabricated(snapshot, model, config):
    """The snapshot with `observed_since` and a `forecast` per queue computed from the model
    with rationals and 60-digit decimals (erlang_table.py), as the binary should."""
    from decimal import Decimal
    from fractions import Fraction
    import erlang_table as exact

    now = model.now
    out = {}
    for key, value in snapshot.items():
        if key == "observed_since":
            continue  # the binary's own, when it has one
        out[key] = value
        if key == "generated_at":
            out["observed_since"] = reference_time(model.observed_since)
    model_queues = {q["queue"]: q for q in model.snapshot()["queues"]}
    start, end = current_interval(now, config.zone, config.length)
    arrival_key = reference.window_name(config.arrival_ms // MINUTE)
    handle_key = reference.window_name(config.handle_ms // MINUTE)
    queues = []
    for q in snapshot["queues"]:
        name, mq = q["queue"], model_queues[q["queue"]]
        configured, target = config.forecast_policy(name)
        n = configured if configured is not None else model.estimated_agents(name, config.agents_ms)
        span = min(config.arrival_ms, now - model.observed_since)
        handle = mq["windows"][handle_key]["avg_handle_seconds"]
        lam = Fraction(mq["windows"][arrival_key]["offered"] * 1000, span) if span > 0 else None
        h = Fraction(round(handle * 1000), 1000) if handle is not None else None
        t = Fraction(model.queues[name].service_level_ms, 1000)
        f = {"arrival_rate_per_second": float(lam) if lam is not None else None, "handle_seconds": handle,
             "offered_load_erlangs": None, "busy_agents": model.busy(name), "agents": n,
             "agents_source": "estimated" if configured is None else "configured",
             "service_level_target": target}
        f.update(dict.fromkeys(OUTPUTS))
        if lam is not None and h is not None:
            a = lam * h
            f["offered_load_erlangs"] = float(a)
            f["required_agents"] = exact.required_agents(a, t, h, Fraction(target)) if h > 0 else 1
            if n > 0:
                overloaded = n <= a
                c = Fraction(1) if overloaded else exact.wait_probability(n, a)
                if overloaded:
                    level = Decimal(0)
                elif h == 0:
                    level = Decimal(1) - exact.decimal(c)
                else:
                    level = exact.service_level(n, a, c, t, h)
                f["overloaded"] = overloaded
                f["wait_probability"] = float(c)
                f["service_level_at_staffing"] = float(level)
                f["estimated_wait_seconds"] = None if overloaded else round(float(c * h / (n - a)), 3)
                met, counted = formula_terms(q["service_level_formula"], model.interval_counts(name, start, end))
                met, counted = Decimal(met), Decimal(counted)
                for age in model.ringing_ages(name):
                    counted += 1
                    if age <= model.queues[name].service_level_ms and not overloaded:
                        x = -(n - a) * (t - Fraction(age, 1000)) / h if h > 0 else Fraction(-10 ** 6)
                        met += 1 - exact.decimal(c) * exact.decimal(x).exp()
                m = exact.decimal(lam * Fraction(max(0, end - now), 1000))
                met += m * level
                counted += m
                f["projected_service_level"] = float(met / counted) if counted > 0 else None
        f["interval_start"] = intervals_check.rfc3339(start, config.zone)
        f["interval_end"] = intervals_check.rfc3339(end, config.zone)
        f["settled"] = model.observed_since is not None and now - model.observed_since >= config.handle_ms
        copy_q = {}
        for key, value in q.items():
            if key == "forecast":
                continue  # the binary's own, when it has one
            copy_q[key] = value
            if key == "today":
                copy_q["forecast"] = f
        queues.append(copy_q)
    out["queues"] = queues
    return out


def self_test_stream(check, snapshot, report, model, config):
    good = fabricated(snapshot, model, config)
    check_snapshot(check, good, report, model, config)
    if check.problems:
        return check  # the exact forecast must pass: the checker (or the model) is wrong
    caught = missed = 0
    for index, q in enumerate(good["queues"]):
        for key in FORECAST_KEYS:
            value = q["forecast"][key]
            for changed in perturbations(value):
                bad = copy.deepcopy(good)
                bad["queues"][index]["forecast"][key] = changed
                probe = Check(check.stream)
                check_snapshot(probe, bad, report, model, config)
                if probe.problems:
                    caught += 1
                else:
                    missed += 1
                    check.problems.append(f"{check.stream}: queue {q['queue']!r}: {key} {value!r} -> {changed!r} "
                                          f"went unnoticed")
    check.figures["perturbations_caught"] = caught
    return check


def perturbations(value):
    if value is None:
        return [0, 0.5]
    if isinstance(value, bool):
        return [not value, None]
    if isinstance(value, int):
        return [value + 1, None] if value > 0 else [value + 1]
    if isinstance(value, float):
        return [value * (1 + 1e-6) + 1e-6, None]
    if isinstance(value, str) and value in ("configured", "estimated"):
        return ["configured" if value == "estimated" else "estimated"]
    return [value.replace(":00+", ":01+").replace(":00-", ":01-") if ":00+" in value or ":00-" in value else "x"]


# ---------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--gen", help="../shared/tools/gen.py: also check generated streams")
    parser.add_argument("--only", choices=["handmade", "streams"])
    parser.add_argument("--config", help="a YAML config for the generated streams (instead of their own)")
    parser.add_argument("--seed", type=int, default=0, help="added to every generated stream's seed")
    parser.add_argument("--summary", help="write the figures as JSON here")
    parser.add_argument("--keep", help="keep the streams and configs in this directory")
    parser.add_argument("--self-test", action="store_true",
                        help="check the checker against a forecast made with exact arithmetic")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if args.only == "streams" and not args.gen:
        parser.error("--only streams needs --gen")
    user_config = read_config(args.config) if args.config else None

    directory = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="callpulse-forecast-")
    os.makedirs(directory, exist_ok=True)
    checks = []
    try:
        jobs = []
        if args.only != "streams":
            for index, (name, config, lines) in enumerate(handmade()):
                path = os.path.join(directory, f"handmade-{index}.ndjson")
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")
                jobs.append((name, path, Config(config)))
        if args.gen and args.only != "handmade":
            for index, (name, arguments, keep, config) in enumerate(GENERATED):
                arguments = list(arguments)
                seed = arguments.index("--seed") + 1
                arguments[seed] = str(int(arguments[seed]) + args.seed)
                path = os.path.join(directory, f"generated-{index}.ndjson")
                generate(args.gen, arguments, keep, path)
                jobs.append((f"gen {' '.join(arguments)} (first {keep:.0%} of the lines): {name}", path,
                             Config(user_config if user_config is not None else config)))
        for name, path, config in jobs:
            stream_directory = os.path.join(directory, os.path.splitext(os.path.basename(path))[0])
            os.makedirs(stream_directory, exist_ok=True)
            try:
                checks.append(check_stream(binary, name, path, config, stream_directory, args.self_test))
            except RuntimeError as error:
                failed = Check(name)
                failed.problems.append(f"{name}: {error}")
                checks.append(failed)
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)

    problems = [p for c in checks for p in c.problems]
    figures = {"streams": len(checks), "handmade": sum(1 for c in checks if c.stream.startswith("handmade")),
               "values": sum(c.values for c in checks), "differences": len(problems)}
    for c in checks:
        for key, value in c.figures.items():
            if isinstance(value, set):
                figures[key] = sorted(set(figures.get(key, [])) | value)
            else:
                figures[key] = figures.get(key, 0) + value
    for problem in problems:
        print("DIFFERENCE " + problem)
    mode = " (self-test: exact forecast passes, perturbations caught)" if args.self_test else ""
    print(f"forecast{mode}: {figures['streams']} streams ({figures['handmade']} hand-made), "
          f"{figures['queues']} queues checked, {figures['values']} values compared, "
          f"{figures['differences']} differences")
    print("coverage: " + ", ".join(f"{k} {v}" for k, v in figures.items()
                                    if k not in ("streams", "handmade", "values", "differences", "queues")))
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(figures, f, indent=1)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
