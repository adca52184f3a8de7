/// The wallboard at `GET /`: one self-contained page (no network but this daemon) that a
/// supervisor puts on a TV. It draws itself from `/api/v1/stream`, and each tile's chart of
/// today's intervals from `/api/v1/intervals` (one request for every queue, at load and then at
/// most every 5 s while snapshots arrive); each tile's forecast row (projected SL, est. wait,
/// agents needed / seen) is the snapshot's `forecast` (docs/spec/forecast.md). Every queue
/// name and annotation goes into the DOM through `textContent`, never as HTML.
enum WallboardPage {
    /// The page; `version` is ours (digits and dots), so it is safe to interpolate.
    static func html(version: String) -> String {
        head + body.replacingOccurrences(of: "{{version}}", with: version) + script
    }

    private static let head = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta http-equiv="Content-Security-Policy" content="default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'none'">
    <title>CallPulse wallboard</title>
    <style>
    :root { --bg:#0d1117; --panel:#161b22; --line:#30363d; --text:#e6edf3; --dim:#8b949e;
            --ok:#3fb950; --warn:#d29922; --bad:#f85149; --accent:#58a6ff; }
    * { box-sizing: border-box; }
    html, body { margin: 0; background: var(--bg); color: var(--text);
                 font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    header { display: flex; align-items: center; gap: 1.2rem; padding: .8rem 1.4rem;
             border-bottom: 1px solid var(--line); flex-wrap: wrap; }
    header h1 { font-size: 1.6rem; margin: 0; letter-spacing: .02em; }
    header h1 span { color: var(--accent); }
    #clock { font-size: 1.6rem; font-variant-numeric: tabular-nums; color: var(--dim); }
    #status { padding: .25rem .8rem; border-radius: 1rem; font-weight: 600; font-size: 1rem; background: var(--panel); }
    #status.live { color: var(--ok); } #status.stale { color: #111; background: var(--warn); }
    #status.connecting { color: var(--dim); }
    .controls { margin-left: auto; display: flex; gap: .6rem; align-items: center; }
    .controls input, .controls select { background: var(--panel); color: var(--text); border: 1px solid var(--line);
                                         border-radius: .4rem; padding: .35rem .6rem; font-size: 1rem; }
    #alerts { display: none; padding: .6rem 1.4rem; background: #3d1214; border-bottom: 2px solid var(--bad); }
    #alerts.active { display: block; }
    #alerts li { font-size: 1.35rem; margin: .2rem 0; list-style: none; }
    #alerts li.firing::before { content: "\25CF  "; color: var(--bad); }
    #alerts li.pending { color: var(--dim); font-size: 1.1rem; }
    #alerts li.pending::before { content: "\25CB  "; color: var(--warn); }
    #alerts ul { margin: 0; padding: 0; }
    main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 25rem), 1fr)); gap: 1rem; padding: 1rem 1.4rem; }
    body.stale main { opacity: .45; filter: grayscale(.7); }
    .tile { background: var(--panel); border: 1px solid var(--line); border-radius: .8rem; padding: .9rem 1.1rem;
            container-type: inline-size; }
    .tile.alerting { border-color: var(--bad); box-shadow: 0 0 0 2px rgba(248,81,73,.35); }
    .tile h2 { margin: 0 0 .5rem; font-size: 1.55rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .big { display: grid; grid-template-columns: 1fr 1fr; gap: .5rem; margin-bottom: .6rem; }
    .big div { display: flex; flex-direction: column; }
    .big .value { font-size: 3.6rem; font-weight: 700; line-height: 1.05; font-variant-numeric: tabular-nums; }
    .label { color: var(--dim); font-size: .95rem; text-transform: uppercase; letter-spacing: .05em; }
    .ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); }
    dl { display: grid; grid-template-columns: repeat(3, 1fr); gap: .45rem .8rem; margin: 0; }
    dl div { display: flex; flex-direction: column-reverse; }
    dd { margin: 0; font-size: 1.6rem; font-weight: 600; font-variant-numeric: tabular-nums; }
    dt { color: var(--dim); font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; }
    /* The forecast: a row of its own under a rule, projections rather than counts. A tile wide
       enough takes four figures a row, so the fifth row costs no height. */
    dl.forecast { margin-top: .55rem; padding-top: .45rem; border-top: 1px dashed var(--line); }
    dl.forecast div { justify-content: flex-end; }
    dl.forecast dd { display: flex; flex-wrap: wrap; align-items: baseline; column-gap: .4rem; white-space: nowrap; }
    dl.forecast dd.word { align-self: flex-start; font-size: .95rem; color: #111; background: var(--bad);
                          border-radius: .3rem; padding: .15rem .4rem; margin-top: .25rem; }
    dl.forecast .source { color: var(--dim); font-size: .85rem; font-weight: 400; }
    /* Before a whole handle window is observed the forecast runs pessimistic: shown dimmed. */
    dl.forecast.settling dd { opacity: .55; }
    @container (min-width: 25rem) {
      dl { grid-template-columns: repeat(4, 1fr); column-gap: .6rem; }
      dl.forecast { grid-template-columns: minmax(max-content, 1fr) minmax(max-content, 1fr) 1fr 1fr; }
      dl.forecast div:not(.wide) dt { white-space: nowrap; }
      dl.forecast .wide { grid-column: span 2; }
    }
    #empty { grid-column: 1 / -1; color: var(--dim); font-size: 1.4rem; text-align: center; padding: 4rem 0; }
    .chart { margin-top: .7rem; }
    .chart svg { display: block; width: 100%; height: auto; }
    .chart .bar { fill: var(--accent); opacity: .7; }
    .chart .bar.partial { fill: url(#partial-hatch); stroke: var(--accent); stroke-width: .6; opacity: 1; }
    .chart .now { fill: var(--accent); opacity: .12; }
    .chart .target { stroke: var(--dim); stroke-width: .5; stroke-dasharray: 2 2; }
    .chart .sl-line { fill: none; stroke: var(--text); stroke-width: 1.2; stroke-linejoin: round; }
    .chart .sl-point { fill: var(--text); }
    .chart-caption { display: flex; justify-content: space-between; color: var(--dim); font-size: .8rem;
                     text-transform: uppercase; letter-spacing: .04em; margin-top: .2rem; }
    #svg-defs { position: absolute; width: 0; height: 0; }
    footer { color: var(--dim); padding: .6rem 1.4rem 1.2rem; font-size: .9rem; }
    footer a { color: var(--accent); margin-right: 1rem; }
    </style>
    </head>

    """#

    private static let body = #"""
    <body class="connecting">
    <header>
      <h1>Call<span>Pulse</span></h1>
      <div id="clock">--:--:--</div>
      <div id="status" class="connecting">connecting…</div>
      <div class="controls">
        <input id="filter" type="search" placeholder="filter queues" aria-label="filter queues">
        <select id="sort" aria-label="sort queues">
          <option value="name">name</option>
          <option value="waiting">most waiting</option>
          <option value="oldest">longest wait</option>
          <option value="sl">lowest service level</option>
          <option value="missed">most missed (5m)</option>
        </select>
      </div>
    </header>
    <section id="alerts" aria-live="polite"><ul id="alert-list"></ul></section>
    <main id="tiles"><div id="empty">Waiting for the first numbers…</div></main>
    <svg id="svg-defs" aria-hidden="true"><defs>
      <pattern id="partial-hatch" width="3" height="3" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="1.4" height="3" fill="#58a6ff"></rect></pattern>
    </defs></svg>
    <footer>
      CallPulse {{version}} ·
      <a href="/metrics">/metrics</a><a href="/api/v1/queues">/api/v1/queues</a><a href="/api/v1/alerts">/api/v1/alerts</a><a href="/api/v1/calls">/api/v1/calls</a><a href="/api/v1/status">/api/v1/status</a><a href="/api/v1/intervals">/api/v1/intervals</a>
      <span id="updated"></span>
    </footer>

    """#

    private static let script = #"""
    <script>
    "use strict";
    (() => {
      const params = new URLSearchParams(location.search);
      const $ = (id) => document.getElementById(id);
      const state = { snapshot: null, receivedAt: 0, alerts: new Map(), lastMessage: 0, source: null, snapshots: 0 };
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

      function authorization() {
        const token = params.get("token");
        return token ? { Authorization: "Bearer " + token } : {};
      }
      // One request for every queue; the chart is redrawn with the next render. A failure (the
      // daemon away, or one without the endpoint) keeps the last chart: the status shows the rest.
      async function loadIntervals() {
        intervals.timer = null;
        if (intervals.inFlight) { intervals.again = true; return; }
        intervals.inFlight = true;
        intervals.last = performance.now();
        try {
          const response = await fetch("/api/v1/intervals", { headers: authorization(), cache: "no-store" });
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
          if (intervals.again) { intervals.again = false; refreshIntervals(); }
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

      function connect() {
        if (state.source) state.source.close();
        const token = params.get("token");
        const source = new EventSource("/api/v1/stream" + (token ? "?token=" + encodeURIComponent(token) : ""));
        state.source = source;
        state.lastMessage = Date.now();
        source.onopen = () => setStatus("live", "live");
        source.onerror = () => {
          const since = state.receivedAt ? new Date(state.receivedAt).toLocaleTimeString() : "the start";
          setStatus("stale", "stale since " + since + ", reconnecting…");
        };
        source.addEventListener("snapshot", (message) => {
          state.lastMessage = Date.now();
          state.snapshot = JSON.parse(message.data);
          state.receivedAt = Date.now();
          state.snapshots += 1;
          document.body.dataset.snapshots = String(state.snapshots);
          setStatus("live", "live");
          render();
          refreshIntervals();
        });
        source.addEventListener("alert", (message) => {
          state.lastMessage = Date.now();
          const alert = JSON.parse(message.data);
          if (alert.state === "resolved") state.alerts.delete(alert.fingerprint);
          else state.alerts.set(alert.fingerprint, alert);
          renderAlerts();
        });
        source.addEventListener("heartbeat", () => { state.lastMessage = Date.now(); });
      }

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
        if (Date.now() - state.lastMessage > 40000) {
          setStatus("stale", "stale: no data for " + Math.round((Date.now() - state.lastMessage) / 1000) + " s, reconnecting…");
          connect();
        }
      }, 1000);
      $("clock").textContent = new Date().toLocaleTimeString();  // not "--:--:--" for the first second
      connect();
      loadIntervals();
    })();
    </script>
    </body>
    </html>

    """#
}
