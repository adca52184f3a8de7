#!/usr/bin/env python3
"""Compares `callpulse replay` output with reference.py's; exits 1 on any difference.

Usage: compare.py CALLPULSE.json REFERENCE.json
"""
import json
import sys
from datetime import datetime

got = json.load(open(sys.argv[1]))
ref = json.load(open(sys.argv[2]))
problems = []


def millis(stamp):
    return None if stamp is None else int(round(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000))


def same(path, a, b):
    if isinstance(b, dict):
        for key in b:
            same(f"{path}.{key}", a.get(key) if isinstance(a, dict) else None, b[key])
    elif isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or abs(a - b) > 1e-9 * max(1, abs(b)):
            problems.append(f"{path}: callpulse {a}, reference {b}")
    elif a != b:
        problems.append(f"{path}: callpulse {a}, reference {b}")


if millis(got["generated_at"]) != ref["generated_at"]:
    problems.append(f"generated_at: {got['generated_at']} vs {ref['generated_at']}")
names = [q["queue"] for q in got["queues"]]
if names != [q["queue"] for q in ref["queues"]]:
    problems.append(f"queues: {names} vs {[q['queue'] for q in ref['queues']]}")
for g, r in zip(got["queues"], ref["queues"]):
    r["last_event_at"] = r["last_event_at"]
    g = dict(g, last_event_at=millis(g["last_event_at"]))
    same(f"queue[{r['queue']}]", g, r)
same("ingest", got["ingest"], ref["ingest"])
for line in problems[:40]:
    print(line)
print(f"{len(problems)} differences over {len(names)} queues, {got['ingest']['accepted']} accepted events")
sys.exit(1 if problems else 0)
