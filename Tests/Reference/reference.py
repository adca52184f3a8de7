#!/usr/bin/env python3
"""An independent, deliberately plain model of spec/events.md and spec/semantics.md.

The differential test feeds the same generated, fault-injected streams to this model and
to `callpulse replay` and compares the snapshots. It favours obviousness over speed:
dicts, full scans, no caches. Usage: reference.py [--timezone Z] [--max-queues N]
[--max-active-calls N] FILE...  (prints the snapshot JSON).
"""
import argparse
import json
import math
import re
import sys
from datetime import datetime, timezone, timedelta
from decimal import Decimal, ROUND_DOWN
from zoneinfo import ZoneInfo

EVENTS = ["connecting", "missed", "connected", "rejected", "hold", "acw", "dropped"]
TYPES = ["inbound", "outbound", "agent"]
REJECT = ["malformed_json", "not_an_object", "missing_call", "missing_id", "bad_id", "missing_event",
          "unknown_event", "bad_call_type", "bad_queue", "bad_timestamp", "limit"]
IGNORE = ["duplicate", "out_of_order", "too_late", "invalid_transition", "unknown_call"]
COUNTERS = ["offered", "answered", "answered_within_sl", "missed", "rejected", "abandoned", "short_abandoned",
            "abandoned_within_sl", "completed", "acw_completed", "holds", "wait_count", "wait_seconds_sum",
            "talk_seconds_sum", "hold_seconds_sum", "acw_seconds_sum"]
DURATIONS = {"wait_seconds_sum", "talk_seconds_sum", "hold_seconds_sum", "acw_seconds_sum"}
LATEST = 253402300799999
WHITE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u2028\u2029\u202f\u205f\u3000"


class Reject(Exception):
    def __init__(self, reason):
        self.reason = reason


def strict_loads(text):
    def no_constants(name):
        raise ValueError(name)
    value = json.loads(text, parse_constant=no_constants, parse_float=Decimal, parse_int=lambda s: ("int", s))
    def depth(v, level):
        if level > 64:
            raise ValueError("deep")
        if isinstance(v, dict):
            for k, x in v.items():
                check_str(k)
                depth(x, level + 1)
        elif isinstance(v, list):
            for x in v:
                depth(x, level + 1)
        elif isinstance(v, str):
            check_str(v)
    def check_str(s):
        if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
            raise ValueError("surrogate")
    depth(value, 1)
    return value


def present(v):
    return v is not None and not (isinstance(v, str) and v.strip(WHITE) == "")


def first_of(obj_list):
    for holder, key in obj_list:
        if isinstance(holder, dict) and key in holder and present(holder[key]):
            return holder[key]
    return None


def is_int(v):
    return isinstance(v, tuple) and v[0] == "int"


def name_value(v, reason):
    if isinstance(v, str):
        s = v.strip(WHITE)
    elif is_int(v):
        s = v[1]
    else:
        raise Reject(reason)
    if len(s.encode()) > 256 or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in s):
        raise Reject(reason)
    return s


def epoch(dec):
    seconds = dec < Decimal(100_000_000_000)
    ms = (dec * 1000 if seconds else dec).to_integral_value(rounding=ROUND_DOWN)
    if ms < 0 or ms > LATEST:
        raise Reject("bad_timestamp")
    return int(ms)


RFC = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$")


