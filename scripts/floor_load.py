#!/usr/bin/env python3
"""A contact-center floor behind one NAT address, beside the normal ingest (docs/spec/connector.md,
"Ingest from browsers"; issue 17, item 4).

  scripts/floor_load.py [--binary PATH] [--clients 2000] [--seconds 60] [--rate 20000]   (make floor)

  FLOOR_CLIENTS and FLOOR_SECONDS override the defaults of --clients and --seconds; CALLPULSE
  (or --binary) names the daemon, .build/release/callpulse by default.

Starts `callpulse serve --listen 127.0.0.1:0` with `limits: { max_connections: 8192,
max_connections_per_client: 2500 }` (the defaults the spec asks for; --default-limits passes no
config, to check the defaults themselves) and raises this script's open-file limit, which the
daemon inherits (--daemon-nofile N starts the daemon with a soft limit of N instead, to check
that it raises its own). Then, for --seconds:

  - the floor: --clients keep-alive HTTP/1.1 connections, every one bound to 127.0.0.5 (one
    NAT address), each an agent's browser posting 2-5 NDJSON events of its softphone (the
    connector's envelope, Tests/Fixtures/one-call-lifecycle.ndjson; one call after another,
    unique call ids, a few queues) every 2-4 s with jitter. A request that fails is counted,
    then sent again on a new connection (as the forwarder would), at most 3 times;
  - the normal ingest: another process posts NDJSON batches of 1,000 events from 127.0.0.1 at
    --rate events/s (calls of 50 queues, each advancing through its lifecycle).

Every event carries a wall-clock time of the last few seconds (live clock), so every one must
be accepted (none ignored or rejected). The table gives the floor's latency (p50/p99/max,
measured by the client, so it includes the Python event loop's own delays and any other work
on the machine: the load average and the daemon's own handler times are printed beside it),
the normal ingest's, the daemon's RSS (VmRSS, and VmHWM for the peak), CPU, open fds and the
established TCP connections to its port (from /proc/net/tcp; the daemon has no connection
gauge), at start, with the floor connected, at peak and at the end; and events sent against
`ingest.accepted` of /api/v1/queues. Exits 1 when a floor request failed (non-200, reset,
closed, timeout), a client could not connect, an event is missing (or ignored, or rejected),
or the daemon died or did not stop cleanly. Loopback only; bounded in clients, time and memory.
"""
import argparse
import asyncio
import collections
import functools
import gc
import json
import multiprocessing as mp
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callpulse_daemon  # noqa: E402

LIMITS = "limits: { max_connections: 8192, max_connections_per_client: 2500 }\n"
FLOOR_SOURCE = "127.0.0.5"
INGEST_SOURCE = "127.0.0.1"
BATCH = 1000
FLOOR_QUEUES = ["Billing", "Sales", "Support", "Retention", "Technical"]
INGEST_QUEUES = [f"queue-{i:02d}" for i in range(50)]
ATTEMPTS = 3
REQUEST_TIMEOUT = 15.0
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)

# The connector's envelope (one line of Tests/Fixtures/one-call-lifecycle.ndjson, compact).
ENVELOPE = (
    '{"channel":"Amazon","topic":"InboundCall","subtopic":"InboundCallStateChange","message":{"source":"AmazonConnect",'
    '"call":{"ButtonStates":{"items":{"answer":{"enabled":%s},"hold":{"enabled":%s},"drop":{"enabled":true}},"count":3},'
    '"ResponseType":null,"ResponseText":null,"ResponseActual":null,"CallVariables":{"customerId":"%s","language":"en-US"},'
    '"ExtendedCallVariables":null,"ResponseFields":{"Participants":null,"MediaProperties":{"callType":"inbound",'
    '"queueName":"%s","queueTimestamp":"%s"},"fromAddress":"%s","CallState":"%s","Type":"inbound",'
    '"CurrentStateTime":"%s","Campaign":null,"DN":"%s"},"id":"%s","event":"%s","CallType":"inbound"}}}')
# The softphone's buttons (answer, hold) in each state, as in the fixture.
BUTTONS = {"connecting": ("true", "false"), "connected": ("false", "true"), "hold": ("false", "false"),
           "Dropped": ("false", "false"), "ACW": ("false", "false")}
