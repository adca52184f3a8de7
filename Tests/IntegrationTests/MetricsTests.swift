import CallPulseHTTP
import Foundation
import Testing

/// `/metrics` as Prometheus sees it: values, escaping, formats, histograms, promtool.
@Suite(.serialized)
struct MetricsTests {
    static let hostileQueues = ["Bill\"ing", "back\\slash", "a{b}=c,d", "<b>html</b>", "emoji ☎️📞", "plain"]

    /// A daemon on the event clock fed with one call per hostile queue name.
    func fedDaemon() throws -> DaemonProcess {
        let daemon = try DaemonProcess(["--clock", "event"])
        var lines: [String] = []
        for (index, queue) in Self.hostileQueues.enumerated() {
            lines.append(envelope("c\(index)", "connecting", "2026-11-24T10:00:00Z", queue: queue, qts: "2026-11-24T09:59:50Z"))
            lines.append(envelope("c\(index)", "connected", "2026-11-24T10:00:07.5Z", queue: queue))
        }
        lines.append(envelope("w", "connecting", "2026-11-24T10:00:08Z", queue: "plain"))
        let reply = try daemon.post("/api/v1/events", lines.joined(separator: "\n"))
        #expect(reply.status == 200)
        return daemon
    }

    /// Sample lines of one metric family, by their label text.
    func samples(_ text: String, _ name: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            let cut = line.lastIndex(of: " ")!
            result[String(line[..<cut])] = String(line[line.index(after: cut)...])
        }
        return result
    }

    @Test("values after a known sequence, with every queue name escaped")
    func values() throws {
        let daemon = try fedDaemon()
        defer { _ = daemon.stop() }
        let reply = try daemon.get("/metrics")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let text = reply.text
        let answered = samples(text, "callpulse_queue_answered_calls_total")
        #expect(answered[#"callpulse_queue_answered_calls_total{queue="Bill\"ing"}"#] == "1")
        #expect(answered[#"callpulse_queue_answered_calls_total{queue="back\\slash"}"#] == "1")
        #expect(answered[#"callpulse_queue_answered_calls_total{queue="a{b}=c,d"}"#] == "1")
        #expect(answered[#"callpulse_queue_answered_calls_total{queue="emoji ☎️📞"}"#] == "1")
        #expect(samples(text, "callpulse_queue_waiting_calls")[#"callpulse_queue_waiting_calls{queue="plain"}"#] == "1")
        let wait = samples(text, "callpulse_queue_wait_seconds_sum")
        #expect(wait[#"callpulse_queue_wait_seconds_sum{queue="plain"}"#] == "17.5")
        let buckets = samples(text, "callpulse_queue_wait_seconds_bucket")
        #expect(buckets[#"callpulse_queue_wait_seconds_bucket{queue="plain",le="15.0"}"#] == "0")
        #expect(buckets[#"callpulse_queue_wait_seconds_bucket{queue="plain",le="20.0"}"#] == "1")
        #expect(samples(text, "callpulse_events_accepted_total")[#"callpulse_events_accepted_total{event="connected"}"#] == "6")
        #expect(samples(text, "callpulse_queues")["callpulse_queues"] == "6")
        #expect(samples(text, "callpulse_build_info").keys.contains { $0.contains("version=\"0.1.0\"") })
        for family in ["process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds",
                       "process_cpu_seconds_total", "callpulse_config_last_reload_successful",
                       "callpulse_http_requests_total"] {
            #expect(text.contains("\n\(family)"), "missing \(family)")
        }
        #expect(!text.contains("_created"))
    }

    @Test("histograms: cumulative buckets, +Inf equals _count, le in float form")
    func histogramInvariants() throws {
        let daemon = try fedDaemon()
        defer { _ = daemon.stop() }
        let text = try daemon.get("/metrics").text
        var series: [String: [(le: String, count: Int)]] = [:]
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            let name = String(parts[0])
            if let range = name.range(of: "_bucket{") {
                let le = name[name.range(of: "le=\"")!.upperBound...].prefix { $0 != "\"" }
                let key = String(name[..<range.lowerBound]) + String(name[range.upperBound...]).replacingOccurrences(
                    of: #",?le="[^"]*""#, with: "", options: .regularExpression)
                series[key, default: []].append((String(le), Int(value)))
            } else if let range = name.range(of: "_count") {
                counts[String(name[..<range.lowerBound]) + String(name[range.upperBound...]).dropFirst()] = Int(value)
            }
        }
        #expect(!series.isEmpty)
        for (key, buckets) in series {
            #expect(buckets.last?.le == "+Inf", "\(key)")
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.count <= $1.count }, "\(key) not cumulative")
            #expect(buckets.dropLast().allSatisfy { $0.le.contains(".") }, "\(key) le not in float form")
        }
        #expect(counts.count >= 3)
    }

    @Test("OpenMetrics when Prometheus asks for it; gzip when accepted")
    func negotiation() throws {
        let daemon = try fedDaemon()
        defer { _ = daemon.stop() }
        let prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        let open = try daemon.get("/metrics", headers: ["Accept": prometheusAccept])
        #expect(open.headers["content-type"]?.hasPrefix("application/openmetrics-text; version=1.0.0") == true)
        #expect(open.text.hasSuffix("# EOF\n"))
        #expect(open.text.contains("# TYPE callpulse_queue_offered_calls counter\n"))
        #expect(!open.text.contains("\n\n"))
        let zipped = try daemon.get("/metrics", headers: ["Accept-Encoding": "gzip"])
        #expect(zipped.headers["content-encoding"] == "gzip")
        let plain = try Gzip.decompress(zipped.body, limit: 1 << 24)
        #expect(String(decoding: plain, as: UTF8.self).contains("callpulse_queue_offered_calls_total"))
    }

    @Test("promtool check metrics passes, whatever bytes the queue names hold")
    func promtool() throws {
        let daemon = try fedDaemon()
        defer { _ = daemon.stop() }
        let text = try daemon.get("/metrics").body
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // promtool exits 3 for lint advice only; 1 means the exposition does not parse.
        #expect(process.terminationStatus == 0 || process.terminationStatus == 3, "\(report)")
        #expect(!report.contains("error while linting"), "\(report)")
    }
}