def timestamp(v):
    if v is None or (isinstance(v, str) and v.strip(WHITE) == ""):
        return None
    if is_int(v):
        return epoch(Decimal(v[1]))
    if isinstance(v, Decimal):
        return epoch(v)
    if not isinstance(v, str):
        raise Reject("bad_timestamp")
    s = v.strip(WHITE)
    if re.fullmatch(r"-?\d+(\.\d+)?", s):
        return epoch(Decimal(s))
    m = RFC.match(s)
    if not m:
        raise Reject("bad_timestamp")
    y, mo, d, h, mi, se = (int(m.group(i)) for i in range(1, 7))
    if h > 23 or mi > 59 or se > 59:
        raise Reject("bad_timestamp")
    frac = (m.group(7) or ".0")[1:]
    ms = int((frac + "000")[:3])
    off = 0
    z = m.group(8)
    if z and z not in "Zz":
        digits = z[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:])
        if oh > 23 or om > 59:
            raise Reject("bad_timestamp")
        off = (oh * 60 + om) * (-1 if z[0] == "-" else 1)
    try:
        base = datetime(y, mo, d, h, mi, se, tzinfo=timezone.utc)
    except ValueError:
        raise Reject("bad_timestamp")
    total = int((base - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds()) * 1000 + ms - off * 60000
    if total < 0 or total > LATEST:
        raise Reject("bad_timestamp")
    return total


def decode(obj):
    if not isinstance(obj, dict):
        raise Reject("not_an_object")
    if obj.get("message") is not None:
        call = obj["message"].get("call") if isinstance(obj["message"], dict) else None
    elif obj.get("call") is not None:
        call = obj["call"]
    elif obj.get("id") is not None or obj.get("event") is not None:
        call = obj
    else:
        call = None
    if not isinstance(call, dict):
        raise Reject("missing_call")
    rf = call.get("ResponseFields") if isinstance(call.get("ResponseFields"), dict) else {}
    mp = rf.get("MediaProperties") if isinstance(rf.get("MediaProperties"), dict) else {}
    id_ = first_of([(call, "id")])
    if id_ is None:
        raise Reject("missing_id")
    id_ = name_value(id_, "bad_id")
    ev = first_of([(call, "event"), (rf, "CallState")])
    if ev is None:
        raise Reject("missing_event")
    if not isinstance(ev, str) or ev.strip(WHITE).lower() not in EVENTS or not ev.strip(WHITE).isascii():
        raise Reject("unknown_event")
    ev = ev.strip(WHITE).lower()
    ct = first_of([(call, "CallType"), (rf, "Type"), (mp, "callType")])
    if ct is None:
        ct = "inbound"
    elif not isinstance(ct, str) or ct.strip(WHITE).lower() not in TYPES:
        raise Reject("bad_call_type")
    else:
        ct = ct.strip(WHITE).lower()
    q = first_of([(mp, "queueName"), (rf, "DN")])
    q = None if q is None else name_value(q, "bad_queue")
    t = timestamp(rf.get("CurrentStateTime"))
    qts = timestamp(mp.get("queueTimestamp"))
    return dict(id=id_, event=ev, type=ct, queue=q, qts=qts, t=t)


def read_values(text):
    """Yields (line, value-or-Reject) per events.md's input shapes."""
    if text.startswith("\ufeff"):
        text = text[1:]
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        return
    if stripped[0] == "[":
        try:
            values = strict_loads(text)
        except Exception:
            yield 1, Reject("malformed_json")
            return
        lines = element_lines(text)
        for line, v in zip(lines, values):
            yield line, v
        return
    try:
        value = strict_loads(text)
        yield text[: len(text) - len(stripped)].count("\n") + 1, value
        return
    except Exception:
        pass
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip(" \t\r") == "":
            continue
        try:
            yield n, strict_loads(line)
        except Exception:
            yield n, Reject("malformed_json")


def element_lines(text):
    lines, depth, in_str, esc, line, expect = [], 0, False, False, 1, False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch in " \t\r\n":
            continue
        if depth == 1 and expect and ch != "]":
            lines.append(line)
            expect = False
        if ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth == 1:
                expect = True
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 1:
            expect = True
    return lines


class Queue:
    def __init__(self, name, windows):
        self.name = name
        self.totals = dict.fromkeys(COUNTERS, 0)
        self.expired = {"ringing": 0, "connected": 0, "acw": 0}
        self.effects = []  # (attributed ms, counter, amount): windows and today are computed from these
        self.last = None


class Model:
    def __init__(self, tz="UTC", max_queues=5000, max_calls=1_000_000, windows=(1, 5, 15, 60)):
        self.tz = ZoneInfo(tz)
        self.tzname = tz
        self.max_queues, self.max_calls = max_queues, max_calls
        self.windows = windows
        self.queues = {}
        self.calls = {}
        self.now = None
        self.accepted = 0
        self.ignored = dict.fromkeys(IGNORE, 0)
        self.rejected = dict.fromkeys(REJECT, 0)
        self.limits = {"ringing": 3600_000, "connected": 14400_000, "acw": 3600_000, "finished": 3600_000}

    def klass(self, state):
        return {"ringing": "ringing", "talking": "connected", "held": "connected", "acw": "acw"}.get(state, "finished")

    def expire_one(self, cid):
        r = self.calls.get(cid)
        if r is None:
            return
        k = self.klass(r["state"])
        if self.now - r["last"] > self.limits[k]:
            if k != "finished":
                self.queues[r["queue"]].expired[k] += 1
            del self.calls[cid]

    def expire(self):
        # A silent record's state never changes, so expiring it at its next lookup, before a
        # limit check or before the snapshot gives the same numbers as expiring it at once.
        for cid in list(self.calls):
            self.expire_one(cid)

    def count(self, q, t, key, amount=1):
        q.totals[key] += amount
        q.effects.append((min(t, self.now), key, amount))

    def process(self, ev):
        t = ev["t"] if ev["t"] is not None else self.now
        if t is None:
            self.rejected["bad_timestamp"] += 1
            return "bad_timestamp"
        self.now = t if self.now is None else max(self.now, t)
        self.expire_one(ev["id"])
        r = self.calls.get(ev["id"])
        name = ev["event"]
        if r is not None:
            if t == r["last"] and name in r["names"]:
                self.ignored["duplicate"] += 1
                return
            if t < r["last"]:
                self.ignored["out_of_order"] += 1
                return
        elif self.now - t > min(self.limits.values()):
            self.ignored["too_late"] += 1
            return
        state = r["state"] if r else None
        table = {
            None: {"connecting": "ringing", "missed": "unanswered", "rejected": "unanswered", "connected": "talking",
                   "hold": "held", "acw": "acw", "dropped": "UNKNOWN"},
            "ringing": {"connecting": "SAME", "missed": "unanswered", "rejected": "unanswered", "connected": "talking",
                        "hold": "held", "dropped": "closed"},
            "unanswered": {"connecting": "ringing", "missed": "unanswered", "rejected": "unanswered",
                           "connected": "talking", "hold": "held", "dropped": "closed"},
            "talking": {"connected": "SAME", "hold": "held", "acw": "acw", "dropped": "ended"},
            "held": {"connected": "talking", "hold": "SAME", "acw": "acw", "dropped": "ended"},
            "ended": {"acw": "acw", "dropped": "SAME"},
            "acw": {"acw": "SAME", "dropped": "closed"},
            "closed": {},
        }
        nxt = table[state].get(name, "INVALID")
        if nxt == "UNKNOWN":
            self.ignored["unknown_call"] += 1
            return
        if nxt == "INVALID":
            self.ignored["invalid_transition"] += 1
            return
        if r is None:
            qname = ev["queue"] if ev["queue"] is not None else "unassigned"
            if qname not in self.queues and len(self.queues) >= self.max_queues:
                self.rejected["limit"] += 1
                return
            if len(self.calls) >= self.max_calls:  # records, closed ones included: an upper bound
                self.expire()
                if sum(1 for c in self.calls.values() if c["state"] != "closed") >= self.max_calls:
                    self.rejected["limit"] += 1
                    return
            if qname not in self.queues:
                self.queues[qname] = Queue(qname, self.windows)
            r = dict(queue=qname, type=ev["type"], state=None, last=t, names=set(),
                     entry=ev["qts"] if ev["qts"] is not None else t,
                     known=ev["qts"] is not None or name in ("connecting", "missed", "rejected"),
                     talk_since=0, hold_since=0, hold_accum=0, acw_since=0)
            self.calls[ev["id"]] = r
        q = self.queues[r["queue"]]
        self.accepted += 1
        q.last = t if q.last is None else max(q.last, t)
        if t > r["last"] or r["state"] is None:
            r["names"] = {name}
        else:
            r["names"].add(name)
        r["last"] = t
        if nxt == "SAME":
            return
        prev = r["state"]
        inbound = r["type"] == "inbound"
        if prev is None and inbound and nxt != "acw":
            self.count(q, t, "offered")
        if inbound and name == "missed":
            self.count(q, t, "missed")
        if inbound and name == "rejected":
            self.count(q, t, "rejected")
        if nxt in ("talking", "held") and prev in (None, "ringing", "unanswered"):
            if inbound:
                self.count(q, t, "answered")
                if r["known"]:
                    w = max(0, t - r["entry"])
                    self.count(q, t, "wait_count")
                    self.count(q, t, "wait_seconds_sum", w)
                    if w <= 20000:
                        self.count(q, t, "answered_within_sl")
        if nxt == "held" and prev != "held":
            self.count(q, t, "holds")
        if nxt == "closed" and prev in ("ringing", "unanswered") and inbound:
            a = t - r["entry"]
            self.count(q, t, "abandoned")
            if a < 5000:
                self.count(q, t, "short_abandoned")
            if a <= 20000:
                self.count(q, t, "abandoned_within_sl")
        if prev == "held" and nxt != "held":
            h = t - r["hold_since"]
            r["hold_accum"] += h
            self.count(q, t, "hold_seconds_sum", h)
        if prev in ("talking", "held") and nxt not in ("talking", "held"):
            self.count(q, t, "talk_seconds_sum", t - r["talk_since"] - r["hold_accum"])
            self.count(q, t, "completed")
        if prev == "acw" and nxt == "closed":
            self.count(q, t, "acw_seconds_sum", t - r["acw_since"])
            self.count(q, t, "acw_completed")
        if nxt in ("talking", "held") and prev not in ("talking", "held"):
            r["talk_since"], r["hold_accum"] = t, 0
        if nxt == "held" and prev != "held":
            r["hold_since"] = t
        if nxt == "acw" and prev != "acw":
            r["acw_since"] = t
        r["state"] = nxt

    def day_start(self):
        local = datetime.fromtimestamp(self.now / 1000, self.tz)
        midnight = datetime(local.year, local.month, local.day, tzinfo=self.tz)
        return int(midnight.timestamp() * 1000)

    def block(self, counters, expired=None):
        out = {}
        for k in COUNTERS:
            out[k] = counters[k] / 1000 if k in DURATIONS else counters[k]
        if expired is not None:
            out["expired"] = expired
        c = counters
        def ratio(a, b):
            return None if b == 0 else a / b
        def avg(a, b):
            return None if b == 0 else math.floor(a / b + 0.5) / 1000
        out["service_level"] = ratio(c["answered_within_sl"], c["wait_count"] + c["abandoned"] - c["short_abandoned"])
        out["abandon_rate"] = ratio(c["abandoned"] - c["short_abandoned"],
                                    c["answered"] + c["abandoned"] - c["short_abandoned"])
        out["avg_wait_seconds"] = avg(c["wait_seconds_sum"], c["wait_count"])
        out["avg_talk_seconds"] = avg(c["talk_seconds_sum"], c["completed"])
        out["avg_acw_seconds"] = avg(c["acw_seconds_sum"], c["acw_completed"])
        out["avg_handle_seconds"] = avg(c["talk_seconds_sum"] + c["hold_seconds_sum"] + c["acw_seconds_sum"],
                                        c["completed"])
        return out

    def snapshot(self):
        if self.now is not None:
            self.expire()
        queues = []
        day = self.day_start() if self.now is not None else 0
        for name in sorted(self.queues, key=lambda n: n.encode()):
            q = self.queues[name]
            ringing = [r for r in self.calls.values() if r["queue"] == name and r["state"] == "ringing" and r["type"] == "inbound"]
            mine = [r for r in self.calls.values() if r["queue"] == name]
            windows = {}
            for w in self.windows:
                g = w * 1000
                cur = self.now // g
                c = dict.fromkeys(COUNTERS, 0)
                for at, key, amount in q.effects:
                    if cur - 59 <= at // g <= cur:
                        c[key] += amount
                windows[f"{w}m" if w < 60 else f"{w // 60}h" + (f"{w % 60}m" if w % 60 else "")] = self.block(c)
            today = dict.fromkeys(COUNTERS, 0)
            for at, key, amount in q.effects:
                if at >= day:
                    today[key] += amount
            queues.append({
                "queue": name,
                "waiting": len(ringing),
                "waiting_over_sl": sum(1 for r in ringing if self.now - r["entry"] > 20000),
                "oldest_waiting_seconds": max([max(0, self.now - r["entry"]) for r in ringing], default=0) / 1000,
                "connected": sum(1 for r in mine if r["state"] in ("talking", "held")),
                "on_hold": sum(1 for r in mine if r["state"] == "held"),
                "in_acw": sum(1 for r in mine if r["state"] == "acw"),
                "last_event_at": q.last,
                "totals": self.block(q.totals, sum(q.expired.values())),
                "windows": windows,
                "today": self.block(today),
            })
        return {"generated_at": self.now, "queues": queues,
                "ingest": {"accepted": self.accepted, "ignored": self.ignored, "rejected": self.rejected}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--timezone", default="UTC")
    parser.add_argument("--max-queues", type=int, default=5000)
    parser.add_argument("--max-active-calls", type=int, default=1_000_000)
    args = parser.parse_args()
    model = Model(args.timezone, args.max_queues, args.max_active_calls)
    for path in args.files:
        with open(path, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
        for _, value in read_values(text):
            if isinstance(value, Reject):
                model.rejected[value.reason] += 1
                continue
            try:
                ev = decode(value)
            except Reject as reject:
                model.rejected[reject.reason] += 1
                continue
            model.process(ev)
    json.dump(model.snapshot(), sys.stdout)


if __name__ == "__main__":
    main()
