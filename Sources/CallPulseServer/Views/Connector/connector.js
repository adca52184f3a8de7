// CallPulse browser forwarder (docs/spec/connector.md): hands the connector's call-state
// messages to CallPulse. Plain ES2020, no dependencies, no network but the endpoint.
//
//   const forwarder = CallPulse.connect({endpoint, token, batchMs: 250, maxQueued: 2000});
//   connector.onMessage(msg => forwarder.send(msg));
//
// Messages wait in localStorage (one key per endpoint, shared by the origin's tabs) until
// CallPulse answered the batch holding them, so a reload or a lost network loses nothing.
(function (root) {
  "use strict";

  const MAX_BATCH_EVENTS = 500;
  const MAX_BATCH_BYTES = 512 * 1024; // far under limits.max_body_bytes (8 MiB by default)
  const KEEPALIVE_BYTES = 60 * 1024; // browsers refuse keepalive bodies over 64 KiB in flight
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const REQUEST_TIMEOUT_MS = 30000; // a hung request must not hold the send lock for ever
  const KEY_PREFIX = "callpulse.queue.v1 ";

  // The default endpoint is where this script came from; only readable while it first runs.
  const scriptOrigin = (() => {
    try { return new URL(document.currentScript.src).origin; } catch (e) { return null; }
  })();

  // --- pure pieces (CallPulse._internals, driven by Tests/Browser/connector_unit.js) ---

  // The wait before retry number `failures` (1, 2, …): 1 s, 2 s, 4 s … at most 30 s, each
  // scaled by a random factor in [0.5, 1] so that a floor of browsers that lost CallPulse at
  // the same moment does not come back in lock-step; never under 1 s.
  function backoffDelay(failures, random) {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(failures - 1, 16));
    return Math.max(BACKOFF_MIN_MS, Math.round(ceiling * (0.5 + 0.5 * random())));
  }

  // Retry-After in milliseconds (delay-seconds or an HTTP date), or null when absent or unreadable.
  function retryAfterDelay(value, now) {
    if (typeof value !== "string" || value.trim() === "") return null;
    if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? null : Math.max(0, at - now);
  }

  const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

  // A message as the line that is sent ({line}), or why it cannot be sent ({reason}). JSON
  // text keeps its exact characters minus the white space between tokens: re-serialising it
  // would change numbers CallPulse reads as written (a 20-digit call id, `1.50`). Only objects
  // are events; anything else would be refused by CallPulse, and a line starting with `[`
  // would make the whole batch read as one JSON array.
  function toLine(message) {
    if (typeof message === "string") {
      let value;
      try { value = JSON.parse(message); } catch (e) { return {reason: "malformed_json"}; }
      if (!isObject(value)) return {reason: "not_an_object"};
      return {line: message.replace(/"(?:[^"\\]|\\.)*"|[ \t\n\r]+/g, (m) => (m[0] === '"' ? m : ""))};
    }
    if (!isObject(message)) return {reason: "not_an_object"};
    try {
      const line = JSON.stringify(message); // cyclic objects and BigInt throw; toJSON may return anything
      return typeof line === "string" && line[0] === "{" ? {line} : {reason: "not_an_object"};
    } catch (e) {
      return {reason: "malformed_json"};
    }
  }

  // The queue in storage: one entry a line, "<id> <message line>", oldest first. Message lines
  // are compact JSON, which never holds a raw line break; ids are unique across tabs.
  const parseQueue = (text) => (text ? text.split("\n") : []);
  const entryId = (entry) => entry.slice(0, entry.indexOf(" "));
  const entryLine = (entry) => entry.slice(entry.indexOf(" ") + 1);

  const encoder = new TextEncoder();
  // The oldest entries that fit in one request: at most maxEvents and maxBytes, at least one.
  function takeBatch(entries, maxEvents, maxBytes) {
    let bytes = 0;
    let count = 0;
    while (count < entries.length && count < maxEvents) {
      bytes += encoder.encode(entryLine(entries[count])).length + 1;
      if (count > 0 && bytes > maxBytes) break;
      count += 1;
    }
    return entries.slice(0, count);
  }

  // Without the Web Locks API (not a secure context) tabs cannot coordinate: serialise within
  // this page at least.
  function pageLocks() {
    const tails = new Map();
    return {
      request(name, callback) {
        const run = (tails.get(name) || Promise.resolve()).then(() => callback());
        tails.set(name, run.catch(() => {}));
        return run;
      },
    };
  }

  // Where localStorage is unusable (blocked, sandboxed frame): the queue lives as long as the page.
  function memoryStorage() {
    const values = new Map();
    return {
      getItem: (key) => (values.has(key) ? values.get(key) : null),
      setItem: (key, value) => { values.set(key, String(value)); },
      removeItem: (key) => { values.delete(key); },
    };
  }

  // --- the forwarder ---

  // env: {now, random, setTimer, clearTimer, fetch, storage, locks, console, hidden}; the
  // browser's in connect(), fakes in the tests.
  function createForwarder(endpoint, env) {
    const key = KEY_PREFIX + endpoint;
    const url = endpoint + "/api/v1/events";
    const sendLock = "callpulse send " + endpoint; // held for a whole request: one tab sends at a time
    const queueLock = "callpulse queue " + endpoint; // held for each read-modify-write of the queue
    const tab = Math.floor(env.random() * 2 ** 32).toString(36) + env.now().toString(36) + ".";
    let serial = 0;
    let token = null;
    let batchMs = 250;
    let maxQueued = 2000;
    let sent = 0;
    let rejected = 0;
    let dropped = 0;
    let lastError = null;
    let lastSentAt = null;
    let pending = []; // entries from send() not yet in storage
    const inflight = new Set(); // ids of the batch this tab is posting: never dropped for room
    let stopped = false;
    let failures = 0; // consecutive retryable failures
    let notBefore = 0; // no request before this time (batchMs spacing, back-off)
    let maxEvents = MAX_BATCH_EVENTS; // halved by a 413, doubled back by each 200
    let timer = null;
    let timerAt = Infinity;
    let running = false;
    let rerun = false;
    let waiters = [];
    const warned = new Set();

    function warnOnce(reason, text) {
      if (warned.has(reason)) return;
      warned.add(reason);
      env.console.warn("CallPulse: " + text);
    }

    function load() {
      try { return parseQueue(env.storage.getItem(key)); } catch (e) { return []; }
    }

    // Writes the queue. When storage is full the oldest entries go, counted as dropped: 1, 2,
    // 4 … at a time but never more than half of what is left, so a big queue takes a few
    // attempts, not thousands, and a small one does not go all at once.
    function save(entries) {
      for (let cut = 1; ; cut *= 2) {
        try {
          if (entries.length) env.storage.setItem(key, entries.join("\n"));
          else env.storage.removeItem(key);
          return;
        } catch (e) {
          if (!entries.length) return;
          const gone = Math.max(1, Math.min(cut, Math.floor(entries.length / 2)));
          dropped += gone;
          entries = entries.slice(gone);
          warnOnce("storage_full", "storage is full: the oldest queued messages were dropped");
        }
      }
    }

    // Beyond maxQueued the oldest entries go, except those of the request in flight.
    function trim(entries) {
      let excess = entries.length - maxQueued;
      if (excess <= 0) return entries;
      warnOnce("max_queued", "more than " + maxQueued + " messages queued: the oldest were dropped");
      return entries.filter((entry) => {
        if (excess <= 0 || inflight.has(entryId(entry))) return true;
        excess -= 1;
        dropped += 1;
        return false;
      });
    }

    // Moves what send() took into storage. Called under the queue lock, or without it when the
    // page is going away and there is no time to wait for it.
    function store() {
      if (!pending.length) return;
      const added = pending;
      pending = [];
      save(trim(load().concat(added)));
    }

    function remove(batch) {
      const ids = new Set(batch.map(entryId));
      return env.locks.request(queueLock, () => save(load().filter((entry) => !ids.has(entryId(entry)))));
    }

    const queued = () => pending.length + load().length;

    function wake(ms) {
      const at = env.now() + Math.max(0, ms);
      if (timer !== null && timerAt <= at) return;
      if (timer !== null) env.clearTimer(timer);
      timerAt = at;
      timer = env.setTimer(() => { timer = null; timerAt = Infinity; step(); }, Math.max(0, ms));
    }

    // One round: store what send() took, then post one batch if one is due. One round at a
    // time; a wake-up during a round runs another right after it.
    async function step() {
      if (running) { rerun = true; return; }
      running = true;
      try {
        await env.locks.request(queueLock, store);
        if (!stopped && env.now() >= notBefore && queued() > 0) await env.locks.request(sendLock, post);
      } catch (e) {
        lastError = "internal error: " + (e && e.message);
      } finally {
        running = false;
        if (waiters.length && queued() === 0) { waiters.forEach((resolve) => resolve()); waiters = []; }
        if (rerun) { rerun = false; wake(0); }
        else if (!stopped && queued() > 0) wake(notBefore - env.now());
      }
    }

    async function request(body, keepalive) {
      const headers = {"Content-Type": "application/x-ndjson"};
      if (token) headers.Authorization = "Bearer " + token;
      const abort = typeof AbortController === "function" ? new AbortController() : null;
      const timeout = abort ? env.setTimer(() => abort.abort(), REQUEST_TIMEOUT_MS) : null;
      try {
        // Bearer token, no cookies: credentials "omit" keeps the CORS answer simple.
        const response = await env.fetch(url, {method: "POST", headers, body, keepalive, mode: "cors",
          credentials: "omit", cache: "no-store", signal: abort ? abort.signal : undefined});
        let answer = null;
        try { answer = JSON.parse(await response.text()); } catch (e) { /* not JSON: the status says enough */ }
        return {status: response.status, answer, retryAfter: response.headers.get("Retry-After")};
      } finally {
        if (timeout !== null) env.clearTimer(timeout);
      }
    }

    const describe = (status, answer) => String(status) + (answer && answer.error ? ": " + answer.error : "");

    // Runs under the send lock: reads the queue afresh (another tab may have sent meanwhile).
    async function post() {
      const entries = load();
      if (!entries.length || stopped) return;
      const keepalive = env.hidden(); // the page may be gone before the answer: let the request outlive it
      const batch = takeBatch(entries, maxEvents, keepalive ? KEEPALIVE_BYTES : MAX_BATCH_BYTES);
      notBefore = env.now() + batchMs;
      batch.forEach((entry) => inflight.add(entryId(entry)));
      let reply;
      try {
        reply = await request(batch.map(entryLine).join("\n") + "\n", keepalive);
      } catch (e) {
        // Refused connection, DNS, CORS refusal, timeout: the browser tells them apart to no one.
        inflight.clear();
        retry("network error: " + ((e && e.message) || e), null);
        return;
      }
      const {status, answer} = reply;
      if (status === 200 || status === 400) {
        // Taken or refused for good: the batch leaves the queue either way.
        await remove(batch);
        const refused = status === 400 ? batch.length
          : Math.min(batch.length, Math.max(0, Number((answer && answer.rejected) || 0)));
        rejected += refused;
        sent += batch.length - refused;
        lastSentAt = env.now();
        lastError = status === 400 ? describe(status, answer) : null;
        failures = 0;
        maxEvents = Math.min(MAX_BATCH_EVENTS, maxEvents * 2);
        for (const error of (answer && Array.isArray(answer.errors) && answer.errors) || []) {
          warnOnce("rejected " + error.reason, "an event was rejected (" + error.reason + "): " + error.detail);
        }
        if (status === 400 && answer && answer.reason) warnOnce("rejected " + answer.reason, "a batch was refused: " + describe(status, answer));
      } else if (status === 413) {
        lastError = describe(status, answer);
        failures = 0;
        if (batch.length > 1) {
          maxEvents = Math.ceil(batch.length / 2); // the first half next, at once
          notBefore = env.now();
        } else {
          await remove(batch);
          dropped += 1;
          warnOnce("too_large", "an event larger than CallPulse's body limit was dropped");
        }
      } else if (status === 401 || status === 403 || status === 415) {
        // Retrying cannot help until someone changes the token or the server: stop, keep the queue.
        stopped = true;
        lastError = describe(status, answer);
        env.console.error("CallPulse forwarder stopped (" + lastError + "); " + queued() +
          " messages kept until a later CallPulse.connect()");
      } else {
        retry(describe(status, answer), status === 429 || status === 503 ? reply.retryAfter : null);
      }
      inflight.clear();
    }

    function retry(error, retryAfter) {
      lastError = error;
      failures += 1;
      const asked = retryAfterDelay(retryAfter, env.now());
      notBefore = env.now() + (asked !== null ? asked : backoffDelay(failures, env.random));
    }

    return {
      // Never throws, never blocks, never alters the message: at most it is not sent.
      send(message) {
        try {
          const result = toLine(message);
          if (result.line === undefined) {
            rejected += 1;
            warnOnce("local " + result.reason, "a message was not sent: " +
              (result.reason === "malformed_json" ? "not JSON" : "not a JSON object"));
            return;
          }
          pending.push(tab + (serial++).toString(36) + " " + result.line);
          wake(0);
        } catch (e) { /* the host page must never see an exception from us */ }
      },
      stats: () => ({queued: queued(), sent, rejected, dropped, lastError, lastSentAt}),
      flush() {
        return new Promise((resolve) => {
          if (queued() === 0) return resolve();
          waiters.push(resolve);
          wake(0);
        });
      },
      // A (later) connect(): new options, and a stopped forwarder resumes.
      configure(options) {
        if (options.token !== undefined) token = options.token;
        if (Number(options.batchMs) >= 0) batchMs = Number(options.batchMs);
        if (Number(options.maxQueued) >= 1) maxQueued = Math.floor(Number(options.maxQueued));
        stopped = false;
        failures = 0;
        notBefore = 0;
        wake(0);
      },
      // Page events, wired by connect(). Hidden: store now and send what can go (keepalive);
      // pagehide: store now, without waiting for a lock the page may not live to get.
      hidden() {
        store();
        if (failures === 0) notBefore = 0;
        wake(0);
      },
      pagehide: store,
      // Another tab changed the queue (it may have died before sending), or the network is back.
      poke() { wake(0); },
      online() {
        notBefore = 0;
        wake(0);
      },
      key,
    };
  }

  // --- the page's side ---

  function browserEnv() {
    let storage;
    try {
      storage = root.localStorage;
      storage.getItem(KEY_PREFIX); // throws where storage is blocked
    } catch (e) {
      storage = memoryStorage();
    }
    return {
      now: () => Date.now(),
      random: Math.random,
      setTimer: (callback, ms) => setTimeout(callback, ms),
      clearTimer: (id) => clearTimeout(id),
      fetch: (...args) => root.fetch(...args),
      storage,
      locks: (root.navigator && root.navigator.locks) || pageLocks(),
      console: root.console,
      hidden: () => root.document.visibilityState === "hidden",
    };
  }

  const forwarders = new Map(); // one per endpoint in a page: a later connect() reconfigures it

  function connect(options) {
    options = options || {};
    const endpoint = String(options.endpoint || scriptOrigin || root.location.origin).replace(/\/+$/, "");
    let forwarder = forwarders.get(endpoint);
    if (!forwarder) {
      forwarder = createForwarder(endpoint, browserEnv());
      forwarders.set(endpoint, forwarder);
      root.addEventListener("storage", (event) => { if (event.key === forwarder.key || event.key === null) forwarder.poke(); });
      root.addEventListener("online", forwarder.online);
      root.addEventListener("pagehide", forwarder.pagehide);
      root.document.addEventListener("visibilitychange", () => { if (root.document.visibilityState === "hidden") forwarder.hidden(); });
    }
    forwarder.configure(options);
    return {send: forwarder.send, stats: forwarder.stats, flush: forwarder.flush};
  }

  root.CallPulse = {
    connect,
    _internals: {createForwarder, backoffDelay, retryAfterDelay, toLine, takeBatch, parseQueue, pageLocks,
      memoryStorage, limits: {MAX_BATCH_EVENTS, MAX_BATCH_BYTES, KEEPALIVE_BYTES, BACKOFF_MIN_MS, BACKOFF_MAX_MS}},
  };
})(self);
