#!/usr/bin/env python3
"""High-availability figures on NATS JetStream (docs/spec/scale-out.md, "Tests and figures").

Starts its own `nats-server -js` on a free loopback port with a temporary store directory,
and CallPulse daemons (scripts/callpulse_daemon.py) as relay, consumers and plain daemons;
prints each figure beside its target, never asserts:

  1. relay publish rate: HA_EVENTS (1,000,000) events of `callpulse simulate` (50 queues,
     realistic lifecycles, every line unique) posted by HA_CLIENTS (4) client processes in
     NDJSON batches of 1,000 to a relay (nats.publish: true, nobody consuming); beside the
     same events posted to a plain daemon (no nats);
  2. catch-up time for those HA_EVENTS pending messages, and the consume rate (events/s
     into the snapshot; target >= 100,000/s): a fresh consumer daemon (event clock), timed
     from its exec until /api/v1/status (polled every 50 ms) shows last_applied_sequence ==
     the stream's last sequence; without and with a state directory (journal + fdatasync);
  3. event -> webhook latency through relay + stream + consumer (p50, p99; target p99 <=
     50 ms): PROBES (200) probes posted to a relay, the clock started at the start of the
     POST and stopped at the webhook's arrival from the consumer (a `for: 0s` rule, as
     scripts/alert_latency.py), quiet and with HA_BACKGROUND_RATE (2,000) events/s of other
     traffic to the relay, and HA_SPARSE_PROBES (20) probes one every 1.5 s with nothing else
     (the consumer idles between them, as on a quiet floor); then the same on a plain daemon.

Everything talks to 127.0.0.1 only and is bounded in time (about 3.5 minutes by default on
2 CPUs, under 10 at worst); every process and directory it makes is removed at the end, also
on Ctrl-C and errors. Environment: HA_EVENTS, HA_CLIENTS, PROBES, HA_BACKGROUND_RATE,
HA_PUBLISH_LIMIT (seconds each of the two posting runs may take, 90), HA_CATCHUP_LIMIT
(seconds a consumer may take to catch up, 120), NATS_SERVER (the nats-server binary),
CALLPULSE (the callpulse binary, scripts/callpulse_daemon.py). On a shared or small machine the figures are
noisy: they measure the clients and nats-server on the same CPUs too.
"""
import http.client
import http.server
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callpulse_daemon  # noqa: E402
# The webhook receiver, the probe events and the probes of `make latency`.
from alert_latency import Receiver, event, probe  # noqa: E402

BIN = callpulse_daemon.BIN
EVENTS = int(os.environ.get("HA_EVENTS", "1000000"))
CLIENTS = int(os.environ.get("HA_CLIENTS", "4"))
PROBES = int(os.environ.get("PROBES", "200"))
BACKGROUND_RATE = int(os.environ.get("HA_BACKGROUND_RATE", "2000"))
PUBLISH_LIMIT = float(os.environ.get("HA_PUBLISH_LIMIT", "90"))
CATCHUP_LIMIT = float(os.environ.get("HA_CATCHUP_LIMIT", "120"))
BATCH = 1000
QUEUES = 50
PROBE_SPACING = 0.1
SPARSE_PROBES = int(os.environ.get("HA_SPARSE_PROBES", "20"))
SPARSE_SPACING = 1.5

# Every process and directory this run makes, for the cleanup (also on Ctrl-C and errors).
processes = []  # (name, Popen)
workers = []  # multiprocessing.Process
scratch_dirs = []
daemon_logs = {}  # pid -> the log file callpulse_daemon.start wrote the daemon's stderr to



# ----------------------------------------------------------------------------- processes


def scratch(prefix):
    directory = tempfile.mkdtemp(prefix=f"callpulse-ha-{prefix}-")
    scratch_dirs.append(directory)
    return directory


def nats_binary():
    return os.environ.get("NATS_SERVER") or shutil.which("nats-server") or "/usr/sbin/nats-server"


