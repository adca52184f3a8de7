#!/usr/bin/env python3
"""Differential test over generated traffic: callpulse against the reference model.

    differential.py --binary .build/debug/callpulse --gen ../shared/tools/gen.py
                    [--streams 44] [--daemon-streams 44] [--seed 1] [--summary FILE] [--keep DIR]

For each of --streams streams of ../shared/tools/gen.py (seeds and every option: --faults
0..3, --shape ndjson|array, --cross-midnight in several --midnight-zones, unusual --queue
names, --span, a day whose midnight is skipped) under one of several configs (defaults;
overrides, windows, time zones, expiry, default queue, preset queues and limits):

1. replay: `callpulse replay --config C FILE...` (some from stdin, some split in two files
   under one clock) against reference.py fed the same files: every number of the JSON
   snapshot, every series of `--format prometheus` the model knows, and the rejections on
   stderr (line, reason, and a detail naming the field at fault and the value's real type).
2. daemon (the first --daemon-streams streams): `callpulse serve --clock event` on
   127.0.0.1, the stream posted in batches (NDJSON, JSON arrays, single objects, gzip,
   bodies over max_body_bytes), each answer's status, reason, accepted/ignored/rejected
   counts and errors (index, line, reason, detail) against the model fed the same bodies,
   then GET /api/v1/queues and GET /metrics against the model. The event clock makes the
   daemon's numbers a function of its input, like replay's; the live clock would tie them
   to the wall clock.

Then the same for the hand-made edge cases of edge_cases.py (as separate inputs, and as
bodies) under three configs, and the spec's worked examples (../shared/examples) for the
model and replay against their expected snapshots.

Prints "differential: N streams through replay, M through the daemon, ... D differences"
and exits 1 on any difference. Standard library only.
"""
import argparse
import concurrent.futures
import glob
import gzip
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import compare  # noqa: E402
import edge_cases  # noqa: E402
import reference  # noqa: E402

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu",
         "Australia/Lord_Howe"]

# Config variants: the YAML the product reads is written from these dicts, and the model
# reads the same dicts (reference.Settings.from_dict).
CONFIGS = {
    "default": None,
    "paris-overrides": {
        "timezone": "Europe/Paris",
        "service_level_seconds": 30,
        "overrides": [
            {"queues": ["S*", "*Q*", "🎧*"], "service_level_seconds": 10,
             "service_level_formula": "answered"},
            {"queues": ["[BCR]*", "Queue 00?"], "short_abandon_seconds": 2,
             "service_level_formula": "removed_within"},
            {"queues": ["*"], "short_abandon_seconds": 8},
        ],
        "windows": ["2m", "30m", "1h30m", "24h"],
    },
    "newyork-expiry": {
        "timezone": "America/New_York",
        "service_level_seconds": 15,
        "short_abandon_seconds": 3,
        "service_level_formula": "removed_within",
        "expiry": {"ringing": "10m", "connected": "30m", "acw": "5m", "finished": "20m"},
        "default_queue": "Fallback ☎",
        "queues": ["Preset", "Billing", "zulu"],
        "overrides": [{"queues": ["Fallback*", "Preset", "[0123456789]*", "?"], "service_level_seconds": 0,
                       "short_abandon_seconds": 0, "service_level_formula": "standard"}],
    },
    "kathmandu-limits": {
        "timezone": "Asia/Kathmandu",
        "limits": {"max_queues": 4, "max_active_calls": 12, "max_body_bytes": "24KiB"},
        "queues": ["Standby"],
        "windows": ["1m", "7m", "1h"],
    },
    "lordhowe-fractional": {
        "timezone": "Australia/Lord_Howe",
        "service_level_seconds": 12.5,
        "short_abandon_seconds": 4.25,
        "overrides": [{"queues": ["*e*"], "service_level_seconds": 45.5,
                       "service_level_formula": "answered"}],
        "windows": ["3m", "45m", "2h", "24h"],
        "buckets": {"wait": [1, 2.5, 20, 3600], "acw": [15]},
    },
    "kolkata-short": {
        "timezone": "Asia/Kolkata",
        "expiry": {"ringing": "2m", "connected": "1h", "acw": "90s", "finished": "3m"},
        "limits": {"max_queues": 50, "max_active_calls": 30},
        "windows": ["1m", "10m", "1h", "6h"],
    },
    # Tiny expiry limits, windows and limits for the random sequences of edge_cases.py.
    "chaos": {
        "expiry": {"ringing": "1m", "connected": "3m", "acw": "2m", "finished": "90s"},
        "limits": {"max_queues": 4, "max_active_calls": 10},
        "windows": ["1m", "2m", "5m"],
        "service_level_seconds": 10,
        "short_abandon_seconds": 3,
        "overrides": [{"queues": ["Q1"], "service_level_formula": "removed_within"}],
    },
    # Midnight is skipped here on 2026-09-06 (00:00 -04 becomes 01:00 -03): `today`
    # starts at the first instant of the day, 04:00Z.
    "santiago-gap": {
        "timezone": "America/Santiago",
        "windows": ["1m", "15m", "1h", "24h"],
    },
}

