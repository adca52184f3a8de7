// Unit tests of the forwarder's queue, batching and back-off (Sources/CallPulseServer/Views/
// Connector/connector.js), run in Chromium by connector_check.py --scenario unit. They drive
// CallPulse._internals.createForwarder, the code connect() uses, with a fake clock, random,
// fetch, storage and console: no real time passes, no request leaves the page.
// Results: window.__unit = {done: true, results: [{name, ok, error}]}.
(async function () {
  "use strict";
  const I = CallPulse._internals;

  function check(condition, message) { if (!condition) throw new Error(message); }
  function same(actual, expected, message) {
    const a = JSON.stringify(actual), b = JSON.stringify(expected);
    if (a !== b) throw new Error(message + ": " + a + " != " + b);
  }
  // A seeded random (mulberry32), so a failure reproduces.
  function seeded(seed) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const message = (id, extra) => ({message: {call: Object.assign({id, event: "connecting"}, extra || {})}});
  const idOf = (line) => JSON.parse(line).message.call.id;

  // A forwarder in a fake world. respond(request, world) answers each POST: {status, body,
  // headers} or {network: true}, or a promise of one (to hold a request in flight).
  function world(options) {
    options = options || {};
    const w = {
      t: 1767225600000, timers: [], nextTimer: 1, requests: [], errors: [], warnings: [], isHidden: false,
      respond: options.respond || (() => ({status: 200, body: {accepted: 1, ignored: 0, rejected: 0, errors: []}})),
      storage: options.storage || I.memoryStorage(), random: options.random || seeded(7),
    };
    w.env = {
      now: () => w.t,
      random: () => w.random(),
      setTimer(callback, ms) { const id = w.nextTimer++; w.timers.push({id, at: w.t + ms, callback}); return id; },
      clearTimer(id) { w.timers = w.timers.filter((timer) => timer.id !== id); },
      async fetch(url, init) {
        const request = {t: w.t, url, init, lines: init.body.replace(/\n$/, "").split("\n")};
        w.requests.push(request);
        const reply = await w.respond(request, w);
        request.status = reply.network ? "network" : reply.status;
        if (reply.network) throw new TypeError("Failed to fetch");
        const headers = reply.headers || {};
        return {status: reply.status, headers: {get: (name) => (name in headers ? headers[name] : null)},
          text: async () => JSON.stringify(reply.body || {})};
      },
      storage: w.storage,
      locks: I.pageLocks(),
      console: {error: (...a) => w.errors.push(a.join(" ")), warn: (...a) => w.warnings.push(a.join(" "))},
      hidden: () => w.isHidden,
    };
    w.forwarder = I.createForwarder(options.endpoint || "https://callpulse.test:9478", w.env);
    w.forwarder.configure(Object.assign({token: "secret", batchMs: 250}, options.config || {}));
    // Events CallPulse took, in order: the lines of every request answered 200.
    w.delivered = () => w.requests.filter((r) => r.status === 200).flatMap((r) => r.lines);
    return w;
  }

  // Lets every promise chain run (fake fetch and locks resolve in microtasks) without moving
  // the fake clock: a message-channel round trip runs after all pending microtasks.
  const settle = () => new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
  // Moves the fake clock ms ahead, running each timer when its time comes.
  async function advance(w, ms) {
    const end = w.t + ms;
    await settle();
    for (let runs = 0; ; runs++) {
      check(runs < 20000, "runaway: 20000 timers in one advance"); // a forwarder stuck in a loop fails, not hangs
      w.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = w.timers[0];
      if (!next || next.at > end) break;
      w.timers.shift();
      w.t = Math.max(w.t, next.at);
      next.callback();
      await settle();
    }
    w.t = end;
  }
  const ok = (accepted) => ({status: 200, body: {accepted, ignored: 0, rejected: 0, errors: []}});

  const tests = [];
  const test = (name, body) => tests.push({name, body});

  test("back-off: 1 s, 2 s, 4 s … 30 s, each with jitter in [half, whole], never under 1 s", async () => {
    for (let failures = 1; failures <= 40; failures++) {
      const ceiling = Math.min(30000, 1000 * 2 ** (failures - 1));
      for (const r of [0, 0.25, 0.5, 0.75, 0.999999]) {
        const delay = I.backoffDelay(failures, () => r);
        check(delay >= Math.max(1000, ceiling / 2) && delay <= ceiling, `failure ${failures}, random ${r}: ${delay} ms`);
      }
    }
    same(I.backoffDelay(1, () => 0.999999), 1000, "the first retry");
    same([0, 0.999999].map((r) => I.backoffDelay(10, () => r)), [15000, 30000], "the cap's jitter band");
  });

  for (const failure of [{status: 503, body: {error: "shutting down", reason: "shutting_down"}}, {network: true}]) {
    const what = failure.network ? "network errors" : "503";
    test(`${what} retry with the back-off sequence (jittered, capped at 30 s), then resume at 1 s after a success`, async () => {
      let failing = true;
      const w = world({respond: () => (failing ? failure : ok(1)), random: seeded(11)});
      w.forwarder.send(message("a"));
      await advance(w, 10 * 60 * 1000);
      const times = w.requests.map((r) => r.t);
      check(times.length >= 20, `${times.length} attempts in 10 minutes`);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      gaps.forEach((gap, i) => {
        const ceiling = Math.min(30000, 1000 * 2 ** i);
        check(gap >= Math.max(1000, ceiling / 2) && gap <= ceiling, `gap ${i + 1}: ${gap} ms (ceiling ${ceiling})`);
      });
      const capped = gaps.slice(6);
      check(new Set(capped).size > 1, `no jitter at the cap: ${capped}`);
      const stats = w.forwarder.stats();
      same([stats.queued, stats.sent], [1, 0], "queued, sent while failing");
      check(failure.network ? /^network error/.test(stats.lastError) : stats.lastError === "503: shutting down", stats.lastError);
      failing = false;
      await advance(w, 30000);
      same(w.delivered().map(idOf), ["a"], "delivered once");
      same([w.forwarder.stats().queued, w.forwarder.stats().sent, w.forwarder.stats().lastError], [0, 1, null], "after");
      // A new outage starts again at 1 s.
      failing = true;
      const before = w.requests.length;
      w.forwarder.send(message("b"));
      await advance(w, 1500);
      same(w.requests.slice(before).map((r) => r.t - w.requests[before].t), [0, 1000], "a fresh back-off");
      same(w.errors, [], "console errors");
    });
  }

  test("429 honours Retry-After (seconds and HTTP date), else backs off", async () => {
    const replies = [
      {status: 429, headers: {"Retry-After": "7"}},
      null, // an HTTP date 12 s ahead, made when asked
      {status: 429},
      ok(1),
    ];
    const w = world({respond: (request, w) => {
      const reply = replies.shift();
      return reply || {status: 429, headers: {"Retry-After": new Date(w.t + 12000).toUTCString()}};
    }, random: () => 0.999999});
    w.forwarder.send(message("a"));
    await advance(w, 60000);
    const times = w.requests.map((r) => r.t - w.requests[0].t);
    same(times, [0, 7000, 19000, 23000], "attempts (7 s, 12 s asked; then the third failure's back-off, 4 s)");
    same(w.delivered().map(idOf), ["a"], "delivered");
    same([I.retryAfterDelay("120", 0), I.retryAfterDelay("soon", 0), I.retryAfterDelay(null, 0)], [120000, null, null], "parsing");
  });

  test("413 halves the batch down to one event; a single event over the limit is dropped and counted", async () => {
    const w = world({respond: (request) => (request.lines.length > 3 || request.lines.some((l) => l.includes("huge"))
      ? {status: 413, body: {error: "too large", reason: "body_too_large"}} : ok(request.lines.length))});
    for (let i = 0; i < 10; i++) w.forwarder.send(message("m" + i));
    await advance(w, 60000);
    const sizes = w.requests.map((r) => `${r.lines.length}:${r.status}`);
    same(sizes.slice(0, 3), ["10:413", "5:413", "3:200"], "halving");
    same(w.delivered().map(idOf), Array.from({length: 10}, (_, i) => "m" + i), "all delivered, in order, once");
    // A 413 is answered at once (no back-off): the first three requests at one instant.
    same(w.requests.slice(0, 3).map((r) => r.t - w.requests[0].t), [0, 0, 0], "no wait after a 413");

    const v = world({respond: (request) => (request.lines.some((l) => l.includes("huge"))
      ? {status: 413, body: {error: "too large"}} : ok(request.lines.length))});
    v.forwarder.send(message("a"));
    v.forwarder.send(message("huge", {pad: "x".repeat(1000)}));
    v.forwarder.send(message("b"));
    await advance(v, 60000);
    same(v.requests.map((r) => `${r.lines.map(idOf).join(",")}:${r.status}`),
      ["a,huge,b:413", "a,huge:413", "a:200", "huge,b:413", "huge:413", "b:200"], "the requests");
    const stats = v.forwarder.stats();
    same([stats.queued, stats.sent, stats.dropped, stats.rejected], [0, 2, 1, 0], "queued, sent, dropped, rejected");
    same(v.warnings.filter((x) => /body limit/.test(x)).length, 1, "one warning");
    same(v.errors, [], "console errors");
  });

  test("beyond maxQueued the oldest are dropped and counted, never the batch in flight", async () => {
    let down = true;
    const w = world({config: {maxQueued: 5}, respond: () => (down ? {status: 503} : ok(1))});
    for (let i = 0; i < 8; i++) w.forwarder.send(message("m" + i));
    await advance(w, 100);
    same(I.parseQueue(w.storage.getItem(w.forwarder.key)).map((e) => idOf(e.slice(e.indexOf(" ") + 1))),
      ["m3", "m4", "m5", "m6", "m7"], "the stored queue");
    same([w.forwarder.stats().queued, w.forwarder.stats().dropped], [5, 3], "queued, dropped");
    down = false;
    await advance(w, 60000);
    same(w.delivered().map(idOf), ["m3", "m4", "m5", "m6", "m7"], "delivered in order");

    // A request holds m0, m1 while five more arrive and the page hides (stored at once).
    let release;
    const v = world({config: {maxQueued: 5}, respond: (request) => (request.lines.length === 2 && !release
      ? new Promise((resolve) => { release = () => resolve(ok(2)); }) : ok(request.lines.length))});
    v.forwarder.send(message("m0"));
    v.forwarder.send(message("m1"));
    await advance(v, 10);
    check(release, "the first request is in flight");
    for (let i = 2; i < 7; i++) v.forwarder.send(message("m" + i));
    v.forwarder.pagehide();
    same(v.forwarder.stats().dropped, 2, "dropped for room");
    release();
    await advance(v, 60000);
    same(v.delivered().map(idOf), ["m0", "m1", "m4", "m5", "m6"], "delivered");
    same([v.forwarder.stats().sent, v.forwarder.stats().queued], [5, 0], "sent, queued");
  });

  test("storage full: the oldest are dropped and counted, the rest delivered in order", async () => {
    const backing = I.memoryStorage();
    const storage = {
      getItem: backing.getItem, removeItem: backing.removeItem,
      setItem(key, value) {
        if (value.length > 600) throw new DOMException("quota", "QuotaExceededError");
        backing.setItem(key, value);
      },
    };
    let down = true;
    const w = world({storage, respond: () => (down ? {network: true} : ok(1))});
    for (let i = 0; i < 12; i++) w.forwarder.send(message("m" + i, {pad: "p".repeat(60)}));
    await advance(w, 100);
    const stats = w.forwarder.stats();
    check(stats.dropped > 0 && stats.queued > 0 && stats.dropped + stats.queued === 12, JSON.stringify(stats));
    same(w.warnings.filter((x) => /storage is full/.test(x)).length, 1, "one warning");
    down = false;
    await advance(w, 60000);
    same(w.delivered().map(idOf), Array.from({length: 12}, (_, i) => "m" + i).slice(stats.dropped), "the newest, in order");
  });

  test("ordering: every message delivered once, in order, through random failures; batches at least batchMs apart", async () => {
    const chaos = seeded(99);
    const w = world({config: {batchMs: 250}, respond: (request) => {
      const r = chaos();
      // 413 only for batches of several events: a single event answered 413 would be dropped.
      return r < 0.2 ? {network: true} : r < 0.35 ? {status: 503} : r < 0.45 && request.lines.length > 1 ? {status: 413}
        : ok(request.lines.length);
    }});
    let next = 0;
    for (let round = 0; round < 200; round++) {
      const count = Math.floor(chaos() * 4);
      for (let i = 0; i < count; i++) w.forwarder.send(message("m" + next++));
      await advance(w, Math.floor(chaos() * 400));
    }
    await advance(w, 10 * 60 * 1000);
    same(w.delivered().map(idOf), Array.from({length: next}, (_, i) => "m" + i), "delivered");
    const stats = w.forwarder.stats();
    same([stats.queued, stats.sent, stats.dropped, stats.rejected], [0, next, 0, 0], "stats");
    const spaced = w.requests.filter((r, i) => i > 0 && w.requests[i - 1].status !== 413);
    for (const r of spaced) {
      const previous = w.requests[w.requests.indexOf(r) - 1];
      check(r.t - previous.t >= 250, `requests ${r.t - previous.t} ms apart`);
    }
    check(next > 200, `${next} messages`);
  });

  test("200 and 400: the batch leaves; rejected events counted, each reason logged once", async () => {
    const replies = [
      {status: 200, body: {accepted: 1, ignored: 0, rejected: 2, errors: [
        {index: 1, line: 2, reason: "bad_queue", detail: "queue x"}, {index: 2, line: 3, reason: "bad_queue", detail: "queue y"}]}},
      {status: 200, body: {accepted: 0, ignored: 1, rejected: 2, errors: [
        {index: 0, line: 1, reason: "bad_queue", detail: "queue z"}, {index: 1, line: 2, reason: "unknown_event", detail: "e"}]}},
      {status: 400, body: {error: "every event was rejected", reason: "all_rejected", accepted: 0, ignored: 0, rejected: 2,
        errors: [{index: 0, line: 1, reason: "missing_call", detail: "d"}]}},
    ];
    const w = world({respond: () => replies.shift()});
    for (const round of [3, 3, 2]) {
      for (let i = 0; i < round; i++) w.forwarder.send(message("r" + round + i));
      await advance(w, 1000);
    }
    const stats = w.forwarder.stats();
    same([stats.queued, stats.sent, stats.rejected], [0, 2, 6], "queued, sent, rejected");
    check(/^400/.test(stats.lastError), stats.lastError);
    check(stats.lastSentAt === w.requests[2].t, "lastSentAt");
    same(["bad_queue", "unknown_event", "missing_call"].map((r) => w.warnings.filter((x) => x.includes(`(${r})`)).length),
      [1, 1, 1], "warnings per reason");
    same(w.errors, [], "console errors");
  });

  for (const status of [401, 403, 415]) {
    test(`${status} stops with one console error and keeps the queue; a later connect() resumes`, async () => {
      const w = world({respond: (request) => (request.init.headers.Authorization === "Bearer good" ? ok(request.lines.length)
        : {status, body: {error: "no", reason: "unauthorized"}})});
      w.forwarder.send(message("a"));
      await advance(w, 1000);
      w.forwarder.send(message("b"));
      w.forwarder.send("{\"message\": {\"call\": {\"id\": \"c\", \"event\": \"connecting\"}}}");
      await advance(w, 10 * 60 * 1000);
      same(w.requests.length, 1, "requests after the stop");
      same(w.errors.length, 1, "console errors");
      const stats = w.forwarder.stats();
      same([stats.queued, stats.sent, stats.lastError], [3, 0, `${status}: no`], "stats while stopped");
      w.forwarder.configure({token: "good"});
      await advance(w, 1000);
      same(w.delivered().map(idOf), ["a", "b", "c"], "delivered after connect()");
      same(w.errors.length, 1, "console errors");
    });
  }

  test("send() never throws, never alters: non-JSON, non-objects and unserialisable values are rejected and counted", async () => {
    const w = world();
    const cyclic = {message: {}};
    cyclic.message.self = cyclic;
    const inputs = [cyclic, {big: 1n}, undefined, null, 42, "[1]", "not json", "{\"a\":1", "\"text\"", Symbol("s"), () => 1];
    for (const input of inputs) w.forwarder.send(input);
    const text = "{ \"a\" : 1.50,\n  \"id\" : 12345678901234567890, \"s\": \"two  spaces \\\" and \\\\\" ,\"e\":1E+2 }";
    w.forwarder.send(text);
    const object = message("o");
    w.forwarder.send(object);
    object.message.call.id = "changed after send";
    await advance(w, 1000);
    same(w.forwarder.stats().rejected, inputs.length, "rejected");
    same(w.delivered(), ["{\"a\":1.50,\"id\":12345678901234567890,\"s\":\"two  spaces \\\" and \\\\\",\"e\":1E+2}",
      JSON.stringify(message("o"))], "the lines sent");
    same(w.warnings.length, 2, "one warning per local reason");
    same(w.errors, [], "console errors");
  });

  test("the queue is in storage under one key per endpoint: a reloaded page (a new forwarder) sends it", async () => {
    const storage = I.memoryStorage();
    const first = world({storage, respond: () => ({network: true})});
    const other = world({storage, endpoint: "https://other.test", respond: () => ({network: true})});
    for (const id of ["a", "b", "c"]) first.forwarder.send(message(id));
    other.forwarder.send(message("x"));
    await advance(first, 100);
    await advance(other, 100);
    same([first.forwarder.stats().queued, other.forwarder.stats().queued], [3, 1], "queued per endpoint");
    const second = world({storage});
    await advance(second, 1000);
    same(second.delivered().map(idOf), ["a", "b", "c"], "sent by the new page");
    same([first.forwarder.stats().queued, other.forwarder.stats().queued], [0, 1], "after");
  });

  test("hidden page: the last batch goes at once with keepalive, within the keepalive body limit", async () => {
    const w = world({config: {batchMs: 5000}});
    w.forwarder.send(message("a"));
    await advance(w, 10);
    w.forwarder.send(message("b"));
    w.isHidden = true;
    w.forwarder.hidden();
    await advance(w, 10);
    same(w.requests.map((r) => [r.lines.map(idOf).join(), r.init.keepalive]), [["a", false], ["b", true]], "requests");
    for (let i = 0; i < 100; i++) w.forwarder.send(message("k" + i, {pad: "x".repeat(1000)}));
    w.forwarder.hidden();
    await advance(w, 10);
    const last = w.requests[w.requests.length - 1];
    check(last.init.keepalive && last.init.body.length <= I.limits.KEEPALIVE_BYTES && last.lines.length > 10,
      `${last.init.body.length} bytes, ${last.lines.length} events`);
  });

  test("flush() resolves once the queue is empty (at once when it is); batchMs spaces requests", async () => {
    let down = true;
    const w = world({config: {batchMs: 250}, respond: (request) => (down ? {status: 503} : ok(request.lines.length))});
    let flushed = false;
    await w.forwarder.flush();
    for (let i = 0; i < 5; i++) w.forwarder.send(message("d" + i));
    w.forwarder.flush().then(() => { flushed = true; });
    await advance(w, 5000);
    check(!flushed, "flushed while messages were queued");
    down = false;
    await advance(w, 60000);
    check(flushed, "flush() never resolved");
    same(w.forwarder.stats().queued, 0, "queued");

    const v = world({config: {batchMs: 250}});
    for (let i = 0; i < 40; i++) {
      v.forwarder.send(message("m" + i));
      await advance(v, 25);
    }
    await advance(v, 1000);
    const times = v.requests.map((r) => r.t);
    check(times.length >= 4 && times.slice(1).every((t, i) => t - times[i] >= 250), `requests at ${times}`);
    same(v.delivered().map(idOf), Array.from({length: 40}, (_, i) => "m" + i), "delivered");
    same(v.requests[0].url, "https://callpulse.test:9478/api/v1/events", "url");
    same([v.requests[0].init.headers["Content-Type"], v.requests[0].init.headers.Authorization, v.requests[0].init.credentials],
      ["application/x-ndjson", "Bearer secret", "omit"], "request");
  });

  const results = [];
  for (const {name, body} of tests) {
    try {
      await body();
      results.push({name, ok: true});
    } catch (error) {
      results.push({name, ok: false, error: String((error && error.stack) || error)});
    }
  }
  window.__unit = {done: true, results};
})();
