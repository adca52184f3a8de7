#!/usr/bin/env python3
"""Loads the wallboard in headless Chromium and reports what it rendered, as JSON.

Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: NUL-separated
JSON on fds 3 and 4), so it needs nothing beyond Python's standard library.

  wallboard_check.py --url http://127.0.0.1:PORT/[#token=T] [--then-post FILE] [--expect-offered Q=N]
                     [--check-charts] [--set-controls FILTER,SORT] [--silence] [--then-kill PID]
                     [--token T] [--answer-prompt T] [--reload] [--probe-csp]
                     [--screenshot out.png] [--size 1600x1000]

The read token, when the daemon has one, reaches the page as a real user's would: in the URL's
fragment (/#token=T) or typed into its prompt (--answer-prompt T; any other dialog is dismissed
and recorded). The script's own requests carry it as a bearer: --token, else the fragment's.

1. opens the page and waits until its first snapshot from /api/v1/stream is drawn;
2. records the tiles (queue name as text, every data-field value, the interval chart) and the
   alert banner; with --check-charts, first waits until every tile's chart shows what
   GET /api/v1/intervals answers now (see charts_match), fetched with the read token as a
   bearer; then, always, until every tile's forecast (projected SL, est. wait, agents
   needed / seen) is what GET /api/v1/queues answers around the moment it is read (see
   wait_for_forecasts);
3. with --then-post, posts FILE to /api/v1/events and waits until the stream's next
   snapshot changes the DOM (until --expect-offered holds, when given), then records again;
   with --check-charts, once the endpoint's answer has changed, until the charts show it;
   then until the forecasts match again;
4. with --set-controls FILTER,SORT, types in the filter box and picks the sort, then records
   ("view") once the URL shows them and the forecasts match;
5. with --silence, moves the page's clock 41 s ahead (its 40 s heartbeat watchdog fires without
   waiting 40 real seconds), records each state it shows until it is live again ("silence");
6. with --then-kill PID, stops the daemon and records the stale state ("dropped");
7. with --reload, reloads the page (its fragment already gone) and records it live again
   ("reloaded": the token kept in sessionStorage);
8. with --probe-csp, inserts an inline <script> into the page, which its Content-Security-Policy
   must refuse ("csp_probe": {"ran": bool, "violations": the violations it caused});
9. with --screenshot, saves a PNG of the page.

Output: {"first": STATE, "after": STATE | null, "view": ..., "silence": ..., "dropped": ...,
"reloaded": ..., "csp_probe": ..., "pwned": bool, "console_errors": [...], "csp_violations": [...]
(securitypolicyviolation events in the page, and the browser's log of them, before any probe),
"dialogs": [{"type", "message"}], "requests": [{"url", "path", "time", "authorization"}, ...]
(every request the page made: the URL as sent, without its fragment), "interval_requests": the
ones to /api/v1/intervals} where
STATE = {"snapshots": n, "state": "live", "status": text, "search": location.search, "hash": location.hash, "session_token": what sessionStorage holds,
"tiles": [{"queue": ..., "fields": {...}, "classes": {...}, "alerting": bool, "chart": CHART}],
"alerts": [...], "banner": class, "images": n, "scripts": n, "interval_loads": n} and CHART =
null or {"step", "caption", "bars": [{"start", "end", "offered", "complete", "partial"}],
"points": [{"start", "sl"}], "line": the path's d}; with --check-charts, STATE also has
"intervals": the endpoint's answer the charts were found to match; "first", "after" and "view"
also have "forecasts": {queue: {"projected_sl", "est_wait", "agents", "agents_source"}}, the
texts each tile was found to show as GET /api/v1/queues had them (checked just after that
state was read). Every wait is bounded (PATIENCE, 60 s: the suite runs on loaded machines and
under sanitizers).
"""
import argparse
import base64
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

PATIENCE = 60  # seconds

# Records each change of the page's state, then moves the page's clock 41 s ahead: to the page,
# 41 s have passed without a message (it goes stale after 40 s), without waiting for them.
SILENCE_JS = r"""
(() => {
  window.__states = [];
  const main = document.querySelector("main");
  new MutationObserver(() => window.__states.push({
    state: document.body.dataset.state, status: document.getElementById("status").textContent,
    opacity: getComputedStyle(main).opacity, filter: getComputedStyle(main).filter,
  })).observe(document.body, {attributes: true, attributeFilter: ["data-state"]});
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + 41000;
  return true;
})()
"""

