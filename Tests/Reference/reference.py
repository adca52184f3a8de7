#!/usr/bin/env python3
"""An independent, deliberately plain model of docs/spec/events.md and docs/spec/semantics.md.

The differential tests feed the same streams to this model and to `callpulse replay` (or
to `callpulse serve --clock event`, body by body) and compare every number. It favours
obviousness over speed: dicts, lists, integer milliseconds, full scans. Each rule carries
the sentence of the spec it implements.

Usage:
  reference.py [--config SETTINGS.json] [--timezone Z] [--max-queues N]
               [--max-active-calls N] FILE...           (prints the snapshot JSON)

SETTINGS.json holds the config keys of docs/spec/interfaces.md that the model needs, with the
same names and meanings as in the YAML config: service_level_seconds,
short_abandon_seconds, service_level_formula, overrides, timezone, default_queue, queues,
windows, expiry, limits (max_queues, max_active_calls). The flags override it.

As a module: `Model(Settings.from_dict(d))`, then `model.ingest(body_bytes)` per input
(a file for replay, a request body for the daemon; returns that input's counts) and
`model.snapshot()`.
"""
import argparse
import json
import re
import sys
from datetime import datetime, timezone
from decimal import Decimal, ROUND_DOWN
from zoneinfo import ZoneInfo

EVENTS = ["connecting", "missed", "connected", "rejected", "hold", "acw", "dropped"]
CALL_TYPES = ["inbound", "outbound", "agent"]
REJECT_REASONS = ["malformed_json", "not_an_object", "missing_call", "missing_id", "bad_id",
                  "missing_event", "unknown_event", "bad_call_type", "bad_queue", "bad_timestamp",
                  "limit"]
IGNORE_REASONS = ["duplicate", "out_of_order", "too_late", "invalid_transition", "unknown_call"]
COUNTERS = ["offered", "answered", "answered_within_sl", "missed", "rejected", "abandoned",
            "short_abandoned", "abandoned_within_sl", "completed", "acw_completed", "holds",
            "wait_count", "wait_seconds_sum", "talk_seconds_sum", "hold_seconds_sum",
            "acw_seconds_sum"]
SECONDS_COUNTERS = ["wait_seconds_sum", "talk_seconds_sum", "hold_seconds_sum", "acw_seconds_sum"]

# "A time before 1970-01-01 or after 9999-12-31 ... is bad_timestamp."
EARLIEST_MS = 0
LATEST_MS = 253402300799999  # 9999-12-31T23:59:59.999Z

