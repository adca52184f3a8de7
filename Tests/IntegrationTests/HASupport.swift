import CallPulseNATS
import CallPulseSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Support for HATests (docs/spec/scale-out.md): traffic as bytes, the configs of a relay and
/// its consumers, the source status, the stream read back in order, `callpulse replay` of it,
/// a loader that posts to the relay like a connector, and a two-node Alertmanager cluster.

/// Generated traffic, kept as bytes: a body is posted exactly as the generator wrote it.
enum HATraffic {
    /// `../shared/tools/gen.py` output for `seed`; `slot`: its calls arrive in the two hours from
    /// 02:00 + 2 h × slot on 2026-11-24 (nil: the seed's own start, perhaps across a midnight).
    static func generated(seed: Int, calls: Int = 300, shape: String = "ndjson", slot: Int? = nil) throws -> [UInt8] {
        let extra = slot.map { ["--start", String(format: "2026-11-24T%02d:00:00Z", 2 + 2 * $0), "--no-cross-midnight"] } ?? []
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-gen-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", ReferenceCheck.generator.path, "--seed", "\(seed)", "--calls", "\(calls)", "--queues", "5",
            "--faults", "2", "--span", "2h", "--shape", shape, "--out", path,
        ] + extra)
        try #require(result.status == 0, "gen.py failed: \(result.stderr)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// `callpulse simulate` output for `seed`: traffic that needs nothing beside the repository.
    static func simulated(seed: Int, queues: Int = 5, duration: String = "2m") throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-sim-\(UUID()).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CLI.run(["simulate", "--queues", "\(queues)", "--rate", "40", "--duration", duration,
                                  "--seed", "\(seed)", "--output", path])
        try #require(result.status == 0, "simulate failed: \(result.stderr)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// NDJSON lines of generated traffic for each seed, one after the other: gen.py's faulty
    /// traffic when `../shared` is there (seed i in the i-th two hours from `firstSlot`, so the
    /// event clock moves on from one to the next), else the simulator's.
    static func pool(seeds: [Int], firstSlot: Int = 0) throws -> (lines: [[UInt8]], source: String) {
        var lines: [[UInt8]] = []
        for (index, seed) in seeds.enumerated() {
            lines += Self.lines(ReferenceCheck.sharedPresent ? try generated(seed: seed, slot: firstSlot + index) : try simulated(seed: seed))
        }
        return (lines, ReferenceCheck.sharedPresent ? "gen.py --calls 300 --queues 5 --faults 2, 2 h a seed" : "callpulse simulate")
    }

    /// The lines of an NDJSON text, as written (a `\r` stays); no empty last line.
    static func lines(_ text: [UInt8]) -> [[UInt8]] {
        var lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// The top-level elements of a JSON array text, each as written (newlines and all).
    static func arrayElements(_ text: [UInt8]) -> [[UInt8]] {
        var elements: [[UInt8]] = []
        var depth = 0
        var inString = false
        var escaped = false
        var start: Int?
        for (index, byte) in text.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                if depth == 1 && start == nil { start = index }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth == 1 && start == nil { start = index }
                depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0, let first = start {  // the closing bracket of the array
                    elements.append(trimmed(Array(text[first..<index])))
                    start = nil
                }
            case UInt8(ascii: ","):
                if depth == 1, let first = start {
                    elements.append(trimmed(Array(text[first..<index])))
                    start = nil
                }
            case 0x20, 0x09, 0x0A, 0x0D:
                break
            default:
                if depth == 1 && start == nil { start = index }
            }
        }
        return elements
    }

    /// One request body: items as NDJSON lines, or as the elements of a JSON array.
    static func body(_ items: ArraySlice<[UInt8]>, array: Bool) -> [UInt8] {
        if !array { return Array(items.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")] }
        return Array("[\n".utf8) + Array(items.joined(separator: Array(",\n".utf8))) + Array("\n]\n".utf8)
    }

    /// `items` in bodies of `size`.
    static func batches(_ items: [[UInt8]], size: Int) -> [ArraySlice<[UInt8]>] {
        stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }

    /// An event's bytes without surrounding white space and byte-order mark: how a posted line
    /// and the stream message made of it are compared.
    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        var slice = bytes[...]
        while let first = slice.first, [0x20, 0x09, 0x0A, 0x0D].contains(first) { slice = slice.dropFirst() }
        if slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
        while let first = slice.first, [0x20, 0x09, 0x0A, 0x0D].contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, [0x20, 0x09, 0x0A, 0x0D].contains(last) { slice = slice.dropLast() }
        return Array(slice)
    }

    static func isBlank(_ bytes: [UInt8]) -> Bool { trimmed(bytes).isEmpty }
}

