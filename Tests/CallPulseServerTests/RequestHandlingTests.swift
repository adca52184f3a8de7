import CallPulseCore
import CallPulseHTTP
import Foundation
import Logging
import Testing
@testable import CallPulseServer

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's request handling in process (no socket): answers that need a state the
/// built binary only passes through for an instant (restoring, shutting down), and settings
/// whose effect shows in one response.
struct RequestHandlingTests {
    static func daemon(_ configure: (inout Configuration) -> Void = { _ in }) throws -> Daemon {
        var configuration = Configuration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try Daemon(options: Daemon.Options(configuration: configuration), logger: logger)
    }

    static func json(_ response: HTTPResponse) throws -> NSDictionary {
        try JSONSerialization.jsonObject(with: Data(response.body)) as! NSDictionary
    }

    static func event(_ id: String, _ name: String, _ time: String, queue: String? = "Billing") -> String {
        let media = queue.map { #""MediaProperties":{"queueName":"\#($0)"},"# } ?? ""
        return #"{"message":{"call":{"id":"\#(id)","event":"\#(name)","ResponseFields":{\#(media)"CurrentStateTime":"\#(time)"}}}}"#
    }

    static func post(_ daemon: Daemon, _ body: String) -> HTTPResponse {
        daemon.handle(HTTPRequest(method: "POST", path: "/api/v1/events", headers: ["content-type": "application/x-ndjson"],
                                  body: Array(body.utf8)))
    }

    static func get(_ daemon: Daemon, _ path: String, query: [(name: String, value: String)] = []) -> HTTPResponse {
        daemon.handle(HTTPRequest(method: "GET", path: path, query: query))
    }

    @Test("while the state directory is restored: /-/ready and ingest answer 503 not_ready, nothing is applied")
    func notReadyWhileRestoring() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-restore-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Restoring starts in `run`; until it ends, a daemon with a state directory is not ready.
        let daemon = try Self.daemon { $0.stateDir = directory; $0.core.clock = .event }
        let ready = Self.get(daemon, "/-/ready")
        #expect(ready.status == 503)
        #expect(try Self.json(ready) == ["error": "state is still being restored", "reason": "not_ready"])
        let ingest = Self.post(daemon, Self.event("a", "connecting", "2026-11-24T10:00:00Z"))
        #expect(ingest.status == 503)
        #expect(try Self.json(ingest) == ["error": "state is still being restored; nothing was applied, send again shortly",
                                          "reason": "not_ready"])
        #expect((try Self.json(Self.get(daemon, "/api/v1/queues"))["ingest"] as? NSDictionary)?["accepted"] as? Int == 0)
    }

    @Test("once a graceful stop has begun, ingest and /-/ready answer 503 shutting_down and nothing is applied; reads still answer")
    func shuttingDown() throws {
        let daemon = try Self.daemon { $0.core.clock = .event }
        #expect(Self.post(daemon, Self.event("a", "connecting", "2026-11-24T10:00:00Z")).status == 200)
        daemon.stopAccepting()  // what SIGTERM and SIGINT do first
        let refused = Self.post(daemon, Self.event("b", "connecting", "2026-11-24T10:00:01Z"))
        #expect(refused.status == 503)
        #expect(try Self.json(refused) == ["error": "the daemon is shutting down; nothing was applied, send again later",
                                           "reason": "shutting_down"])
        let queues = Self.get(daemon, "/api/v1/queues")
        #expect(queues.status == 200)
        #expect((try Self.json(queues)["queues"] as? [NSDictionary])?.first?["waiting"] as? Int == 1)
        // A load balancer stops sending here while the stop runs.
        let ready = Self.get(daemon, "/-/ready")
        #expect(ready.status == 503)
        #expect(try Self.json(ready)["reason"] as? String == "shutting_down")
    }

    @Test("default_queue names the queue of events that name none")
    func defaultQueue() throws {
        let daemon = try Self.daemon { $0.core.clock = .event; $0.core.defaultQueue = "Front desk" }
        let body = [Self.event("a", "connecting", "2026-11-24T10:00:00Z", queue: nil),
                    Self.event("b", "connecting", "2026-11-24T10:00:01Z", queue: "Sales")].joined(separator: "\n")
        #expect(try Self.json(Self.post(daemon, body))["accepted"] as? Int == 2)
        let queues = try Self.json(Self.get(daemon, "/api/v1/queues"))["queues"] as! [NSDictionary]
        #expect(queues.map { $0["queue"] as! String } == ["Front desk", "Sales"])
        #expect(queues.map { $0["waiting"] as! Int } == [1, 1])
    }

    @Test("/api/v1/calls: at most 1,000 by default, ?queue= keeps one queue, ?limit= caps")
    func callsQueueAndDefaultLimit() throws {
        let daemon = try Self.daemon { $0.core.clock = .event }
        var lines: [String] = []
        for index in 0..<1_005 {
            lines.append(Self.event(String(format: "b%04d", index), "connecting", "2026-11-24T10:00:00Z"))
        }
        for index in 0..<3 { lines.append(Self.event("s\(index)", "connecting", "2026-11-24T10:00:00Z", queue: "Sales")) }
        #expect(try Self.json(Self.post(daemon, lines.joined(separator: "\n")))["accepted"] as? Int == 1_008)
        func calls(_ query: [(name: String, value: String)]) throws -> [NSDictionary] {
            try Self.json(Self.get(daemon, "/api/v1/calls", query: query))["calls"] as! [NSDictionary]
        }
        #expect(try calls([]).count == 1_000)
        let sales = try calls([("queue", "Sales")])
        #expect(sales.map { $0["id"] as! String }.sorted() == ["s0", "s1", "s2"])
        #expect(sales.allSatisfy { $0["queue"] as? String == "Sales" && $0["state"] as? String == "ringing" })
        #expect(try calls([("queue", "Billing")]).count == 1_000)
        #expect(try calls([("queue", "Billing"), ("limit", "2000")]).count == 1_005)
        #expect(try calls([("queue", "Nope")]).isEmpty)
        #expect(try calls([("limit", "7")]).count == 7)
    }

    @Test("/api/v1/intervals: JSON by default, CSV by format or Accept, 400 naming each bad parameter, read token required")
    func intervalsEndpoint() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-iv-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "s3cret\n".write(toFile: directory + "/read.token", atomically: true, encoding: .utf8)
        let daemon = try Self.daemon {
            $0.core.clock = .event
            $0.core.timezone = "Europe/Paris"
            $0.core.intervals.lengthMinutes = 30
            $0.web.readTokenFile = directory + "/read.token"
        }
        let body = [Self.event("a", "connecting", "2026-11-24T09:05:00Z"), Self.event("a", "connected", "2026-11-24T09:05:10Z"),
                    Self.event("b", "connecting", "2026-11-24T09:40:00Z", queue: "Sales")].joined(separator: "\n")
        #expect(try Self.json(Self.post(daemon, body))["accepted"] as? Int == 3)
        func get(_ query: [(name: String, value: String)], headers: [String: String] = [:], token: Bool = true) -> HTTPResponse {
            var headers = headers
            if token { headers["authorization"] = "Bearer s3cret" }
            return daemon.handle(HTTPRequest(method: "GET", path: "/api/v1/intervals", query: query, headers: headers))
        }
        #expect(get([], token: false).status == 401)

        let today = get([])
        #expect(today.status == 200)
        #expect(today.headers.contains { $0 == ("Content-Type", "application/json") })
        let document = try Self.json(today)
        #expect(document["timezone"] as? String == "Europe/Paris" && document["step"] as? String == "30m")
        #expect(document["from"] as? String == "2026-11-24T00:00:00+01:00")
        #expect(document["to"] as? String == "2026-11-24T11:00:00+01:00", "the end of the step holding now (10:40)")
        let rows = document["intervals"] as! [NSDictionary]
        #expect(rows.count == 2 * 22, "every half hour since midnight, for both queues")
        #expect(rows.filter { ($0["offered"] as! Int) > 0 }.map { "\($0["queue"]!) \($0["start"]!)" }
                == ["Billing 2026-11-24T10:00:00+01:00", "Sales 2026-11-24T10:30:00+01:00"])
        #expect(rows.last?["complete"] as? Bool == false && rows.first?["complete"] as? Bool == true)

        let csvQuery = get([("queue", "Sales"), ("from", "2026-11-24T10:10:00+01:00"), ("to", "2026-11-24T10:31:00+01:00"),
                            ("format", "csv")])
        let byAccept = get([("queue", "Sales"), ("from", "2026-11-24T10:10:00+01:00"), ("to", "2026-11-24T10:31:00+01:00")],
                           headers: ["accept": "text/csv"])
        #expect(csvQuery.headers.contains { $0 == ("Content-Type", "text/csv; charset=utf-8") })
        #expect(csvQuery.body == byAccept.body)
        // Accept by quality: JSON ranked above CSV stays JSON.
        let ranked = get([], headers: ["accept": "text/csv;q=0.5, application/json"])
        #expect(ranked.headers.contains { $0 == ("Content-Type", "application/json") })
        let csvFirst = get([], headers: ["accept": "application/json;q=0.1, text/csv"])
        #expect(csvFirst.headers.contains { $0 == ("Content-Type", "text/csv; charset=utf-8") })
        // An unencoded + (a space after the query is decoded) still reads as the offset.
        #expect(get([("from", "2026-11-24T10:00:00 01:00"), ("to", "2026-11-24T10:30:00 01:00"), ("queue", "Billing")]).status == 200)
        let lines = String(decoding: csvQuery.body, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.count == 4 && lines[0].hasPrefix("queue,start,end,complete,offered,"))
        #expect(lines[1].hasPrefix("Sales,2026-11-24T10:00:00+01:00,2026-11-24T10:30:00+01:00,true,0,"))
        #expect(lines[2].hasPrefix("Sales,2026-11-24T10:30:00+01:00,2026-11-24T11:00:00+01:00,false,1,"))

        let bad: [([(name: String, value: String)], String, String)] = [
            ([("from", "yesterday")], "bad_from", IntervalQuery.timeProblem("from", "yesterday")),
            ([("from", "2026-11-24T00:00:00")], "bad_from", "from '2026-11-24T00:00:00' is not an RFC 3339 time with its "
             + "offset, such as 2026-11-24T09:00:00+01:00 or 2026-11-24T08:00:00Z (in a URL, + is %2B)"),
            ([("to", "2026-13-01T00:00:00Z")], "bad_to", IntervalQuery.timeProblem("to", "2026-13-01T00:00:00Z")),
            ([("step", "5m")], "bad_step", "step '5m' must be one of 15m, 30m, 1h, 1d"),
            ([("step", "15m")], "bad_step", "step '15m' must be a whole multiple of the interval length 30m (or 1d)"),
            ([("format", "xml")], "bad_format", "format 'xml' must be json or csv"),
            ([("from", "2026-11-25T00:00:00Z"), ("to", "2026-11-24T00:00:00Z")], "bad_from",
             "from 2026-11-25T01:00:00+01:00 is after to 2026-11-24T01:00:00+01:00"),
            ([("from", "2000-01-01T00:00:00Z"), ("step", "30m")], "too_many_rows",
             "from 2000-01-01T01:00:00+01:00 to 2026-11-24T11:00:00+01:00 in steps of 30m is about 471574 rows per queue "
             + "for 2 queues, over 250000; ask for a shorter range, fewer queues or a longer step"),
        ]
        for (query, reason, message) in bad {
            let response = get(query)
            #expect(response.status == 400)
            #expect(try Self.json(response) == ["reason": reason, "error": message])
        }
    }

    @Test("metrics.expose_windows adds the per-window families; they are off by default")
    func exposeWindows() throws {
        let event = Self.event("a", "connecting", "2026-11-24T10:00:00Z")
        let plain = try Self.daemon { $0.core.clock = .event }
        #expect(Self.post(plain, event).status == 200)
        let without = String(decoding: Self.get(plain, "/metrics").body, as: UTF8.self)
        #expect(!without.contains("callpulse_queue_window_"))
        let exposing = try Self.daemon { $0.core.clock = .event; $0.exposeWindows = true }
        #expect(Self.post(exposing, event).status == 200)
        let with = String(decoding: Self.get(exposing, "/metrics").body, as: UTF8.self)
        #expect(with.contains("# TYPE callpulse_queue_window_calls gauge\n"))
        #expect(with.contains("# TYPE callpulse_queue_window_service_level_ratio gauge\n"))
        // One call offered in every window (1m, 5m, 15m and 1h by default).
        for window in ["1m", "5m", "15m", "1h"] {
            #expect(with.contains(#"callpulse_queue_window_calls{queue="Billing",window="\#(window)",outcome="offered"} 1"#),
                    "no offered sample for \(window)")
        }
    }

    @Test("a stream reader may fall 16 MiB behind; one byte more ends its stream")
    func streamBacklogLimit() {
        let channel = EventChannel()
        #expect(channel.maxPending == 16 << 20)
        #expect(channel.send([UInt8](repeating: 0x61, count: (16 << 20) - 1)))
        #expect(channel.send([0x62]))
        #expect(!channel.isClosed)
        #expect(!channel.send([0x63]))
        #expect(channel.isClosed)
    }

    @Test("hook back-off: 0.25 s after the first failure, doubling, at most 30 s")
    func hookBackoff() {
        #expect((0..<10).map { HookDispatcher.backoff(afterAttempt: $0) } == [0.25, 0.5, 1, 2, 4, 8, 16, 30, 30, 30])
        #expect(HookDispatcher.backoff(afterAttempt: 1_000) == 30)
    }
}