# "Unicode white space at both ends is removed": the White_Space property.
UNICODE_WHITE_SPACE = ("\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
                       "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                       "\u2028\u2029\u202f\u205f\u3000")
# JSON white space (RFC 8259): space, tab, LF, CR.
JSON_WHITE_SPACE = " \t\n\r"
DIGITS = "0123456789"


class Reject(Exception):
    """An event rejected with one of REJECT_REASONS. `fields`: the keys of the fields at
    fault (any one of them may be named in the detail); `json_type`: the JSON type of the
    offending value, when the value's type is what is wrong or worth naming."""

    def __init__(self, reason, fields=(), json_type=None):
        super().__init__(reason)
        self.reason = reason
        self.fields = fields
        self.json_type = json_type


def json_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (Decimal, JSONInteger)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null"


class JSONInteger:
    """A JSON integer literal, kept as its text ("its text is taken as written")."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return f"JSONInteger({self.text})"


# ---------------------------------------------------------------------------------------
# docs/spec/events.md, "Input shapes"
# ---------------------------------------------------------------------------------------

def parse_strict_json(data):
    """One JSON value from bytes, or raises Reject('malformed_json').

    "JSON is strict: NaN, Infinity, invalid UTF-8, lone surrogate escapes and nesting
    deeper than 64 levels (the outermost value of the input or line is level 1) are
    malformed_json." Nesting counts containers: a scalar adds no level.
    """
    try:
        text = data.decode("utf-8")  # strict: invalid UTF-8 raises
    except UnicodeDecodeError:
        raise Reject("malformed_json")

    def refuse_constant(name):
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(text, parse_constant=refuse_constant, parse_float=Decimal,
                           parse_int=JSONInteger)
    except (ValueError, RecursionError):
        raise Reject("malformed_json")
    if isinstance(value, (dict, list)):
        check_nesting(value, 1)
    # Python decodes a lone surrogate escape into a lone surrogate character (an escaped
    # pair becomes one character), and a lone surrogate cannot be encoded as UTF-8.
    try:
        json.dumps(value, ensure_ascii=False, default=lambda number: 0).encode("utf-8")
    except UnicodeEncodeError:
        raise Reject("malformed_json")
    return value


def check_nesting(container, level):
    """Nesting counts containers: `container` is at `level`; a scalar adds no level."""
    if level > 64:
        raise Reject("malformed_json")
    for child in (container.values() if isinstance(container, dict) else container):
        if isinstance(child, (dict, list)):
            check_nesting(child, level + 1)


def is_json_blank(data):
    return all(chr(b) in JSON_WHITE_SPACE for b in data)


def read_input(data):
    """The events of one input (a file, or an HTTP body) as a list of
    (index, line, value or Reject), per docs/spec/events.md "Input shapes"."""
    # 1. A UTF-8 byte-order mark at the start is skipped.
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    stripped = data.lstrip(JSON_WHITE_SPACE.encode())
    if not stripped:
        return []
    # 2. '[' first: one JSON array, a batch; not valid JSON as a whole: one malformed_json.
    if stripped[:1] == b"[":
        try:
            values = parse_strict_json(data)
        except Reject as reject:
            return [(0, 1, reject)]
        lines = array_element_lines(data.decode("utf-8"))
        return [(i, lines[i], values[i]) for i in range(len(values))]
    # 3. The whole input is one JSON value: one event.
    try:
        value = parse_strict_json(data)
        first_line = data[: len(data) - len(stripped)].count(b"\n") + 1
        return [(0, first_line, value)]
    except Reject:
        pass
    # 4. NDJSON: every line that is not blank holds one JSON value. CRLF line ends are fine
    #    (CR is JSON white space).
    events = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if is_json_blank(line):
            continue
        try:
            events.append((len(events), number, parse_strict_json(line)))
        except Reject as reject:
            events.append((len(events), number, reject))
    return events


def array_element_lines(text):
    """The line (from 1) on which each element of the top-level array starts."""
    lines = []
    line, depth, in_string, escaped, expecting_element = 1, 0, False, False, False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch in JSON_WHITE_SPACE or ch == "\ufeff":
            continue
        if depth == 1 and expecting_element and ch != "]":
            lines.append(line)
            expecting_element = False
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth == 1:
                expecting_element = True
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 1:
            expecting_element = True
    return lines


# ---------------------------------------------------------------------------------------
# docs/spec/events.md, "Finding the call" and "How each field is read"
# ---------------------------------------------------------------------------------------

def trim(text):
    return text.strip(UNICODE_WHITE_SPACE)


def ascii_lower(text):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def has(obj, key):
    """"A key whose value is null counts as absent"."""
    return isinstance(obj, dict) and obj.get(key) is not None


def first_of(candidates):
    """"The first candidate that is present, not null, and not an empty or
    white-space-only string"; None when there is none."""
    for holder, key in candidates:
        if not isinstance(holder, dict) or key not in holder:
            continue
        value = holder[key]
        if value is None:
            continue
        if isinstance(value, str) and trim(value) == "":
            continue
        return value
    return None


# Unicode category Cc: U+0000-U+001F, U+007F-U+009F.
CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f]")


def read_name(value, reason):
    """Call ids and queue names: "a string, or a JSON integer taken as its decimal
    text; trimmed; at most 256 bytes, no control characters"."""
    if isinstance(value, str):
        text = trim(value)
    elif isinstance(value, JSONInteger):
        text = value.text
    else:
        raise Reject(reason)
    if len(text.encode("utf-8")) > 256 or CONTROL.search(text):
        raise Reject(reason)
    return text


def read_choice(value, choices, reason):
    """Event names and call types: a string, trimmed, matched ignoring ASCII case."""
    if not isinstance(value, str):
        raise Reject(reason)
    text = ascii_lower(trim(value))
    if text not in choices:
        raise Reject(reason)
    return text


def epoch_to_ms(number):
    """"Seconds when the value is below 100,000,000,000, milliseconds otherwise",
    read from its decimal text; finer digits than milliseconds are truncated, then the
    range is checked."""
    millis = number * 1000 if number < 100_000_000_000 else number
    millis = int(millis.to_integral_value(rounding=ROUND_DOWN))
    if millis < EARLIEST_MS or millis > LATEST_MS:
        raise Reject("bad_timestamp")
    return millis


def is_digits(text):
    return text != "" and all(c in DIGITS for c in text)


def epoch_string(text):
    """The form -?digits(.digits)?, or None."""
    body = text[1:] if text.startswith("-") else text
    whole, dot, fraction = body.partition(".")
    if not is_digits(whole) or (dot and not is_digits(fraction)):
        return None
    return Decimal(text)


