#!/usr/bin/env python3
"""Hand-made inputs at the edges of docs/spec/events.md and docs/spec/semantics.md, for the
differential driver (differential.py): every timestamp form and its limits, the rules of
finding the call and reading each field, the input shapes and JSON strictness, and the
transition table's corners (same-millisecond siblings, exact thresholds, expiry and
too_late boundaries).

edge_inputs() returns a list of inputs (bytes): replay reads them as separate files in
order under one clock; the daemon receives each as one request body. Neither side's
expected outcome is written here: the reference model decides it from the spec, and the
driver compares. Usage: edge_cases.py DIR writes them as DIR/edge-NNN.in.
"""
import json
import os
import sys
from datetime import datetime, timezone

T0 = 1795514400000  # 2026-11-24T10:00:00Z
SECOND = 1000


def iso(ms, sep="T", zone="Z"):
    when = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return when.strftime(f"%Y-%m-%d{sep}%H:%M:%S.") + f"{ms % 1000:03d}" + zone


class Raw:
    """JSON text inserted as written (numbers whose exact text matters)."""

    def __init__(self, text):
        self.text = text


def dumps(value):
    """json.dumps with Raw values inserted verbatim."""
    raws = []

    def walk(v):
        if isinstance(v, Raw):
            raws.append(v.text)
            return f"@@RAW{len(raws) - 1}@@"
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    text = json.dumps(walk(value), ensure_ascii=False)
    for i, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{i}@@"', raw, 1)
    return text


ABSENT = object()


def event(call_id, name, t, queue="Edge", qts=ABSENT, call_type=ABSENT, shape="envelope", **fields):
    """A connector message; `fields` override call keys (id, event, CallType, ...),
    ResponseFields keys (rf_X) or MediaProperties keys (mp_X); ABSENT removes a key."""
    media = {"queueName": queue}
    if qts is not ABSENT:
        media["queueTimestamp"] = qts
    if call_type is not ABSENT:
        media["callType"] = call_type
    rf = {"MediaProperties": media, "CallState": None, "DN": None}
    if t is not ABSENT:
        rf["CurrentStateTime"] = iso(t) if type(t) is int else t
    body = {"id": call_id, "event": name, "ResponseFields": rf}
    for key, value in fields.items():
        if key.startswith("rf_"):
            target, key = rf, key[3:]
        elif key.startswith("mp_"):
            target, key = media, key[3:]
        else:
            target = body
        if value is ABSENT:
            target.pop(key, None)
        else:
            target[key] = value
    for key in [k for k, v in body.items() if v is ABSENT]:
        del body[key]
    if shape == "call":
        return body
    if shape == "bare-call":
        return {"call": body}
    message = {"source": "AmazonConnect", "call": body}
    if shape == "message":
        return message
    return {"channel": "Amazon", "topic": "InboundCall", "message": message}


def ndjson(*values, end="\n"):
    return (end.join(v if isinstance(v, str) else dumps(v) for v in values) + end).encode("utf-8")


def nested(levels):
    """A value `levels` containers deep, a scalar at the bottom."""
    value = {"k": 1}
    for _ in range(levels - 1):
        value = [value]
    return value


