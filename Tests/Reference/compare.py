#!/usr/bin/env python3
"""Compares a CallPulse snapshot (`callpulse replay`, or GET /api/v1/queues) with
reference.py's; exits 1 on any difference.

Usage: compare.py CALLPULSE.json REFERENCE.json
As a module: differences(got, ref) -> list of one-line descriptions.

Every key of either side is compared: counts exactly, floats to 1e-9 relative (both
sides print values computed from exact millisecond sums), times as epoch milliseconds.
Each queue's `forecast` is left to forecast_check.py, which models it.
"""
import json
import sys
from datetime import datetime


def millis(stamp):
    if stamp is None:
        return None
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return int(round(when.timestamp() * 1000))


def _same(path, a, b, problems):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(b) + [k for k in a if k not in b]:
            if key not in a:
                problems.append(f"{path}.{key}: missing in callpulse (reference {b[key]!r})")
            elif key not in b:
                problems.append(f"{path}.{key}: not in the reference (callpulse {a[key]!r})")
            else:
                _same(f"{path}.{key}", a[key], b[key], problems)
    elif isinstance(a, bool) or isinstance(b, bool):
        if a is not b:
            problems.append(f"{path}: callpulse {a!r}, reference {b!r}")
    elif isinstance(a, float) or isinstance(b, float):
        if (not isinstance(a, (int, float)) or not isinstance(b, (int, float))
                or abs(a - b) > 1e-9 * max(1, abs(b))):
            problems.append(f"{path}: callpulse {a!r}, reference {b!r}")
    elif a != b:
        problems.append(f"{path}: callpulse {a!r}, reference {b!r}")


def _without_forecast(queue):
    queue.pop("forecast", None)
    return queue


def queue_differences(got_queue, ref_queue):
    """One queue object (GET /api/v1/queues/{queue}) against the model's."""
    problems = []
    got_queue = _without_forecast(dict(got_queue, last_event_at=millis(got_queue.get("last_event_at"))))
    _same(f"queue[{ref_queue['queue']}]", got_queue, ref_queue, problems)
    return problems


def differences(got, ref):
    problems = []
    if millis(got.get("generated_at")) != ref["generated_at"]:
        problems.append(f"generated_at: callpulse {got.get('generated_at')}, reference {ref['generated_at']}")
    for key in ("clock", "timezone"):
        if got.get(key) != ref[key]:
            problems.append(f"{key}: callpulse {got.get(key)!r}, reference {ref[key]!r}")
    names = [q["queue"] for q in got["queues"]]
    ref_names = [q["queue"] for q in ref["queues"]]
    if names != ref_names:
        problems.append(f"queues: callpulse {names}, reference {ref_names}")
    ref_by_name = {q["queue"]: q for q in ref["queues"]}
    for g in got["queues"]:
        r = ref_by_name.get(g["queue"])
        if r is not None:
            g = _without_forecast(dict(g, last_event_at=millis(g.get("last_event_at"))))
            _same(f"queue[{r['queue']}]", g, r, problems)
    _same("ingest", got["ingest"], ref["ingest"], problems)
    return problems


def main():
    got = json.load(open(sys.argv[1]))
    ref = json.load(open(sys.argv[2]))
    problems = differences(got, ref)
    for line in problems[:40]:
        print(line)
    print(f"{len(problems)} differences over {len(got['queues'])} queues, "
          f"{got['ingest']['accepted']} accepted events")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