def rfc3339_to_ms(text):
    """RFC 3339 date-time: `t`/`z` in either case; a space instead of `T`; any number of
    fraction digits; `Z` or a ±hh:mm / ±hhmm offset; no offset means UTC; seconds
    00-59. Returns None when the text is not of that form."""
    if len(text) < 19:
        return None
    date, separator, clock = text[:10], text[10], text[11:]
    if separator not in "Tt ":
        return None
    if not (len(date) == 10 and date[4] == "-" and date[7] == "-"
            and is_digits(date[:4]) and is_digits(date[5:7]) and is_digits(date[8:10])):
        return None
    if not (len(clock) >= 8 and clock[2] == ":" and clock[5] == ":"
            and is_digits(clock[:2]) and is_digits(clock[3:5]) and is_digits(clock[6:8])):
        return None
    hour, minute, second = int(clock[:2]), int(clock[3:5]), int(clock[6:8])
    rest = clock[8:]
    millis = 0
    if rest.startswith("."):
        digits = ""
        rest = rest[1:]
        while rest and rest[0] in DIGITS:
            digits, rest = digits + rest[0], rest[1:]
        if digits == "":
            return None
        millis = int((digits + "00")[:3])  # finer digits truncated
    if rest in ("Z", "z", ""):
        offset_hours, offset_minutes = 0, 0
    elif rest[0] in "+-" and len(rest) == 6 and rest[3] == ":" and is_digits(rest[1:3] + rest[4:6]):
        offset_hours, offset_minutes = int(rest[1:3]), int(rest[4:6])
    elif rest[0] in "+-" and len(rest) == 5 and is_digits(rest[1:5]):
        offset_hours, offset_minutes = int(rest[1:3]), int(rest[3:5])
    else:
        return None
    if offset_hours > 23 or offset_minutes > 59:
        return None
    offset = (offset_hours * 60 + offset_minutes) * (-1 if rest[:1] == "-" else 1)
    if hour > 23 or minute > 59 or second > 59:
        return None
    try:
        day = datetime(int(date[:4]), int(date[5:7]), int(date[8:10]), tzinfo=timezone.utc)
    except ValueError:
        return None
    days = (day - datetime(1970, 1, 1, tzinfo=timezone.utc)).days
    total = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
    return total - offset * 60_000


def read_timestamp(holder, key):
    """An optional timestamp field: None when absent (absent, null, empty or white space
    only); else its time in whole milliseconds, or Reject('bad_timestamp')."""
    value = first_of([(holder, key)])
    if value is None:
        return None
    if isinstance(value, JSONInteger):
        return epoch_to_ms(Decimal(value.text))
    if isinstance(value, Decimal):
        return epoch_to_ms(value)
    if not isinstance(value, str):
        raise Reject("bad_timestamp")  # booleans, objects, arrays
    text = trim(value)
    number = epoch_string(text)
    if number is not None:
        return epoch_to_ms(number)
    millis = rfc3339_to_ms(text)
    if millis is None or millis < EARLIEST_MS or millis > LATEST_MS:
        raise Reject("bad_timestamp")
    return millis


def decode(value):
    """A JSON value -> the event's data, or Reject with the first reason in the table's
    order: not_an_object, missing_call, missing_id, bad_id, missing_event, unknown_event,
    bad_call_type, bad_queue, bad_timestamp."""
    if not isinstance(value, dict):
        raise Reject("not_an_object", (), json_type(value))
    if has(value, "message"):
        message = value["message"]
        call = message.get("call") if isinstance(message, dict) else None
    elif has(value, "call"):
        call = value["call"]
    elif has(value, "id") or has(value, "event"):
        call = value
    else:
        call = None
    if not isinstance(call, dict):
        raise Reject("missing_call")
    fields = call.get("ResponseFields")
    if not isinstance(fields, dict):
        fields = {}
    media = fields.get("MediaProperties")
    if not isinstance(media, dict):
        media = {}

    def at(key, candidate, read):
        """read(candidate), naming `key` and the candidate's JSON type on a rejection."""
        try:
            return read(candidate)
        except Reject as reject:
            raise Reject(reject.reason, (key,), json_type(candidate))

    call_id = first_of([(call, "id")])
    if call_id is None:
        raise Reject("missing_id", ("id",))
    call_id = at("id", call_id, lambda v: read_name(v, "bad_id"))
    event = first_of([(call, "event"), (fields, "CallState")])
    if event is None:
        raise Reject("missing_event", ("event", "CallState"))
    event_key = "event" if first_of([(call, "event")]) is not None else "CallState"
    event = at(event_key, event, lambda v: read_choice(v, EVENTS, "unknown_event"))
    candidates = [(call, "CallType"), (fields, "Type"), (media, "callType")]
    call_type = first_of(candidates)
    if call_type is None:
        call_type = "inbound"
    else:
        key = next(k for h, k in candidates if first_of([(h, k)]) is not None)
        call_type = at(key, call_type, lambda v: read_choice(v, CALL_TYPES, "bad_call_type"))
    queue = first_of([(media, "queueName"), (fields, "DN")])
    if queue is not None:
        key = "queueName" if first_of([(media, "queueName")]) is not None else "DN"
        queue = at(key, queue, lambda v: read_name(v, "bad_queue"))
    # Both timestamps are read; when both are bad the reason is the same, and the detail
    # may name either.
    times, bad = {}, []
    for holder, key in ((media, "queueTimestamp"), (fields, "CurrentStateTime")):
        try:
            times[key] = read_timestamp(holder, key)
        except Reject:
            bad.append(key)
    if bad:
        offending = media.get("queueTimestamp") if bad == ["queueTimestamp"] else fields.get("CurrentStateTime")
        raise Reject("bad_timestamp", tuple(bad), json_type(offending) if len(bad) == 1 else None)
    qts, state_time = times["queueTimestamp"], times["CurrentStateTime"]
    return {"id": call_id, "event": event, "type": call_type, "queue": queue, "qts": qts,
            "t": state_time}


