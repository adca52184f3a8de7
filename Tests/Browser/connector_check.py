#!/usr/bin/env python3
"""The browser forwarder (GET /connector.js) in headless Chromium, from a second loopback origin.

  connector_check.py --callpulse BINARY --scenario SCENARIO [--gen ../shared/tools/gen.py]

Starts `callpulse serve --clock event` itself (on a fixed free port, so that it can be stopped
and started again on the same one) with `web.cors_origins: [http://127.0.0.1:PAGE]` and an
ingest token, serves the test pages from PAGE (a Python http.server: another origin), and drives
Chromium over the DevTools pipe with the Chromium class of wallboard_check.py. Scenarios:

  forward       GET /connector.js as served (headers, 304, the repository's bytes); a page on
                PAGE loads it from the daemon and forwards the seed's messages (Tests/Fixtures)
                in all three shapes, as objects and as JSON text (plus gen.py traffic with
                --gen, and two texts that are not JSON objects); then the daemon's snapshot and
                `callpulse replay` of the forwarded messages.
  restart       the same with --state-dir: a third forwarded, the daemon stopped, a third sent
                while it is down, the page reloaded (its own copy of the script, as the spec
                advises), the last third sent, the daemon started again on the same port.
  foreign       a page from another origin (not in web.cors_origins) with the right token:
                the browser blocks the posts; the preflight answers, read directly.
  unauthorized  a wrong token: 401, the forwarder stops with one console error and keeps the
                queue; a later connect() with the right token sends it.
  unit          Tests/Browser/connector_unit.js (the queue and back-off logic with a fake clock
                and fetch) against the daemon's /connector.js.

Prints one JSON report (see each scenario); every wait is a polled condition with a deadline.
"""
import argparse
import html
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(os.path.dirname(HERE))
SCRIPT_FILE = os.path.join(REPOSITORY, "Sources/CallPulseServer/Views/Connector/connector.js")
FIXTURES = os.path.join(REPOSITORY, "Tests/Fixtures")
sys.path.insert(0, HERE)
from wallboard_check import PATIENCE, Chromium  # noqa: E402  (one DevTools driver for both)