/// Config files of the daemons: every one under the event clock, so that `callpulse replay`
/// of the stream (with `base`, the same file minus `nats`) is comparable.
enum HAConfig {
    static let base = "clock: event\n"

    static func relay(_ urls: [String], replicas: Int = 1) -> String {
        base + """
            nats:
              url: "\(urls.joined(separator: ","))"
              replicas: \(replicas)
              publish: true

            """
    }

    static func consumer(_ urls: [String], name: String, instance: String? = nil, replicas: Int = 1) -> String {
        base + (instance.map { "instance: \($0)\n" } ?? "") + """
            nats:
              url: "\(urls.joined(separator: ","))"
              replicas: \(replicas)
              consume: true
              consumer: \(name)

            """
    }
}

/// `source` of `/api/v1/status`.
struct SourceFigures: CustomStringConvertible {
    var connected: Bool
    var lastApplied: Int
    var pending: Int?
    var applied: Int
    var skipped: Int
    var rejected: Int
    var published: Int
    var publishFailed: Int

    var description: String {
        "connected \(connected), last applied \(lastApplied), pending \(pending.map(String.init) ?? "null"), "
            + "messages applied \(applied) skipped \(skipped) rejected \(rejected), published \(published) failed \(publishFailed)"
    }
}

/// `ingest` of `/api/v1/status`.
struct IngestTotals: Equatable, CustomStringConvertible {
    var accepted: Int
    var ignored: Int
    var rejected: Int

    var description: String { "accepted \(accepted), ignored \(ignored), rejected \(rejected)" }
}

extension DaemonProcess {
    func source() throws -> SourceFigures {
        let status = try get("/api/v1/status").json()
        let source = try #require(status["source"] as? NSDictionary, "no source in the status: \(status)")
        let messages = source["messages"] as? NSDictionary ?? [:]
        return SourceFigures(connected: source["connected"] as? Bool ?? false,
                             lastApplied: source["last_applied_sequence"] as? Int ?? -1,
                             pending: source["pending"] as? Int,
                             applied: messages["applied"] as? Int ?? -1, skipped: messages["skipped"] as? Int ?? -1,
                             rejected: messages["rejected"] as? Int ?? -1,
                             published: source["published"] as? Int ?? -1, publishFailed: source["publish_failed"] as? Int ?? -1)
    }

    func ingestTotals() throws -> IngestTotals {
        let ingest = try #require(try get("/api/v1/status").json()["ingest"] as? NSDictionary)
        return IngestTotals(accepted: ingest["accepted"] as? Int ?? -1, ignored: ingest["ignored"] as? Int ?? -1,
                            rejected: ingest["rejected"] as? Int ?? -1)
    }

    /// `/api/v1/queues` without `generated_at`.
    func snapshot() throws -> NSDictionary {
        let reply = try get("/api/v1/queues")
        try #require(reply.status == 200, "GET /api/v1/queues: \(reply.status) \(reply.text)")
        return try Snapshots.document(reply.text)
    }

    /// Whether the consumer applied the stream up to `lastSequence` and has nothing pending.
    func caughtUp(to lastSequence: Int) -> Bool {
        guard let source = try? source() else { return false }
        return source.lastApplied == lastSequence && source.pending == 0
    }

    /// SIGKILL: no goodbye, no checkpoint.
    func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The stream sequence the consumer started from: its first `nats: consuming stream` log line.
    var consumedFrom: Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("nats: consuming stream") }),
              let range = line.range(of: #"from_sequence=\d+"#, options: .regularExpression) else { return nil }
        return Int(line[range].dropFirst("from_sequence=".count))
    }
}