# ---------------------------------------------------------------------------------------
# Settings (docs/spec/interfaces.md, "Config file")
# ---------------------------------------------------------------------------------------

def duration_ms(text):
    """Prometheus-style durations: 500ms, 30s, 5m, 1h30m, 2d, 1w."""
    units = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
    total, number, i = 0, "", 0
    while i < len(text):
        if text[i] in DIGITS:
            number += text[i]
            i += 1
            continue
        unit = "ms" if text[i:i + 2] == "ms" else text[i]
        if number == "" or unit not in units:
            raise ValueError(f"not a duration: {text}")
        total += int(number) * units[unit]
        number = ""
        i += len(unit)
    if number != "":
        raise ValueError(f"not a duration: {text}")
    return total


def window_name(minutes):
    """A window's JSON key in canonical form: 1m, 15m, 1h, 1h30m, 24h."""
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{minutes}m"
    return f"{hours}h" + (f"{rest}m" if rest else "")


def glob_matches(pattern, name):
    """Globs: * ? [abc], case-sensitive, whole name (over Unicode code points)."""
    if pattern == "":
        return name == ""
    head = pattern[0]
    if head == "*":
        return any(glob_matches(pattern[1:], name[i:]) for i in range(len(name) + 1))
    if name == "":
        return False
    if head == "?":
        return glob_matches(pattern[1:], name[1:])
    if head == "[" and "]" in pattern[2:]:
        end = pattern.index("]", 2)
        members = pattern[1:end]
        return name[0] in members and glob_matches(pattern[end + 1:], name[1:])
    return head == name[0] and glob_matches(pattern[1:], name[1:])


def seconds_ms(value):
    return int(round(value * 1000))


