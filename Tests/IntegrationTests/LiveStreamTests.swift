import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A Server-Sent Events client on a loopback socket (HTTP/1.0, so the body is not chunked).
final class StreamClient {
    let fd: Int32
    private(set) var head = ""
    private var buffer: [UInt8] = []
    private var headDone = false
    /// Whether the daemon closed the stream.
    private(set) var ended = false
    /// Comment lines (`: ...`) received so far.
    private(set) var comments: [String] = []
    /// Bytes received so far, read by `next` or `drain`.
    private(set) var received = 0

    init(port: Int, path: String = "/api/v1/stream", headers: [String: String] = [:]) throws {
        fd = try HTTPClient.connect(port: port)
        let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        try HTTPClient.write(fd, Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\(extra)\r\n".utf8))
    }

    deinit { close(fd) }

    /// Events received but not asked for yet, in order.
    private var unread: [(name: String, data: String)] = []

    /// The next event named `name` (events of other names stay unread): its `data`, or nil
    /// when none came within `seconds` or the stream ended.
    func next(_ name: String, within seconds: Double = patience) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            while let event = takeEvent() { unread.append(event) }
            if let index = unread.firstIndex(where: { $0.name == name }) { return unread.remove(at: index).data }
            let left = deadline.timeIntervalSinceNow
            guard left > 0, fill(timeout: left) else { return nil }
        }
    }

    /// The response status once the head has arrived.
    var status: Int? { head.split(separator: " ").dropFirst().first.flatMap { Int($0) } }

    private func fill(timeout: Double) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(timeout * 1000)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = read(fd, &chunk, chunk.count)
        guard count > 0 else {
            ended = true
            return false
        }
        received += count
        buffer += chunk[0..<count]
        return true
    }

    /// Reads and discards whatever has arrived, without waiting (events are not parsed after this).
    func drain() {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return }
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else {
                ended = true
                return
            }
            received += count
        }
    }

    private func takeEvent() -> (name: String, data: String)? {
        if !headDone {
            guard let end = find([13, 10, 13, 10]) else { return nil }
            head = String(decoding: buffer[..<end], as: UTF8.self)
            buffer.removeFirst(end + 4)
            headDone = true
        }
        guard let end = find([10, 10]) else { return nil }
        let block = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(end + 2)
        var name = "message", data: [String] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            if line.hasPrefix(":") {
                name = "comment"
                comments.append(String(line))
            }
        }
        if data.isEmpty && name == "message" { return ("control", block) }  // retry: lines
        return (name, data.joined(separator: "\n"))
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for index in 0...(buffer.count - pattern.count) where buffer[index] == pattern[0] {
            if buffer[index..<(index + pattern.count)].elementsEqual(pattern) { return index }
        }
        return nil
    }
}

/// `GET /api/v1/stream` through the built daemon.
@Suite(.serialized)
struct LiveStreamTests {
    static func queues(_ data: String?) throws -> [String: NSDictionary] {
        let snapshot = try JSONSerialization.jsonObject(with: Data((data ?? "{}").utf8)) as! NSDictionary
        var byName: [String: NSDictionary] = [:]
        for case let queue as NSDictionary in snapshot["queues"] as? NSArray ?? [] { byName[queue["queue"] as! String] = queue }
        return byName
    }

    @Test("a stream opens with a snapshot, sends the next one after events, and alert events as alerts change")
    func snapshotsAndAlerts() throws {
        let rules = try temporaryFile("""
            evaluation_interval: 1s
            rules:
              - alert: AnyMissed
                metric: missed
                window: 1h
                op: ">="
                threshold: 1
                annotations: { summary: "{{ $labels.queue }}: {{ $value }} missed" }
            """, suffix: ".rules.yml")
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let daemon = try DaemonProcess(["--clock", "event", "--rules", rules])
        defer { _ = daemon.stop() }
        let client = try StreamClient(port: daemon.port)
        let first = client.next("snapshot")
        #expect(client.status == 200)
        #expect(client.head.lowercased().contains("content-type: text/event-stream"))
        #expect(try Self.queues(first).isEmpty)

        let lifecycles = try String(contentsOfFile: fixturePath("01_lifecycles.ndjson"), encoding: .utf8)
        #expect(try daemon.post("/api/v1/events", lifecycles).status == 200)
        let second = try Self.queues(client.next("snapshot"))
        let expected = try queuesJSON(String(contentsOfFile: fixturePath("01_lifecycles.expected.json"), encoding: .utf8))
        for case let queue as NSDictionary in expected {
            let name = queue["queue"] as! String
            #expect((second[name]?["today"] as? NSDictionary)?["offered"] as? Int
                    == (queue["today"] as? NSDictionary)?["offered"] as? Int, "offered today in \(name)")
            #expect(second[name]?["waiting"] as? Int == queue["waiting"] as? Int, "waiting in \(name)")
        }

        let alert = try JSONSerialization.jsonObject(with: Data((client.next("alert") ?? "{}").utf8)) as! NSDictionary
        #expect(alert["state"] as? String == "firing")
        #expect((alert["labels"] as? NSDictionary)?["alertname"] as? String == "AnyMissed")
        #expect((alert["annotations"] as? NSDictionary)?["summary"] as? String == "Billing: 2 missed")
        #expect((alert["fingerprint"] as? String)?.count == 16)