# Sets the filter box and the sort menu as a user would (input and change events).
CONTROLS_JS = r"""
((filter, sort) => {
  const box = document.getElementById("filter"), menu = document.getElementById("sort");
  box.value = filter; box.dispatchEvent(new Event("input"));
  menu.value = sort; menu.dispatchEvent(new Event("change"));
  return true;
})(%s, %s)
"""

# Installed before the page's own scripts (and again on reload): every CSP violation in the page
# goes to the script through a DevTools binding.
VIOLATIONS_JS = r"""
document.addEventListener("securitypolicyviolation", (event) => __cspViolation(JSON.stringify({
  directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample,
})));
"""

# An inline script, as an injection would add one: the page's CSP must keep it from running.
PROBE_JS = r"""
(() => {
  const script = document.createElement("script");
  script.textContent = "window.__inlineRan = true;";
  document.body.append(script);
  return true;
})()
"""

STATE_JS = r"""
JSON.stringify({
  snapshots: Number(document.body.dataset.snapshots || 0),
  state: document.body.dataset.state || "",
  tiles: [...document.querySelectorAll(".tile")].map((tile) => ({
    queue: tile.querySelector("h2").textContent,
    html: tile.querySelector("h2").innerHTML,
    fields: Object.fromEntries([...tile.querySelectorAll("[data-field]")].map((n) => [n.dataset.field, n.textContent])),
    classes: Object.fromEntries([...tile.querySelectorAll("[data-field]")].map((n) => [n.dataset.field, n.className])),
    alerting: tile.classList.contains("alerting"),
    chart: ((chart) => chart && {
      step: chart.dataset.step,
      caption: chart.querySelector(".chart-caption").textContent,
      bars: [...chart.querySelectorAll("rect.bar")].map((bar) => ({
        start: bar.dataset.start, end: bar.dataset.end, offered: Number(bar.dataset.offered),
        complete: bar.dataset.complete === "true", partial: bar.classList.contains("partial"),
      })),
      points: [...chart.querySelectorAll("circle.sl-point")].map((point) => ({
        start: point.dataset.start, sl: Number(point.dataset.sl),
      })),
      line: (chart.querySelector("path.sl-line") || {getAttribute: () => null}).getAttribute("d"),
    })(tile.querySelector(".chart")),
  })),
  alerts: [...document.querySelectorAll("#alert-list li")].map((li) => ({text: li.textContent, state: li.className})),
  banner: document.getElementById("alerts").className,
  status: document.getElementById("status").textContent,
  search: location.search,
  hash: location.hash,
  session_token: sessionStorage.getItem("callpulse.read_token"),
  images: document.images.length,
  scripts: document.scripts.length,
  title: document.title,
  interval_loads: Number(document.body.dataset.intervalLoads || 0),
})
"""


