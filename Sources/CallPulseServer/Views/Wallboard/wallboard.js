// The wallboard's script, served as GET /wallboard.js: a file of its own rather than inline, so
// the page's Content-Security-Policy allows no inline script (docs/spec/security.md, "Headers").
"use strict";
(() => {
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const state = { snapshot: null, receivedAt: 0, alerts: new Map(), lastMessage: 0, snapshots: 0 };
  // Today's intervals (GET /api/v1/intervals, its default range): rows by queue, the range.
  const intervals = { byQueue: new Map(), from: 0, to: 0, step: "", last: -Infinity, timer: null,
                      inFlight: false, again: false, loads: 0 };
  const SVG = $("svg-defs").namespaceURI;   // the page names no URL, not even the SVG namespace
  $("filter").value = params.get("filter") || "";
  $("sort").value = params.get("sort") || "name";

  function keepInURL() {
    const next = new URLSearchParams(location.search);
    for (const key of ["filter", "sort"]) {
      const value = $(key).value;
      if (value && !(key === "sort" && value === "name")) next.set(key, value); else next.delete(key);
    }
    const query = next.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
    render();
  }
  $("filter").addEventListener("input", keepInURL);
  $("sort").addEventListener("change", keepInURL);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;   // text only: names never become markup
    return node;
  }
  function duration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "—";
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
  }
  function percent(ratio) {
    return ratio === null || ratio === undefined ? "—" : Math.round(ratio * 1000) / 10 + "%";
  }
  function count(value) { return value === null || value === undefined ? "—" : String(value); }
  // Green from the target (80 % unless the queue says otherwise), amber from three quarters
  // of it (60 % of 80 %), red under.
  function slClass(ratio, target = 0.8) {
    if (ratio === null || ratio === undefined) return "";
    return ratio >= target ? "ok" : ratio >= 0.75 * target ? "warn" : "bad";
  }
  // Oldest wait against the queue's service-level threshold: amber from 75 %, red past it.
  function waitClass(seconds, threshold) {
    if (!seconds) return "ok";
    return seconds >= threshold ? "bad" : seconds >= 0.75 * threshold ? "warn" : "ok";
  }
  function oldestNow(queue) {
    const snapshot = state.snapshot;
    if (!queue.waiting) return 0;
    const drift = snapshot.clock === "live" ? (Date.now() - state.receivedAt) / 1000 : 0;
    return queue.oldest_waiting_seconds + drift;
  }
  function windowOf(queue, name) { return (queue.windows && queue.windows[name]) || null; }

  function stat(label, value, className, field) {
    const box = el("div");
    const dd = el("dd", className || "", value);
    dd.dataset.field = field;
    box.append(dd, el("dt", "", label));
    return box;
  }
  function tile(queue, alerting) {
    const node = el("section", "tile" + (alerting ? " alerting" : ""));
    node.dataset.queue = queue.queue;
    const title = el("h2", "", queue.queue);
    title.title = queue.queue;
    node.append(title);
    const big = el("div", "big");
    const waiting = el("div");
    const waitingValue = el("span", "value", count(queue.waiting));
    waitingValue.dataset.field = "waiting";
    waiting.append(waitingValue, el("span", "label", "waiting"));
    const oldest = el("div");
    const seconds = oldestNow(queue);
    const oldestValue = el("span", "value " + waitClass(seconds, queue.service_level_seconds), duration(seconds));
    oldestValue.dataset.field = "oldest";
    oldest.append(oldestValue, el("span", "label", "oldest wait (SL " + queue.service_level_seconds + " s)"));
    big.append(waiting, oldest);
    node.append(big);
    const five = windowOf(queue, "5m"), hour = windowOf(queue, "1h"), today = queue.today;
    const list = el("dl");
    list.append(
      stat("over SL", count(queue.waiting_over_sl), queue.waiting_over_sl ? "bad" : "", "waiting_over_sl"),
      stat("connected", count(queue.connected), "", "connected"),
      stat("on hold", count(queue.on_hold), "", "on_hold"),
      stat("in ACW", count(queue.in_acw), "", "in_acw"),
      stat("SL 5m", percent(five && five.service_level), slClass(five && five.service_level), "sl_5m"),
      stat("SL today", percent(today.service_level), slClass(today.service_level), "sl_today"),
      stat("missed 5m", count(five && five.missed), five && five.missed ? "warn" : "", "missed_5m"),
      stat("missed 1h", count(hour && hour.missed), "", "missed_1h"),
      stat("abandoned", percent(today.abandon_rate), "", "abandon_rate"),
      stat("ASA", duration(today.avg_wait_seconds), "", "asa"),
      stat("answered", count(today.answered), "", "answered"),
      stat("offered", count(today.offered), "", "offered"));
    node.append(list, forecast(queue));
    const rows = intervals.byQueue.get(queue.queue);
    if (rows && rows.length) node.append(chart(rows));
    return node;
  }

  // The queue's forecast (docs/spec/forecast.md): the service level projected for the
  // interval, against the queue's target; the Erlang C wait of a caller arriving now, against
  // its service-level threshold ("overloaded" when the agents cannot keep up at all); the
  // agents the target needs against those seen busy (or configured). Any value may be null: "—".
  function forecast(queue) {
    const f = queue.forecast || {};
    const known = (value) => value !== null && value !== undefined;
    const list = el("dl", f.settled === false ? "forecast settling" : "forecast");
    if (f.settled === false) {
      list.title = "settling: until a whole handle window has been observed the handle time and the agents " +
                   "seen are incomplete, and alert rules do not read the forecast yet";
    }
    const projected = stat("projected SL", percent(f.projected_service_level),
                           slClass(f.projected_service_level, f.service_level_target ?? 0.8), "projected_sl");
    projected.title = "the interval to " + (f.interval_end ? new Date(f.interval_end).toLocaleTimeString() : "—") +
                      ", target " + percent(f.service_level_target);
    const overloaded = f.overloaded === true;
    const wait = overloaded
      ? stat("est. wait", "overloaded", "bad word", "est_wait")
      : stat("est. wait", duration(f.estimated_wait_seconds),
             known(f.estimated_wait_seconds) ? waitClass(f.estimated_wait_seconds, queue.service_level_seconds) : "",
             "est_wait");
    const short = known(f.required_agents) && known(f.agents) && f.required_agents > f.agents;
    const figures = el("span", overloaded ? "bad" : short ? "warn" : "", count(f.required_agents) + " / " + count(f.agents));
    figures.dataset.field = "agents";
    const configured = f.agents_source === "configured";
    const source = el("span", "source", configured ? "(configured)" : f.agents_source === "estimated" ? "(est.)" : "");
    source.dataset.field = "agents_source";
    source.title = configured ? "the queue's configured agents" : "estimated: the most agents seen busy lately";
    const value = el("dd");
    value.append(figures, source);
    const agents = el("div", "wide");
    agents.append(value, el("dt", "", "agents needed / seen"));
    list.append(projected, wait, agents);
    return list;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    return node;
  }
  // Today's intervals: offered as bars (scaled to the day's peak), service level as a line on
  // its own 0-100 % scale (a gap where it is null, a dot per value), the partial interval hatched.
  // The x axis is the whole day from its start, so the bars fill it as the day goes on.
  function chart(rows) {
    const width = 300, height = 60, top = 3;
    const span = Math.max(86400000, intervals.to - intervals.from);
    const x = (time) => ((Date.parse(time) - intervals.from) / span) * width;
    const peak = Math.max(1, ...rows.map((row) => row.offered || 0));
    const graph = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                               "aria-label": "offered and service level per interval today" });
    graph.append(svg("line", { class: "target", x1: 0, x2: width, y1: top + (height - top) * 0.2, y2: top + (height - top) * 0.2 }));
    let line = "";
    let gap = true;
    const points = [];
    for (const row of rows) {
      const left = x(row.start), right = x(row.end), middle = (left + right) / 2;
      const barHeight = row.offered ? Math.max(1, ((height - top) * row.offered) / peak) : 0;
      if (!row.complete) graph.append(svg("rect", { class: "now", x: left, y: 0, width: right - left, height }));
      graph.append(svg("rect", {
        class: row.complete ? "bar" : "bar partial", x: left + 0.3, width: Math.max(0.4, right - left - 0.6),
        y: height - barHeight, height: barHeight,
        "data-start": row.start, "data-end": row.end, "data-offered": row.offered, "data-complete": row.complete }));
      const level = row.service_level;
      if (level === null || level === undefined) { gap = true; continue; }
      const y = height - (height - top) * level;
      line += (gap ? "M" : "L") + middle.toFixed(2) + " " + y.toFixed(2);
      gap = false;
      points.push(svg("circle", { class: "sl-point", cx: middle, cy: y, r: 1.3, "data-start": row.start, "data-sl": level }));
    }
    if (line) graph.append(svg("path", { class: "sl-line", d: line }));
    graph.append(...points);
    const box = el("div", "chart");
    box.dataset.step = intervals.step;
    const caption = el("div", "chart-caption");
    caption.append(el("span", "", "offered per " + intervals.step + " · peak " + peak),
                   el("span", "", "line: SL · dashes 80 %"));
    box.append(graph, caption);
    return box;
  }

  // The read token (docs/spec/security.md, "Tokens"): it never travels in a URL. It comes from
  // the fragment (/#token=…, which browsers neither send nor log), leaves the address bar at
  // once (not to linger on a TV's screen), and is kept in sessionStorage for this tab; only a
  // 401 asks for it. Every request carries it as a header.
  const TOKEN_KEY = "callpulse.read_token";
  const auth = { token: null, declined: false };
  function saveToken(token) {
    auth.token = token || null;
    try {
      if (auth.token) sessionStorage.setItem(TOKEN_KEY, auth.token); else sessionStorage.removeItem(TOKEN_KEY);
    } catch (error) {
      // storage disabled: the token lives in this page's memory only
    }
  }
  function storedToken() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (error) { return null; }
  }
  // True when the fragment held a token ("#token=" forgets it); the rest of the fragment stays.
  function takeFragmentToken() {
    // Parsed by hand: URLSearchParams would turn a base64 token's "+" into a space.
    const parts = location.hash.slice(1).split("&");
    const index = parts.findIndex((part) => part.startsWith("token="));
    if (index < 0) return false;
    let token = parts[index].slice("token=".length);
    try { token = decodeURIComponent(token); } catch (error) { /* not percent-encoded: as typed */ }
    token = token.trim();
    parts.splice(index, 1);
    const rest = parts.filter((part) => part !== "").join("&");
    history.replaceState(null, "", location.pathname + location.search + (rest ? "#" + rest : ""));
    saveToken(token);
    auth.declined = false;
    return true;
  }
  // An old bookmark's `?token=` is not taken (it has travelled in a URL already): it leaves the
  // address bar, and the prompt says what to do instead.
  const queryToken = params.has("token");
  if (queryToken) {
    params.delete("token");
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }
  if (!takeFragmentToken()) auth.token = storedToken();
  function authorization(token = auth.token) {
    return token ? { Authorization: "Bearer " + token } : {};
  }
  // A request sent with `sent` was answered 401: true when there is a token to retry with (a
  // newer one arrived meanwhile, or the prompt gave one). Once the prompt is cancelled the page
  // waits for a token in the fragment instead of asking again.
  function unauthorized(sent) {
    if (auth.token !== sent) return auth.token !== null;
    saveToken(null);
    if (auth.declined) return false;
    const given = (window.prompt((queryToken ? "?token= is no longer accepted: open this page as /#token=…, or type " +
                                                "the read token here." : "This wallboard needs a read token.") +
                                 " (web.read_token_file)") || "").trim();
    if (!given) { auth.declined = true; return false; }
    saveToken(given);
    return true;
  }
  // One request for every queue; the chart is redrawn with the next render. A failure (the
  // daemon away, or one without the endpoint) keeps the last chart: the status shows the rest.
  async function loadIntervals() {
    intervals.timer = null;
    if (intervals.inFlight) { intervals.again = true; return; }
    intervals.inFlight = true;
    intervals.last = performance.now();
    const sent = auth.token;
    let retry = false;   // refused, and there is a token now: at once, not after the 5 s pause
    try {
      const response = await fetch("/api/v1/intervals", { headers: authorization(sent), cache: "no-store" });
      retry = response.status === 401 && unauthorized(sent);
      if (response.ok) {
        const data = await response.json();
        const byQueue = new Map();
        for (const row of data.intervals) {
          if (!byQueue.has(row.queue)) byQueue.set(row.queue, []);
          byQueue.get(row.queue).push(row);
        }
        Object.assign(intervals, { byQueue, from: Date.parse(data.from), to: Date.parse(data.to), step: data.step });
        intervals.loads += 1;
        document.body.dataset.intervalLoads = String(intervals.loads);
        render();
      }
    } catch (error) {
      // unreachable or not JSON: keep the last chart
    } finally {
      intervals.inFlight = false;
      if (retry) loadIntervals();
      else if (intervals.again) { intervals.again = false; refreshIntervals(); }
    }
  }
  // At most one request per 5 s: a snapshot inside the pause is caught up at its end.
  function refreshIntervals() {
    if (intervals.timer !== null) return;
    const wait = Math.max(0, intervals.last + 5000 - performance.now());
    intervals.timer = setTimeout(loadIntervals, wait);
  }

  const sorters = {
    name: (a, b) => a.queue.localeCompare(b.queue),
    waiting: (a, b) => b.waiting - a.waiting || a.queue.localeCompare(b.queue),
    oldest: (a, b) => b.oldest_waiting_seconds - a.oldest_waiting_seconds || a.queue.localeCompare(b.queue),
    sl: (a, b) => ((a.today.service_level ?? 2) - (b.today.service_level ?? 2)) || a.queue.localeCompare(b.queue),
    missed: (a, b) => ((windowOf(b, "5m") || {}).missed || 0) - ((windowOf(a, "5m") || {}).missed || 0)
                      || a.queue.localeCompare(b.queue),
  };

  function render() {
    const snapshot = state.snapshot;
    if (!snapshot) return;
    const filter = $("filter").value.trim().toLowerCase();
    const alerting = new Set();
    for (const alert of state.alerts.values()) {
      if (alert.state === "firing" && alert.labels.queue !== undefined) alerting.add(alert.labels.queue);
    }
    const queues = snapshot.queues.filter((q) => !filter || q.queue.toLowerCase().includes(filter));
    queues.sort(sorters[$("sort").value] || sorters.name);
    const tiles = queues.map((q) => tile(q, alerting.has(q.queue)));
    if (tiles.length === 0) {
      tiles.push(el("div", "", snapshot.queues.length ? "No queue matches the filter." : "No calls yet."));
      tiles[0].id = "empty";
    }
    $("tiles").replaceChildren(...tiles);
    $("updated").textContent = "· numbers of " + new Date(snapshot.generated_at).toLocaleTimeString();
  }

  function renderAlerts() {
    const items = [...state.alerts.values()]
      .sort((a, b) => (a.state === b.state ? a.active_since.localeCompare(b.active_since) : a.state === "firing" ? -1 : 1))
      .map((alert) => {
        const text = (alert.annotations.summary || alert.labels.alertname || "alert") +
                     (alert.state === "pending" ? " (pending)" : "");
        const item = el("li", alert.state, text);
        item.dataset.alertname = alert.labels.alertname || "";
        return item;
      });
    $("alert-list").replaceChildren(...items);
    $("alerts").className = items.length ? "active" : "";
    render();
  }

  function setStatus(kind, text) {
    $("status").className = kind;
    $("status").textContent = text;
    document.body.className = kind;
    document.body.dataset.state = kind;
  }

  // What the stream's events do; any other event name is ignored.
  const handlers = new Map([
    ["snapshot", (data) => {
      state.snapshot = JSON.parse(data);
      state.receivedAt = Date.now();
      state.snapshots += 1;
      document.body.dataset.snapshots = String(state.snapshots);
      setStatus("live", "live");
      render();
      refreshIntervals();
    }],
    ["alert", (data) => {
      const alert = JSON.parse(data);
      if (alert.state === "resolved") state.alerts.delete(alert.fingerprint);
      else state.alerts.set(alert.fingerprint, alert);
      renderAlerts();
    }],
    ["heartbeat", () => {}],
  ]);

  // text/event-stream as the HTML standard parses it (event, data, retry; comments skipped; this
  // server sends no id): returns a function to feed the decoded text to, chunk by chunk.
  function eventParser(dispatch) {
    let pending = "", name = "", data = [];
    return (chunk) => {
      pending += chunk;
      // A chunk ending in "\r" may be half of a "\r\n": that line waits for the next chunk.
      const cut = pending.endsWith("\r") ? pending.length - 1 : pending.length;
      const lines = pending.slice(0, cut).split(/\r\n|\r|\n/);
      pending = lines.pop() + pending.slice(cut);
      for (const line of lines) {
        if (line === "") {
          if (data.length) dispatch(name || "message", data.join("\n"));
          name = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
        else if (field === "retry" && /^\d+$/.test(value)) stream.retry = Math.max(1000, Number(value));
      }
    };
  }

  // The live stream, read with fetch rather than EventSource, which cannot send the token as a
  // header (docs/spec/security.md, "Tokens"). It reconnects as EventSource would, after the
  // server's `retry:` (2 s), then doubling up to 30 s while attempts keep failing. Each connection
  // has a generation: the end of one that a newer one replaced changes nothing.
  const stream = { generation: 0, controller: null, timer: null, retry: 2000, failures: 0, waitingForToken: false };

  function connect() {
    clearTimeout(stream.timer);
    stream.timer = null;
    if (stream.controller) stream.controller.abort();
    const generation = ++stream.generation;
    const controller = new AbortController();
    Object.assign(stream, { controller, waitingForToken: false });
    state.lastMessage = Date.now();
    const sent = auth.token;
    read(controller.signal, sent, generation).then((status) => ended(generation, sent, status),
                                                   () => ended(generation, sent, 0));
  }

  // Reads one connection until it ends; the status when it was refused, else 0.
  async function read(signal, sent, generation) {
    const response = await fetch("/api/v1/stream", {
      headers: { Accept: "text/event-stream", ...authorization(sent) }, cache: "no-store", signal });
    if (!response.ok || !response.body) return response.status;
    setStatus("live", "live");
    const feed = eventParser((name, data) => {
      state.lastMessage = Date.now();
      stream.failures = 0;
      const handler = handlers.get(name);
      // One event the page cannot show is skipped; it must not end (and leak) the stream.
      try {
        if (handler) handler(data);
      } catch (error) {
        console.warn("wallboard: event '" + name + "' skipped:", error);
      }
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done || generation !== stream.generation) return 0;
      feed(value);
    }
  }

  function ended(generation, sent, status) {
    if (generation !== stream.generation) return;
    // A read that failed leaves its fetch open: abort it, or the connection stays.
    if (stream.controller) stream.controller.abort();
    stream.controller = null;
    if (status === 401) {
      if (unauthorized(sent)) { connect(); return; }
      // No token and the prompt cancelled: wait for one in the fragment (hashchange).
      stream.waitingForToken = true;
      setStatus("stale", "this wallboard needs a read token: open it as /#token=…");
      return;
    }
    const since = state.receivedAt ? new Date(state.receivedAt).toLocaleTimeString() : "the start";
    setStatus("stale", "stale since " + since + ", reconnecting…");
    const delay = Math.min(30000, stream.retry * 2 ** Math.min(stream.failures, 4));
    stream.failures += 1;
    stream.timer = setTimeout(connect, delay * (0.9 + 0.2 * Math.random()));  // spread, not a herd of TVs
  }

  // A token typed into the fragment of an open page: taken as at load.
  window.addEventListener("hashchange", () => {
    if (!takeFragmentToken()) return;
    connect();
    loadIntervals();
  });

  // The server sends a heartbeat every 15 s: silence for 40 s means a dead stream the
  // browser has not noticed (a dropped network path), so show it and reconnect.
  setInterval(() => {
    $("clock").textContent = new Date().toLocaleTimeString();
    if (state.snapshot && state.snapshot.clock === "live") {
      for (const node of document.querySelectorAll(".tile")) {
        const queue = state.snapshot.queues.find((q) => q.queue === node.dataset.queue);
        const value = node.querySelector('[data-field="oldest"]');
        if (!queue || !value) continue;
        const seconds = oldestNow(queue);
        value.textContent = duration(seconds);
        value.className = "value " + waitClass(seconds, queue.service_level_seconds);
      }
    }
    if (!stream.waitingForToken && Date.now() - state.lastMessage > 40000) {
      setStatus("stale", "stale: no data for " + Math.round((Date.now() - state.lastMessage) / 1000) + " s, reconnecting…");
      connect();
    }
  }, 1000);
  $("clock").textContent = new Date().toLocaleTimeString();  // not "--:--:--" for the first second
  connect();
  loadIntervals();
})();