/// Snapshot documents compared as parsed JSON.
enum Snapshots {
    /// A snapshot without `generated_at`.
    static func document(_ text: String) throws -> NSDictionary {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary, "not a snapshot: \(text.prefix(300))")
        let copy = object.mutableCopy() as! NSMutableDictionary
        copy.removeObject(forKey: "generated_at")
        return copy
    }

    /// Up to `limit` places where two documents differ, as paths (a queue by its name).
    static func differences(_ a: Any?, _ b: Any?, path: String = "", limit: Int = 6) -> [String] {
        var found: [String] = []
        collect(a, b, path: path, into: &found, limit: limit)
        return found
    }

    private static func collect(_ a: Any?, _ b: Any?, path: String, into found: inout [String], limit: Int) {
        guard found.count < limit else { return }
        if let a = a as? NSDictionary, let b = b as? NSDictionary {
            let keys = Set((a.allKeys + b.allKeys).compactMap { $0 as? String }).sorted()
            for key in keys { collect(a[key], b[key], path: path + "." + key, into: &found, limit: limit) }
        } else if let a = a as? NSArray, let b = b as? NSArray {
            if a.count != b.count {
                let names = { (list: NSArray) in list.compactMap { ($0 as? NSDictionary)?["queue"] as? String } }
                found.append("\(path): \(a.count) vs \(b.count) entries \(names(a)) vs \(names(b))")
                return
            }
            for (index, (x, y)) in zip(a, b).enumerated() {
                let name = (x as? NSDictionary)?["queue"] as? String
                collect(x, y, path: path + "[\(name ?? String(index))]", into: &found, limit: limit)
            }
        } else if let a = a as? NSObject, let b = b as? NSObject {
            if !a.isEqual(b) { found.append("\(path): \(a) vs \(b)") }
        } else if (a == nil) != (b == nil) {
            found.append("\(path): \(a.map { "\($0)" } ?? "absent") vs \(b.map { "\($0)" } ?? "absent")")
        }
    }

    /// `callpulse replay` (config `HAConfig.base`) of `messages` in their order, one NDJSON line
    /// each. Not one JSON array: the array adds a level of nesting, and an event nested 64 levels
    /// deep (the limit, docs/spec/events.md) would make the whole array malformed. A message from
    /// an array body may span lines: its line breaks can only be white space between tokens (a
    /// JSON string holds none raw, and the relay publishes no malformed event), so each becomes a space.
    static func replay(_ messages: [[UInt8]]) throws -> NSDictionary {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-ha-replay-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = directory.appendingPathComponent("stream.ndjson"), config = directory.appendingPathComponent("config.yml")
        var text: [UInt8] = []
        for message in messages {
            text += message.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }
            text.append(0x0A)
        }
        try Data(text).write(to: events)
        try HAConfig.base.write(to: config, atomically: true, encoding: .utf8)
        let result = try CLI.run(["replay", events.path, "--config", config.path, "--format", "json"])
        try #require(result.status == 0, "replay failed: \(result.stderr.prefix(2000))")
        return try document(result.stdout)
    }
}

/// The stream read back in order with a durable pull consumer of the test's own.
enum StreamContents {
    static let stream = "CALLPULSE"