TOKEN = "connector-ingest-token"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch_url(method, url, body=None, headers=None):
    """(status, headers with lower-case names, body bytes); HTTP errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def wait_until(condition, what, timeout=PATIENCE):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.05)  # the polling step
    raise TimeoutError(f"timed out waiting for {what}")


class Daemon:
    """callpulse serve on 127.0.0.1:port; stop() and start() again keep the port and state dir."""

    def __init__(self, binary, directory, cors_origins, state_dir=False):
        self.binary, self.directory, self.port = binary, directory, free_port()
        token_file = os.path.join(directory, "ingest.token")
        with open(token_file, "w") as file:
            file.write(TOKEN + "\n")
        os.chmod(token_file, 0o600)
        self.config = os.path.join(directory, "callpulse.yml")
        with open(self.config, "w") as file:
            file.write(f"web:\n  cors_origins: {json.dumps(cors_origins)}\n  ingest_token_file: {token_file}\n")
        self.state = os.path.join(directory, "state") if state_dir else None
        self.process = None
        self.log = os.path.join(directory, "daemon.log")
        self.start()

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        arguments = [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--clock", "event",
                     "--config", self.config] + (["--state-dir", self.state] if self.state else [])
        self.process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=open(self.log, "a"))

        def ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"callpulse serve exited: {open(self.log).read()[-2000:]}")
            try:
                return fetch_url("GET", self.origin + "/-/ready")[0] == 200
            except OSError:
                return False
        wait_until(ready, "the daemon to be ready")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=PATIENCE)

    def snapshot(self):
        return json.loads(fetch_url("GET", self.origin + "/api/v1/queues")[2])


def ingested(snapshot):
    """Events the daemon counted: accepted, ignored and rejected, every reason."""
    ingest = snapshot["ingest"]
    return ingest["accepted"] + sum(ingest["ignored"].values()) + sum(ingest["rejected"].values())


class Pages(http.server.ThreadingHTTPServer):
    """The test pages, from their own origin: /page.html?script=URL&options=JSON (the host page
    of the spec: loads the script, window.forwarder = CallPulse.connect(options)), /unit.html,
    /connector.js (the repository's copy, for a page that serves its own) and connector_unit.js."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), PageHandler)
        self.daemon_threads = True
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def page(self, script, options):
        return f"{self.origin}/page.html?" + urllib.parse.urlencode({"script": script, "options": json.dumps(options)})


class PageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/page.html":
            body = (f'<!doctype html><meta charset="utf-8"><title>host page</title>'
                    f'<script src="{html.escape(query["script"])}"></script>'
                    f'<script>window.forwarder = CallPulse.connect({query["options"]});</script>')
            self.reply("text/html; charset=utf-8", body.encode())
        elif url.path == "/unit.html":
            body = (f'<!doctype html><meta charset="utf-8"><title>connector unit tests</title>'
                    f'<script src="{html.escape(query["script"])}"></script><script src="/connector_unit.js"></script>')
            self.reply("text/html; charset=utf-8", body.encode())
        elif url.path in ("/connector.js", "/connector_unit.js"):
            path = SCRIPT_FILE if url.path == "/connector.js" else os.path.join(HERE, "connector_unit.js")
            with open(path, "rb") as file:
                self.reply("text/javascript; charset=utf-8", file.read())
        else:
            self.send_error(404)

    def reply(self, content_type, body):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Browser(Chromium):
    """wallboard_check's Chromium, also keeping every console message and the browser's own log
    (where it reports CORS refusals), and counting the requests to /api/v1/events by method."""

    def __init__(self, binary):
        super().__init__(binary, (1200, 800))
        self.console = []
        self.log_entries = []
        self.ingest_requests = []

    def read_message(self):
        message = super().read_message()
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            self.console.append({"type": params["type"],
                                 "text": " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])})
        elif method == "Log.entryAdded":
            self.log_entries.append({"level": params["entry"]["level"], "text": params["entry"]["text"]})
        elif method == "Network.requestWillBeSent":
            request = params["request"]
            if urllib.parse.urlsplit(request["url"]).path == "/api/v1/events":
                self.ingest_requests.append(request["method"])
        return message

    def open(self, url):
        super().open(url)
        self.send("Log.enable")

    def value(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def poll(self, expression, predicate, what, timeout=PATIENCE):
        """Evaluates expression (a JSON-returning one) until predicate holds; its value."""
        last = {}

        def check():
            try:
                last["value"] = self.value(expression)
            except RuntimeError as error:  # the page is still loading
                last["value"] = str(error)
                return None
            return last["value"] if predicate(last["value"]) else None
        try:
            return wait_until(check, what, timeout)
        except TimeoutError:
            raise TimeoutError(f"timed out waiting for {what}; last: {json.dumps(last.get('value'))[:1500]}") from None

    def stats(self):
        return self.value("forwarder.stats()")

    def wait_stats(self, predicate, what, timeout=PATIENCE):
        return self.poll("typeof forwarder === 'object' ? forwarder.stats() : null",
                         lambda s: isinstance(s, dict) and predicate(s), what, timeout)

    def send_messages(self, messages):
        """forwarder.send() for each (kind, value): "object" sends the parsed object, "text" the text."""
        for start in range(0, len(messages), 40):
            chunk = messages[start:start + 40]
            expression = "(() => { for (const [kind, value] of %s) forwarder.send(kind === 'object' ? JSON.parse(value) : value); return true; })()" \
                % json.dumps([[kind, value] for kind, value in chunk])
            self.value(expression)

    def errors(self):
        return [entry["text"] for entry in self.console if entry["type"] == "error"]


# --- messages ---

def shaped(event, shape, prefix):
    """The seed's envelope as one of the three shapes of events.md, its call id prefixed so that
    every shape's copy is a call of its own."""
    event = json.loads(json.dumps(event))
    call = event["message"]["call"]
    if isinstance(call.get("id"), str):
        call["id"] = prefix + call["id"]
    return event if shape == "envelope" else event["message"] if shape == "message" else call


def seed_messages(gen):
    """(kind, value) pairs in send order: "object" is sent as the parsed object, "text" as the text."""
    sources = []
    for name in ["01_lifecycles.ndjson", "02_window_edges.ndjson", "04_dedupe_order.ndjson", "12_sl_formulas.ndjson",
                 "one-call-lifecycle.ndjson"]:
        with open(os.path.join(FIXTURES, name)) as file:
            sources.append((name.split(".")[0], [json.loads(line) for line in file if line.strip()]))
    with open(os.path.join(FIXTURES, "event.json")) as file:
        sources.append(("event", [json.load(file)]))
    messages = []
    if gen:  # first: its calls are earlier than the seed's, which would make them too late on the event clock
        generated = subprocess.run([sys.executable, gen, "--seed", "17", "--calls", "40", "--queues", "3", "--faults", "0",
                                    "--start", "2026-11-24T08:30:00Z", "--span", "1h", "--no-cross-midnight"],
                                   check=True, capture_output=True, text=True).stdout
        messages += [("text", line) for line in generated.splitlines() if line.strip()]
    for tag, events in sources:
        # Each event in the three shapes in a row (three calls), so the event clock only moves on.
        for index, event in enumerate(events):
            for number, shape in enumerate(("envelope", "message", "call")):
                value = shaped(event, shape, f"{shape[0].upper()}-{tag}-")
                # Alternately the object and its JSON text (pretty-printed every third time).
                if (index + number) % 2 == 0:
                    messages.append(("object", json.dumps(value)))
                else:
                    messages.append(("text", json.dumps(value, indent=2 if index % 3 == 0 else None)))
    return messages


def forwardable(messages):
    """The lines a correct forwarder sends: JSON objects only (strict JSON, as JSON.parse reads it)."""
    lines = []
    for kind, value in messages:
        def refuse(constant):
            raise ValueError(constant)
        try:
            parsed = json.loads(value, parse_constant=refuse)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            lines.append(json.dumps(parsed, separators=(",", ":"), ensure_ascii=False) if kind == "object" else
                         # as written, without the white space between tokens
                         re.sub(r'"(?:[^"\\]|\\.)*"|[ \t\n\r]+', lambda m: m[0] if m[0][0] == '"' else "", value))
    return lines


def replay(binary, directory, lines):
    path = os.path.join(directory, "forwarded.ndjson")
    with open(path, "w") as file:
        file.write("\n".join(lines) + "\n")
    result = subprocess.run([binary, "replay", path], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"replay failed: {result.stderr}")
    return json.loads(result.stdout)


JUNK = [("text", "not json {"), ("text", "[1, 2]")]  # dropped at send() and counted as rejected


# --- scenarios ---

def script_facts(daemon):
    """GET /connector.js as served: status, headers, whether the bytes are the repository's, and the 304."""
    status, headers, body = fetch_url("GET", daemon.origin + "/connector.js", headers={"Accept-Encoding": "identity"})
    with open(SCRIPT_FILE, "rb") as file:
        source = file.read()
    etag = headers.get("etag")
    again = fetch_url("GET", daemon.origin + "/connector.js", headers={"If-None-Match": etag or '"none"'})
    return {"status": status, "content_type": headers.get("content-type"), "cache_control": headers.get("cache-control"),
            "etag": etag, "same_bytes": body == source, "size": len(source), "revalidated": again[0],
            "revalidated_body": len(again[2]), "authorization_needed": False}


def forward(args, browser, pages, directory):
    daemon = Daemon(args.callpulse, directory, [pages.origin])
    try:
        facts = script_facts(daemon)
        messages = seed_messages(args.gen) + JUNK
        lines = forwardable(messages)
        # No endpoint: the default is the script's origin (the daemon), not the page's.
        browser.open(pages.page(daemon.origin + "/connector.js", {"token": TOKEN, "batchMs": 100}))
        browser.wait_stats(lambda s: True, "the forwarder")
        browser.send_messages(messages)
        stats = browser.wait_stats(lambda s: s["queued"] == 0 and s["sent"] + s["rejected"] == len(messages),
                                   "every message sent")
        snapshot = daemon.snapshot()
        return {"script": facts, "messages": len(messages), "forwarded": len(lines), "stats": stats,
                "daemon": snapshot, "replay": replay(args.callpulse, directory, lines),
                "stored": browser.value("Object.keys(localStorage)"), "requests": browser.ingest_requests}
    finally:
        daemon.stop()


def restart(args, browser, pages, directory):
    daemon = Daemon(args.callpulse, directory, [pages.origin], state_dir=True)
    try:
        messages = seed_messages(args.gen)
        thirds = [messages[:len(messages) // 3], messages[len(messages) // 3:2 * len(messages) // 3],
                  messages[2 * len(messages) // 3:]]
        # The host page serves its own copy of the script (the spec's advice for pages that must
        # not miss events while CallPulse is down as they load): the endpoint is explicit.
        url = pages.page(pages.origin + "/connector.js", {"endpoint": daemon.origin, "token": TOKEN, "batchMs": 100})
        browser.open(url)
        browser.wait_stats(lambda s: True, "the forwarder")
        browser.send_messages(thirds[0])
        first = browser.wait_stats(lambda s: s["queued"] == 0 and s["sent"] + s["rejected"] == len(thirds[0]),
                                   "the first third sent")
        before_stop = ingested(daemon.snapshot())

        daemon.stop()
        browser.send_messages(thirds[1])
        down = browser.wait_stats(lambda s: s["queued"] == len(thirds[1]) and (s["lastError"] or "").startswith("network"),
                                  "a failed attempt with the daemon down")
        # send() persists under the queue's lock a moment after it returns: wait for storage to hold them all.
        stored = browser.poll("(localStorage.getItem(%s) || '').split('\\n').filter(Boolean).length"
                              % json.dumps("callpulse.queue.v1 " + daemon.origin),
                              lambda count: count == len(thirds[1]), "the queue in localStorage")
        posts_before_reload = browser.ingest_requests.count("POST")
        browser.send("Page.reload")
        # The new page: the queue is back from localStorage before anything else is sent.
        reloaded = browser.wait_stats(lambda s: s["sent"] + s["rejected"] == 0 and s["queued"] == len(thirds[1]),
                                      "the reloaded page's queue")
        browser.send_messages(thirds[2])
        still_down = browser.wait_stats(
            lambda s: s["queued"] == len(thirds[1]) + len(thirds[2]) and (s["lastError"] or "").startswith("network"),
            "the whole rest queued, the daemon still down")

        # Down for a while: the reloaded page tried three times, backing off between the tries.
        browser.poll("1", lambda _: browser.ingest_requests.count("POST") >= posts_before_reload + 3,
                     "three attempts of the reloaded page", timeout=PATIENCE)
        daemon.start()
        final = browser.wait_stats(lambda s: s["queued"] == 0 and s["sent"] + s["rejected"] == len(thirds[1]) + len(thirds[2]),
                                   "everything sent after the restart", timeout=2 * PATIENCE)
        lines = forwardable(messages)
        return {"messages": len(messages), "thirds": [len(t) for t in thirds], "first": first,
                "ingested_before_stop": before_stop, "down": down, "stored_lines": stored, "reloaded": reloaded,
                "still_down": still_down, "final": final, "daemon": daemon.snapshot(),
                "replay": replay(args.callpulse, directory, lines), "forwarded": len(lines),
                "console_errors": browser.errors()}
    finally:
        daemon.stop()


def foreign(args, browser, pages, directory):
    other = Pages()  # another port: another origin, not in web.cors_origins
    daemon = Daemon(args.callpulse, directory, [pages.origin])
    try:
        preflight = {}
        for name, origin in (("listed", pages.origin), ("other", other.origin)):
            status, headers, _ = fetch_url("OPTIONS", daemon.origin + "/api/v1/events", headers={
                "Origin": origin, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type"})
            preflight[name] = {"status": status, "headers": {k: v for k, v in headers.items()
                                                             if k.startswith("access-control-") or k == "vary"}}
        messages = seed_messages(None)[:30]
        browser.open(other.page(daemon.origin + "/connector.js", {"token": TOKEN, "batchMs": 100}))
        browser.wait_stats(lambda s: True, "the forwarder")
        browser.send_messages(messages)
        stats = browser.wait_stats(lambda s: s["queued"] == len(messages) and (s["lastError"] or "").startswith("network"),
                                   "a blocked attempt")
        def cors_reported():
            browser.value("1")  # reads what the browser reported meanwhile
            return any("CORS policy" in entry["text"] for entry in browser.log_entries + browser.console)
        wait_until(cors_reported, "the browser's CORS message")
        return {"preflight": preflight, "messages": len(messages), "stats": stats, "daemon": daemon.snapshot(),
                "cors_messages": [e["text"] for e in browser.log_entries if "CORS" in e["text"]][:3],
                "console_errors": browser.errors(), "requests": browser.ingest_requests}
    finally:
        daemon.stop()
        other.shutdown()


def unauthorized(args, browser, pages, directory):
    daemon = Daemon(args.callpulse, directory, [pages.origin])
    try:
        messages = seed_messages(None)[:20]
        browser.open(pages.page(daemon.origin + "/connector.js", {"token": "not-the-token", "batchMs": 100}))
        browser.wait_stats(lambda s: True, "the forwarder")
        browser.send_messages(messages[:10])
        stopped = browser.wait_stats(lambda s: (s["lastError"] or "").startswith("401"), "the 401")
        stopped_at = browser.value("performance.now()")
        browser.send_messages(messages[10:])
        # A retry would come within the first back-off (1 s): watch the page for 3 s of its time.
        browser.poll("performance.now()", lambda now: now > stopped_at + 3000, "3 s of the page's time")
        after = browser.stats()
        posts_while_stopped = browser.ingest_requests.count("POST")
        errors_while_stopped = browser.errors()
        ingested_while_stopped = ingested(daemon.snapshot())
        # A later connect() with the right token resumes with the queue kept.
        browser.value("(window.forwarder = CallPulse.connect(%s), true)" % json.dumps({"token": TOKEN}))
        resumed = browser.wait_stats(lambda s: s["queued"] == 0 and s["sent"] + s["rejected"] == len(messages),
                                     "the queue sent after connect()")
        return {"messages": len(messages), "stopped": stopped, "after": after, "posts_while_stopped": posts_while_stopped,
                "console_errors_while_stopped": errors_while_stopped, "ingested_while_stopped": ingested_while_stopped,
                "resumed": resumed, "ingested": ingested(daemon.snapshot()), "console_errors": browser.errors(),
                "console": browser.console}
    finally:
        daemon.stop()


def unit(args, browser, pages, directory):
    daemon = Daemon(args.callpulse, directory, [pages.origin])
    try:
        browser.open(f"{pages.origin}/unit.html?" + urllib.parse.urlencode({"script": daemon.origin + "/connector.js"}))
        report = browser.poll("window.__unit || null", lambda v: isinstance(v, dict) and v.get("done"), "the unit tests")
        return {"results": report["results"], "console_errors": browser.errors()}
    finally:
        daemon.stop()


SCENARIOS = {"forward": forward, "restart": restart, "foreign": foreign, "unauthorized": unauthorized, "unit": unit}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--callpulse", required=True, help="the callpulse binary")
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--gen", help="../shared/tools/gen.py: add its traffic to the seed's messages")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="callpulse-connector-")
    pages = Pages()
    browser = Browser(args.chromium)
    try:
        report = SCENARIOS[args.scenario](args, browser, pages, directory)
        print(json.dumps(report))
    finally:
        browser.close()
        pages.shutdown()
        subprocess.run(["rm", "-rf", directory])


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one clear line for the Swift test's message
        print(f"connector_check: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