def edge_inputs():
    inputs = []
    t = T0

    def add(*values, end="\n"):
        inputs.append(ndjson(*values, end=end))

    # The first input sets the clock.
    add(event("clock", "connecting", t, queue="Clock"))

    # -- every accepted timestamp form of CurrentStateTime (the instant t + 0.250 s) ----------
    t += 10 * SECOND
    ms = t + 250
    s = ms // 1000
    forms = [
        iso(ms), iso(ms).replace("T", "t").replace("Z", "z"), iso(ms, sep=" "),
        iso(ms, zone=""), iso(ms)[:-1] + "999999Z", iso(ms)[:-1] + "+00:00", iso(ms)[:-1] + "-00:00",
        iso(ms + 5 * 3600 * SECOND + 1800 * SECOND)[:-1] + "+05:30",
        iso(ms + 5 * 3600 * SECOND + 1800 * SECOND)[:-1] + "+0530",
        iso(ms - 3 * 3600 * SECOND - 1800 * SECOND)[:-1] + "-0330",
        iso(ms + 23 * 3600 * SECOND + 59 * 60 * SECOND)[:-1] + "+23:59",
        iso(ms)[:-5] + ".25Z", iso(ms)[:-5] + ".2500000001Z",
        Raw(f"{s}.25"), Raw(str(ms)), str(ms), f"{s}.250", f"{s}.2509", f"{ms}.9", Raw(f"{ms}.999"),
        Raw(f"{s}.25e0"), Raw(f"{ms / 1000:.5f}e3".replace(".", "", 0)), Raw("1.79551441025e9"),
        Raw(f"{ms}E0"), f"0{s}.25", " \u00a0" + iso(ms) + "\u3000", "\u2029" + str(ms) + "\t",
        Raw(f"{s}.250000000000000000001"),
    ]
    for i, form in enumerate(forms):
        cid = f"ts-{i}"
        add(event(cid, "connecting", form, qts=iso(ms - 30 * SECOND)),
            event(cid, "connected", ms + 12 * SECOND + i))

    # -- bad CurrentStateTime values: rejected, the clock does not move ----------------------
    bad_times = [
        "2026-11-24T10:00:60Z", "2026-11-24T24:00:00Z", "2026-02-29T10:00:00Z", f"{s}.", ".5",
        f"+{s}", "1.7955e9", "１７９５５１４４１０", "2026-11-24T10:00:00+24:00",
        "2026-11-24T10:00:00+05:60", "2026-11-24T10:00:00.Z", "2026-11-24T10:00Z",
        "2026-11-24T10:00:00 Z", True, False, {}, [], {"t": 1}, "0x10", "-1", Raw("-1"),
        Raw("-0.5"), "1969-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "2026-11-24T10:00:00+05",
        "2026-11-24T10:00:00\u200bZ", "٢٠٢٦-١١-٢٤T10:00:00Z", "2026-11-24T10:00:00+5:30",
        "2026-11-24T10:00:00Z+01:00", "2026-11-24T10:00:00,5Z", "2026-11-24T1:00:00Z",
        "2026-1-24T10:00:00Z", "T10:00:00Z", "2026-11-24T10:00:00.Z", "1e3", "NaN", "Infinity",
        "253402300800000", Raw("1" + "0" * 30), "9999-12-31T23:59:59-00:01",
        "1970-01-01T00:00:00+00:01", "2026-11-24T10:00:00.123+", "2026-11-24t10:00:00.5ZZ",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-00T00:00:00Z",
    ]
    add(*[event(f"bad-ts-{i}", "connecting", value) for i, value in enumerate(bad_times)])
    add(*[event(f"bad-qts-{i}", "connecting", ms, qts=value) for i, value in enumerate(bad_times)])

    # -- queue entry times at the edges of the range (they never move the clock) ------------
    t += 60 * SECOND
    edge_qts = [
        "9999-12-31T23:59:59.999Z", Raw("0"), Raw("-0"), "-0", "0", "1970-01-01T00:00:00Z",
        "1969-12-31T23:59:59-00:01", Raw("253402300799999"), "99999999999", "100000000000",
        "253402300799.9999", Raw("253402300800"), Raw("1e2"), Raw("1E+2"), Raw("0.0009"), "0.0009",
        iso(t)[:-5] + ".9999999Z", iso(t + 30 * SECOND), iso(t - 20 * SECOND), iso(t - 20 * SECOND + 1),
        Raw(str(t - 20 * SECOND)), None, "", "  ", "\u3000",
        Raw("0e17"), Raw("0e400"), Raw("0E-400"), Raw("-0e5"), Raw("1e-400"), Raw("1e400"), Raw("-1e-400"),
        Raw("1795514400e0"), Raw("17955144000000e-4"), Raw("0.0e0"),
    ]
    for i, value in enumerate(edge_qts):
        cid = f"qts-{i}"
        add(event(cid, "connecting", t, queue="EdgeWait", qts=value),
            event(cid, "connected", t))
    for i, value in enumerate(edge_qts):  # the same entry times on abandons
        cid = f"qts-ab-{i}"
        add(event(cid, "connecting", t + 1, queue="EdgeAbandon", qts=value),
            event(cid, "dropped", t + 2))

    # -- finding the call -----------------------------------------------------------------
    t += 10 * SECOND
    inner = event("find-1", "connecting", t, shape="call")
    other = event("find-other", "connecting", t, shape="call", queue="FindOther")
    add({"message": None, "call": inner},
        {"message": {"call": event("find-2", "connecting", t, shape="call")}, "call": other},
        {"message": "x", "call": other},
        {"message": {}, "id": "find-3", "event": "connecting"},
        {"message": {"call": None}, "call": other},
        {"call": None, **event("find-4", "connecting", t, shape="call")},
        {"call": [], "id": "find-5", "event": "connecting"},
        {"call": "x"},
        {"id": None, "event": "connecting"},
        {"id": "find-6", "event": None},
        {"id": None, "event": None, "ResponseFields": {"CallState": "connecting"}},
        {"id": "find-7"},
        {"event": "connecting"},
        {"message": {"call": {"id": "find-8", "event": "connecting",
                              "ResponseFields": "not an object"}}},
        {"message": {"call": {"id": "find-9", "event": "connecting",
                              "ResponseFields": {"MediaProperties": [1], "DN": "FromDN",
                                                 "CurrentStateTime": iso(t)}}}},
        {"message": {"call": {"id": "find-10", "event": "connecting",
                              "ResponseFields": {"MediaProperties": None, "CurrentStateTime": iso(t)}}}},
        event("find-11", "connecting", t, shape="message"),
        event("find-12", "connecting", t, shape="bare-call"),
        event("find-13", "connecting", t, shape="call"),
        {"message": {"call": {}}}, {}, [], {"message": [], "call": inner},
        )

    # -- reading each field -----------------------------------------------------------------
    t += 10 * SECOND
    fields = [
        # event names
        dict(event="", rf_CallState="Connecting"), dict(event="bogus", rf_CallState="connecting"),
        dict(event=5), dict(event=True), dict(event=None, rf_CallState=" HOLD "),
        dict(event="connecting\u200b"), dict(event="\u00a0Connecting\u3000"),
        dict(event="CONNECTİNG"), dict(event="connecting\u0085"), dict(event=ABSENT, rf_CallState=ABSENT),
        dict(event="   ", rf_CallState=""), dict(event=["connecting"]), dict(event="Connecting "),
        dict(event="\u180econnecting"),
        # call types
        dict(CallType="OUTBOUND"), dict(CallType="bogus", rf_Type="inbound"), dict(CallType="", rf_Type=" Agent "),
        dict(CallType=None, rf_Type=None, mp_callType="outbound"), dict(CallType=1), dict(CallType=True),
        dict(CallType="in bound"), dict(CallType="  ", rf_Type="\t", mp_callType="agent"),
        dict(CallType="Outbound", rf_Type="bogus"), dict(CallType={"t": "inbound"}),
        # queues
        dict(mp_queueName=Raw("42")), dict(mp_queueName="42"), dict(mp_queueName=ABSENT, rf_DN=Raw("42.0")),
        dict(mp_queueName=Raw("-7")), dict(mp_queueName=Raw("-0")), dict(mp_queueName="\u0085", rf_DN="FromDN"),
        dict(mp_queueName="Q\u0085"), dict(mp_queueName="Q\u0085Z"), dict(mp_queueName="a\u2028b"),
        dict(mp_queueName="\u200bQ"), dict(mp_queueName="é" * 128 + "  "), dict(mp_queueName="é" * 128 + "x"),
        dict(mp_queueName={"name": "x"}), dict(mp_queueName=True), dict(mp_queueName="", rf_DN="Dn"),
        dict(mp_queueName=Raw("1e2")), dict(mp_queueName=Raw("12345678901234567890123456789")),
        dict(mp_queueName="tab\there"), dict(mp_queueName="del\u007f"), dict(mp_queueName="c1\u009f"),
        dict(mp_queueName="  ", rf_DN="  "), dict(mp_queueName=None, rf_DN=Raw("5001")),
        dict(mp_queueName="Café"), dict(mp_queueName="Cafe\u0301"), dict(mp_queueName="zulu"),
        dict(mp_queueName="Zulu"),
        # ids
        dict(id=Raw("1e3")), dict(id=Raw("10.0")), dict(id=Raw("123456789012345678901234567890")),
        dict(id="\t"), dict(id=False), dict(id="a\u007fb"), dict(id="x" * 256), dict(id="x" * 257),
        dict(id=" x" * 100), dict(id=ABSENT), dict(id=None), dict(id=""), dict(id=[1]), dict(id={"id": 1}),
        dict(id="\u3000"), dict(id="a\u2028b"), dict(id=Raw("-5")), dict(id=Raw("1" * 257)),
        # informational fields never reject
        dict(ButtonStates=5, CallVariables="x", ExtendedCallVariables=[1, None], channel=Raw("1.5"),
             rf_Participants="p", rf_Campaign={"a": [True]}, rf_fromAddress=7, unknown={"deep": [[[]]]}),
    ]
    lines = []
    for i, change in enumerate(fields):
        change = dict(change)
        call_id = change.pop("id", f"field-{i}")
        lines.append(event(call_id, change.pop("event", "connecting"), t + i, **change))
    add(*lines)

    # ids: -0, 0 and "-0" (two calls); padded ids; NFC and NFD ids (two calls)
    t += 200 * SECOND
    add(event(Raw("-0"), "connecting", t, queue="Ids"), event(Raw("0"), "connecting", t, queue="Ids"),
        event("-0", "connected", t + 3 * SECOND, queue="Ids"), event(" 0\t", "missed", t + 4 * SECOND, queue="Ids"),
        event("0", "connecting", t + 5 * SECOND, queue="Ids"), event(Raw("00"), "connecting", t, queue="Ids"),
        event("Café", "connecting", t, queue="Ids"), event("Cafe\u0301", "connected", t + SECOND, queue="Ids"),
        event(Raw("12345678901234567890123"), "connecting", t, queue="Ids"),
        event("12345678901234567890123", "connected", t + 2 * SECOND, queue="Ids"))

    # -- input shapes and strictness (each its own input) -----------------------------------
    t += 20 * SECOND
    deep64 = event("deep-64", "connecting", t, queue="Deep")
    deep64["message"]["call"]["CallVariables"] = nested(64 - 3)  # 64 levels in a line
    deep65 = event("deep-65", "connecting", t, queue="Deep")
    deep65["message"]["call"]["CallVariables"] = nested(65 - 3)
    scalar_at_65 = event("deep-scalar", "connecting", t, queue="Deep")
    scalar_at_65["message"]["call"]["CallVariables"] = nested(64 - 3)  # its scalar is the 65th level
    in_array_63 = event("deep-a63", "connecting", t, queue="Deep")
    in_array_63["message"]["call"]["CallVariables"] = nested(63 - 3)  # 64 with the array
    in_array_64 = event("deep-a64", "connecting", t, queue="Deep")
    in_array_64["message"]["call"]["CallVariables"] = nested(64 - 3)  # 65 with the array
    add(deep64, deep65, scalar_at_65)
    # the same depths built from objects, from mixed containers, and with empty innermost ones
    variants = []
    for levels in (63, 64, 65):
        for build in ("objects", "mixed", "empty-array", "empty-object", "wide"):
            inner = {"k": [1, "s", None]} if build in ("objects", "mixed", "wide") else ([] if build == "empty-array" else {})
            value = inner
            inner_levels = 2 if isinstance(inner, dict) and inner else 1
            for depth in range(levels - 3 - inner_levels):
                if build == "objects" or (build == "mixed" and depth % 2):
                    value = {"a": value, "b": 1}
                elif build == "wide":
                    value = [1, value, {"x": []}]
                else:
                    value = [value]
            variant = event(f"deep-{build}-{levels}", "connecting", t, queue="Deep")
            variant["message"]["call"]["CallVariables"] = value  # `levels` levels in the line
            variants.append(variant)
    add(*variants)
    inputs.append(("[" + dumps(in_array_63) + "]").encode())
    inputs.append(("[" + dumps(in_array_64) + ", " + dumps(event("deep-a-sibling", "connecting", t)) + "]").encode())
    inputs.append(b"[" + ndjson(event("bare-64", "connecting", t, queue="Deep"), end="").rstrip() + b"]")
    bare_call_64 = event("bare-call-64", "connecting", t, queue="Deep", shape="call")
    bare_call_64["CallVariables"] = nested(63)  # 64 levels: the call is the outermost value
    add(bare_call_64)
    bare_call_65 = event("bare-call-65", "connecting", t, queue="Deep", shape="call")
    bare_call_65["CallVariables"] = nested(64)
    add(bare_call_65)
    # lone surrogates, valid pairs, invalid UTF-8 (one line of several), NaN
    good = ndjson(event("utf-ok", "connecting", t, queue="Utf")).rstrip(b"\n")
    inputs.append(b"\n".join([
        good.replace(b'"Utf"', b'"\\ud83c\\udfa7 Utf"'),
        ndjson(event("utf-lone", "connecting", t)).rstrip(b"\n").replace(b'"Edge"', b'"\\ud800"'),
        ndjson(event("utf-lone-key", "connecting", t, **{"x": 1})).rstrip(b"\n").replace(b'"x"', b'"\\udc00x"'),
        ndjson(event("utf-bad", "connecting", t)).rstrip(b"\n").replace(b"Edge", b"Ed\xffge"),
        ndjson(event("utf-overlong", "connecting", t)).rstrip(b"\n").replace(b"Edge", b"Ed\xc0\xafge"),
        ndjson(event("utf-surrogate-bytes", "connecting", t)).rstrip(b"\n").replace(b"Edge", b"Ed\xed\xa0\x80ge"),
        ndjson(event("nan", "connecting", t, unknown=Raw("NaN"))).rstrip(b"\n"),
        ndjson(event("inf", "connecting", t, unknown=Raw("-Infinity"))).rstrip(b"\n"),
        ndjson(event("utf-ok-2", "connecting", t, queue="Utf")).rstrip(b"\n"),
    ]) + b"\n")
    # one pretty-printed object (a whole input that is one JSON value), after a BOM and blank lines
    inputs.append(b"\xef\xbb\xbf\n \r\n" + json.dumps(event("pretty", "connecting", t, queue="Shapes"),
                                                      indent=2).encode() + b"\n\n")
    # two values on one line; CRLF and blank lines; form feed and NBSP lines (not JSON white space)
    one = dumps(event("shape-1", "connecting", t, queue="Shapes"))
    two = dumps(event("shape-2", "connecting", t, queue="Shapes"))
    inputs.append((one + " " + two + "\n").encode())
    inputs.append((one + "\r\n\r\n \t\r\n" + two + "\r\n\f\r\n\u00a0\r\n" +
                   dumps(event("shape-3", "connecting", t, queue="Shapes")) + "\r\n").encode())
    inputs.append(("[1, \"x\", null, true, [], " + dumps(event("shape-4", "connecting", t, queue="Shapes")) +
                   "]").encode())
    inputs.append(b"[]")
    inputs.append(b"\xef\xbb\xbf")
    inputs.append(b"\xef\xbb\xbf  \r\n")
    inputs.append(b"\xef\xbb\xbf[ ]")
    inputs.append(b" \r\n\t\n")
    inputs.append(("[" + one + ",").encode())
    inputs.append(b"null\n")
    inputs.append(b"42")
    inputs.append(("\ufeff[" + dumps(event("shape-5", "connecting", t, queue="Shapes")) + "]").encode())
    inputs.append(("[1]\n" + dumps(event("shape-6", "connecting", t, queue="Shapes")) + "\n").encode())
    inputs.append(("\"text\"\n" + dumps(event("shape-7", "connecting", t, queue="Shapes")) + "\n3.5\n").encode())
    inputs.append(("\n\n" + dumps(event("shape-8", "connecting", t, queue="Shapes")) + "   \n").encode())
    inputs.append(("{\"id\": \"shape-9\", \"event\": \"connecting\"}\n{\"id\": \"shape-9\",\n").encode())
    inputs.append(("\ufeff" + dumps(event("shape-10", "connecting", t, queue="Shapes")) + "\n\ufeff" +
                   dumps(event("shape-11", "connecting", t, queue="Shapes")) + "\n").encode())
    inputs.append(("[\n" + one + ",\n\n  " + two + "\n,\n" + "3\n]").encode())
    # CR alone is no line end; U+2028 and NUL are not JSON white space; a lone CR line is blank
    inputs.append((one + "\r" + two + "\n").encode())
    inputs.append((one + "\u2028\n" + two + "\n").encode())
    inputs.append((one + "\n\u0000\n" + two + "\n\r\n").encode())
    inputs.append((one + "\r\r\n" + two).encode())
    # more than 100 errors in one input: counts stay whole, the list stops at 100
    inputs.append(("\n".join(["not json"] * 60 + [one] + ["[]", "7"] * 45) + "\n").encode())

    # -- the transition table's corners ------------------------------------------------------
    t += 20 * SECOND
    q = "Corners"
    add(
        # same-millisecond siblings and duplicates after normalisation
        event("sib", "connecting", t, queue=q), event("sib", "missed", t, queue=q),
        event("sib", "connecting", t, queue=q), event("sib", "Connecting", t, queue=q),
        event("sib", "rejected", t, queue=q), event("sib", "MISSED", t, queue=q),
        event("sib", "connected", t, queue=q), event("sib", "Connected", t, queue=q),
        event("sib", "hold", t, queue=q), event("sib", "connected", t, queue=q),
        event("sib", "dropped", t + 1, queue=q), event("sib", "acw", t + 1, queue=q),
        event("sib", "dropped", t + 1, queue=q), event("sib", "acw", t + 1, queue=q),
        event("sib", "dropped", t + 2, queue=q), event("sib", "dropped", t + 1, queue=q),
        event("sib", "connecting", t + 3, queue=q),
        # exact thresholds: wait 20 s (within), abandons at 5 s (not short) and 20 s (within)
        event("sl-wait", "connecting", t, queue=q, qts=iso(t - 20 * SECOND)),
        event("sl-wait", "connected", t, queue=q),
        event("sl-wait-over", "connecting", t, queue=q, qts=iso(t - 20 * SECOND - 1)),
        event("sl-wait-over", "hold", t, queue=q),
        event("ab-5", "connecting", t - 5 * SECOND, queue=q), event("ab-5", "dropped", t, queue=q),
        event("ab-5-", "connecting", t - 5 * SECOND + 1, queue=q), event("ab-5-", "dropped", t, queue=q),
        event("ab-20", "connecting", t - 20 * SECOND, queue=q), event("ab-20", "dropped", t, queue=q),
        event("ab-20+", "connecting", t - 20 * SECOND - 1, queue=q), event("ab-20+", "dropped", t, queue=q),
        event("ab-neg", "connecting", t, queue=q, qts=iso(t + 30 * SECOND)), event("ab-neg", "dropped", t + 2, queue=q),
        event("w-neg", "missed", t, queue=q, qts=iso(t + 30 * SECOND)), event("w-neg", "connected", t + 2, queue=q),
        # creations by each event name, with and without a queue entry time
        event("c-connected", "connected", t, queue=q), event("c-connected-q", "connected", t, queue=q, qts=iso(t - 7000)),
        event("c-hold", "hold", t, queue=q), event("c-acw", "acw", t, queue=q), event("c-acw", "dropped", t + 9000, queue=q),
        event("c-acw", "dropped", t + 9000, queue=q), event("c-missed", "missed", t - 3000, queue=q),
        event("c-missed", "connected", t, queue=q), event("c-rejected", "rejected", t - 2000, queue=q),
        event("c-rejected", "dropped", t, queue=q), event("c-dropped", "dropped", t, queue=q),
        # outbound and agent calls: no offered/answered/abandoned, but talk, holds, ACW
        event("out-1", "connecting", t, queue=q, CallType="outbound"), event("out-1", "missed", t + 1, queue=q),
        event("out-1", "connecting", t + 2, queue=q), event("out-1", "dropped", t + 3, queue=q),
        event("out-2", "connecting", t, queue=q, CallType="agent"), event("out-2", "hold", t + 5000, queue=q),
        event("out-2", "connected", t + 8000, queue=q), event("out-2", "acw", t + 9000, queue=q),
        event("out-2", "dropped", t + 10000, queue=q),
        # a later event's type and queue do not change the record's
        event("keep", "connecting", t, queue=q), event("keep", "connected", t + 1000, queue="Elsewhere", CallType="outbound"),
        event("keep", "dropped", t + 2000, queue="ElsewhereToo"),
        # untimed events take now
        event("untimed", "connecting", ABSENT, queue=q), event("untimed", "connected", "", queue=q),
        event("untimed", "hold", "  ", queue=q), event("untimed", "connected", None, queue=q),
        # invalid transitions from every state
        event("inv", "acw", t, queue=q, qts=iso(t - 1)), event("inv", "connecting", t + 1, queue=q),
        event("inv", "hold", t + 2, queue=q), event("inv", "dropped", t + 3, queue=q),
        event("inv", "hold", t + 4, queue=q), event("inv", "acw", t + 5, queue=q),
        event("inv2", "connecting", t, queue=q), event("inv2", "acw", t + 1, queue=q),
        event("inv2", "connected", t + 2, queue=q), event("inv2", "connecting", t + 3, queue=q),
        event("inv2", "missed", t + 4, queue=q), event("inv2", "rejected", t + 5, queue=q),
        event("inv2", "dropped", t + 6, queue=q), event("inv2", "connected", t + 7, queue=q),
        event("inv2", "hold", t + 8, queue=q), event("inv2", "dropped", t + 9, queue=q),
        event("inv2", "acw", t + 10, queue=q), event("inv2", "connecting", t + 11, queue=q),
    )

    # -- expiry and too_late boundaries (the clock jumps) -------------------------------------
    t += 60 * SECOND
    q = "Expiry"
    hour = 3600 * SECOND
    add(event("exp-ring", "connecting", t, queue=q), event("exp-ring-2", "connecting", t + 1, queue=q),
        event("exp-talk", "connected", t, queue=q), event("exp-acw", "acw", t, queue=q),
        event("exp-ended", "connected", t, queue=q), event("exp-ended", "dropped", t + 1, queue=q),
        event("exp-closed", "connecting", t, queue=q), event("exp-closed", "dropped", t + 1, queue=q),
        event("exp-wait-sl", "connecting", t + hour - 20 * SECOND, queue=q),
        event("exp-wait-sl2", "connecting", t + hour - 20 * SECOND - 1, queue=q))
    add(event("tick", "connecting", t + hour + 1, queue="Tick"))  # exp-ring: exactly 1 h + 1 ms
    add(event("exp-ring", "connected", t + hour + 1, queue=q),    # expired: starts a new record
        event("exp-ring-2", "connected", t + hour + 1, queue=q),  # exactly 1 h: still ringing
        event("late-exact", "connecting", t + 1, queue=q),        # now - t == 1 h: not too late
        event("late-over", "connecting", t, queue=q),             # too_late
        event("late-drop", "dropped", t, queue=q),                # too_late before unknown_call
        event("exp-closed", "dropped", t + 2, queue=q),           # the record is forgotten
        event("exp-ended", "acw", t + 2, queue="NewQueue"))       # forgotten: a new record
    add(event("tick", "connected", t + 4 * hour + 5, queue="Tick"))
    add(event("exp-talk", "dropped", t + 4 * hour + 5, queue=q))  # connected expired after 4 h
    # the end: a snapshot with calls ringing, over and under the service level
    t += 4 * hour + 10 * SECOND
    add(event("end-ring-1", "connecting", t, queue="End", qts=iso(t - 20 * SECOND)),
        event("end-ring-2", "connecting", t, queue="End", qts=iso(t - 20 * SECOND - 1)),
        event("end-ring-3", "connecting", t, queue="End", qts=iso(t + 5 * SECOND)),
        event("end-out", "connecting", t, queue="End", CallType="outbound"),
        event("end-hold", "hold", t, queue="End"), event("end-acw", "acw", t, queue="End"))
    return inputs


