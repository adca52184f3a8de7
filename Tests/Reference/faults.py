#!/usr/bin/env python3
"""Injects the faults the spec names into a clean NDJSON stream, deterministically.

Usage: faults.py SEED [--timed-only] < clean.ndjson > faulty.ndjson
(--timed-only leaves out untimed events, the one fault re-sending cannot undo.)
Faults: re-sent lines (duplicates), late lines (out of order), lost lines (calls that
expire), untimed events, event-name case and CallState-only spellings, epoch-number and
offset timestamps, removed queue times, numeric ids, malformed JSON, non-objects, bad
fields of every kind, unknown calls, long silences that trigger expiry, and a midnight.
"""
import json
import random
import sys

rng = random.Random(int(sys.argv[1]))
timed_only = "--timed-only" in sys.argv
lines = [l for l in sys.stdin.read().split("\n") if l.strip()]
out = []
history = []


def mutate(line):
    obj = json.loads(line)
    call = obj["message"]["call"]
    rf = call["ResponseFields"]
    mp = rf["MediaProperties"]
    r = rng.random()
    if r < 0.02:
        if not timed_only:
            del rf["CurrentStateTime"]  # untimed: takes the event clock's now
    elif r < 0.04:
        call["event"] = call["event"].upper()
    elif r < 0.06:
        del call["event"]  # CallState alone names the event
    elif r < 0.08:
        from datetime import datetime
        t = datetime.fromisoformat(rf["CurrentStateTime"].replace("Z", "+00:00")).timestamp()
        rf["CurrentStateTime"] = round(t, 3) if rng.random() < 0.5 else str(int(t * 1000))
    elif r < 0.09:
        rf["CurrentStateTime"] = rf["CurrentStateTime"].replace("Z", "+00:00").replace("T", " ")
    elif r < 0.10:
        mp["queueTimestamp"] = None
    elif r < 0.11:
        del mp["queueName"]  # DN still names the queue
    elif r < 0.12:
        del mp["queueName"]
        del rf["DN"]  # the call's queue, or the default queue
    return json.dumps(obj, separators=(",", ":"))


BAD = [
    '{"message": {"call": {"id": "x", "event": "connecting"',
    '[1, 2, 3]',
    '"just text"',
    '{"channel": "Amazon"}',
    '{"call": {"event": "connecting"}}',
    '{"call": {"id": "no-event", "ResponseFields": {"CallState": null}}}',
    '{"call": {"id": true, "event": "connecting"}}',
    '{"call": {"id": "bad-event", "event": "ringing"}}',
    '{"call": {"id": "bad-type", "event": "connecting", "CallType": "internal"}}',
    '{"call": {"id": "bad-queue", "event": "connecting", "ResponseFields": {"DN": "a\\u0007b"}}}',
    '{"call": {"id": "bad-time", "event": "connecting", "ResponseFields": {"CurrentStateTime": "24/11/2026"}}}',
    '{"call": {"id": "' + "L" * 300 + '", "event": "connecting"}}',
    '{"call": {"id": NaN, "event": "connecting"}}',
]

for i, line in enumerate(lines):
    r = rng.random()
    if r < 0.01:
        continue  # lost: the call never completes and later expires
    out.append(mutate(line) if rng.random() < 0.15 else line)
    history.append(line)
    r = rng.random()
    if r < 0.03 and history:
        out.append(rng.choice(history[-50:]))  # re-sent
    elif r < 0.04 and len(history) > 20:
        out.append(history[-rng.randint(5, 20)])  # late
    elif r < 0.05:
        out.append(rng.choice(BAD))
    elif r < 0.055:
        out.append('{"call": {"id": %d, "event": "dropped", "ResponseFields": {"DN": %d}}}' % (rng.randint(1, 10**30), rng.randint(1, 9)))
    elif r < 0.056 and len(history) > 30000:
        out.append(history[-rng.randint(25000, 30000)])  # hours late: too_late once forgotten
    elif r < 0.057 and not timed_only:
        out.append('{"id": %d, "event": "Connecting", "ResponseFields": {"DN": 4711}}' % rng.randint(1, 10**6))

sys.stdout.write("\n".join(out) + "\n")