        // A second client joining now gets the same numbers and the firing alert at once.
        let late = try StreamClient(port: daemon.port)
        #expect(try Self.queues(late.next("snapshot")).keys.sorted() == second.keys.sorted())
        #expect(late.next("alert") != nil)
    }

    @Test("300 idle streams are parked: counted, other requests served, few threads; closed ones are dropped")
    func idleClientsAreParked() throws {
        let daemon = try DaemonProcess(["--clock", "event"], config: """
            limits: { max_connections: 2000, max_connections_per_client: 2000 }
            """)
        defer { _ = daemon.stop() }
        var clients: [StreamClient] = []
        for _ in 0..<300 {
            let client = try StreamClient(port: daemon.port)
            #expect(client.next("snapshot") != nil)
            clients.append(client)
        }
        let metrics = try daemon.get("/metrics").text
        #expect(metrics.contains("\ncallpulse_stream_clients 300\n"))
        #expect(try daemon.get("/-/healthy").status == 200)
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.process.processIdentifier)/task").count
        #expect(threads < 40, "parked streams must not hold threads: \(threads) threads for 300 streams")

        // Every client sees the next change.
        #expect(try daemon.post("/api/v1/events", envelope("x", "connecting", "2026-11-24T10:00:00Z")).status == 200)
        for client in clients.prefix(300) { #expect(try Self.queues(client.next("snapshot"))["Billing"] != nil) }

        // Gone clients are noticed at the next write and dropped.
        clients.removeAll()
        var remaining = ""
        var change = 0
        try waitUntil {  // each change makes the feed write to every stream (at most once a second)
            change += 1
            let t = String(format: "2026-11-24T10:%02d:%02d.%03dZ", 1 + change / 60_000, change / 1000 % 60, change % 1000)
            _ = try daemon.post("/api/v1/events", envelope("y\(change)", "connecting", t))
            remaining = try daemon.get("/metrics").text.split(separator: "\n")
                .first { $0.hasPrefix("callpulse_stream_clients ") }.map(String.init) ?? ""
            return remaining == "callpulse_stream_clients 0"
        }
        #expect(remaining == "callpulse_stream_clients 0")
    }

    @Test("a heartbeat every 15 s: a comment line for proxies and a heartbeat event with its time")
    func heartbeat() throws {
        let daemon = try DaemonProcess([])
        defer { _ = daemon.stop() }
        let client = try StreamClient(port: daemon.port)
        #expect(client.next("snapshot") != nil)
        func at(_ data: String?) throws -> Date? {
            let object = try JSONSerialization.jsonObject(with: Data((data ?? "{}").utf8)) as? NSDictionary
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return (object?["at"] as? String).flatMap(formatter.date(from:))
        }
        let first = try at(client.next("heartbeat")), second = try at(client.next("heartbeat"))
        #expect(first != nil && second != nil)
        // The feed sends one once 15 s have passed since the last, by the clock it stamps them with.
        if let first, let second { #expect(second.timeIntervalSince(first) >= 15) }
        #expect(client.comments == [": heartbeat", ": heartbeat"])
    }

    @Test("a client that stops reading is dropped once 16 MiB are queued for it; a reading client stays")
    func slowReaderDropped() throws {
        let daemon = try DaemonProcess([])  // live clock: waits grow, so every second brings a new snapshot
        defer { _ = daemon.stop() }
        // 1,500 queues with a ringing call each: a snapshot event of about 3 MB a second.
        let now = AlertingTests.now()
        let events = (0..<1_500).map { envelope("c\($0)", "connecting", now, queue: String(format: "Queue %04d", $0)) }
        #expect(try daemon.post("/api/v1/events", events.joined(separator: "\n")).status == 200)
        let stuck = try StreamClient(port: daemon.port)
        let reader = try StreamClient(port: daemon.port)
        func clients() throws -> String {
            try daemon.get("/metrics").text.split(separator: "\n").first { $0.hasPrefix("callpulse_stream_clients ") }
                .map(String.init) ?? ""
        }
        #expect(try waitUntil { reader.drain(); return try clients() == "callpulse_stream_clients 2" })
        #expect(try waitUntil(3 * patience) { reader.drain(); return try clients() == "callpulse_stream_clients 1" })
        #expect(!reader.ended)
        // The dropped stream ends: what was queued arrives, then the end (more than 16 MiB behind
        // means at least 16 MiB were sent to it in all).
        #expect(waitUntil { stuck.drain(); return stuck.ended })
        #expect(stuck.received > 16 << 20)
        reader.drain()
        #expect(!reader.ended)
    }

    @Test("limits.max_streams: the next stream gets 503 with a reason; SIGTERM ends open streams and exits 0")
    func streamLimitAndShutdown() throws {
        let daemon = try DaemonProcess(["--clock", "event"], config: "limits: { max_streams: 2 }\n")
        let a = try StreamClient(port: daemon.port), b = try StreamClient(port: daemon.port)
        #expect(a.next("snapshot") != nil && b.next("snapshot") != nil)
        let refused = try daemon.get("/api/v1/stream")
        #expect(refused.status == 503)
        #expect(try refused.json()["reason"] as? String == "too_many_streams")
        #expect(daemon.stop() == 0)
        #expect(a.next("snapshot") == nil)
        #expect(a.ended)  // closed by the daemon, not a quiet stream
    }
}