def chaos_inputs(seed, events=400):
    """Random event sequences over a few calls and queues: every event name (in any
    case), same-millisecond and backward times, missing and late queue entry times, untimed
    events, other call types, queue changes, long silences (expiry) and re-used ids. The
    transition table and the ignore rules get far more combinations than real lifecycles
    give. Returns a list of inputs (NDJSON bodies of 1-40 lines)."""
    import random
    rng = random.Random(seed)
    names = ["connecting", "missed", "rejected", "connected", "hold", "acw", "dropped"]
    ids = [f"c{i}" for i in range(14)] + [Raw(str(i)) for i in range(3)]
    queues = ["Q1", "Q2", "Q3", "Q4", None]
    t = T0 + rng.randrange(0, 3600) * SECOND
    lines = []
    for _ in range(events):
        if lines and rng.random() < 0.08:
            lines.append(rng.choice(lines[-10:]))  # re-sent
            continue
        r = rng.random()
        if r < 0.25:
            pass  # the same millisecond
        elif r < 0.35:
            t -= rng.randrange(1, rng.choice([30, 300]) * SECOND)  # backwards
        elif r < 0.40:
            t += rng.randrange(60 * SECOND, 3 * 3600 * SECOND)  # a long silence
        else:
            t += rng.randrange(1, 20 * SECOND)
        name = rng.choice(names)
        spelled = rng.choice([name, name.upper(), name.capitalize()])
        call_id = rng.choice(ids)
        qts = ABSENT
        if rng.random() < 0.4:
            qts = iso(t - rng.randrange(-10 * SECOND, 90 * SECOND))
        kind = rng.choice([ABSENT] * 6 + ["outbound", "agent", "Inbound"])
        when = t if rng.random() < 0.93 else rng.choice([ABSENT, None, ""])
        lines.append(event(call_id, spelled, when, queue=rng.choice(queues), qts=qts, call_type=kind,
                           shape=rng.choice(["envelope", "message", "call", "bare-call"])))
    inputs, i = [], 0
    while i < len(lines):
        size = rng.randrange(1, 41)
        inputs.append(ndjson(*lines[i:i + size]))
        i += size
    return inputs


def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    for i, data in enumerate(edge_inputs()):
        with open(os.path.join(directory, f"edge-{i:03d}.in"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