def nats_version():
    try:
        return subprocess.run([nats_binary(), "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "nats-server: not installed"


def start_nats():
    """nats-server -js on free loopback ports (client and monitoring); returns (URL, monitoring
    port, pid)."""
    binary = nats_binary()
    if not os.access(binary, os.X_OK):
        sys.exit("nats-server is not installed (apt-get install nats-server, or scripts/bootstrap.sh bench)")
    directory = scratch("nats")
    port, monitor = callpulse_daemon.free_port(), callpulse_daemon.free_port()
    log_path = os.path.join(directory, "nats-server.log")
    with open(log_path, "w") as log:
        process = subprocess.Popen([binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-m", str(monitor),
                                    "-sd", os.path.join(directory, "store")],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    processes.append(("nats-server", process))
    deadline = time.time() + 20
    while time.time() < deadline:
        text = open(log_path).read()
        if process.poll() is not None or "[FTL]" in text:
            sys.exit("nats-server did not start (another process on its port?):\n" + text[-2000:])
        if "Server is ready" in text:
            # The port it reports must be ours: a free_port race would let us talk to someone else's.
            if f"127.0.0.1:{port}" not in text:
                sys.exit("nats-server listens elsewhere than asked:\n" + text[-2000:])
            return f"nats://127.0.0.1:{port}", monitor, process.pid
        time.sleep(0.05)
    sys.exit("nats-server was not ready in 20 s:\n" + open(log_path).read()[-2000:])


def start_daemon(name, config, arguments=()):
    """`callpulse serve` with `config` (YAML text) and `arguments`; returns (process, port)."""
    directory = scratch(name)
    path = os.path.join(directory, "config.yml")
    with open(path, "w") as f:
        f.write(config)
    process, port = callpulse_daemon.start(["--config", path, *arguments])
    processes.append((name, process))
    try:
        daemon_logs[process.pid] = os.readlink(f"/proc/{process.pid}/fd/2")
    except OSError:
        pass
    return process, port


def stop(process, limit=30):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop_daemon(process):
    stop(process)
    for index, (_, known) in enumerate(processes):
        if known is process:
            del processes[index]
            break
    log = daemon_logs.pop(process.pid, None)
    if log:
        crashed = process.returncode not in (0, -signal.SIGTERM)
        if crashed:
            print(f"  !! daemon exited with {process.returncode}; its log:\n" + tail(log), flush=True)
        try:
            os.unlink(log)
        except OSError:
            pass


def tail(path, lines=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


def cleanup():
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=5)
    # Daemons first, nats-server last (the consumers would only log the outage).
    for name, process in sorted(processes, key=lambda item: item[0] == "nats-server"):
        stop(process)
    for log in daemon_logs.values():
        try:
            os.unlink(log)
        except OSError:
            pass
    for directory in scratch_dirs:
        shutil.rmtree(directory, ignore_errors=True)


def child_signals():
    """In a worker: SIGTERM ends it quietly, Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def spawn(target, *args):
    worker = mp.Process(target=target, args=args)
    workers.append(worker)
    worker.start()
    return worker


# ----------------------------------------------------------------------------- HTTP helpers


def get_json(port, path, timeout=10):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        return json.loads(reply.read())
    finally:
        connection.close()


def stream_state(monitor, stream):
    """The stream's state from nats-server's monitoring endpoint (/jsz)."""
    document = get_json(monitor, "/jsz?accounts=true&streams=true")
    for account in document.get("account_details") or []:
        for detail in account.get("stream_detail") or []:
            if detail.get("name") == stream:
                return detail["state"]
    return None


def ingest_worker(port, chunks, start_at, results):
    """Posts `chunks` in order on one keep-alive connection from `start_at` (for at most
    HA_PUBLISH_LIMIT seconds); reports counts and its own CPU seconds."""
    child_signals()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    counts = {"events": 0, "published": 0, "accepted": 0, "rejected": 0, "ignored": 0}
    codes = {}
    time.sleep(max(0, start_at - time.time()))
    deadline = start_at + PUBLISH_LIMIT
    try:
        for chunk in chunks:
            if time.time() > deadline:
                break
            connection.request("POST", "/api/v1/events", body=chunk, headers={"Content-Type": "application/x-ndjson"})
            reply = connection.getresponse()
            body = reply.read()
            codes[reply.status] = codes.get(reply.status, 0) + 1
            counts["events"] += chunk.count(b"\n") + 1
            if reply.status == 200:
                answer = json.loads(body)
                for key in ("published", "accepted", "rejected", "ignored"):
                    counts[key] += answer.get(key, 0)
    except (OSError, http.client.HTTPException, ValueError) as error:
        codes[f"client error ({error.__class__.__name__}: {error})"] = 1  # the daemon died or hung up
    times = os.times()
    results.put((counts, codes, time.time(), times.user + times.system))


def post_all(port, per_client, watched):
    """One process per list of batches posts them; returns (events/s, counts, HTTP codes, CPU
    text: seconds of the daemon and nats-server (`watched`, name -> pid) and of the clients)."""
    results = mp.Queue()
    start_at = time.time() + 0.5  # every worker forked and connected before the clock starts
    group = [spawn(ingest_worker, port, batches, start_at, results) for batches in per_client]
    cpu_before = {name: cpu_seconds(pid) for name, pid in watched.items()}
    reports = [results.get() for _ in group]
    for worker in group:
        worker.join()
        workers.remove(worker)
    ended = max(report[2] for report in reports)
    cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in watched.items()}
    cpu["clients"] = sum(report[3] for report in reports)
    cpu_text = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cpu.items())
    counts = {key: sum(report[0][key] for report in reports) for key in reports[0][0]}
    codes = {}
    for report in reports:
        for code, number in report[1].items():
            codes[code] = codes.get(code, 0) + number
    return counts["events"] / (ended - start_at), counts, codes, f"{ended - start_at:.1f} s, CPU: {cpu_text}"


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (/proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


# ----------------------------------------------------------------------------- 1. publish rate


CALL_ID = re.compile(rb'"id":"([^"]*)"')


def make_batches(directory):
    """The events of `callpulse simulate`, every line once, split by call among HA_CLIENTS
    clients (each client carries whole calls in time order, like one connector each) in
    batches of 1,000: returns (per-client lists of batches, repeated lines dropped, mean size)."""
    path = os.path.join(directory, "events.ndjson")
    subprocess.run([BIN, "simulate", "--queues", str(QUEUES), "--rate", "2000", "--count", str(EVENTS), "--seed", "5",
                    "--output", path], check=True, capture_output=True)
    with open(path, "rb") as f:
        lines = f.read().rstrip(b"\n").split(b"\n")
    os.unlink(path)
    unique = list(dict.fromkeys(lines))  # JetStream's duplicate window would fold repeats into one message
    size = sum(len(line) for line in unique) / max(1, len(unique))
    shares = [[] for _ in range(CLIENTS)]
    for line in unique:
        match = CALL_ID.search(line)
        shares[zlib.crc32(match.group(1) if match else line) % CLIENTS].append(line)
    per_client = [[b"\n".join(share[i:i + BATCH]) for i in range(0, len(share), BATCH)] for share in shares]
    return per_client, len(lines) - len(unique), size


def publish_figures(nats_url, nats_pid, batches):
    process, port = start_daemon("plain", "limits: { max_connections: 4096, max_connections_per_client: 2048 }\n",
                                 ["--clock", "event"])
    plain_rate, plain_counts, plain_codes, plain_cpu = post_all(port, batches, {"daemon": process.pid})
    print(f"plain HTTP ingest (no nats), {CLIENTS} clients: {plain_counts['events']:,} events: {plain_rate:,.0f} events/s "
          f"(accepted {plain_counts['accepted']:,}, ignored {plain_counts['ignored']:,}, rejected "
          f"{plain_counts['rejected']:,}); HTTP {codes_text(plain_codes)}", flush=True)
    print(f"  {plain_cpu}", flush=True)
    stop_daemon(process)

    process, port = start_daemon("relay", f'nats: {{ url: "{nats_url}", publish: true }}\n'
                                          "limits: { max_connections: 4096, max_connections_per_client: 2048 }\n",
                                 ["--clock", "event"])
    wait_connected(port)
    relay_rate, relay_counts, relay_codes, relay_cpu = post_all(port, batches,
                                                                {"relay": process.pid, "nats-server": nats_pid})
    source = get_json(port, "/api/v1/status")["source"]
    print(f"relay publish (nats.publish: true, nobody consuming), {CLIENTS} clients: {relay_counts['events']:,} events: "
          f"{relay_rate:,.0f} events/s (published {relay_counts['published']:,}, rejected {relay_counts['rejected']:,}; "
          f"status: published {source['published']:,}, publish_failed {source['publish_failed']:,}); "
          f"HTTP {codes_text(relay_codes)}", flush=True)
    print(f"  {relay_cpu}", flush=True)
    stop_daemon(process)
    return relay_rate, plain_rate, plain_counts


def codes_text(codes):
    return ", ".join(f"{code} x{number:,}" for code, number in sorted(codes.items(), key=lambda item: str(item[0])))


def wait_connected(port, limit=20):
    deadline = time.time() + limit
    while time.time() < deadline:
        if get_json(port, "/api/v1/status").get("source", {}).get("connected"):
            return
        time.sleep(0.05)
    sys.exit("the daemon did not connect to nats-server")


def wait_consuming(port, limit=20):
    """Until the consumer made its JetStream consumer and fetched once (its pending is known)."""
    deadline = time.time() + limit
    while time.time() < deadline:
        if get_json(port, "/api/v1/status").get("source", {}).get("pending") is not None:
            return
        time.sleep(0.05)
    sys.exit("the consumer did not start consuming")


# ----------------------------------------------------------------------------- 2. catch-up


def catch_up(nats_url, monitor, nats_pid, name, state_dir):
    """A fresh consumer of the CALLPULSE stream; seconds from exec to the stream's last sequence."""
    state = stream_state(monitor, "CALLPULSE")
    last, first, messages = state["last_seq"], state["first_seq"], state["messages"]
    config = (f'nats: {{ url: "{nats_url}", consume: true, consumer: {name} }}\n'
              "limits: { max_active_calls: 2000000 }\n")
    arguments = ["--clock", "event"] + (["--state-dir", scratch(name + "-state")] if state_dir else [])
    nats_cpu = cpu_seconds(nats_pid)
    started = time.time()
    process, port = start_daemon(name, config, arguments)
    listening = time.time()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    first_applied = None
    status = None
    reached = None
    deadline = started + CATCHUP_LIMIT
    while time.time() < deadline:
        poll = time.time()
        try:
            connection.request("GET", "/api/v1/status")
            status = json.loads(connection.getresponse().read())
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if process.poll() is not None:
                break
            continue
        sequence = status["source"]["last_applied_sequence"]
        if sequence > 0 and first_applied is None:
            first_applied = time.time()
        if sequence >= last:
            reached = time.time()
            break
        time.sleep(max(0, 0.05 - (time.time() - poll)))
    connection.close()
    cpu = f"CPU: consumer {cpu_seconds(process.pid):.1f} s, nats-server {cpu_seconds(nats_pid) - nats_cpu:.1f} s"
    source = status["source"] if status else {}
    applied_sequence = source.get("last_applied_sequence", 0)
    elapsed = (reached or time.time()) - started
    count = messages if reached else max(0, applied_sequence - first + 1)
    rate = count / elapsed if elapsed > 0 else 0
    label = "with state_dir (journal + fdatasync)" if state_dir else "without state_dir"
    if reached:
        print(f"catch-up {label}: {messages:,} pending messages in {elapsed:.2f} s "
              f"(exec -> listening {listening - started:.2f} s, -> first applied "
              f"{(first_applied or reached) - started:.2f} s): consume rate {rate:,.0f} events/s (target >= 100,000)",
              flush=True)
    else:
        print(f"catch-up {label}: NOT caught up in {elapsed:.0f} s: sequence {applied_sequence:,} of {last:,} "
              f"({rate:,.0f} events/s; target >= 100,000)", flush=True)
    ingest = status["ingest"] if status else {}
    print(f"  consumer status: messages {source.get('messages')}, pending {source.get('pending')}, ingest accepted "
          f"{ingest.get('accepted', 0):,}, ignored {ingest.get('ignored', 0):,}, rejected {ingest.get('rejected', 0):,}; "
          f"{cpu}", flush=True)
    stop_daemon(process)
    return (elapsed if reached else None), rate


# ----------------------------------------------------------------------------- 3. latency


def background(port, seconds, rate, prefix, counter):
    """`rate` events/s in batches of 100 every 100/rate s: calls offered and abandoned on 50 queues."""
    child_signals()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    deadline = time.time() + seconds
    sequence = sent = 0
    while time.time() < deadline:
        start = time.time()
        lines = []
        for _ in range(50):
            sequence += 1
            queue = f"bg-{sequence % QUEUES}"
            lines.append(event(f"{prefix}{sequence}", "connecting", queue))
            lines.append(event(f"{prefix}{sequence}", "dropped", queue))
        connection.request("POST", "/api/v1/events", body="\n".join(lines),
                           headers={"Content-Type": "application/x-ndjson"})
        reply = connection.getresponse()
        reply.read()
        if reply.status == 200:
            sent += len(lines)
        pause = 100 / rate - (time.time() - start)
        if pause > 0:
            time.sleep(pause)
    counter.value = sent


def percentiles(latencies):
    if not latencies:
        return None
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1], len(ordered)


def run_probes(label, post_port, path, name, traffic):
    """Probes to `post_port`; `traffic`: "quiet" (PROBES, one every 100 ms), "load" (the same
    beside BACKGROUND_RATE events/s) or "sparse" (HA_SPARSE_PROBES, one every 1.5 s and
    nothing else: the consumer idles between them). Returns the percentiles."""
    worker = None
    load = traffic == "load"
    count, spacing = (SPARSE_PROBES, SPARSE_SPACING) if traffic == "sparse" else (PROBES, PROBE_SPACING)
    sent = mp.Value("l", 0)
    seconds = count * spacing + 3
    if load:
        worker = spawn(background, post_port, seconds, BACKGROUND_RATE, f"bg-{name}-", sent)
        time.sleep(1)
    latencies = probe(post_port, f"probe-{name}", path, count, spacing, 2)
    if worker:
        worker.join()
        workers.remove(worker)
    figures = percentiles(latencies)
    what = {"quiet": ", quiet", "sparse": f", sparse (one probe every {SPARSE_SPACING} s)",
            "load": f", background {sent.value / seconds:,.0f} events/s"}[traffic]
    if figures:
        p50, p99, worst, arrived = figures
        print(f"{label}{what}: {arrived}/{count} alerts, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
              f"max {worst * 1000:.1f} ms (target p99 <= 50 ms)", flush=True)
    else:
        print(f"{label}{what}: no alert arrived", flush=True)
    return figures


def latency_figures(nats_url):
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", callpulse_daemon.free_port()), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    receiver_port = receiver.server_address[1]
    directory = scratch("rules")
    rules = {}
    for path in ("relay", "plain"):
        rules[path] = os.path.join(directory, f"{path}.yml")
        with open(rules[path], "w") as f:
            f.write(f"""hooks:
  - {{ name: probe, type: webhook, url: "http://127.0.0.1:{receiver_port}/{path}", send_resolved: false }}
evaluation_interval: 1s
rules:
  - {{ alert: ProbeWaiting, queues: ["probe-*"], metric: waiting, op: ">=", threshold: 1, for: 0s, hooks: [probe] }}
""")
    results = {}
    try:
        # Its own stream: the catch-up stream's 1 M events are not this consumer's business.
        stream = 'stream: CALLPULSE_LATENCY, subject: "callpulse.latency"'
        consumer, consumer_port = start_daemon("latency-consumer",
                                   f'nats: {{ url: "{nats_url}", {stream}, consume: true, consumer: latency }}\n',
                                   ["--rules", rules["relay"]])
        relay, relay_port = start_daemon("latency-relay", f'nats: {{ url: "{nats_url}", {stream}, publish: true }}\n')
        wait_connected(relay_port)
        wait_consuming(consumer_port)
        for traffic in ("quiet", "load", "sparse"):
            if traffic != "sparse" or SPARSE_PROBES:
                results[f"relay {traffic}"] = run_probes("relay + stream + consumer, event -> webhook", relay_port,
                                                         "/relay", f"relay-{traffic}", traffic)
        stop_daemon(relay)
        stop_daemon(consumer)

        plain, plain_port = start_daemon("latency-plain", "", ["--rules", rules["plain"]])
        for traffic in ("quiet", "load", "sparse"):
            if traffic != "sparse" or SPARSE_PROBES:
                results[f"plain {traffic}"] = run_probes("plain HTTP ingest, event -> webhook", plain_port, "/plain",
                                                         f"plain-{traffic}", traffic)
        stop_daemon(plain)
    finally:
        receiver.shutdown()
    return results


# ----------------------------------------------------------------------------- main


def interrupted(*_):
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, interrupted)
    began = time.time()
    table = []
    try:
        print(f"{nats_version()}; {os.cpu_count()} CPUs shared by the clients, nats-server and the daemons (load average "
              f"{os.getloadavg()[0]:.1f} before the start): figures are noisy", flush=True)
        nats_url, monitor, nats_pid = start_nats()
        print(f"generating {EVENTS:,} events ({QUEUES} queues, callpulse simulate) ...", flush=True)
        batches, repeats, size = make_batches(scratch("events"))
        unique = sum(batch.count(b"\n") + 1 for share in batches for batch in share)
        print(f"  {unique:,} unique events of {size:,.0f} bytes on average ({repeats} repeated lines dropped), "
              f"split by call among {CLIENTS} clients, {sum(len(share) for share in batches):,} batches of up to "
              f"{BATCH:,}", flush=True)

        print("\n== 1. relay publish rate", flush=True)
        relay_rate, plain_rate, plain_counts = publish_figures(nats_url, nats_pid, batches)
        del batches
        table.append(("relay publish rate (%d clients, batches of %s)" % (CLIENTS, f"{BATCH:,}"),
                      f"{relay_rate:,.0f} events/s", "none"))
        table.append(("  plain HTTP ingest, same events", f"{plain_rate:,.0f} events/s", "none (for comparison)"))

        print("\n== 2. catch-up and consume rate", flush=True)
        state = stream_state(monitor, "CALLPULSE")
        print(f"stream CALLPULSE: {state['messages']:,} messages, sequences {state['first_seq']:,} .. "
              f"{state['last_seq']:,}, {state['bytes'] / 1e6:,.0f} MB", flush=True)
        for name, state_dir in (("catchup-memory", False), ("catchup-journal", True)):
            elapsed, rate = catch_up(nats_url, monitor, nats_pid, name, state_dir)
            label = "with state_dir" if state_dir else "without state_dir"
            table.append((f"catch-up, {state['messages']:,} pending, {label}",
                          f"{elapsed:.1f} s" if elapsed else f"> {CATCHUP_LIMIT:.0f} s", "none"))
            table.append((f"consume rate, {label}", f"{rate:,.0f} events/s", ">= 100,000 events/s"))

        print(f"\n== 3. event -> webhook latency ({PROBES} probes, every {PROBE_SPACING * 1000:.0f} ms; "
              f"{SPARSE_PROBES} sparse ones, every {SPARSE_SPACING} s)", flush=True)
        results = latency_figures(nats_url)
        for key, label in (("relay quiet", "relay + stream + consumer, quiet"),
                           ("relay load", f"relay + stream + consumer, {BACKGROUND_RATE:,} ev/s"),
                           ("relay sparse", "relay + stream + consumer, sparse"),
                           ("plain quiet", "plain HTTP ingest, quiet"),
                           ("plain load", f"plain HTTP ingest, {BACKGROUND_RATE:,} ev/s"),
                           ("plain sparse", "plain HTTP ingest, sparse")):
            if key not in results:
                continue
            figures = results.get(key)
            value = f"p50 {figures[0] * 1000:.1f} / p99 {figures[1] * 1000:.1f} ms" if figures else "no alert"
            table.append((f"event -> webhook, {label}", value, "p99 <= 50 ms"))
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr, flush=True)
        raise SystemExit(130)
    finally:
        cleanup()

    print(f"\n== summary ({os.cpu_count()} CPUs shared with the clients and nats-server, load average "
          f"{os.getloadavg()[0]:.1f} at the end; noisy)")
    width = max(len(row[0]) for row in table)
    value_width = max(len(row[1]) for row in table)
    print(f"{'figure':<{width}}  {'measured':>{value_width}}  target")
    for figure, value, target in table:
        print(f"{figure:<{width}}  {value:>{value_width}}  {target}")
    print(f"wall time {time.time() - began:.0f} s")


if __name__ == "__main__":
    main()
