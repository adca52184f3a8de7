import Foundation
import Testing

/// Spike rules through the built daemon (docs/spec/forecast.md, "Spike rules"): never on an
/// empty history, on a real spike after a whole baseline, never on a steady rate, and
/// seasonal baselines from the interval history of a generated week.
@Suite(.serialized)
struct SpikeRuleTests {
    /// The firing or pending alerts as "Rule/queue state", sorted.
    static func alerts(_ daemon: DaemonProcess) throws -> [String] {
        let body = try daemon.get("/api/v1/alerts").json()
        return (body["alerts"] as! [NSDictionary]).map { alert in
            let labels = alert["labels"] as! [String: String]
            return "\(labels["alertname"]!)/\(labels["queue"]!) \(alert["state"] as! String)"
        }.sorted()
    }

    /// One missed call that is then abandoned, in the connector's envelope, at `time`.
    static func missedCall(_ id: String, at time: Date, queue: String = "Billing") -> [String] {
        [envelope(id, "connecting", stamp(time), queue: queue),
         envelope(id, "missed", stamp(time.addingTimeInterval(10)), queue: queue),
         envelope(id, "Dropped", stamp(time.addingTimeInterval(15)), queue: queue)]
    }

    static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Posts `lines` and waits until every rule was evaluated at the latest of their times or
    /// later, so what the alerts say next is about these events.
    static func post(_ daemon: DaemonProcess, _ lines: [String]) throws {
        #expect(try daemon.post("/api/v1/events", lines.joined(separator: "\n")).status == 200)
        let latest = lines.compactMap { line in
            line.range(of: #"(?<="CurrentStateTime":")[^"]+"#, options: .regularExpression).map { String(line[$0]) }
        }.max() ?? ""
        let evaluated = waitUntil {
            let rules = (try? daemon.get("/api/v1/rules").json())?["rules"] as? [NSDictionary] ?? []
            return !rules.isEmpty && rules.allSatisfy { ($0["last_evaluation"] as? String ?? "") >= latest }
        }
        #expect(evaluated, "rules evaluated at \(latest) or later")
    }

    static let rules = """
        evaluation_interval: 1s
        rules:
          - alert: MissedCallsSpike
            metric: missed
            window: 5m
            spike: { baseline: 1h, factor: 3, min: 5 }
          - alert: MissedCallsMany
            metric: missed
            window: 5m
            threshold: 50
        """

    @Test("a fresh live-clock daemon: 300 missed calls in its first minute page nothing as a spike")
    func freshDaemon() throws {
        let running = try AlertingTests.RulesDaemon(rules: Self.rules)
        let now = Date()
        try Self.post(running.daemon, (0..<300).flatMap { Self.missedCall("fresh-\($0)", at: now.addingTimeInterval(-20)) })
        // The plain threshold rule fires, so the rules were evaluated on these numbers.
        #expect(waitUntil { (try? Self.alerts(running.daemon)) == ["MissedCallsMany/Billing firing"] })
        let queues = try running.daemon.get("/api/v1/queues").json()
        #expect(queues["observed_since"] is String)
        let billing = (queues["queues"] as! [NSDictionary]).first { $0["queue"] as? String == "Billing" }
        #expect(((billing?["windows"] as? NSDictionary)?["5m"] as? NSDictionary)?["missed"] as? Int == 300)
    }

    @Test("the event clock: no spike before a whole hour is observed, none on a steady rate, one on a spike after it")
    func rollingBaseline() throws {
        let rules = try temporaryFile(Self.rules.replacingOccurrences(of: "threshold: 50", with: "threshold: 1000"),
                                      suffix: ".rules.yml")
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let daemon = try DaemonProcess(["--rules", rules, "--clock", "event"])
        defer { _ = daemon.stop() }
        // Far after the wall clock: until the first event, the event clock evaluates at wall time.
        let start = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01T00:00:00Z
        var id = 0
        /// A steady 10 missed calls per 5 minutes in the 5 minutes from `minute`, and `extra` more.
        func fiveMinutes(from minute: Int, extra: Int = 0) -> [String] {
            let base = start.addingTimeInterval(Double(minute) * 60)
            let steady = (0..<10).map { base.addingTimeInterval(Double($0) * 30) }
            let burst = (0..<extra).map { base.addingTimeInterval(5 + Double($0) * 240 / Double(max(extra, 1))) }
            return (steady + burst).sorted().flatMap { time in
                id += 1
                return Self.missedCall("call-\(id)", at: time)
            }
        }
        // The first 55 minutes: steady, then 30 more missed calls in minutes 50 to 55. Against
        // the 50 minutes before, that would be a spike (40 in 5m against 100 in 50m); with 55 of
        // the baseline's 60 minutes observed, it may not page.
        for minute in stride(from: 0, to: 50, by: 5) { try Self.post(daemon, fiveMinutes(from: minute)) }
        try Self.post(daemon, fiveMinutes(from: 50, extra: 30))
        #expect(try Self.alerts(daemon).isEmpty, "55 minutes observed")
        // Two hours of the steady rate, above `min` (10 in 5m): checked every 5 minutes.
        for minute in stride(from: 55, to: 180, by: 5) {
            try Self.post(daemon, fiveMinutes(from: minute))
            #expect(try Self.alerts(daemon).isEmpty, "steady rate at minute \(minute + 5)")
        }
        // 40 more in the next 5 minutes: 50 in 5m against 110 in the 55 minutes before.
        try Self.post(daemon, fiveMinutes(from: 180, extra: 40))
        #expect(waitUntil { (try? Self.alerts(daemon)) == ["MissedCallsSpike/Billing firing"] })
    }

    @Test("seasonal: a week whose 9:00 peak is usual; on day 8 the 9:00 peak pages only the rolling rule, a 14:00 spike both")
    func seasonalWeek() throws {
        let rules = try temporaryFile("""
            evaluation_interval: 1s
            rules:
              - alert: SeasonalSpike
                metric: missed
                window: 15m
                spike: { seasonal: { period: 1d, periods: 7 }, factor: 2, min: 5 }
              - alert: RollingSpike
                metric: missed
                window: 15m
                spike: { baseline: 1h, factor: 3, min: 5 }
            """, suffix: ".rules.yml")
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let daemon = try DaemonProcess(["--rules", rules, "--clock", "event"], config: "timezone: UTC\n")
        defer { _ = daemon.stop() }
        let first = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01T00:00:00Z, after the wall clock
        var id = 0
        /// From `from` to `until` o'clock of `day`: 2 missed calls per quarter hour (from 8:00),
        /// 30 more between 9:00 and 9:12 (the daily peak) and, with `spikeAt`, 30 more there.
        func day(_ day: Int, from: Double = 8, until: Double = 18, spikeAt: Double? = nil) -> [String] {
            let date = first.addingTimeInterval(Double(day) * 86_400)
            var seconds: [Double] = []
            for quarter in stride(from: 8.0, to: 18, by: 0.25) { seconds += [quarter * 3600 + 60, quarter * 3600 + 480] }
            for peak in [9.0] + (spikeAt.map { [$0] } ?? []) { seconds += (0..<30).map { peak * 3600 + Double($0) * 24 + 5 } }
            return seconds.filter { $0 >= from * 3600 && $0 < until * 3600 }.sorted().flatMap { second in
                id += 1
                return Self.missedCall("week-\(id)", at: date.addingTimeInterval(second))
            }
        }
        for number in 0..<7 {
            try Self.post(daemon, day(number))
            #expect(try Self.alerts(daemon).isEmpty, "the end of day \(number + 1)")
        }
        // Day 8, 9:13: the usual peak. The rolling baseline calls it a spike; the seasonal one does not.
        try Self.post(daemon, day(7, until: 9.22))
        #expect(waitUntil { (try? Self.alerts(daemon)) == ["RollingSpike/Billing firing"] })
        // Day 8, 14:13: 30 missed calls where the last seven days had 2: both rules fire.
        try Self.post(daemon, day(7, from: 9.22, until: 14.22, spikeAt: 14))
        #expect(waitUntil { (try? Self.alerts(daemon)) == ["RollingSpike/Billing firing", "SeasonalSpike/Billing firing"] })
    }
}