class Settings:
    def __init__(self):
        self.service_level_ms = 20_000
        self.short_abandon_ms = 5_000
        self.formula = "standard"
        self.overrides = []  # [{"queues": [...], "service_level_seconds": .., ...}]
        self.timezone = "UTC"
        self.default_queue = "unassigned"
        self.queues = []
        self.windows = [1, 5, 15, 60]  # minutes
        self.expiry = {"ringing": 3_600_000, "connected": 14_400_000, "acw": 3_600_000,
                       "finished": 3_600_000}
        self.max_queues = 5000
        self.max_active_calls = 1_000_000
        self.buckets = {"wait": [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
                        "talk": [30, 60, 120, 180, 300, 600, 900, 1800, 3600],
                        "acw": [10, 30, 60, 120, 180, 300, 600, 1800]}

    @staticmethod
    def from_dict(d):
        s = Settings()
        if "service_level_seconds" in d:
            s.service_level_ms = seconds_ms(d["service_level_seconds"])
        if "short_abandon_seconds" in d:
            s.short_abandon_ms = seconds_ms(d["short_abandon_seconds"])
        s.formula = d.get("service_level_formula", s.formula)
        s.overrides = list(d.get("overrides", []))
        s.timezone = d.get("timezone", s.timezone)
        s.default_queue = d.get("default_queue", s.default_queue)
        s.queues = list(d.get("queues", []))
        if "windows" in d:
            s.windows = [duration_ms(w) // 60_000 for w in d["windows"]]
        for state, text in d.get("expiry", {}).items():
            s.expiry[state] = duration_ms(text)
        limits = d.get("limits", {})
        s.max_queues = limits.get("max_queues", s.max_queues)
        s.max_active_calls = limits.get("max_active_calls", s.max_active_calls)
        s.buckets = dict(s.buckets, **d.get("buckets", {}))
        return s

    def policy(self, queue):
        """"The first override whose glob matches wins as a whole (unset keys: the global
        value)". Returns (service_level_ms, short_abandon_ms, formula)."""
        for override in self.overrides:
            if any(glob_matches(p, queue) for p in override["queues"]):
                return (seconds_ms(override["service_level_seconds"])
                        if "service_level_seconds" in override else self.service_level_ms,
                        seconds_ms(override["short_abandon_seconds"])
                        if "short_abandon_seconds" in override else self.short_abandon_ms,
                        override.get("service_level_formula", self.formula))
        return self.service_level_ms, self.short_abandon_ms, self.formula


# ---------------------------------------------------------------------------------------
# docs/spec/semantics.md
# ---------------------------------------------------------------------------------------

# The transition table: state -> event -> next state. "same": accepted, only the latest
# state time changes; a missing entry: ignored as invalid_transition. None: no record.
TABLE = {
    None: {"connecting": "ringing", "missed": "unanswered", "rejected": "unanswered",
           "connected": "talking", "hold": "held", "acw": "acw"},
    "ringing": {"connecting": "same", "missed": "unanswered", "rejected": "unanswered",
                "connected": "talking", "hold": "held", "dropped": "closed"},
    "unanswered": {"connecting": "ringing", "missed": "unanswered", "rejected": "unanswered",
                   "connected": "talking", "hold": "held", "dropped": "closed"},
    "talking": {"connected": "same", "hold": "held", "acw": "acw", "dropped": "ended"},
    "held": {"connected": "talking", "hold": "same", "acw": "acw", "dropped": "ended"},
    "ended": {"acw": "acw", "dropped": "same"},
    "acw": {"acw": "same", "dropped": "closed"},
    "closed": {},
}
EXPIRY_CLASS = {"ringing": "ringing", "talking": "connected", "held": "connected", "acw": "acw",
                "unanswered": "finished", "ended": "finished", "closed": "finished"}


class Queue:
    def __init__(self, name, policy):
        self.name = name
        self.service_level_ms, self.short_abandon_ms, self.formula = policy
        self.totals = dict.fromkeys(COUNTERS, 0)
        self.expired = {"ringing": 0, "connected": 0, "acw": 0}  # by the state expired from
        self.observations = {"wait": [], "talk": [], "acw": []}  # ms, for the histograms
        self.effects = []  # (attributed at, counter, amount): windows and today sum these
        self.last_event_at = None


class Model:
    def __init__(self, settings=None):
        self.settings = settings or Settings()
        self.zone = ZoneInfo(self.settings.timezone)
        self.queues = {}
        self.calls = {}
        self.now = None
        self.accepted = 0
        self.accepted_by_event = dict.fromkeys(EVENTS, 0)
        self.ignored = dict.fromkeys(IGNORE_REASONS, 0)
        self.rejected = dict.fromkeys(REJECT_REASONS, 0)
        for name in self.settings.queues:
            self.create_queue(name)

    def create_queue(self, name):
        self.queues[name] = Queue(name, self.settings.policy(name))

    # -- inputs ------------------------------------------------------------------------

    def ingest(self, data):
        """One input (file or body). Returns {"accepted", "ignored", "rejected",
        "errors": [(index, line, reason)], "diagnostics": [(fields, json type)]} for it."""
        result = {"accepted": 0, "ignored": 0, "rejected": 0, "errors": [], "diagnostics": []}
        for index, line, value in read_input(data):
            if isinstance(value, Reject):
                kind, outcome = "rejected", value
            else:
                try:
                    kind, outcome = self.process(decode(value))
                except Reject as reject:
                    kind, outcome = "rejected", reject
            if kind == "rejected":
                self.rejected[outcome.reason] += 1
                result["errors"].append((index, line, outcome.reason))
                result["diagnostics"].append((outcome.fields, outcome.json_type))
            elif kind == "ignored":
                self.ignored[outcome] += 1
            else:
                self.accepted += 1
                self.accepted_by_event[outcome] += 1
            result[kind] += 1
        return result

    # -- one event: docs/spec/semantics.md "Processing one event" ---------------------------------

    def process(self, ev):
        """Returns ("accepted", event name), ("ignored", reason) or ("rejected", Reject)."""
        s = self.settings
        # 2. Its time t is its state time; an untimed event takes now (before the event
        #    clock has any time: bad_timestamp).
        t = ev["t"] if ev["t"] is not None else self.now
        if t is None:
            return "rejected", Reject("bad_timestamp", ("CurrentStateTime",))
        # 3. now := max(now, t), for every event that passed validation.
        self.now = t if self.now is None else max(self.now, t)
        # 4. Expire stale records at now. A silent record never changes, so expiring it
        #    when it is next looked at (its own event, a limit check, a snapshot) gives the
        #    same numbers as expiring every record at every event.
        self.expire(ev["id"])
        # 5. duplicate, out_of_order, too_late.
        record = self.calls.get(ev["id"])
        name = ev["event"]
        if record is not None:
            if t == record["last"] and name in record["names"]:
                return "ignored", "duplicate"
            if t < record["last"]:
                return "ignored", "out_of_order"
        elif self.now - t > min(s.expiry.values()):
            return "ignored", "too_late"
        state = record["state"] if record else None
        if record is None and name == "dropped":
            return "ignored", "unknown_call"
        next_state = TABLE[state].get(name)
        if next_state is None:
            return "ignored", "invalid_transition"
        # 6. Creating a record (and maybe a queue): the limits.
        if record is None:
            queue_name = ev["queue"] if ev["queue"] is not None else s.default_queue
            if queue_name not in self.queues and len(self.queues) >= s.max_queues:
                return "rejected", Reject("limit", ("max_queues",))
            if len(self.calls) >= s.max_active_calls:  # cheap bound: closed records count here
                self.expire_all()
                active = sum(1 for r in self.calls.values() if r["state"] != "closed")
                if active >= s.max_active_calls:
                    return "rejected", Reject("limit", ("max_active_calls",))
            if queue_name not in self.queues:
                self.create_queue(queue_name)
            record = {"queue": queue_name, "type": ev["type"], "state": None, "last": t,
                      "names": set(),
                      "queue_entry": ev["qts"] if ev["qts"] is not None else t,
                      "entry_known": ev["qts"] is not None or name in ("connecting", "missed", "rejected"),
                      "talk_since": None, "hold_since": None, "hold_accum": 0, "acw_since": None}
            self.calls[ev["id"]] = record
        # 7. Apply.
        self.apply(record, name, next_state, t)
        return "accepted", name

    def apply(self, record, name, next_state, t):
        queue = self.queues[record["queue"]]
        queue.last_event_at = t if queue.last_event_at is None else max(queue.last_event_at, t)
        if t != record["last"]:
            record["names"] = set()
        record["names"].add(name)
        record["last"] = t
        if next_state == "same":
            return
        before = record["state"]
        inbound = record["type"] == "inbound"

        def count(counter, amount=1):
            queue.totals[counter] += amount
            queue.effects.append((min(t, self.now), counter, amount))

        # Effects, in the order of the table's cells.
        if before is None and next_state != "acw" and inbound:
            count("offered")
        if name == "missed" and inbound:
            count("missed")
        if name == "rejected" and inbound:
            count("rejected")
        if before in (None, "ringing", "unanswered") and next_state in ("talking", "held") and inbound:
            count("answered")
            if record["entry_known"]:
                wait = max(0, t - record["queue_entry"])
                count("wait_count")
                count("wait_seconds_sum", wait)
                queue.observations["wait"].append(wait)
                if wait <= queue.service_level_ms:
                    count("answered_within_sl")
        if before in ("ringing", "unanswered") and next_state == "closed" and inbound:
            count("abandoned")
            a = t - record["queue_entry"]
            if a < queue.short_abandon_ms:
                count("short_abandoned")
            if a <= queue.service_level_ms:
                count("abandoned_within_sl")
        if next_state == "held" and before != "held":
            count("holds")
        if before == "held" and next_state != "held":  # hold ends
            hold = t - record["hold_since"]
            record["hold_accum"] += hold
            count("hold_seconds_sum", hold)
        if before in ("talking", "held") and next_state not in ("talking", "held"):  # talk ends
            talk = t - record["talk_since"] - record["hold_accum"]
            count("talk_seconds_sum", talk)
            queue.observations["talk"].append(talk)
            count("completed")
        if before == "acw" and next_state == "closed":  # acw ends
            acw = t - record["acw_since"]
            count("acw_seconds_sum", acw)
            queue.observations["acw"].append(acw)
            count("acw_completed")
        if next_state in ("talking", "held") and before not in ("talking", "held"):
            record["talk_since"] = t
            record["hold_accum"] = 0
        if next_state == "held" and before != "held":
            record["hold_since"] = t
        if next_state == "acw" and before != "acw":
            record["acw_since"] = t
        record["state"] = next_state

    # -- expiry ------------------------------------------------------------------------

    def expire(self, call_id):
        """"A record whose latest state time is more than its state's limit before now
        (strictly) is expired"; ringing/connected/acw are counted, the rest forgotten."""
        record = self.calls.get(call_id)
        if record is None:
            return
        klass = EXPIRY_CLASS[record["state"]]
        if self.now - record["last"] > self.settings.expiry[klass]:
            if klass != "finished":
                self.queues[record["queue"]].expired[klass] += 1
            del self.calls[call_id]

    def expire_all(self):
        for call_id in list(self.calls):
            self.expire(call_id)

    # -- the snapshot ------------------------------------------------------------------

    def today_start(self):
        """"The first instant whose local date is that day" (the day that holds now)."""
        day = datetime.fromtimestamp(self.now / 1000, self.zone).date()

        def local_date(ms):
            return datetime.fromtimestamp(ms / 1000, self.zone).date()

        # Local dates only grow with time in the zones tested; bisect for the first
        # millisecond of `day`, within the 48 hours before now.
        low, high = self.now - 48 * 3_600_000, self.now  # local_date(high) == day
        while high - low > 1:
            middle = (low + high) // 2
            if local_date(middle) >= day:
                high = middle
            else:
                low = middle
        return high

    def block(self, queue, counters, with_expired=None):
        c = counters
        out = {}
        for key in COUNTERS:
            out[key] = c[key] / 1000 if key in SECONDS_COUNTERS else c[key]
        if with_expired is not None:
            out["expired"] = with_expired

        def ratio(numerator, denominator):
            return None if denominator == 0 else numerator / denominator

        def seconds(numerator_ms, denominator):
            # rounded to the millisecond, half away from zero (all values are >= 0 here)
            if denominator == 0:
                return None
            assert numerator_ms >= 0
            return ((2 * numerator_ms + denominator) // (2 * denominator)) / 1000

        formulas = {
            "standard": (c["answered_within_sl"], c["wait_count"] + c["abandoned"] - c["short_abandoned"]),
            "answered": (c["answered_within_sl"], c["wait_count"]),
            "removed_within": (c["answered_within_sl"] + c["abandoned_within_sl"], c["wait_count"] + c["abandoned"]),
        }
        out["service_level"] = ratio(*formulas[queue.formula])
        out["abandon_rate"] = ratio(c["abandoned"] - c["short_abandoned"],
                                    c["answered"] + c["abandoned"] - c["short_abandoned"])
        out["avg_wait_seconds"] = seconds(c["wait_seconds_sum"], c["wait_count"])
        out["avg_talk_seconds"] = seconds(c["talk_seconds_sum"], c["completed"])
        out["avg_acw_seconds"] = seconds(c["acw_seconds_sum"], c["acw_completed"])
        out["avg_handle_seconds"] = seconds(c["talk_seconds_sum"] + c["hold_seconds_sum"] + c["acw_seconds_sum"],
                                            c["completed"])
        return out

    def snapshot(self):
        """The snapshot (docs/spec/interfaces.md); times as epoch milliseconds (compare.py converts)."""
        if self.now is not None:
            self.expire_all()
        out_queues = []
        for name in sorted(self.queues, key=lambda n: n.encode("utf-8")):
            q = self.queues[name]
            records = [r for r in self.calls.values() if r["queue"] == name]
            ringing = [r for r in records if r["state"] == "ringing" and r["type"] == "inbound"]
            now = self.now if self.now is not None else 0
            windows = {}
            for minutes in self.settings.windows:
                g = minutes * 60_000 // 60
                current = now // g
                sums = dict.fromkeys(COUNTERS, 0)
                for at, key, amount in q.effects:
                    if current - 59 <= at // g <= current:
                        sums[key] += amount
                windows[window_name(minutes)] = self.block(q, sums)
            start = self.today_start() if self.now is not None else 0
            today = dict.fromkeys(COUNTERS, 0)
            for at, key, amount in q.effects:
                if at >= start:
                    today[key] += amount
            out_queues.append({
                "queue": name,
                "waiting": len(ringing),
                "waiting_over_sl": sum(1 for r in ringing if now - r["queue_entry"] > q.service_level_ms),
                "oldest_waiting_seconds": max([max(0, now - r["queue_entry"]) for r in ringing], default=0) / 1000,
                "connected": sum(1 for r in records if r["state"] in ("talking", "held")),
                "on_hold": sum(1 for r in records if r["state"] == "held"),
                "in_acw": sum(1 for r in records if r["state"] == "acw"),
                "last_event_at": q.last_event_at,
                "service_level_seconds": seconds_value(q.service_level_ms),
                "short_abandon_seconds": seconds_value(q.short_abandon_ms),
                "service_level_formula": q.formula,
                "totals": self.block(q, q.totals, sum(q.expired.values())),
                "windows": windows,
                "today": self.block(q, today),
            })
        return {"generated_at": self.now, "clock": "event", "timezone": self.settings.timezone,
                "queues": out_queues,
                "ingest": {"accepted": self.accepted, "ignored": dict(self.ignored),
                           "rejected": dict(self.rejected)}}


def metrics(model):
    """The Prometheus series the model knows (docs/spec/interfaces.md, "/metrics"), after a snapshot's
    expiry: {(name, ((label, value), ...)): value}. Times in seconds."""
    out = {}

    def put(name, value, **labels):
        out[(name, tuple(sorted(labels.items())))] = value

    if model.now is not None:
        model.expire_all()  # as before a snapshot
    now = model.now if model.now is not None else 0
    for name, q in model.queues.items():
        records = [r for r in model.calls.values() if r["queue"] == name]
        ringing = [r for r in records if r["state"] == "ringing" and r["type"] == "inbound"]
        put("callpulse_queue_waiting_calls", len(ringing), queue=name)
        put("callpulse_queue_waiting_over_sl_calls",
            sum(1 for r in ringing if now - r["queue_entry"] > q.service_level_ms), queue=name)
        put("callpulse_queue_oldest_waiting_seconds",
            max([max(0, now - r["queue_entry"]) for r in ringing], default=0) / 1000, queue=name)
        if q.last_event_at is not None:
            put("callpulse_queue_last_event_timestamp_seconds", q.last_event_at / 1000, queue=name)
        put("callpulse_queue_connected_calls", sum(1 for r in records if r["state"] in ("talking", "held")), queue=name)
        put("callpulse_queue_on_hold_calls", sum(1 for r in records if r["state"] == "held"), queue=name)
        put("callpulse_queue_acw_calls", sum(1 for r in records if r["state"] == "acw"), queue=name)
        for counter in ["offered", "answered", "answered_within_sl", "missed", "rejected", "abandoned",
                        "short_abandoned", "abandoned_within_sl", "completed"]:
            put(f"callpulse_queue_{counter}_calls_total", q.totals[counter], queue=name)
        put("callpulse_queue_holds_total", q.totals["holds"], queue=name)
        put("callpulse_queue_hold_seconds_total", q.totals["hold_seconds_sum"] / 1000, queue=name)
        for state, n in q.expired.items():
            put("callpulse_queue_expired_calls_total", n, queue=name, state=state)
        for kind in ("wait", "talk", "acw"):
            values = q.observations[kind]
            for bound in model.settings.buckets[kind]:
                le = repr(float(bound))
                put(f"callpulse_queue_{kind}_seconds_bucket", sum(1 for v in values if v <= bound * 1000),
                    queue=name, le=le)
            put(f"callpulse_queue_{kind}_seconds_bucket", len(values), queue=name, le="+Inf")
            put(f"callpulse_queue_{kind}_seconds_count", len(values), queue=name)
            put(f"callpulse_queue_{kind}_seconds_sum", sum(values) / 1000, queue=name)
        put("callpulse_queue_service_level_threshold_seconds", q.service_level_ms / 1000, queue=name)
    for event, n in model.accepted_by_event.items():
        put("callpulse_events_accepted_total", n, event=event)
    for reason, n in model.ignored.items():
        put("callpulse_events_ignored_total", n, reason=reason)
    for reason, n in model.rejected.items():
        put("callpulse_events_rejected_total", n, reason=reason)
    for state in ["ringing", "unanswered", "talking", "held", "ended", "acw", "closed"]:
        put("callpulse_active_calls", sum(1 for r in model.calls.values() if r["state"] == state), state=state)
    put("callpulse_queues", len(model.queues))
    return out


def seconds_value(ms):
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--config", help="settings as JSON (the config keys the model needs)")
    parser.add_argument("--timezone")
    parser.add_argument("--max-queues", type=int)
    parser.add_argument("--max-active-calls", type=int)
    args = parser.parse_args()
    d = {}
    if args.config:
        with open(args.config) as f:
            d = json.load(f)
    if args.timezone:
        d["timezone"] = args.timezone
    limits = dict(d.get("limits", {}))
    if args.max_queues is not None:
        limits["max_queues"] = args.max_queues
    if args.max_active_calls is not None:
        limits["max_active_calls"] = args.max_active_calls
    d["limits"] = limits
    model = Model(Settings.from_dict(d))
    for path in args.files:
        with open(path, "rb") as f:
            model.ingest(f.read())
    json.dump(model.snapshot(), sys.stdout)


if __name__ == "__main__":
    main()
