#!/usr/bin/python3
"""How many live-stream clients the daemon holds, and what they cost.

  scripts/stream_clients.py [N]      (default 2,000; make streams)

Starts the demo on loopback with room for N streams, opens N `GET /api/v1/stream` clients
(HTTP/1.0, from one address), checks every one receives its opening snapshot, then reports
the daemon's RSS per stream, its threads, other clients' /-/healthy latency and the
daemon's CPU while the demo's snapshot goes out once a second to every stream.
"""
import os
import re
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callpulse_daemon  # noqa: E402


def status(pid, field):
    with open(f"/proc/{pid}/status") as file:
        return int(re.search(field + r":\s+(\d+)", file.read()).group(1))


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def healthy_ms(port):
    started = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /-/healthy HTTP/1.0\r\n\r\n")
    s.recv(1000)
    s.close()
    return (time.perf_counter() - started) * 1000


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    config = os.path.join(tempfile.mkdtemp(prefix="callpulse-streams-"), "config.yml")
    with open(config, "w") as file:
        file.write(f"limits: {{ max_connections: {count + 100}, max_connections_per_client: {count + 100}, "
                   f"max_streams: {count} }}\n")
    daemon, port = callpulse_daemon.start(["--config", config, "--demo"])
    time.sleep(1)
    base = status(daemon.pid, "VmRSS")
    clients = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /api/v1/stream HTTP/1.0\r\n\r\n")
        clients.append(s)
    time.sleep(3)
    receiving = 0
    for s in clients:
        s.setblocking(False)
        try:
            receiving += 1 if b"event: snapshot" in s.recv(1 << 20) else 0
        except BlockingIOError:
            pass
    latencies = sorted(healthy_ms(port) for _ in range(200))
    ticks, started = cpu_ticks(daemon.pid), time.time()
    time.sleep(10)
    cpu = (cpu_ticks(daemon.pid) - ticks) / os.sysconf("SC_CLK_TCK") / (time.time() - started) * 100
    rss = status(daemon.pid, "VmRSS")
    print(f"{count} streams: {receiving} received their opening snapshot; RSS {base / 1024:.1f} -> {rss / 1024:.1f} MiB "
          f"({(rss - base) / count:.1f} KiB per stream); {status(daemon.pid, 'Threads')} threads; other clients' "
          f"/-/healthy p50 {latencies[100]:.2f} ms, p99 {latencies[198]:.2f} ms; daemon CPU {cpu:.0f} % of a core "
          f"with the demo's snapshot going to every stream once a second")
    for s in clients:
        s.close()
    daemon.terminate()
    daemon.wait()


if __name__ == "__main__":
    main()