    /// Every message of the stream, sequences 1...last, as stored.
    static func read(_ urls: [String]) throws -> [[UInt8]] {
        let client = try JetStreamClient(settings: NATSConnectionSettings(servers: urls, name: "callpulse-test-reader")) { _ in }
        try #require(waitUntil { client.isConnected }, "the test's reader did not connect to \(urls)")
        var state: StreamState?
        waitUntil { state = try? client.streamState(stream); return state != nil }
        let last = Int(try #require(state, "cannot read the stream's state").lastSequence)
        var consumer: PullConsumer?
        waitUntil {  // in a cluster, right after a failover, placement may need a moment
            consumer = try? client.pullConsumer(stream: stream, durable: "test-reader-\(UUID().uuidString.prefix(8))",
                                                filter: "callpulse.events.>", startSequence: nil, ackWait: .seconds(30))
            return consumer != nil
        }
        let reader = try #require(consumer, "cannot create the test's reader consumer")
        defer { reader.close() }
        var messages: [[UInt8]] = []
        var sequences: [Int] = []
        try waitUntil {
            let batch = try reader.fetch(max: 1000, timeout: .seconds(1))
            for i in 0..<batch.count {
                sequences.append(Int(batch.streamSequence(i)))
                messages.append(batch.withData(i) { Array($0) })
                batch.ack(i)
            }
            return messages.count >= last
        }
        #expect(sequences == Array(0..<last).map { $0 + 1 }, "the stream read back is not 1...\(last) in order")
        return messages
    }

    static func lastSequence(_ urls: [String]) throws -> Int {
        let client = try JetStreamClient(settings: NATSConnectionSettings(servers: urls, name: "callpulse-test-reader")) { _ in }
        try #require(waitUntil { client.isConnected }, "the test's reader did not connect to \(urls)")
        var state: StreamState?
        waitUntil { state = try? client.streamState(stream); return state != nil }
        return Int(try #require(state, "cannot read the stream's state").lastSequence)
    }
}

/// nats-server's monitoring endpoints with chunked answers read too: `NATSServer.monitor`
/// parses the body as it comes, and Go's server chunks an answer over 2 KiB (`/jsz?streams=true`
/// of a stream leader in a cluster).
enum NATSMonitor {
    static func json(_ server: NATSServer, _ path: String) -> NSDictionary? {
        guard server.isRunning, let reply = try? HTTPClient.send(port: server.monitorPort, method: "GET", path: path),
              reply.status == 200 else { return nil }
        let body = reply.headers["transfer-encoding"]?.lowercased() == "chunked" ? dechunked(reply.body) : reply.body
        return try? JSONSerialization.jsonObject(with: Data(body)) as? NSDictionary
    }

    /// The data of a chunked body (sizes in hex, each line ended by CRLF, a last chunk of 0).
    static func dechunked(_ body: [UInt8]) -> [UInt8] {
        var data: [UInt8] = []
        var offset = 0
        while offset < body.count {
            guard let end = body[offset...].firstIndex(of: UInt8(ascii: "\r")),
                  let size = Int(String(decoding: body[offset..<end], as: UTF8.self).split(separator: ";").first ?? "", radix: 16),
                  size > 0, end + 2 + size <= body.count else { break }
            data += body[(end + 2)..<(end + 2 + size)]
            offset = end + 2 + size + 2
        }
        return data
    }
}

/// Posts bodies to a relay like a connector: each body until it is answered other than 503
/// (a 503 is sent again: the duplicate window absorbs what did get through), in order, on its
/// own thread or the caller's. Keeps what the relay acknowledged, event by event.
final class RelayLoader: @unchecked Sendable {
    // @unchecked Sendable is sound: every mutable field is a LockedBox; the rest never changes.
    struct Figures {
        var bodies = 0
        var acknowledged = 0
        var rejected = 0
        /// 503 answers, and those whose request was sent and answered while `serverDown` held.
        var unavailable = 0
        var unavailableWhileDown = 0
        /// 200 answers to requests sent and answered while `serverDown` held (there should be none).
        var acknowledgedWhileDown = 0
        var problems: [String] = []
    }

    let port: Int
    let batches: [ArraySlice<[UInt8]>]
    let array: Bool
    /// Set by the test around an outage it causes.
    let serverDown = LockedBox(false)
    let figures = LockedBox(Figures())
    /// The trimmed bytes of every event in a 200 answer that the relay did not reject.
    let acknowledgedEvents = LockedBox<[[UInt8]]>([])
    /// Bodies answered so far.
    let done = LockedBox(0)
    private let stopRequested = LockedBox(false)
    private let finished = LockedBox(false)

    init(port: Int, items: [[UInt8]], batchSize: Int, array: Bool = false) {
        self.port = port
        batches = HATraffic.batches(items, size: batchSize)
        self.array = array
    }

    /// Lines or array elements, blank and malformed ones included.
    var items: Int { batches.reduce(0) { $0 + $1.count } }
    var isFinished: Bool { finished.withLock { $0 } }

    func start() {
        Thread.detachNewThread { [self] in run() }
    }

    /// Stops after the body in flight and waits for that.
    func stop() {
        stopRequested.withLock { $0 = true }
        waitUntil(patience * 2) { isFinished }
    }

    /// Posts every body on the calling thread.
    func run() {
        defer { finished.withLock { $0 = true } }
        for batch in batches {
            if stopRequested.withLock({ $0 }) { return }
            post(batch)
            done.withLock { $0 += 1 }
        }
    }

    private func post(_ items: ArraySlice<[UInt8]>) {
        let body = HATraffic.body(items, array: array)
        let type = array ? "application/json" : "application/x-ndjson"
        waitUntil(3600) {
            if stopRequested.withLock({ $0 }) { return true }
            let downBefore = serverDown.withLock { $0 }
            let reply: HTTPReply
            do {
                reply = try HTTPClient.send(port: port, method: "POST", path: "/api/v1/events",
                                            headers: ["Content-Type": type], body: body)
            } catch {
                problem("POST failed: \(error)")
                return false
            }
            let downAfter = serverDown.withLock { $0 }
            if reply.status == 503 {
                let reason = (try? reply.json())?["reason"] as? String
                figures.withLock {
                    $0.unavailable += 1
                    if downBefore && downAfter { $0.unavailableWhileDown += 1 }
                }
                if reason != "cannot_store" { problem("503 with reason \(reason ?? "none"): \(reply.text)") }
                return false
            }
            if reply.status == 200 && downBefore && downAfter { figures.withLock { $0.acknowledgedWhileDown += 1 } }
            account(reply, items)
            return true
        }
    }

    /// Checks the answer against the body and keeps the acknowledged events.
    private func account(_ reply: HTTPReply, _ items: ArraySlice<[UInt8]>) {
        guard let answer = try? reply.json() else {
            problem("answer \(reply.status) is not JSON: \(reply.text)")
            return
        }
        let published = answer["published"] as? Int ?? 0
        let rejected = answer["rejected"] as? Int ?? 0
        let errors = answer["errors"] as? [NSDictionary] ?? []
        if reply.status != 200 && published != 0 { problem("answer \(reply.status) with published \(published)") }
        if reply.status != 200 && reply.status != 400 { problem("answer \(reply.status): \(reply.text)") }
        // An NDJSON error names its line (1-based), an array's its element (0-based index).
        let refused = Set(errors.compactMap { ($0[array ? "index" : "line"] as? Int).map { array ? $0 : $0 - 1 } })
        let taken = items.enumerated().filter { !HATraffic.isBlank($0.element) && !refused.contains($0.offset) }
            .map { HATraffic.trimmed($0.element) }
        if errors.count == rejected && taken.count != published {
            problem("published \(published) of \(items.count) items with \(rejected) rejected: \(reply.text.prefix(500))")
        }
        figures.withLock {
            $0.bodies += 1
            $0.acknowledged += published
            $0.rejected += rejected
        }
        if reply.status == 200 { acknowledgedEvents.withLock { $0 += taken } }
    }

    private func problem(_ sentence: String) {
        figures.withLock { if $0.problems.count < 20 { $0.problems.append(sentence) } }
    }
}

/// A temporary directory, removed with the object.
final class ScratchDirectory {
    let path: String

    init(_ name: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-\(name)-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// One of two Debian `prometheus-alertmanager`s clustered on loopback (`--cluster.peer` each
/// other), with its own storage and a short peer timeout.
final class AlertmanagerPeer {
    static let binary = "/usr/bin/prometheus-alertmanager"
    let port: Int
    let clusterPort: Int
    let process = Process()
    private let directory: ScratchDirectory

    init(config: String, clusterPort: Int, peerPort: Int) throws {
        directory = try ScratchDirectory("am")
        port = try HTTPClient.freePort()
        self.clusterPort = clusterPort
        try config.write(toFile: directory.path + "/am.yml", atomically: true, encoding: .utf8)
        try Data().write(to: URL(fileURLWithPath: directory.path + "/log"))
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "--config.file=\(directory.path)/am.yml", "--storage.path=\(directory.path)/data",
            "--web.listen-address=127.0.0.1:\(port)",
            "--cluster.listen-address=127.0.0.1:\(clusterPort)", "--cluster.peer=127.0.0.1:\(peerPort)",
            // The second in line waits peer position × peer timeout (default 15 s) before it looks
            // in the gossiped notification log; the rest speeds up joining and settling.
            "--cluster.peer-timeout=3s", "--cluster.gossip-interval=100ms", "--cluster.pushpull-interval=2s",
            "--cluster.reconnect-interval=1s",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path + "/log"))
        try process.run()
    }

    /// SIGKILL: a graceful stop waits 10 s to leave the gossip mesh once its peer is gone.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var log: String { (try? String(contentsOfFile: directory.path + "/log", encoding: .utf8)) ?? "" }

    /// Answering HTTP: its cluster listener, made before, is up too.
    var healthy: Bool { (try? HTTPClient.send(port: port, method: "GET", path: "/-/healthy"))?.status == 200 }

    /// Ready, with both members in the cluster and the gossip settled.
    var settled: Bool {
        guard let reply = try? HTTPClient.send(port: port, method: "GET", path: "/api/v2/status"), reply.status == 200,
              let cluster = (try? reply.json())?["cluster"] as? NSDictionary else { return false }
        return cluster["status"] as? String == "ready" && (cluster["peers"] as? NSArray)?.count == 2
            && log.contains("gossip settled")
    }

    /// The alerts it holds.
    func alerts() -> [NSDictionary] {
        guard let reply = try? HTTPClient.send(port: port, method: "GET", path: "/api/v2/alerts"), reply.status == 200 else { return [] }
        return (try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [NSDictionary]) ?? []
    }

    /// The sum of a counter's samples in its `/metrics` whose line contains `filter`.
    func counter(_ name: String, _ filter: String = "") -> Double {
        guard let reply = try? HTTPClient.send(port: port, method: "GET", path: "/metrics"), reply.status == 200 else { return -1 }
        return reply.text.split(separator: "\n").filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
            .filter { filter.isEmpty || $0.contains(filter) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }
}