ANSWERED = ("connecting", "connected", "Dropped", "ACW", "Dropped")
WITH_HOLD = ("connecting", "connected", "hold", "connected", "Dropped", "ACW", "Dropped")


@functools.lru_cache(maxsize=4096)
def _second(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def iso(ms):
    return "%s.%03dZ" % (_second(ms // 1000), ms % 1000)


def now_ms():
    return int(time.time() * 1000)


class Call:
    """One call as an agent's softphone reports it: connecting, connected (a hold half the
    time), dropped, after-call work, dropped; every event at a later time than the one before."""

    __slots__ = ("id", "queue", "steps", "next", "last", "queued_at", "customer", "phone")

    def __init__(self, rng, call_id, queue):
        self.id, self.queue = call_id, queue
        self.steps = WITH_HOLD if rng.random() < 0.5 else ANSWERED
        self.next, self.last, self.queued_at = 0, 0, ""
        self.customer = "C-%05d" % rng.randrange(100000)
        self.phone = "+1555%07d" % rng.randrange(10 ** 7)

    @property
    def done(self):
        return self.next == len(self.steps)

    def emit(self, rng, ms):
        event = self.steps[self.next]
        self.next += 1
        t = max(ms, self.last + 1)
        if not self.last:
            self.queued_at = iso(t - rng.randrange(60000))
        self.last = t
        answer, hold = BUTTONS[event]
        return ENVELOPE % (answer, hold, self.customer, self.queue, self.queued_at, self.phone, event, iso(t),
                           self.queue, self.id, event)


class Agent:
    """One agent's browser: calls one after another, a batch of the next few events each time."""

    def __init__(self, rng):
        self.rng, self.call, self.posted = rng, None, now_ms() - 3000

    def batch(self, count):
        """The next `count` events, their times spread over the time since the last post."""
        ms, lines = now_ms(), []
        for k in range(count):
            if self.call is None or self.call.done:
                self.call = Call(self.rng, str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                                 self.rng.choice(FLOOR_QUEUES))
            lines.append(self.call.emit(self.rng, self.posted + (ms - self.posted) * (k + 1) // count))
        self.posted = ms
        return ("\n".join(lines) + "\n").encode(), count


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def reply_counts(body):
    try:
        reply = json.loads(body)
        return reply.get("accepted", 0), reply.get("ignored", 0), reply.get("rejected", 0)
    except ValueError:
        return 0, 0, 0


# ---------------------------------------------------------------------------------------------
# The normal ingest: its own process, one keep-alive connection from 127.0.0.1.

def normal_ingest(port, rate, stop, results):
    import http.client
    rng = random.Random(11)
    pool = collections.deque()
    serial = 0

    def new_call():
        nonlocal serial
        serial += 1
        return Call(rng, "n-%09d" % serial, rng.choice(INGEST_QUEUES))

    for _ in range(4000):  # each call advances one event every 4 batches
        pool.append(new_call())

    def connect():
        return http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(INGEST_SOURCE, 0))

    connection = connect()
    statuses, errors = collections.Counter(), collections.Counter()
    latencies = []
    sent = accepted = ignored = rejected = lost = 0
    interval = BATCH / rate
    started = time.perf_counter()
    next_at = started
    while not stop.is_set():
        ms, lines = now_ms(), []
        for _ in range(BATCH):
            call = pool.popleft()
            lines.append(call.emit(rng, ms))
            pool.append(new_call() if call.done else call)
        body = ("\n".join(lines) + "\n").encode()
        for _ in range(ATTEMPTS):
            try:
                begun = time.perf_counter()
                connection.request("POST", "/api/v1/events", body=body, headers={"Content-Type": "application/x-ndjson"})
                reply = connection.getresponse()
                data = reply.read()
                latencies.append(time.perf_counter() - begun)
                statuses[reply.status] += 1
                if reply.status == 200:
                    a, i, r = reply_counts(data)
                    sent, accepted, ignored, rejected = sent + BATCH, accepted + a, ignored + i, rejected + r
                    break
            except (OSError, http.client.HTTPException) as error:
                errors[type(error).__name__] += 1
                connection.close()
                connection = connect()
        else:
            lost += BATCH
        next_at += interval
        pause = next_at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        elif pause < -1:
            next_at = time.perf_counter()  # behind by more than a second: do not burst to catch up
    elapsed = time.perf_counter() - started
    connection.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put(dict(sent=sent, accepted=accepted, ignored=ignored, rejected=rejected, lost=lost,
                     statuses=dict(statuses), errors=dict(errors), latencies=latencies, elapsed=elapsed,
                     cpu=usage.ru_utime + usage.ru_stime))


# ---------------------------------------------------------------------------------------------
# What the daemon holds: RSS, fds, connections.

def proc_status(pid):
    with open(f"/proc/{pid}/status") as file:
        text = file.read()
    field = lambda name: int(re.search(name + r":\s+(\d+)", text).group(1))  # noqa: E731
    return {"rss": field("VmRSS") / 1024, "hwm": field("VmHWM") / 1024, "threads": field("Threads")}


def tcp_connections(port):
    """Established connections to `port` (the daemon's side): in all, and from FLOOR_SOURCE.
    /proc/net/tcp is not read atomically (a busy table can list a socket twice): peers are
    counted once."""
    local = ":%04X" % port
    floor = "%08X" % int.from_bytes(socket.inet_aton(FLOOR_SOURCE), "little")
    peers = set()
    with open("/proc/net/tcp") as file:
        next(file)
        for line in file:
            fields = line.split(None, 4)
            if fields[3] == "01" and fields[1].endswith(local):
                peers.add(fields[2])
    return len(peers), sum(1 for peer in peers if peer.startswith(floor))


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def snapshot(pid, port):
    values = proc_status(pid)
    values["cpu"] = cpu_seconds(pid)
    values["at"] = time.perf_counter()
    values["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    values["conns"], values["floor_conns"] = tcp_connections(port)
    return values


def sampler(pid, port, stop, results):
    """Every 0.5 s in its own process (so the floor's event loop is not slowed): the peaks."""
    peak = {}
    while not stop.wait(0.5):
        try:
            values = snapshot(pid, port)
        except (OSError, AttributeError):
            break
        for key, value in values.items():
            peak[key] = max(peak.get(key, value), value)
    results.put(peak)


# ---------------------------------------------------------------------------------------------
# The floor: one asyncio task per agent, every connection bound to FLOOR_SOURCE.

class Floor:
    def __init__(self):
        self.latencies = []
        self.statuses = collections.Counter()
        self.errors = collections.Counter()
        self.sent = self.accepted = self.ignored = self.rejected = self.lost = 0
        self.connects = []
        self.connect_failures = 0
        self.reconnects = 0
        self.server_closes = 0
        self.ready = 0
        self.deadline = 0.0
        self.initial_connects = []


async def open_connection(port):
    loop = asyncio.get_running_loop()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)  # the port is chosen at connect
        s.setblocking(False)
        s.bind((FLOOR_SOURCE, 0))
        await loop.sock_connect(s, ("127.0.0.1", port))
    except BaseException:
        s.close()
        raise
    return await asyncio.open_connection(sock=s)


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        raise ConnectionError(f"answer without Content-Length: {lines[0]}")
    body = await reader.readexactly(int(headers["content-length"]))
    return status, body, headers.get("connection", "").lower() == "close"


async def agent(port, head_template, floor, gate, go, rng):
    loop = asyncio.get_running_loop()
    writer = None

    async def connect():
        nonlocal writer
        begun = time.perf_counter()
        async with gate:
            reader, writer = await asyncio.wait_for(open_connection(port), REQUEST_TIMEOUT)
        floor.connects.append(time.perf_counter() - begun)
        return reader

    try:
        reader = await connect()
    except OSError as error:
        floor.connect_failures += 1
        floor.errors["connect: " + type(error).__name__] += 1
        reader = None
    floor.ready += 1
    await go.wait()
    browser = Agent(rng)
    await asyncio.sleep(rng.uniform(0, 4))  # the agents' first posts spread over the first seconds
    while loop.time() < floor.deadline:
        body, count = browser.batch(rng.randint(2, 5))
        request = head_template % len(body) + body
        for _ in range(ATTEMPTS):
            try:
                if writer is None:
                    floor.reconnects += 1
                    reader = await connect()
                begun = time.perf_counter()
                writer.write(request)
                status, reply, close = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
                floor.latencies.append(time.perf_counter() - begun)
                floor.statuses[status] += 1
                if close:
                    floor.server_closes += 1
                    writer.close()
                    writer = None
                if status == 200:
                    a, i, r = reply_counts(reply)
                    floor.sent += count
                    floor.accepted, floor.ignored, floor.rejected = floor.accepted + a, floor.ignored + i, floor.rejected + r
                    break
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                    ValueError, IndexError) as error:
                name = type(error).__name__
                if isinstance(error, asyncio.IncompleteReadError):
                    name = "closed by the server" if not error.partial else "answer cut short"
                floor.errors[name] += 1
                if writer is not None:
                    writer.close()
                writer = None
        else:
            floor.lost += count
        await asyncio.sleep(rng.uniform(2.0, 4.0))
    if writer is not None:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def floor_main(port, clients, seconds, floor, on_connected):
    """Connects every agent (timed), then lets them post for `seconds`."""
    loop = asyncio.get_running_loop()
    head_template = (b"POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/x-ndjson\r\n"
                     b"Content-Length: " % port) + b"%d\r\n\r\n"
    gate = asyncio.Semaphore(200)  # connects in flight at once, well inside the listen backlog
    go = asyncio.Event()
    rng = random.Random(5)
    started = time.perf_counter()
    tasks = [asyncio.create_task(agent(port, head_template, floor, gate, go, random.Random(rng.getrandbits(64))))
             for _ in range(clients)]
    while floor.ready < clients:
        await asyncio.sleep(0.05)
    connected_after = time.perf_counter() - started
    floor.initial_connects = sorted(floor.connects)
    await loop.run_in_executor(None, on_connected)
    floor.deadline = loop.time() + seconds
    go.set()
    await asyncio.gather(*tasks)
    return connected_after


# ---------------------------------------------------------------------------------------------

def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return soft
    if hard != resource.RLIM_INFINITY and hard < need:
        sys.exit(f"this needs {need} open files and the hard limit is {hard} (raise it: ulimit -Hn)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    return need


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as reply:
        return json.loads(reply.read())


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as reply:
        text = reply.read().decode()
    match = re.search(r"^%s(?:\{[^}]*\})? (\S+)$" % re.escape(name), text, re.M)
    return float(match.group(1)) if match else None


def ingest_handler_times(port):
    """The daemon's own time for ingest requests (every client's): {le: count}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as reply:
        text = reply.read().decode()
    pattern = r'^callpulse_http_request_duration_seconds_bucket\{handler="/api/v1/events",le="([^"]+)"\} (\S+)$'
    return {le: float(count) for le, count in re.findall(pattern, text, re.M)}


def log_problems(path):
    """The daemon's log lines at warning level or worse."""
    try:
        with open(path, errors="replace") as file:
            return [line.rstrip() for line in file if re.search(r"warn|error|fatal|too many", line, re.I)]
    except OSError:
        return []


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=callpulse_daemon.BIN, help="the callpulse binary (default: %(default)s)")
    parser.add_argument("--clients", type=int, default=int(os.environ.get("FLOOR_CLIENTS", "2000")))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FLOOR_SECONDS", "60")))
    parser.add_argument("--rate", type=int, default=int(os.environ.get("FLOOR_INGEST_RATE", "20000")),
                        help="normal ingest, events/s (0: none)")
    parser.add_argument("--default-limits", action="store_true",
                        help="pass no config: the daemon's default connection limits")
    parser.add_argument("--daemon-nofile", type=int, help="start the daemon with this soft open-file limit")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} is not an executable: build it (make release) or pass --binary")
    if not 1 <= args.clients <= 10000 or not 1 <= args.seconds <= 3600:
        sys.exit("--clients must be within 1..10,000 and --seconds within 1..3,600")

    ours = raise_nofile(args.clients + 1024)
    callpulse_daemon.BIN = args.binary
    arguments = []
    if not args.default_limits:
        config = os.path.join(tempfile.mkdtemp(prefix="callpulse-floor-"), "config.yml")
        with open(config, "w") as file:
            file.write(LIMITS)
        arguments = ["--config", config]
    if args.daemon_nofile:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (args.daemon_nofile, hard))
        try:
            daemon, port = callpulse_daemon.start(arguments)
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (ours, hard))
    else:
        daemon, port = callpulse_daemon.start(arguments)

    log = os.readlink(f"/proc/{daemon.pid}/fd/2")  # callpulse_daemon logs to a temporary file
    stop_ingest, stop_sampler = mp.Event(), mp.Event()
    results, peaks = mp.Queue(), mp.Queue()
    ingest = sampling = None
    floor = Floor()
    points = {}
    try:
        time.sleep(1)
        points["start"] = snapshot(daemon.pid, port)
        load_start = os.getloadavg()[0]
        max_fds = metric(port, "process_max_fds")
        print(f"callpulse serve on 127.0.0.1:{port} (pid {daemon.pid}, open-file limit {max_fds:.0f}); "
              f"{args.clients:,} floor clients from {FLOOR_SOURCE} for {args.seconds:.0f} s, "
              f"normal ingest {args.rate:,} events/s from {INGEST_SOURCE}", flush=True)
        sampling = mp.Process(target=sampler, args=(daemon.pid, port, stop_sampler, peaks))
        sampling.start()
        if args.rate > 0:
            ingest = mp.Process(target=normal_ingest, args=(port, args.rate, stop_ingest, results))
            ingest.start()

        def on_connected():
            points["floor connected"] = snapshot(daemon.pid, port)
            print(f"floor connected: {points['floor connected']['floor_conns']:,} connections from {FLOOR_SOURCE}",
                  flush=True)

        gc.disable()  # a collection of the floor's many objects would show as server latency
        connected_after = asyncio.run(floor_main(port, args.clients, args.seconds, floor, on_connected))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        floor_cpu = usage.ru_utime + usage.ru_stime
        points["end of load"] = snapshot(daemon.pid, port)
        load_end = os.getloadavg()[0]
        stop_ingest.set()
        normal = results.get(timeout=60) if ingest else dict(sent=0, accepted=0, ignored=0, rejected=0, lost=0,
                                                              statuses={}, errors={}, latencies=[], elapsed=1)
        if ingest:
            ingest.join(timeout=30)
        time.sleep(1)
        stop_sampler.set()
        peak = peaks.get(timeout=30)
        sampling.join(timeout=30)
        points["after"] = snapshot(daemon.pid, port)
        counts = get_json(port, "/api/v1/queues")["ingest"]
        handler = ingest_handler_times(port)
        alive = daemon.poll() is None
    finally:
        stop_ingest.set()
        stop_sampler.set()
        for process in (ingest, sampling):
            if process is not None and process.is_alive():
                process.join(timeout=10)
        daemon.terminate()
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    problems = log_problems(log)

    # -- the figures
    latencies = sorted(floor.latencies)
    normal_latencies = sorted(normal["latencies"])
    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    ignored = sum(counts["ignored"].values()) if isinstance(counts["ignored"], dict) else counts["ignored"]
    rejected = sum(counts["rejected"].values()) if isinstance(counts["rejected"], dict) else counts["rejected"]
    sent = floor.sent + normal["sent"]
    missing = sent - counts["accepted"]
    floor_failures = sum(n for status, n in floor.statuses.items() if status != 200) + sum(floor.errors.values())
    connects = floor.initial_connects

    print("\n| figure | value |")
    print("| --- | --- |")
    rows = [
        ("floor clients (keep-alive, from %s)" % FLOOR_SOURCE, f"{args.clients:,}; all connected after "
         f"{connected_after:.1f} s (connect p50 {ms(percentile(connects, 0.5))}, max {ms(connects[-1] if connects else 0)}); "
         f"{floor.connect_failures} could not connect"),
        ("floor requests", f"{sum(floor.statuses.values()):,} answered ({len(latencies) / args.seconds:,.0f}/s): "
         + ", ".join(f"HTTP {s}: {n:,}" for s, n in sorted(floor.statuses.items()))),
        ("floor failures", (", ".join(f"{k}: {n}" for k, n in sorted(floor.errors.items())) or "none")
         + f"; {floor.reconnects} reconnects; {floor.server_closes} answers closing the connection; "
         f"{floor.lost} events given up"),
        ("floor latency", f"p50 {ms(percentile(latencies, 0.5))}, p99 {ms(percentile(latencies, 0.99))}, "
         f"max {ms(latencies[-1] if latencies else float('nan'))}"),
        ("floor events (2-5 a request)", f"{floor.sent:,} sent in answered requests; replies: {floor.accepted:,} accepted, "
         f"{floor.ignored:,} ignored, {floor.rejected:,} rejected"),
        ("normal ingest (batches of 1,000)", f"{normal['sent']:,} events ({normal['sent'] / normal['elapsed']:,.0f}/s); "
         + (", ".join(f"HTTP {s}: {n:,}" for s, n in sorted(normal["statuses"].items())) or "none")
         + (("; errors " + ", ".join(f"{k}: {n}" for k, n in normal["errors"].items())) if normal["errors"] else "")
         + f"; latency p50 {ms(percentile(normal_latencies, 0.5))}, p99 {ms(percentile(normal_latencies, 0.99))}"),
        ("daemon ingest.accepted", f"{counts['accepted']:,} of {sent:,} sent ({missing:,} missing); "
         f"ignored {ignored:,}, rejected {rejected:,}"),
    ]
    loaded = points["end of load"]["at"] - points["floor connected"]["at"]
    daemon_cpu = points["end of load"]["cpu"] - points["floor connected"]["cpu"]
    total = handler.get("+Inf", 0)
    over = lambda le: f"{total - handler.get(le, total):,.0f} over {float(le) * 1000:g} ms"  # noqa: E731
    rows.append(("CPU during the load (2 clients share the machine)",
                 f"daemon {100 * daemon_cpu / loaded:.0f} % of a core ({os.cpu_count()} cores); this script's "
                 f"floor process {floor_cpu:.0f} s, normal ingest process {normal.get('cpu', 0):.0f} s"))
    rows.append(("machine load average (1 min), start / end", "%.1f / %.1f (figures above it on %d cores are "
                 "other work's too)" % (load_start, load_end, os.cpu_count())))
    rows.append(("daemon's own time for ingest requests (floor and normal)",
                 f"{total:,.0f} requests: {over('0.01')}, {over('0.05')}, {over('0.1')} (its histogram)"))
    for name, values in points.items():
        rows.append((f"daemon, {name}", f"RSS {values['rss']:.1f} MiB, {values['fds']:,} fds, "
                     f"{values['conns']:,} connections ({values['floor_conns']:,} from {FLOOR_SOURCE}), "
                     f"{values['threads']} threads"))
    rows.append(("daemon, peak (sampled every 0.5 s)",
                 f"RSS {peak.get('rss', 0):.1f} MiB (VmHWM {points['after']['hwm']:.1f} MiB), {peak.get('fds', 0):,} fds, "
                 f"{peak.get('conns', 0):,} connections ({peak.get('floor_conns', 0):,} from {FLOOR_SOURCE})"))
    rows.append(("daemon alive / exit on SIGTERM", f"{alive} / {daemon.returncode}"))
    for name, value in rows:
        print(f"| {name} | {value} |")
    if problems:
        print(f"\ndaemon log ({log}), {len(problems)} warning lines (first 10):")
        for line in problems[:10]:
            print("  " + line)

    failures = []
    if floor_failures or floor.lost or floor.connect_failures:
        failures.append(f"{floor_failures} floor requests failed, {floor.connect_failures} clients could not connect")
    if missing or ignored or rejected or floor.accepted != floor.sent or normal["lost"]:
        failures.append(f"{missing} events missing, {ignored} ignored, {rejected} rejected, "
                        f"{normal['lost']} normal events given up")
    if not alive or daemon.returncode != 0:
        failures.append("the daemon died or did not stop cleanly")
    print("\n" + ("FAIL: " + "; ".join(failures) if failures else
                  f"OK: {args.clients:,} clients from one address served, every event accepted"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