# The configs the hand-made edge cases run under.
EDGE_CONFIGS = ["default", "newyork-expiry", "kathmandu-limits"]

# Unusual --queue names: glob metacharacters, padding (trimmed), digits (a DN integer),
# scripts, 256-byte names, JSON/URL/YAML metacharacters.
UNUSUAL_QUEUES = ["a*b?[c]", "  spaced out  ", "0042", "-7", "null", 'q"uote\\slash', "日本語キュー",
                  "é" * 128, "x" * 256, "👩‍💻 team", "[unclosed", "%41%2F#?", "Ω ﬁ", "*", "true",
                  "colon: yaml", "Queue 001"]


def plan(count, base_seed):
    """The streams: (name, gen arguments, config name), covering every option."""
    rng = random.Random(base_seed)
    names = list(CONFIGS)
    streams = []
    for i in range(count):
        seed = base_seed * 1000 + i
        config = names[i % len(names)]
        settings = CONFIGS[config] or {}
        args = ["--seed", str(seed), "--calls", str(50 + (i * 37) % 71),
                "--queues", str(3 + i % 5), "--faults", str(i % 4),
                "--shape", "array" if i % 3 == 2 else "ndjson",
                "--span", ["30m", "2h", "5h", "90m", "3h"][i % 5]]
        if config == "santiago-gap":
            args += ["--start", "2026-09-06T02:%02d:00Z" % (i % 60)]
        elif i % 4 in (0, 1):
            zone = settings.get("timezone", ZONES[i % len(ZONES)]) if i % 8 < 4 else ZONES[(i // 2) % len(ZONES)]
            args += ["--cross-midnight", "--midnight-zone", zone]
        elif i % 4 == 2:
            args += ["--no-cross-midnight"]
        if i % 3 == 0:
            for name in rng.sample(UNUSUAL_QUEUES, 2):
                args += ["--queue", name]
        if i % 11 == 10:
            args += ["--plain"]
        streams.append((f"stream {i}", args, config))
    return streams


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------

def yaml_scalar(value):
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a YAML double-quoted scalar
    return json.dumps(value)


def yaml_config(settings):
    """Block YAML for one config dict (the keys of docs/spec/interfaces.md)."""
    out = []
    for key, value in settings.items():
        if key == "overrides":
            out.append("overrides:")
            for override in value:
                first = True
                for k, v in override.items():
                    text = "[" + ", ".join(yaml_scalar(x) for x in v) + "]" if k == "queues" else yaml_scalar(v)
                    out.append(("  - " if first else "    ") + f"{k}: {text}")
                    first = False
        elif key == "windows":
            out.append("windows: [" + ", ".join(value) + "]")
        elif key == "queues":
            out.append("queues: [" + ", ".join(yaml_scalar(x) for x in value) + "]")
        elif key == "buckets":
            out.append("buckets: { " + ", ".join(f"{k}: [" + ", ".join(map(str, v)) + "]"
                                                 for k, v in value.items()) + " }")
        elif key in ("expiry", "limits"):
            out.append(f"{key}: {{ " + ", ".join(f"{k}: {v}" for k, v in value.items()) + " }")
        else:
            out.append(f"{key}: {yaml_scalar(value)}")
    return "\n".join(out) + "\n"


def run(command, timeout=120, stdin=None):
    return subprocess.run(command, capture_output=True, timeout=timeout, input=stdin)


STDERR_LINE = re.compile(r"^(.*):(\d+): ([a-z_]+): (.+)$")
TYPE_PHRASES = {"boolean": "a boolean", "number": "a number", "string": "a string", "object": "an object",
                "array": "an array", "null": "null"}


def diagnostic_problem(detail, diagnostic):
    """"Every diagnostic names the real type and field": the detail names one of the
    fields at fault, and any JSON type it names ("not a boolean", "is a number") is the
    offending value's."""
    fields, value_type = diagnostic
    if fields and not any(field in detail for field in fields):
        return f"detail {detail!r} names none of {list(fields)}"
    if value_type:
        named = [t for t, phrase in TYPE_PHRASES.items()
                 if re.search(r"\b(not|is) " + re.escape(phrase) + r"\b", detail)]
        if named and value_type not in named:
            return f"detail {detail!r} names the type {named}, but the value is {value_type}"
    return None


def parse_exposition(text):
    """Prometheus text exposition -> {(name, ((label, value), ...)): value}."""
    series = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        i = 0
        while i < len(line) and line[i] not in "{ ":
            i += 1
        name, labels = line[:i], {}
        if i < len(line) and line[i] == "{":
            i += 1
            while line[i] != "}":
                equals = line.index("=", i)
                key, i = line[i:equals].strip(" ,"), equals + 2  # past ="
                value = []
                while line[i] != '"':
                    if line[i] == "\\":
                        i += 1
                        value.append({"n": "\n", "\\": "\\", '"': '"'}.get(line[i], "\\" + line[i]))
                    else:
                        value.append(line[i])
                    i += 1
                labels[key] = "".join(value)
                i += 1
                while line[i] in ", ":
                    i += 1
            i += 1
        series[(name, tuple(sorted(labels.items())))] = float(line[i:].split()[0])
    return series


def metric_differences(text, expected, where):
    """Every series the model knows must be exposed with its value; a modelled family must
    have no other series."""
    try:
        got = parse_exposition(text)
    except (ValueError, IndexError) as error:
        return [f"{where}: exposition does not parse: {error}"]
    problems = []
    families = {name for name, _ in expected}
    for key, value in expected.items():
        if key not in got:
            problems.append(f"{where}: {key[0]}{dict(key[1])} missing (model {value})")
        elif abs(got[key] - value) > 1e-9 * max(1, abs(value)):
            problems.append(f"{where}: {key[0]}{dict(key[1])} = {got[key]}, model {value}")
    for key in got:
        if key[0] in families and key not in expected:
            problems.append(f"{where}: unexpected series {key[0]}{dict(key[1])}")
    return problems


def replay_rejections(stderr, paths):
    """`FILE:LINE: REASON: detail` lines -> [(file index, line, reason)], [detail]."""
    out, details = [], []
    for text in stderr.decode("utf-8", "replace").split("\n"):
        if not text:
            continue
        m = STDERR_LINE.match(text)
        if not m or m.group(1) not in paths or m.group(3) not in reference.REJECT_REASONS:
            out.append((None, None, text))
            details.append("")
        else:
            out.append((paths.index(m.group(1)), int(m.group(2)), m.group(3)))
            details.append(m.group(4))
    return out, details


def split_array_elements(text):
    """The exact text of each element of a top-level JSON array."""
    elements, depth, in_string, escaped, start = [], 0, False, False, None
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
            if depth == 1 and start is None:
                start = i
        elif ch in "[{":
            if depth == 1 and start is None:
                start = i
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0 and start is not None:
                elements.append(text[start:i].rstrip(" \t\r\n"))
                start = None
        elif ch == "," and depth == 1:
            elements.append(text[start:i].rstrip(" \t\r\n"))
            start = None
        elif depth == 1 and start is None and ch not in " \t\r\n":
            start = i
    return elements


def minify(text):
    """JSON text without white space outside strings (one NDJSON line)."""
    out, in_string, escaped = [], False, False
    for ch in text:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch not in " \t\r\n":
            out.append(ch)
    return "".join(out)


def is_plain_json(line):
    try:
        json.loads(line.decode("utf-8"))
        return True
    except ValueError:
        return False


CONTENT_TYPES = ["application/x-ndjson", "application/jsonl", None, "application/json"]


def batches(data, rng):
    """The stream as request bodies: [(body, content type, gzip?, form)]."""
    out = []
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = data[len(bom):]
    if text.lstrip(b" \t\r\n").startswith(b"["):
        try:
            elements = [e.encode("utf-8") for e in split_array_elements(text.decode("utf-8"))]
        except UnicodeDecodeError:
            return [(data, "application/json", False, "array")]
        i = 0
        while i < len(elements):
            chunk = elements[i:i + rng.choice([1, 2, 5, 12, 30, 60])]
            i += len(chunk)
            r = rng.random()
            if len(chunk) == 1 and r < 0.5:
                body, form, ctype = chunk[0], "object", "application/json"
            elif r < 0.25:
                body = b"\n".join(minify(c.decode("utf-8")).encode("utf-8") for c in chunk) + b"\n"
                form, ctype = "ndjson", rng.choice(CONTENT_TYPES)
            else:
                body, form, ctype = b"[\n" + b",\n".join(chunk) + b"\n]", "array", "application/json"
            out.append(((bom if not out else b"") + body, ctype, rng.random() < 0.3, form))
        return out
    lines = text.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    i = 0
    while i < len(lines):
        chunk = lines[i:i + rng.choice([1, 3, 8, 20, 45, 80])]
        i += len(chunk)
        content = [line.rstrip(b"\r") for line in chunk if line.strip(b" \t\r")]
        r = rng.random()
        if content and r < 0.2 and all(is_plain_json(line) for line in content) \
                and not content[0].startswith(b"["):
            body, form, ctype = b"[" + b",\n".join(content) + b"]", "array", "application/json"
        elif len(content) == 1 and r < 0.4:
            body, form, ctype = content[0], "object", rng.choice([None, "application/json"])
        else:
            body, form, ctype = b"\n".join(chunk) + b"\n", "ndjson", rng.choice(CONTENT_TYPES)
        out.append(((bom if not out else b"") + body, ctype, rng.random() < 0.3, form))
    return out


class Daemon:
    """`callpulse serve --clock event` on 127.0.0.1, an ephemeral port read from its log."""

    def __init__(self, binary, config_path, directory, state_dir=None, generation=0):
        self.log_path = os.path.join(directory, f"serve-{generation}.log")
        self.log = open(self.log_path, "wb")
        command = [binary, "serve", "--listen", "127.0.0.1:0", "--clock", "event"]
        if config_path:
            command += ["--config", config_path]
        if state_dir:
            command += ["--state-dir", state_dir]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = None
        deadline = time.monotonic() + 20
        while self.port is None:
            with open(self.log_path, "rb") as f:
                m = re.search(rb"listening on https?://127\.0\.0\.1:(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
            elif self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("callpulse serve did not start: " + open(self.log_path).read())
            else:
                time.sleep(0.01)
        # /-/ready: 200 once state is restored and events are accepted (503 before).
        while True:
            try:
                status = self.request("GET", "/-/ready")[0]
            except OSError as error:  # a daemon that dies or stops while starting: say why, with its log
                self.stop()
                raise RuntimeError(f"callpulse serve broke the /-/ready request ({error}), exit "
                                   f"{self.process.returncode}: " + open(self.log_path).read()) from error
            if status == 200:
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("callpulse serve never became ready: " + open(self.log_path).read())
            time.sleep(0.01)

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


# ---------------------------------------------------------------------------------------
# the two comparisons
# ---------------------------------------------------------------------------------------

class Totals:
    def __init__(self):
        self.replay_streams = 0
        self.examples = 0
        self.edge_runs = 0
        self.daemon_streams = 0
        self.differences = 0
        self.events = 0
        self.batches = {"ndjson": 0, "array": 0, "object": 0, "gzip": 0, "too_large": 0}
        self.rejected = dict.fromkeys(reference.REJECT_REASONS, 0)
        self.ignored = dict.fromkeys(reference.IGNORE_REASONS, 0)
        self.accepted = 0
        self.restarts = 0
        self.chaos_runs = 0

    def merge(self, other):
        for key in ("replay_streams", "examples", "edge_runs", "daemon_streams", "differences", "events",
                    "accepted", "restarts", "chaos_runs"):
            setattr(self, key, getattr(self, key) + getattr(other, key))
        for mine, theirs in ((self.batches, other.batches), (self.rejected, other.rejected),
                             (self.ignored, other.ignored)):
            for key, value in theirs.items():
                mine[key] += value

    def count_model(self, model):
        """The model's outcomes on the generated streams (replay), so a run shows that every
        rejection and ignore reason occurred."""
        self.events += model.accepted + sum(model.ignored.values()) + sum(model.rejected.values())
        self.accepted += model.accepted
        for k, v in model.rejected.items():
            self.rejected[k] += v
        for k, v in model.ignored.items():
            self.ignored[k] += v


def settings_for(config):
    return reference.Settings.from_dict(CONFIGS[config] or {})


def replay_one(binary, name, args, config, paths, config_path, totals, report, stdin=False, prometheus=True):
    """`callpulse replay` of `paths` (or of the one path fed on stdin as `-`) against the model."""
    command = [binary, "replay"] + (["--config", config_path] if config_path else [])
    if stdin:
        with open(paths[0], "rb") as f:
            result = run(command + ["-"], stdin=f.read())
    else:
        result = run(command + paths)
    names = ["-"] if stdin else paths  # the FILE of stderr's FILE:LINE: REASON: detail
    model = reference.Model(settings_for(config))
    expected_rejections, diagnostics = [], []
    for number, path in enumerate(paths):
        with open(path, "rb") as f:
            outcome = model.ingest(f.read())
        expected_rejections += [(number, line, reason) for _, line, reason in outcome["errors"]]
        diagnostics += outcome["diagnostics"]
    snapshot = model.snapshot()
    problems = []
    if result.returncode != 0:
        problems.append(f"replay exited {result.returncode}: {result.stderr.decode(errors='replace')[-500:]}")
    else:
        problems += compare.differences(json.loads(result.stdout), snapshot)
        # --strict: any rejection makes replay exit 1.
        strict = run(command + ["--strict"] + paths)
        want = 1 if sum(model.rejected.values()) else 0
        if strict.returncode != want:
            problems.append(f"replay --strict exited {strict.returncode}, want {want} "
                            f"({sum(model.rejected.values())} rejections)")
        if prometheus:
            exposition = run(command + ["--format", "prometheus"] + paths)
            problems += metric_differences(exposition.stdout.decode("utf-8"), reference.metrics(model),
                                           "replay --format prometheus")
        got, details = replay_rejections(result.stderr, names)
        if got != expected_rejections:
            extra = [g for g in got if g not in expected_rejections][:5]
            missing = [e for e in expected_rejections if e not in got][:5]
            problems.append(f"stderr rejections: {len(got)} listed, model {len(expected_rejections)}; "
                            f"unexpected {extra}, missing {missing}")
        else:
            for where, detail, diagnostic in zip(got, details, diagnostics):
                problem = diagnostic_problem(detail, diagnostic)
                if problem:
                    problems.append(f"stderr {names[where[0]]}:{where[1]}: {where[2]}: {problem}")
    report(name, "replay", args, config, problems)
    return model


def body_limit(config):
    """limits.max_body_bytes (default 8 MiB), in bytes."""
    text = str(((CONFIGS[config] or {}).get("limits") or {}).get("max_body_bytes", "8MiB"))
    units = {"KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}
    for unit, size in units.items():
        if text.endswith(unit):
            return int(text[:-len(unit)]) * size
    return int(text)


def daemon_one(binary, name, args, config, bodies, config_path, directory, totals, report, restart_at=None):
    """Posts `bodies` [(body, content type, gzip?, form)] to a fresh daemon, in order. With
    `restart_at`, the daemon keeps a state directory and is stopped (SIGTERM) and started
    again before that body: the counters, records and clock must survive the restart."""
    model = reference.Model(settings_for(config))
    limit = body_limit(config)
    state_dir = os.path.join(directory, "state") if restart_at is not None else None
    daemon = Daemon(binary, config_path, directory, state_dir)
    problems = []
    try:
        for number, (body, ctype, zipped, form) in enumerate(bodies):
            if number == restart_at:
                code = daemon.stop()
                if code != 0:
                    problems.append(f"callpulse serve --state-dir exited {code} on SIGTERM before batch {number}")
                daemon = Daemon(binary, config_path, directory, state_dir, generation=1)
                totals.restarts += 1
            too_large = len(body) > limit  # the decoded body counts (spec-silent for gzip)
            expected = None if too_large else model.ingest(body)
            headers = {}
            if ctype:
                headers["Content-Type"] = ctype
            payload = body
            if zipped:
                headers["Content-Encoding"] = "gzip"
                payload = gzip.compress(body, mtime=0)
                totals.batches["gzip"] += 1
            totals.batches[form] += 1
            status, reply = daemon.request("POST", "/api/v1/events", payload, headers)
            where = f"batch {number} ({form}{', gzip' if zipped else ''}, {len(body)} bytes)"
            if too_large:
                # "Bodies over max_body_bytes: 413, nothing applied."
                totals.batches["too_large"] += 1
                if status != 413 or b'"error"' not in reply:
                    problems.append(f"{where}: status {status} over max_body_bytes {limit}, not 413: {reply[:200]!r}")
                continue
            want_status = 200 if expected["accepted"] + expected["ignored"] > 0 else 400
            try:
                answer = json.loads(reply)
            except ValueError:
                problems.append(f"{where}: status {status}, not JSON: {reply[:200]!r}")
                continue
            if status != want_status:
                problems.append(f"{where}: status {status}, model {want_status}: {reply[:300]!r}")
            elif status == 400:
                # docs/spec/interfaces.md: reason empty_body, all_rejected, or the single reason of a
                # one-event body. A body with no event at all ("[]", a BOM alone) is
                # empty_body (spec-silent for "[]"; the sensible reading).
                events = expected["rejected"]
                want = ({"empty_body"} if events == 0 else
                        {expected["errors"][0][2]} if events == 1 else {"all_rejected"})
                if answer.get("reason") not in want or not answer.get("error"):
                    problems.append(f"{where}: 400 with reason {answer.get('reason')!r}, model {sorted(want)}")
            for key in ("accepted", "ignored", "rejected"):
                if answer.get(key) != expected[key]:
                    problems.append(f"{where}: {key} {answer.get(key)}, model {expected[key]}")
            got_errors = [(e.get("index"), e.get("line"), e.get("reason")) for e in answer.get("errors", [])]
            if got_errors != expected["errors"][:100]:
                problems.append(f"{where}: errors {got_errors[:6]}, model {expected['errors'][:6]}")
            else:
                for error, diagnostic in zip(answer.get("errors", []), expected["diagnostics"]):
                    problem = diagnostic_problem(str(error.get("detail") or ""), diagnostic)
                    if problem or not error.get("detail"):
                        problems.append(f"{where}: error {error.get('index')} ({error.get('reason')}): "
                                        f"{problem or 'no detail'}")
            if len(problems) > 20:
                break
        status, reply = daemon.request("GET", "/api/v1/queues")
        if status != 200:
            problems.append(f"GET /api/v1/queues: status {status}")
        else:
            problems += compare.differences(json.loads(reply), model.snapshot())
        # Each queue by its percent-encoded name.
        for queue in model.snapshot()["queues"]:
            path = "/api/v1/queues/" + urllib.parse.quote(queue["queue"], safe="")
            status, reply = daemon.request("GET", path)
            if status != 200:
                problems.append(f"GET {path}: status {status}")
            else:
                problems += compare.queue_differences(json.loads(reply), queue)
        status, reply = daemon.request("GET", "/metrics")
        problems += metric_differences(reply.decode("utf-8"), reference.metrics(model), "GET /metrics")
    finally:
        code = daemon.stop()
    if code != 0:
        problems.append(f"callpulse serve exited {code} on SIGTERM")
    report(name, "daemon", args, config, problems)


class Context:
    """What every job needs (picklable, for the worker processes)."""

    def __init__(self, args, config_paths, work):
        self.binary, self.gen, self.seed = args.binary, args.gen, args.seed
        self.daemon_streams, self.keep, self.verbose = args.daemon_streams, args.keep, args.verbose
        self.config_paths, self.work = config_paths, work


def job(context, task):
    """One stream, example or edge-case run: returns (Totals, printed lines)."""
    totals, lines = Totals(), []

    def report(name, way, gen_args, config, problems):
        totals.differences += len(problems)
        if context.verbose or problems:
            lines.append(f"{name} ({way}, config {config}): {len(problems)} differences"
                         f"  [gen.py {' '.join(map(repr, gen_args))}]")
        lines.extend("    " + line for line in problems[:12])

    kind = task[0]
    if kind == "stream":
        _, index, name, gen_args, config = task
        config_path = context.config_paths[config]
        directory = os.path.join(context.work, f"s{index}")
        os.makedirs(directory)
        stream = os.path.join(directory, "stream.in")
        generated = run([sys.executable, context.gen] + gen_args + ["--out", stream])
        if generated.returncode != 0:
            report(name, "gen.py", gen_args, config, [f"gen.py failed: {generated.stderr.decode()}"])
            return totals, lines
        with open(stream, "rb") as f:
            data = f.read()
        paths = [stream]
        if index % 5 == 4 and b"\n" in data and not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
            # Several inputs are read in order under one clock.
            halves = data.split(b"\n")
            half = len(halves) // 2
            paths = [os.path.join(directory, "part1.in"), os.path.join(directory, "part2.in")]
            with open(paths[0], "wb") as f:
                f.write(b"\n".join(halves[:half]) + b"\n")
            with open(paths[1], "wb") as f:
                f.write(b"\n".join(halves[half:]))
        model = replay_one(context.binary, name, gen_args, config, paths, config_path, totals, report,
                           stdin=index % 7 == 3 and len(paths) == 1)
        totals.count_model(model)
        totals.replay_streams += 1
        if index < context.daemon_streams:
            totals.daemon_streams += 1
            bodies = batches(data, random.Random(context.seed * 7919 + index))
            daemon_one(context.binary, name, gen_args, config, bodies, config_path, directory, totals, report,
                       restart_at=len(bodies) // 2 if index % 4 == 1 else None)
        if totals.differences and context.keep:
            kept = os.path.join(context.keep, f"s{index}")
            shutil.copytree(directory, kept, dirs_exist_ok=True)
            if config_path:
                shutil.copy(config_path, kept)
            lines.append(f"    kept in {kept}")
    elif kind == "example":
        # The spec's worked examples: the model and replay against the expected snapshots,
        # so the model is checked against the spec's own numbers too.
        expected_path = task[1]
        stream = expected_path.replace(".expected.json", ".ndjson")
        with open(expected_path) as f:
            expected = json.load(f)
        model = reference.Model()
        with open(stream, "rb") as f:
            model.ingest(f.read())
        # (the expected file stands where callpulse's output usually does)
        problems = ["model against the expected file: " + p
                    for p in compare.differences(expected, model.snapshot())]
        result = run([context.binary, "replay", stream])
        problems += ["replay against the expected file: " + p
                     for p in compare.differences(json.loads(result.stdout), model.snapshot())]
        totals.examples += 1
        report(os.path.basename(stream), "example", [], "default", problems)
    else:
        # The hand-made edge cases (or random sequences), as separate inputs (replay) and
        # bodies (daemon).
        config = task[1]
        inputs = edge_cases.edge_inputs() if kind == "edge" else edge_cases.chaos_inputs(task[2])
        directory = os.path.join(context.work, f"{kind}-{config}-{task[2] if kind == 'chaos' else ''}")
        os.makedirs(directory)
        paths = []
        for number, data in enumerate(inputs):
            paths.append(os.path.join(directory, f"edge-{number:03d}.in"))
            with open(paths[-1], "wb") as f:
                f.write(data)
        name = f"edge cases ({len(inputs)} inputs)" if kind == "edge" else f"chaos {task[2]} ({len(inputs)} inputs)"
        config_path = context.config_paths[config]
        replay_one(context.binary, name, ["(edge_cases.py)"], config, paths, config_path, totals, report)
        rng = random.Random(context.seed)
        bodies = [(data, rng.choice(CONTENT_TYPES), rng.random() < 0.3,
                   "array" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") else "ndjson")
                  for data in inputs]
        daemon_one(context.binary, name, ["(edge_cases.py)"], config, bodies, config_path, directory,
                   totals, report)
        if kind == "edge":
            totals.edge_runs += 1
        else:
            totals.chaos_runs += 1
    return totals, lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True, help="the callpulse executable")
    parser.add_argument("--gen", required=True, help="../shared/tools/gen.py")
    parser.add_argument("--streams", type=int, default=44)
    parser.add_argument("--daemon-streams", type=int, default=44)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chaos", type=int, default=6, help="random event sequences (default 6)")
    parser.add_argument("--jobs", type=int, default=2, help="streams run at once (default 2)")
    parser.add_argument("--summary", help="write the run's figures here as JSON")
    parser.add_argument("--keep", help="keep the inputs of streams that differ in this directory")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    started = time.monotonic()
    totals = Totals()
    work = tempfile.mkdtemp(prefix="callpulse-differential-")
    try:
        config_paths = {}
        for config, settings in CONFIGS.items():
            if settings is None:
                config_paths[config] = None
                continue
            path = os.path.join(work, f"{config}.yml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(yaml_config(settings))
            check = run([args.binary, "check", "config", path])
            if check.returncode != 0:
                print(f"config {config} is invalid for callpulse:\n{check.stdout.decode()}{check.stderr.decode()}")
                return 2
            config_paths[config] = path

        examples = os.path.join(os.path.dirname(os.path.abspath(args.gen)), "..", "examples")
        tasks = [("edge", config) for config in EDGE_CONFIGS]  # the longest first
        tasks += [("stream", index, name, gen_args, config)
                  for index, (name, gen_args, config) in enumerate(plan(args.streams, args.seed))]
        tasks += [("chaos", config, args.seed * 100 + n) for n, config in
                  enumerate(["chaos", "chaos", "chaos", "default", "kolkata-short", "chaos"][:args.chaos])]
        tasks += [("example", path) for path in sorted(glob.glob(os.path.join(examples, "*.expected.json")))]
        context = Context(args, config_paths, work)
        with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for part, lines in pool.map(job, [context] * len(tasks), tasks):
                totals.merge(part)
                for line in lines:
                    print(line, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    elapsed = time.monotonic() - started
    summary = {"replay_streams": totals.replay_streams, "daemon_streams": totals.daemon_streams,
               "differences": totals.differences, "events": totals.events,
               "accepted": totals.accepted, "rejected": totals.rejected, "ignored": totals.ignored,
               "batches": totals.batches, "configs": len(CONFIGS), "examples": totals.examples,
               "edge_runs": totals.edge_runs, "restarts": totals.restarts, "chaos_runs": totals.chaos_runs, "seconds": round(elapsed, 1)}
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f)
    print("model outcomes over the generated streams: accepted %d; rejected %s; ignored %s"
          % (totals.accepted, totals.rejected, totals.ignored))
    print("daemon batches: %s; restarts with a state directory: %d" % (totals.batches, totals.restarts))
    print(f"differential: {totals.replay_streams} streams through replay, {totals.daemon_streams} "
          f"through the daemon, {totals.edge_runs} edge-case and {totals.chaos_runs} random-sequence runs through "
          f"both, {totals.examples} worked "
          f"examples, {totals.differences} differences ({elapsed:.1f} s)")
    return 1 if totals.differences else 0


if __name__ == "__main__":
    sys.exit(main())
