import CallPulseSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The graceful stop under everything at once (docs/architecture.md, "Services"): a webhook
/// receiver that never answers, 200 live streams and ingest in progress.
@Suite(.serialized)
struct GracefulStopTests {
    static let streams = 200

    static func rules(hookPort: Int) -> String {
        """
        hooks:
          - name: hung
            type: webhook
            url: http://127.0.0.1:\(hookPort)/hook
            timeout: 60s
            max_retries: 0
        evaluation_interval: 1s
        rules:
          - alert: AnyMissed
            metric: missed
            window: today
            op: ">="
            threshold: 1
            for: 0s
            hooks: [hung]
        """
    }

    @Test("SIGTERM with a hung webhook, 200 live streams and ingest running: exit 0 before shutdown_timeout, every acknowledged event restored")
    func sigtermUnderLoad() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-stop-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hung = try HookReceiver()
        hung.hang.withLock { $0 = true }
        defer { hung.hang.withLock { $0 = false } }
        let rulesPath = directory + "/rules.yml"
        try Self.rules(hookPort: hung.port).write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let stateDir = directory + "/state"
        let arguments = ["--clock", "event", "--state-dir", stateDir, "--rules", rulesPath]
        // shutdown_timeout 5s: past it the deadline exits with status 1 and names what hung.
        let config = """
            shutdown_timeout: 5s
            limits:
              max_connections_per_client: 512
            """
        let daemon = try DaemonProcess(arguments, config: config)
        #expect(waitUntil { (try? daemon.get("/-/ready").status) == 200 })

        // Ingest on its own thread until the daemon stops answering 200.
        // More than can be posted before the signal: ingest is still running when it comes.
        let batches = try DurabilityTests.batches(count: 6_000, size: 20, seed: 23)
        let acknowledged = LockedBox(0)
        let lastTried = LockedBox(-1)
        let port = daemon.port
        let ingest = Thread {
            for (index, batch) in batches.enumerated() {
                lastTried.withLock { $0 = index }
                guard (try? HTTPClient.send(port: port, method: "POST", path: "/api/v1/events", body: Array(batch.utf8)))?
                    .status == 200 else { return }
                acknowledged.withLock { $0 = index + 1 }
            }
        }
        ingest.start()

        var clients: [StreamClient] = []
        for _ in 0..<Self.streams { clients.append(try StreamClient(port: daemon.port)) }
        let metricsShowStreams = waitUntil {
            ((try? daemon.get("/metrics").text) ?? "").contains("callpulse_stream_clients \(Self.streams)")
        }
        #expect(metricsShowStreams, "the daemon never counted \(Self.streams) streams")
        // The alert fired and its webhook is in flight, unanswered.
        #expect(hung.waitFor(1).first?.path == "/hook")
        #expect(waitUntil { acknowledged.withLock { $0 } >= 20 })

        #expect(!ingest.isFinished, "ingest ended before the signal")
        let signalled = ContinuousClock.now
        kill(daemon.process.processIdentifier, SIGTERM)
        let exited = waitUntil { !daemon.process.isRunning }
        let took = ContinuousClock.now - signalled
        #expect(exited)
        guard exited else { return }
        // Status 0 means every service stopped before the 5 s deadline (which exits 1).
        #expect(daemon.process.terminationStatus == 0, "\(daemon.log)")
        #expect(!daemon.log.contains("still running after shutdown_timeout"))
        #expect(daemon.log.contains("stopped"))
        #expect(waitUntil { clients.allSatisfy { client in client.drain(); return client.ended } }, "a stream was left open")
        #expect(waitUntil { ingest.isFinished })
        let acked = acknowledged.withLock { $0 }
        print("graceful stop: SIGTERM to exit \(took) with \(Self.streams) streams, a hung webhook and \(acked) batches acknowledged")

        // Restarted on the same directory: exactly the acknowledged batches, none lost. The
        // batch in flight at the signal is sent again, as a connector would (if it was stored,
        // its events are duplicates and change nothing).
        let again = try DaemonProcess(["--clock", "event", "--state-dir", stateDir])
        #expect(waitUntil { (try? again.get("/-/ready").status) == 200 })
        var sent = Array(batches[..<acked])
        if lastTried.withLock({ $0 }) == acked, acked < batches.count {
            #expect(try again.post("/api/v1/events", batches[acked]).status == 200)
            sent.append(batches[acked])
        }
        let expected = try DurabilityTests.reference(sent)
        let got = try DurabilityTests.state(again)
        #expect(got.accepted == expected.accepted, "accepted \(got.accepted), acknowledged \(expected.accepted)")
        #expect(got.queues == expected.queues, "the restored queues differ from a replay of what was acknowledged")
        #expect(again.stop() == 0)
    }

    @Test("a stop that outlasts shutdown_timeout (a request whose body never finishes) exits 1, naming the service that did not stop")
    func deadline() throws {
        let daemon = try DaemonProcess([], config: "shutdown_timeout: 1s\n")
        // Headers and 10 of 100 body bytes: the request is in flight until the body ends,
        // and the HTTP server waits up to 5 s for it, past the 1 s deadline. The server's
        // "100 Continue" shows it has begun the request.
        let fd = try HTTPClient.connect(port: daemon.port)
        defer { close(fd) }
        try HTTPClient.write(fd, Array(("POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
            + "Content-Type: application/x-ndjson\r\nContent-Length: 100\r\n\r\n").utf8))
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = poll(&descriptor, 1, Int32(patience * 1000)) > 0 ? read(fd, &buffer, buffer.count) : 0
        #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self).hasPrefix("HTTP/1.1 100 Continue"))
        try HTTPClient.write(fd, Array("0123456789".utf8))
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(waitUntil { !daemon.process.isRunning })
        #expect(daemon.process.terminationStatus == 1)
        #expect(daemon.log.contains("shutdown: http server still running after shutdown_timeout (1 s); exiting anyway"),
                "\(daemon.log)")
    }
}