class Chromium:
    """A headless Chromium and one page, over the DevTools pipe."""

    def __init__(self, binary, size):
        self.to_browser_r, self.to_browser_w = os.pipe()
        self.from_browser_r, self.from_browser_w = os.pipe()
        self.profile = tempfile.mkdtemp(prefix="callpulse-chromium-")
        width, height = size
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        def child_fds():
            os.dup2(self.to_browser_r, 3)
            os.dup2(self.from_browser_w, 4)
        self.process = subprocess.Popen(
            [binary, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
             f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            # 3 and 4 listed too: the child closes every fd not in pass_fds after preexec_fn.
            pass_fds=(self.to_browser_r, self.from_browser_w, 3, 4), preexec_fn=child_fds,
            stdout=subprocess.DEVNULL, stderr=open(os.environ.get("CHROMIUM_LOG", os.devnull), "w"))
        os.close(self.to_browser_r)
        os.close(self.from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.session = None
        self.console_errors = []
        self.csp_violations = []
        self.dialogs = []
        self.requests = []
        self.prompt_answer = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser_w, json.dumps(message).encode() + b"\0")
        deadline = time.time() + PATIENCE
        while time.time() < deadline:
            reply = self.read_message()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
        raise TimeoutError(f"no reply to {method}")

    def read_message(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser_r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message = json.loads(raw)
        if message.get("method") == "Runtime.consoleAPICalled" and message["params"].get("type") == "error":
            self.console_errors.append(" ".join(str(a.get("value", "")) for a in message["params"]["args"]))
        if message.get("method") == "Runtime.exceptionThrown":
            self.console_errors.append(message["params"]["exceptionDetails"].get("text", "exception"))
        if message.get("method") == "Network.requestWillBeSent":
            request = message["params"]["request"]
            self.requests.append({"url": request["url"], "path": urllib.parse.urlsplit(request["url"]).path,
                                  "time": message["params"]["timestamp"],
                                  "authorization": request.get("headers", {}).get("Authorization")})
        if message.get("method") == "Runtime.bindingCalled" and message["params"]["name"] == "__cspViolation":
            self.csp_violations.append(json.loads(message["params"]["payload"]))
        if message.get("method") == "Log.entryAdded" and "Content Security Policy" in message["params"]["entry"]["text"]:
            self.csp_violations.append({"log": message["params"]["entry"]["text"]})
        if message.get("method") == "Page.javascriptDialogOpening":
            self.answer_dialog(message["params"])
        return message

    @property
    def interval_requests(self):
        return [request for request in self.requests if request["path"] == "/api/v1/intervals"]

    def answer_dialog(self, dialog):
        """A dialog blocks the page (and every evaluation) until answered: the prompt gets
        prompt_answer, any other dialog is dismissed; each is recorded. Sent without waiting for
        the reply (this runs inside send's reading loop), under an id send never waits for."""
        self.dialogs.append({"type": dialog["type"], "message": dialog["message"]})
        answer = dialog["type"] == "prompt" and self.prompt_answer is not None
        params = {"accept": answer, **({"promptText": self.prompt_answer} if answer else {})}
        message = {"id": 1_000_000 + len(self.dialogs), "method": "Page.handleJavaScriptDialog", "params": params,
                   "sessionId": self.session}
        os.write(self.to_browser_w, json.dumps(message).encode() + b"\0")

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.send("Runtime.enable")
        self.send("Page.enable")
        self.send("Log.enable")  # where the browser reports what a Content-Security-Policy refused
        self.send("Runtime.addBinding", {"name": "__cspViolation"})
        self.send("Page.addScriptToEvaluateOnNewDocument", {"source": VIOLATIONS_JS})
        self.send("Network.enable")  # to see every request's URL and headers
        self.send("Page.navigate", {"url": url})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def wait_for(self, predicate, what, timeout=None):
        timeout = timeout or PATIENCE
        deadline = time.time() + timeout
        while time.time() < deadline:
            state = json.loads(self.evaluate(STATE_JS) or "{}") if self.session else {}
            if state and predicate(state):
                return state
            time.sleep(0.1)
        raise TimeoutError(f"the wallboard never showed {what}; last state: {json.dumps(state)[:2000]}")

    def records(self):
        return json.loads(self.evaluate("JSON.stringify(window.__states || [])") or "[]")

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        subprocess.run(["rm", "-rf", self.profile])


# The read token for the script's own requests (main sets it: --token, else the URL's fragment).
READ_TOKEN = None


def bearer():
    return {"Authorization": f"Bearer {READ_TOKEN}"} if READ_TOKEN else {}


def fetch_intervals(page_url):
    """GET /api/v1/intervals (its default range: today) as the page does: the read token as a bearer."""
    headers = bearer()
    request = urllib.request.Request(urllib.parse.urljoin(page_url, "/api/v1/intervals"), headers=headers)
    with urllib.request.urlopen(request, timeout=PATIENCE) as response:
        return json.loads(response.read())


def chart_problems(state, answer):
    """What is wrong with the tiles' charts against the endpoint's answer (empty: nothing): each
    tile's bars are the endpoint's intervals of that queue, in order, with their offered counts;
    exactly one bar, the last, is marked partial (complete false); the line has a point for each
    interval with a service level (and none for null), at that value."""
    rows = {}
    for row in answer["intervals"]:
        rows.setdefault(row["queue"], []).append(row)
    problems = []
    for tile in state.get("tiles", []):
        queue, chart = tile["queue"], tile.get("chart")
        expected = rows.get(queue, [])
        if not chart:
            problems.append(f"{queue}: no chart (the endpoint has {len(expected)} intervals)")
            continue
        bars = [(b["start"], b["end"], b["offered"], b["complete"]) for b in chart["bars"]]
        wanted = [(r["start"], r["end"], r["offered"], r["complete"]) for r in expected]
        if bars != wanted:
            diff = [f"{w} != {b}" for b, w in zip(bars, wanted) if b != w][:3]
            problems.append(f"{queue}: {len(bars)} bars, {len(wanted)} intervals; first differences: {diff}")
        partial = [index for index, bar in enumerate(chart["bars"]) if bar["partial"]]
        if partial != [len(chart["bars"]) - 1] or chart["bars"][-1]["complete"]:
            problems.append(f"{queue}: partial bars at {partial} of {len(chart['bars'])}")
        points = [(p["start"], p["sl"]) for p in chart["points"]]
        wanted_points = [(r["start"], r["service_level"]) for r in expected if r["service_level"] is not None]
        if points != wanted_points:
            problems.append(f"{queue}: service-level points {points} != {wanted_points}")
        if chart["step"] != answer["step"]:
            problems.append(f"{queue}: step {chart['step']} != {answer['step']}")
    return problems


def wait_for_charts(browser, url, what, changed_from=None):
    """Polls the endpoint and the page until the page's charts show the endpoint's current
    answer (and, with changed_from, an answer other than that one); the state, with the answer."""
    last = {}
    def matches(state):
        answer = fetch_intervals(url)
        last["answer"], last["problems"] = answer, chart_problems(state, answer)
        if changed_from is not None and answer["intervals"] == changed_from["intervals"]:
            last["problems"] = ["the endpoint still answers as before"]
            return False
        return not last["problems"]
    try:
        state = browser.wait_for(matches, what)
    except TimeoutError as error:
        raise TimeoutError(f"{error}; chart problems: {last.get('problems')}") from None
    state["intervals"] = last["answer"]
    return state


def fetch_queues(page_url):
    """GET /api/v1/queues as the page reads its stream: the read token as a bearer."""
    headers = bearer()
    request = urllib.request.Request(urllib.parse.urljoin(page_url, "/api/v1/queues"), headers=headers)
    with urllib.request.urlopen(request, timeout=PATIENCE) as response:
        return json.loads(response.read())


# The page's formatting, in Python: percent(), duration() and count() of WallboardPage.swift.
def js_number(value):
    """A number as JavaScript's String(value) writes it (shortest round trip, no ".0")."""
    return str(int(value)) if value == int(value) else repr(value)


def shown_percent(ratio):
    return "—" if ratio is None else js_number(math.floor(ratio * 1000 + 0.5) / 10) + "%"


def shown_duration(seconds):
    if seconds is None:
        return "—"
    s = max(0, math.floor(seconds))
    hours, minutes, rest = s // 3600, (s % 3600) // 60, s % 60
    return (f"{hours}:{minutes:02d}" if hours else f"{minutes}") + f":{rest:02d}"


def shown_count(value):
    return "—" if value is None else str(value)


FORECAST_FIELDS = ("projected_sl", "est_wait", "agents", "agents_source")


def shown_forecast(queue):
    """What a tile must show of the queue's forecast object, by data-field."""
    get = (queue.get("forecast") or {}).get
    return {
        "projected_sl": shown_percent(get("projected_service_level")),
        "est_wait": "overloaded" if get("overloaded") is True else shown_duration(get("estimated_wait_seconds")),
        "agents": f"{shown_count(get('required_agents'))} / {shown_count(get('agents'))}",
        "agents_source": {"configured": "(configured)", "estimated": "(est.)"}.get(get("agents_source"), ""),
    }


def forecast_problems(state, answers):
    """What is wrong with the tiles' forecasts, by queue (empty: nothing): each tile shows the
    forecast of its queue as one of `answers` (GET /api/v1/queues fetched just before and just
    after the DOM was read) has it, all four values from the same answer."""
    problems = {}
    for tile in state.get("tiles", []):
        shown = {field: tile["fields"].get(field) for field in FORECAST_FIELDS}
        wanted = [shown_forecast(queue) for answer in answers for queue in answer["queues"]
                  if queue["queue"] == tile["queue"]]
        if not wanted:
            problems[tile["queue"]] = f"{tile['queue']!r}: no such queue in /api/v1/queues"
        elif shown not in wanted:
            problems[tile["queue"]] = (f"{tile['queue']!r}: shows {shown}, /api/v1/queues has {wanted[0]}"
                                       + (f" then {wanted[-1]}" if wanted[-1] != wanted[0] else ""))
    return problems


def wait_for_forecasts(browser, url, what):
    """Reads the page between two fetches of GET /api/v1/queues until every tile it shows has
    been found to show its queue's forecast as one of those two answers (forecast_problems).
    On the event clock nothing moves, and the first read matches once the stream has carried
    the last post. On the live clock the page draws the stream's snapshot of up to a second
    ago while the numbers move, so a read can fall between two snapshots: each tile counts once
    one read found it right (a tile read wrong in every read for PATIENCE fails). The state of
    the last read, with "forecasts": what each tile was found to show."""
    deadline = time.time() + PATIENCE
    found, problems = {}, {}
    while time.time() < deadline:
        before = fetch_queues(url)
        state = json.loads(browser.evaluate(STATE_JS) or "{}")
        after = fetch_queues(url)
        problems = forecast_problems(state, [before, after])
        for tile in state.get("tiles", []):
            if tile["queue"] not in problems:
                found[tile["queue"]] = {field: tile["fields"].get(field) for field in FORECAST_FIELDS}
        if all(tile["queue"] in found for tile in state.get("tiles", [])):
            state["forecasts"] = {tile["queue"]: found[tile["queue"]] for tile in state["tiles"]}
            return state
        time.sleep(0.1)
    missing = [problem for queue, problem in problems.items() if queue not in found]
    raise TimeoutError(f"the wallboard never showed {what}; forecast problems: {missing or problems}")


def offered(state, queue):
    for tile in state["tiles"]:
        if tile["queue"] == queue:
            return tile["fields"].get("offered")
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--then-post")
    parser.add_argument("--expect-offered", help="QUEUE=N after the second post")
    parser.add_argument("--check-charts", action="store_true",
                        help="wait until the tiles' charts match GET /api/v1/intervals (first, and after --then-post)")
    parser.add_argument("--screenshot")
    parser.add_argument("--wait-alert", action="store_true", help="wait for a firing alert in the banner (up to --alert-timeout s)")
    parser.add_argument("--alert-timeout", type=float, default=300)
    parser.add_argument("--size", default="1600x1000")
    parser.add_argument("--set-controls", help="FILTER,SORT: set the filter box and sort menu, then record (as 'view')")
    parser.add_argument("--silence", action="store_true",
                        help="move the page's clock 41 s ahead and record the stale state it shows (as 'silence')")
    parser.add_argument("--then-kill", type=int, help="SIGTERM this pid (the daemon) and record the stale state (as 'dropped')")
    parser.add_argument("--token", help="the read token for this script's own requests (default: the URL fragment's)")
    parser.add_argument("--answer-prompt", help="type this into the page's prompt when it asks for a token")
    parser.add_argument("--reload", action="store_true", help="reload the page and record it live again (as 'reloaded')")
    parser.add_argument("--probe-csp", action="store_true",
                        help="insert an inline script, which the page's CSP must refuse (as 'csp_probe')")
    args = parser.parse_args()
    size = tuple(int(part) for part in args.size.split("x"))
    global READ_TOKEN
    READ_TOKEN = args.token or urllib.parse.parse_qs(urllib.parse.urlsplit(args.url).fragment).get("token", [None])[0]

    browser = Chromium(args.chromium, size)
    browser.prompt_answer = args.answer_prompt
    try:
        browser.open(args.url)
        first = browser.wait_for(lambda s: s.get("snapshots", 0) >= 1 and s.get("tiles"), "a first snapshot")
        if args.check_charts:
            first = wait_for_charts(browser, args.url, "charts matching /api/v1/intervals")
        first["forecasts"] = wait_for_forecasts(browser, args.url, "forecasts matching /api/v1/queues")["forecasts"]
        after = None
        if args.then_post:
            with open(args.then_post, "rb") as file:
                body = file.read()
            request = urllib.request.Request(urllib.parse.urljoin(args.url, "/api/v1/events"), data=body,
                                             headers={"Content-Type": "application/x-ndjson"})
            urllib.request.urlopen(request, timeout=PATIENCE).read()
            if args.expect_offered:
                queue, count = args.expect_offered.rsplit("=", 1)
                after = browser.wait_for(lambda s: offered(s, queue) == count, f"{queue} offered {count}")
            else:
                after = browser.wait_for(lambda s: s["snapshots"] > first["snapshots"], "a second snapshot")
            if args.check_charts:
                after = wait_for_charts(browser, args.url, "charts matching /api/v1/intervals after the post",
                                        changed_from=first["intervals"])
            after["forecasts"] = wait_for_forecasts(browser, args.url,
                                                    "forecasts matching /api/v1/queues after the post")["forecasts"]
        if args.wait_alert:
            browser.wait_for(lambda s: any(a["state"] == "firing" for a in s["alerts"]), "a firing alert",
                             timeout=args.alert_timeout)
        view = None
        if args.set_controls:
            filter_text, sort = args.set_controls.split(",", 1)
            browser.evaluate(CONTROLS_JS % (json.dumps(filter_text), json.dumps(sort)))
            parts = ([f"filter={urllib.parse.quote_plus(filter_text)}"] if filter_text else []) + \
                ([f"sort={sort}"] if sort != "name" else [])
            search = "?" + "&".join(parts) if parts else ""
            view = browser.wait_for(lambda s: s["search"] == search, f"the controls in the URL ({search})")
            view["forecasts"] = wait_for_forecasts(browser, args.url,
                                                   "forecasts matching /api/v1/queues in the new view")["forecasts"]
        silence = None
        if args.silence:
            browser.evaluate(SILENCE_JS)
            # Judged on the recorded sequence alone: the state and the records are read by two
            # evaluations, and a live state read before the page went stale must not count.
            def stale_then_live(_state):
                states = [record["state"] for record in browser.records()]
                return "stale" in states and "live" in states[states.index("stale"):]
            browser.wait_for(stale_then_live, "stale, then live again after reconnecting")
            silence = {"records": browser.records(),
                       "state": browser.wait_for(lambda s: s["state"] == "live", "live after reconnecting")}
        dropped = None
        if args.then_kill:
            os.kill(args.then_kill, signal.SIGTERM)
            dropped = browser.wait_for(lambda s: s["state"] == "stale", "stale after the daemon stopped")
        reloaded = None
        if args.reload:
            browser.evaluate("window.__beforeReload = true")  # gone once the new document is read
            browser.send("Page.reload")
            reloaded = browser.wait_for(lambda s: s.get("snapshots", 0) >= 1 and s.get("state") == "live"
                                        and browser.evaluate("window.__beforeReload === true") is False,
                                        "live again after a reload")
        violations = list(browser.csp_violations)
        csp_probe = None
        if args.probe_csp:
            browser.evaluate(PROBE_JS)
            deadline = time.time() + PATIENCE
            while len(browser.csp_violations) == len(violations) and time.time() < deadline:
                browser.evaluate("1")  # reads the DevTools pipe, where violations arrive
                time.sleep(0.1)
            csp_probe = {"ran": browser.evaluate("window.__inlineRan === true"),
                         "violations": browser.csp_violations[len(violations):]}
        if args.screenshot:
            browser.screenshot(args.screenshot)
        pwned = browser.evaluate("window.__pwned === true || document.title === 'pwned'")
        print(json.dumps({"first": first, "after": after, "view": view, "silence": silence, "dropped": dropped,
                          "reloaded": reloaded, "csp_probe": csp_probe,
                          "pwned": bool(pwned), "console_errors": browser.console_errors, "csp_violations": violations,
                          "dialogs": browser.dialogs, "requests": browser.requests,
                          "interval_requests": browser.interval_requests}))
    finally:
        browser.close()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one clear line for the Swift test's message
        print(f"wallboard_check: {error}", file=sys.stderr)
        sys.exit(1)
