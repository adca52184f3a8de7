#!/usr/bin/env python3
"""Regenerates the seed corpus of the differential fuzz target (Fuzz/corpus/differential/).

    scripts/seed_differential_corpus.py [--gen ../shared/tools/gen.py]

Three families of small inputs, deterministic:
  gen-*    slices of ../shared/tools/gen.py streams: every fault level, both shapes, midnight
           crossings in several zones, unusual --queue names (single lines, runs of lines
           with the stream's BOM/CRLF, whole small array batches, array elements alone);
  form-*   every form docs/spec/events.md names, in every field position, in every call shape
           (envelope, message only, {"call": ...}, bare call) and input shape (NDJSON, array,
           one pretty-printed object): timestamps, ids, event names, call types, queues;
  edge-*   hand-made strictness and input-shape edges (depth 63/64/65, BOM, CRLF, escaped and
           duplicate keys, surrogates, invalid UTF-8, NaN, white space, control characters).
Files the fuzzer found (found-*) are kept; gen-*, form-* and edge-* are rewritten.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fuzz", "corpus", "differential")
BOM = b"\xef\xbb\xbf"


def load_gen(path: str):
    spec = importlib.util.spec_from_file_location("gen", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen"] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


class Corpus:
    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.seen: set[bytes] = set()

    def add(self, name: str, data: bytes) -> None:
        if data in self.seen or not data.strip():
            return
        self.seen.add(data)
        assert name not in self.files, name
        self.files[name] = data


# ---------------------------------------------------------------------------
# gen.py streams
# ---------------------------------------------------------------------------

GEN_RUNS = (
    [dict(faults=f, shape="ndjson", seed=s) for f in range(4) for s in (1, 2, 3)]
    + [dict(faults=f, shape="array", seed=s) for f in range(4) for s in (1, 2)]
    + [dict(faults=2, seed=10 + i, cross_midnight=True, midnight_zone=z)
       for i, z in enumerate(["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham",
                              "Australia/Lord_Howe"])]
    + [dict(faults=1, seed=20, queue_names=("Zürich ☎ Hotline", "007", "Ünï" * 40,
                                           "x" * 256, "Line\u2028Sep", "\u05e2\u05d1\u05e8\u05d9\u05ea"))]
    + [dict(faults=1, seed=21, plain=True), dict(faults=3, seed=22, shape="array",
                                                 queue_names=("0", "-1", "Q \"quoted\""))]
)


def gen_slices(gen, corpus: Corpus) -> None:
    for number, run in enumerate(GEN_RUNS):
        args = dict(calls=3 if run.get("shape") == "array" else 6, queues=3, span_ms=20 * 60 * 1000)
        args.update(run)
        if "queue_names" in args:
            args["queue_names"] = tuple(args["queue_names"])
        data = gen.generate(gen.Options(**args))
        rng = random.Random(number)
        tag = f"gen-{number:02d}-f{args['faults']}-{args.get('shape', 'ndjson')}"
        if args.get("shape") == "array":
            corpus.add(f"{tag}-batch.json", data)
            start = 3 if data.startswith(BOM) else 0
            for k, element in enumerate(json.loads(data[start:].decode("utf-8", "surrogateescape"))[:6]):
                corpus.add(f"{tag}-element{k}.json",
                           json.dumps(element, ensure_ascii=k % 2 == 0).encode("utf-8", "surrogateescape"))
            continue
        head = BOM if data.startswith(BOM) else b""
        body = data[len(head):]
        end = b"\r\n" if b"\r\n" in body else b"\n"
        lines = body.split(end)
        picks = sorted(rng.sample(range(len(lines)), min(5, len(lines))))
        for k in picks:
            corpus.add(f"{tag}-line{k:03d}.ndjson", lines[k])
        for k in range(3):  # runs of lines, as sent (the first keeps the stream's BOM)
            first = 0 if k == 0 else rng.randrange(len(lines))
            chunk = end.join(lines[first:first + rng.randrange(2, 6)]) + end
            corpus.add(f"{tag}-run{k}.ndjson", (head if first == 0 else b"") + chunk)


# ---------------------------------------------------------------------------
# Every form in every field position
# ---------------------------------------------------------------------------

def base_call() -> dict:
    return {"id": "3f1c2a9e-7b41-4c8a-9a55-0c7d2e11b9a0", "event": "connecting", "CallType": "inbound",
            "ResponseFields": {"MediaProperties": {"callType": "inbound", "queueName": "Billing",
                                                   "queueTimestamp": "2026-11-24T10:15:02.120Z"},
                               "CallState": "connecting", "Type": "inbound",
                               "CurrentStateTime": "2026-11-24T10:15:09.870Z", "DN": "Billing"}}


def shaped(call_text: str, shape: str) -> str:
    if shape == "envelope":
        return ('{"channel":"Amazon","topic":"InboundCall","subtopic":"InboundCallStateChange",'
                '"message":{"source":"AmazonConnect","call":%s}}' % call_text)
    if shape == "message":
        return '{"message":{"source":"AmazonConnect","call":%s}}' % call_text
    if shape == "call":
        return '{"call":%s}' % call_text
    return call_text


SHAPES = ["envelope", "message", "call", "bare"]
PLACEHOLDER = '"@@VALUE@@"'
DELETE = object()

# Raw JSON texts per field position: every form docs/spec/events.md names, valid and invalid.
TIMESTAMP_FORMS = [
    "1795514473", "1795514473123", "1795514473.123", "1795514473.5", "1795514473.1239999",
    "1795514473123.9", "1.795514473123e9", "1795514473123E-3", "1.795514473123e+12", "0", "-0",
    "0.0009", "-0.0009", "99999999999", "99999999999.9999", "100000000000", "253402300799.999",
    "253402300799999", "253402300800", "253402300800000", "-1", "-1795514473", "-1e12", "1e400",
    "1e-400", "123456789012345678901234567890", "1E11", "1e10",
    '"1795514473"', '"1795514473123"', '"1795514473.123"', '"001795514473"', '"-0"', '"-1"',
    '" \\u00a0 1795514473\\u3000"', '"1.795514473e9"', '"+1795514473"', '"1795514473."', '".5"',
    '"1,795,514,473"', '"0x6745"',
    '"2026-11-24T10:01:13Z"', '"2026-11-24t10:01:13.123z"', '"2026-11-24 10:01:13.123"',
    '"2026-11-24T10:01:13.1"', '"2026-11-24T10:01:13.123456789012Z"', '"2026-11-24T15:31:13.123+05:30"',
    '"2026-11-24T06:31:13.123-0330"', '"\\t2026-11-24T10:01:13Z\\n"', '"1970-01-01T00:00:00Z"',
    '"1969-12-31T23:30:00-01:00"', '"1970-01-01T00:30:00+01:00"', '"9999-12-31T23:59:59.999Z"',
    '"9999-12-31T23:59:59-00:01"', '"1969-12-31T23:59:59.999Z"', '"2026-11-24T10:01:60Z"',
    '"2024-02-29T10:01:13Z"', '"2026-02-29T10:01:13Z"', '"2026-11-24T24:00:00Z"', '"2026-11-24T10:01:13+24:00"',
    '"2026-11-24T10:01:13+05:3"', '"2026-11-24T10:01:13 Z"', '"2026-11-24T10:01:13.Z"', '"2026-11-24T10:01Z"',
    '"2026-11-24"', '"10000-01-01T00:00:00Z"', '"0000-01-01T00:00:00Z"',
    "true", "false", "{}", "[1795514473]", "null", '""', '" \\t"',
]
NAME_FORMS = [  # ids and queues
    '"Billing"', '"  Billing\\u00a0"', '"\\u3000Bil\\u200bling\\u2029"', '"B\\u0000"', '"B\\u0007x"',
    '"B\\u007fx"', '"B\\u0085x"', '"B\\u009fx"', '"B\\u00a0x"', '"\\u0085B\\u000b"', '"Café"', '"Cafe\\u0301"',
    '"🎧 Helpdesk"', '"\\ud83c\\udfa7"', '"%s"' % ("é" * 128), '"%s"' % ("é" * 128 + "x"), '"%s"' % ("L" * 256),
    '"%s"' % ("L" * 257), '" %s "' % ("L" * 256), "5001", "-0", "0", "-5", "123456789012345678901234567890",
    "5001.0", "5.001e3", "1e2", "true", "{}", "[]", "null", '""', '"   "', '"\\n"',
]
EVENT_FORMS = [
    '"connecting"', '"Connecting"', '"CONNECTING"', '"missed"', '"MISSED"', '"connected"', '"Rejected"',
    '"hold"', '"HoLd"', '"ACW"', '"acw"', '"Dropped"', '" dropped\\u00a0"', '"drop"', '"connécting"',
    '"ACW\\u0000"', '"k\\u212a"', "1", "true", "{}", "null", '""', '"  "',
]
TYPE_FORMS = ['"inbound"', '"Inbound"', '"OUTBOUND"', '"agent"', '" Agent\\t"', '"internal"', '"in bound"',
              "1", "false", "[]", "null", '""', '" "']

# (file tag, path of keys in the call, forms, other paths emptied so this one counts)
POSITIONS = [
    ("id", ["id"], NAME_FORMS, []),
    ("event", ["event"], EVENT_FORMS, [["ResponseFields", "CallState"]]),
    ("callstate", ["ResponseFields", "CallState"], EVENT_FORMS, [["event"]]),
    ("calltype", ["CallType"], TYPE_FORMS, []),
    ("rftype", ["ResponseFields", "Type"], TYPE_FORMS, [["CallType"]]),
    ("mptype", ["ResponseFields", "MediaProperties", "callType"], TYPE_FORMS,
     [["CallType"], ["ResponseFields", "Type"]]),
    ("queuename", ["ResponseFields", "MediaProperties", "queueName"], NAME_FORMS, []),
    ("dn", ["ResponseFields", "DN"], NAME_FORMS, [["ResponseFields", "MediaProperties", "queueName"]]),
    ("queuets", ["ResponseFields", "MediaProperties", "queueTimestamp"], TIMESTAMP_FORMS, []),
    ("statetime", ["ResponseFields", "CurrentStateTime"], TIMESTAMP_FORMS, []),
]


def call_with(path, others, emptied_as) -> dict:
    call = base_call()
    for other in others:
        node = call
        for key in other[:-1]:
            node = node[key]
        if emptied_as is DELETE:
            del node[other[-1]]
        else:
            node[other[-1]] = emptied_as
    node = call
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "@@VALUE@@"
    return call


def event_text(path, others, form: str, shape: str, emptied_as=DELETE, ensure_ascii=True) -> str:
    call = json.dumps(call_with(path, others, emptied_as), separators=(",", ":"), ensure_ascii=ensure_ascii)
    return shaped(call.replace(PLACEHOLDER, form), shape)


def form_files(corpus: Corpus) -> None:
    for tag, path, forms, others in POSITIONS:
        # NDJSON: every form in every call shape, two forms (eight lines) per file.
        lines = []
        for k, form in enumerate(forms):
            for s, shape in enumerate(SHAPES):
                emptied = [DELETE, None, "", " \u00a0"][(k + s) % 4]
                lines.append(event_text(path, others, form, shape, emptied, ensure_ascii=(k + s) % 3 != 0))
        for part in range(0, len(lines), 8):
            corpus.add(f"form-{tag}-{part // 8:02d}.ndjson", ("\n".join(lines[part:part + 8]) + "\n").encode())
        # Arrays: every form once, shapes rotating, a few per batch.
        elements = [event_text(path, others, form, SHAPES[k % 4]) for k, form in enumerate(forms)]
        for part in range(0, len(elements), 8):
            corpus.add(f"form-{tag}-batch{part // 8:02d}.json",
                       ("[\n" + ",\n".join(elements[part:part + 8]) + "\n]").encode())
        # One pretty-printed single object per form family and shape.
        for s, shape in enumerate(SHAPES):
            form = forms[(s * 7) % len(forms)]
            call = json.dumps(call_with(path, others, DELETE))
            pretty = json.dumps(json.loads(shaped(call, shape)), indent=2, ensure_ascii=False)
            corpus.add(f"form-{tag}-pretty-{shape}.json", ("\n" + pretty.replace(PLACEHOLDER, form) + "\n").encode())


# ---------------------------------------------------------------------------
# Hand-made edges
# ---------------------------------------------------------------------------

def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def nested_full(levels: int) -> str:
    """`levels` containers, the innermost not empty (simdjson treats empty ones differently)."""
    return "[" * (levels - 1) + '{"k":1}' + "]" * (levels - 1)


def edge_files(corpus: Corpus) -> None:
    ok = '{"id":"a","event":"hold"}'
    env = lambda extra: '{"message":{"call":{"id":"d","event":"hold","CallVariables":%s}}}' % extra
    edges: dict[str, bytes] = {}
    for total in (63, 64, 65):
        edges[f"depth{total}-line.ndjson"] = (env(nested(total - 3)) + "\n").encode()
        edges[f"depth{total}-lines.ndjson"] = (ok + "\n" + env(nested(total - 3)) + "\n" + ok + "\n").encode()
        edges[f"depth{total}-batch.json"] = ("[" + env(nested(total - 4)) + "]").encode()
        edges[f"depth{total}-bare.json"] = nested(total).encode()
        edges[f"depth{total}-objects.json"] = ('{"a":' * (total - 1) + "{}" + "}" * (total - 1)).encode()
        edges[f"depth{total}-full-line.ndjson"] = (env(nested_full(total - 3)) + "\n").encode()
        edges[f"depth{total}-full-lines.ndjson"] = (ok + "\n" + env(nested_full(total - 3)) + "\r\n" + ok).encode()
        edges[f"depth{total}-full-batch.json"] = ("[" + env(nested_full(total - 4)) + ",\n" + ok + "]").encode()
        edges[f"depth{total}-full-bare.json"] = nested_full(total).encode()
        edges[f"depth{total}-full-multiline.json"] = ('{"id":"m",\n"event":"hold",\n"x":' + nested_full(total - 1) + "}").encode()
        edges[f"depth{total}-multiline.json"] = ('{"id":"m",\n"event":"hold",\n"x":' + nested(total - 1) + "}").encode()
    edges["depth64-empty-inner.json"] = ("[" * 64 + "]" * 64).encode()
    edges["depth65-empty-inner-batch.json"] = ("[" + env("[" * 62 + "{}" + "]" * 62) + "]").encode()
    edges["bom-single.json"] = BOM + ok.encode()
    edges["bom-batch.json"] = BOM + ("\r\n [" + ok + " ,\r\n" + ok + "]\r\n").encode()
    edges["bom-twice.ndjson"] = BOM + BOM + ok.encode()
    edges["bom-later-line.ndjson"] = (ok + "\n").encode() + BOM + (ok + "\n").encode()
    edges["crlf-blank.ndjson"] = (ok + "\r\n\r\n \t\r\n" + ok + "\r\n\r\n").encode()
    edges["lone-cr.ndjson"] = (ok + "\r" + ok + "\n" + ok).encode()
    edges["ndjson-scalars.ndjson"] = b'1\n"s"\nnull\ntrue\n[]\n{}\n{x\n' + ok.encode()
    edges["two-arrays.json"] = ("[" + ok + "]\n[" + ok + "]").encode()
    edges["array-trailing-comma.json"] = ("[" + ok + ",]").encode()
    edges["array-then-garbage.json"] = ("[" + ok + "] x").encode()
    edges["array-strings-with-brackets.json"] = (
        '[{"id":"x,]","event":"hold"} , {"id":"y\\"]","event":"hold"},\n"[",{"id":"{","event":"hold"}]').encode()
    edges["array-empty.json"] = b" [ ] "
    edges["first-line-broken.ndjson"] = ("{oops\n" + ok + "\n").encode()
    edges["object-over-lines.json"] = b'\n\n{\n"id": "a",\n"event":\n"hold"\n}\n\n'
    edges["object-then-line.ndjson"] = ('{"id":"a",\n"event":"hold"}\n' + ok).encode()
    edges["escaped-keys.json"] = (
        '{"\\u006d\\u0065ssage":{"c\\u0061ll":{"\\u0069d":"e","ev\\u0065nt":"hold","ResponseFields":'
        '{"MediaProperties":{"queue\\u004eame":"Q","queueTimestamp":1795514473.5},'
        '"Curr\\u0065ntStateTime":1795514473123,"D\\u004e":"D"}}}}').encode()
    edges["escaped-keys-numbers.ndjson"] = (
        '{"message":{"call":{"id":1,"event":"hold","ResponseFields":{"C\\u0075rrentStateTime":1795514473}}}}\n'
        '{"\\u0063all":{"\\u0069d":-0,"event":"hold","ResponseFields":{"MediaProperties":'
        '{"queue\\u0054imestamp":1.795514473e9}}}}\n').encode()
    edges["duplicate-keys.ndjson"] = "\n".join([
        '{"id":"a","id":"b","event":"hold"}',
        '{"id":"a","event":"bogus","event":"hold"}',
        '{"message":null,"message":{"call":{"id":"m","event":"hold"}}}',
        '{"message":{"call":{"id":"m","event":"hold"}},"message":null}',
        '{"call":{"id":"c","event":"hold"},"call":5}',
        '{"id":"r","event":"hold","ResponseFields":5,"ResponseFields":{"CurrentStateTime":true}}',
        '{"id":"r","event":"hold","ResponseFields":{"MediaProperties":{"queueTimestamp":1},'
        '"MediaProperties":{"queueTimestamp":true}}}',
        '{"id":"r","event":"hold","ResponseFields":{"CurrentStateTime":1795514473,"CurrentStateTime":"x"}}',
        '{"message":{"call":{"id":"q","event":"hold","ResponseFields":{"MediaProperties":'
        '{"queueTimestamp":1795514473,"queueTimestamp":true}}}}}',
        '{"id":"a","event":"hold","id":null}',
        '{"id":null,"id":"a","event":"hold"}',
    ]).encode()
    edges["finding-the-call.ndjson"] = "\n".join([
        '{"message":null,"call":{"id":"a","event":"hold"}}', '{"message":{"call":null},"id":"a","event":"hold"}',
        '{"message":5,"id":"a","event":"hold"}', '{"message":{},"id":"a"}', '{"call":[]}', '{"call":null,"id":"b"}',
        '{"id":null,"event":null}', '{"id":null,"event":"hold"}', '{"event":"hold"}', '{"id":"a"}', '{}',
        '{"channel":"Amazon"}', '{"message":{"call":{"id":"a","event":"hold","ResponseFields":null}}}',
        '{"call":{"id":"a","ResponseFields":{"CallState":"hold","MediaProperties":[]}}}',
        '{"call":{"id":"a","event":"hold","ResponseFields":{"MediaProperties":"x","CurrentStateTime":1795514473}}}',
    ]).encode()
    edges["strictness.ndjson"] = "\n".join([
        '{"id":NaN,"event":"hold"}', '{"id":Infinity,"event":"hold"}', '{"id":-Infinity,"event":"hold"}',
        '{"id":"\\ud800","event":"hold"}', '{"id":"\\udc00","event":"hold"}', '{"id":"\\ud800\\u0041","event":"hold"}',
        '{"id":"\\ud800\\ud800","event":"hold"}', '{"id":"\\udbff\\udfff","event":"hold"}',
        '{"id":"a\\x","event":"hold"}', '{"id":"\\u00G0","event":"hold"}', '{"id":01,"event":"hold"}',
        '{"id":1.,"event":"hold"}', '{"id":.5,"event":"hold"}', '{"id":+1,"event":"hold"}', '{"id":1e,"event":"hold"}',
        '{"id":-,"event":"hold"}', '{"id":"a","event":"hold",}', "{'id':'a','event':'hold'}",
        '{"id":"a" "event":"hold"}', '{"id":"a","event":"hold"}}', '{"id":"a","event":tru}', '{"id":"a","event":nul}',
        '{"id":"a",\u000b"event":"hold"}', '{"id":"a","event":"hold"}\u00a0', '{"id":"a","event":"ho\tld"}',
        '{"id":"a","event":"hold","x":1e999999999999}', '{"id":"a","event":"hold","x":-0.0e-0}',
    ]).encode()
    edges["invalid-utf8.ndjson"] = b"\n".join(
        b'{"id":"a' + bad + b'","event":"hold"}' for bad in
        [b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80", b"\xff", b"\xf8\x88\x80\x80\x80",
         b"\xe0\x80\xaf", b"\xc2", b"\xef\xbf\xbf", b"\xf0\x9f\x8e\xa7", b"\xc2\x85"]) + b"\n" + \
        b'{"id":"a","event":"hold"}\xff\n' + b'\xef\xbb{"id":"a","event":"hold"}'
    edges["control-chars.ndjson"] = "\n".join([
        '{"id":"a\\u0000","event":"hold"}', '{"id":"\\u0009a\\u000d","event":"hold"}', '{"id":"a\\u001fb","event":"hold"}',
        '{"id":"a\\u007f","event":"hold"}', '{"id":"a\\u0080b","event":"hold"}', '{"id":"a\u0085b","event":"hold"}',
        '{"id":"\u0085a\u0085","event":"hold"}', '{"id":"a\u009f","event":"hold"}', '{"id":"a\u00a0\u00a0b","event":"hold"}',
        '{"id":"a","event":"hold","ResponseFields":{"DN":"Q\\u001b[31m"}}',
        '{"id":"a","event":"hold","ResponseFields":{"DN":"\\u000bQ\\u000c"}}',
        '{"id":"a","event":"hold\\u0000"}', '{"id":"a","event":"hold","CallType":"agent\\u0000"}',
    ]).encode("utf-8")
    edges["white-space.ndjson"] = "\n".join(
        '{"id":"%sa%s","event":"%shold%s"}' % (ws, ws, ws, ws) for ws in
        ["\\u0009", "\\u000a", "\\u000b", "\\u000c", "\\u000d", "\\u0020", "\\u0085", "\\u00a0", "\\u1680",
         "\\u2000", "\\u2005", "\\u200a", "\\u200b", "\\u2028", "\\u2029", "\\u202f", "\\u205f", "\\u3000",
         "\\ufeff", "\\u180e", "\u00a0\u3000", "\u2029 \u0085"]).encode("utf-8")
    edges["lengths.ndjson"] = "\n".join([
        '{"id":"%s","event":"hold"}' % ("a" * 256), '{"id":"%s","event":"hold"}' % ("a" * 257),
        '{"id":" %s\\u3000","event":"hold"}' % ("a" * 256), '{"id":"%s","event":"hold"}' % ("\u00e9" * 128),
        '{"id":"%s","event":"hold"}' % ("\u00e9" * 128 + "a"), '{"id":"%s","event":"hold"}' % ("\U0001F3A7" * 64),
        '{"id":"%s","event":"hold"}' % ("\\ud83c\\udfa7" * 65), '{"id":%s,"event":"hold"}' % ("9" * 256),
        '{"id":%s,"event":"hold"}' % ("9" * 257), '{"id":-%s,"event":"hold"}' % ("9" * 255),
        '{"id":"a","event":"hold","ResponseFields":{"DN":"%s"}}' % ("q" * 256),
        '{"id":"a","event":"hold","ResponseFields":{"DN":"%s"}}' % ("q" * 257),
        '{"id":"a","event":"hold","ResponseFields":{"MediaProperties":{"queueName":"%s"}}}' % ("\u00fc" * 129),
    ]).encode("utf-8")
    edges["numbers-everywhere.ndjson"] = "\n".join([
        '{"id":1,"event":"hold","ResponseFields":{"CurrentStateTime":%s,"MediaProperties":{"queueTimestamp":%s}}}'
        % (a, b) for a, b in [("1795514473", "1795514473000"), ("1795514473.999999", "-0.0"), ("1e11", "99999999999e0"),
                              ("0.1795514473e10", "17955144730000e-1"), ("253402300799.9999", "253402300799999.9"),
                              ("-0.00000001", "1E+3"), ("1e-1000000000", "0e1000000000")]
    ]).encode()
    edges["empty.ndjson"] = b""
    edges["only-space.ndjson"] = b" \r\n\t\n"
    edges["only-bom.json"] = BOM
    for name, data in edges.items():
        if data.strip(b" \r\n\t"):
            corpus.add("edge-" + name, data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gen", default=os.path.join(ROOT, "..", "shared", "tools", "gen.py"))
    args = parser.parse_args()
    corpus = Corpus()
    if os.path.exists(args.gen):
        gen_slices(load_gen(args.gen), corpus)
    else:
        print(f"note: {args.gen} not found; gen-* files left as they are", file=sys.stderr)
    form_files(corpus)
    edge_files(corpus)
    os.makedirs(OUT, exist_ok=True)
    keep_gen = not os.path.exists(args.gen)
    for name in os.listdir(OUT):
        if name.startswith(("form-", "edge-")) or (name.startswith("gen-") and not keep_gen):
            os.remove(os.path.join(OUT, name))
    for name, data in sorted(corpus.files.items()):
        with open(os.path.join(OUT, name), "wb") as handle:
            handle.write(data)
    total = sum(len(d) for d in corpus.files.values())
    digest = hashlib.sha256(b"".join(n.encode() + d for n, d in sorted(corpus.files.items()))).hexdigest()[:12]
    print(f"{len(corpus.files)} files, {total} bytes, digest {digest} -> {os.path.relpath(OUT, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
