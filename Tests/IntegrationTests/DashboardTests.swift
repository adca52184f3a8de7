import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// dashboards/ and alerts/prometheus/: the Grafana dashboard's queries run through a real
/// Prometheus scraping the demo; the Prometheus rules pass promtool's checks and unit tests;
/// the Alertmanager example passes amtool.
@Suite(.serialized)
struct DashboardTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String { repository.appendingPathComponent(relative).path }

    static func dashboard() throws -> NSDictionary {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("dashboards/callpulse.json"))))
            as! NSDictionary
    }

    /// Every (panel title, query) of the dashboard.
    static func queries(_ dashboard: NSDictionary) -> [(panel: String, expr: String)] {
        (dashboard["panels"] as! [NSDictionary]).flatMap { panel in
            (panel["targets"] as? [NSDictionary] ?? []).map { (panel["title"] as! String, $0["expr"] as! String) }
        }
    }

    /// Runs a tool from the repository's root; stdout and stderr together as `stdout`.
    static func run(_ executable: String, _ arguments: [String]) throws -> CLI.Result {
        var result = try CLI.run(executable: URL(fileURLWithPath: executable), arguments, in: repository)
        result.stdout += result.stderr
        return result
    }

    @Test("the dashboard is importable and provisionable: stable uid, DS_PROMETHEUS input and variable, queue variable")
    func dashboardModel() throws {
        let dashboard = try Self.dashboard()
        #expect(dashboard["uid"] as? String == "callpulse-queues")
        let inputs = dashboard["__inputs"] as? [NSDictionary] ?? []
        #expect(inputs.map { $0["name"] as? String } == ["DS_PROMETHEUS"])
        #expect(inputs.first?["pluginId"] as? String == "prometheus")
        let variables = ((dashboard["templating"] as? NSDictionary)?["list"] as? [NSDictionary]) ?? []
        #expect(variables.map { $0["name"] as! String } == ["DS_PROMETHEUS", "instance", "queue"])
        #expect(variables.first?["type"] as? String == "datasource")
        #expect(variables.last?["multi"] as? Bool == true && variables.last?["includeAll"] as? Bool == true)
        for panel in dashboard["panels"] as! [NSDictionary] where panel["type"] as? String != "row" {
            #expect((panel["datasource"] as? NSDictionary)?["uid"] as? String == "${DS_PROMETHEUS}",
                    "panel \(panel["title"] ?? "") must use the DS_PROMETHEUS variable")
            for case let target as NSDictionary in panel["targets"] as? NSArray ?? [] {
                #expect((target["datasource"] as? NSDictionary)?["uid"] as? String == "${DS_PROMETHEUS}")
            }
        }
        // The JSON is what dashboards/build_dashboard.py writes.
        let built = try Self.run("/usr/bin/python3", ["-c", "import sys; sys.path.insert(0, 'dashboards'); import build_dashboard; sys.stdout.write(build_dashboard.render())"])
        #expect(built.status == 0)
        #expect(built.stdout == (try String(contentsOfFile: Self.path("dashboards/callpulse.json"), encoding: .utf8)),
                "dashboards/callpulse.json is stale: run python3 dashboards/build_dashboard.py")
    }

    @Test("a real Prometheus scraping the demo answers every panel's query without error, with data for the demo's queues")
    func panelQueriesAgainstPrometheus() throws {
        #expect(FileManager.default.isExecutableFile(atPath: PrometheusServer.binary),
                "prometheus is missing: run scripts/bootstrap.sh test")
        let stateDir = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-dash-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        let daemon = try DaemonProcess(["--demo", "--state-dir", stateDir])  // so the durable-state panel has data
        defer { _ = daemon.stop() }
        let prometheus = try PrometheusServer(scraping: daemon.port)
        // Bounded: three queues and twelve scrapes (one a second) of history for rate().
        let ready = prometheus.wait(seconds: 2 * patience) {
            prometheus.query(#"count_over_time(callpulse_queue_offered_calls_total{queue="Billing"}[1m])"#).result
                .first.flatMap { ($0["value"] as? [Any])?.last as? String }.flatMap(Double.init) ?? 0 >= 12
                && prometheus.query("callpulse_queue_offered_calls_total").result.count >= 3
        }
        #expect(ready, "Prometheus did not collect the demo's first series")

        // Families every panel set must cover: each family of /metrics appears in some query.
        let families = try daemon.get("/metrics").text.split(separator: "\n")
            .filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
        let queries = Self.queries(try Self.dashboard())
        let allText = queries.map(\.expr).joined(separator: "\n")
        for family in families where !allText.contains(family) {
            Issue.record("no dashboard panel queries \(family)")
        }

        // May be empty in a one-minute demo: no hooks, no expiry, no rejected or ignored events yet.
        let mayBeEmpty = ["callpulse_alert_notifications_total", "callpulse_queue_expired_calls_total",
                          "callpulse_checkpoint_last_success_timestamp_seconds",  // none until the first checkpoint
                          "callpulse_events_ignored_total", "callpulse_events_rejected_total", "callpulse_alerts{",
                          "callpulse_http_auth_failures_total"]  // a series per handler from its first 401
            // The forecast's outputs need a handle time: none until the demo's first calls end
            // (about a minute), and no estimated wait while a queue is overloaded. Its inputs
            // (arrival rate, busy agents, agents) are there from the first scrape.
            + ["handle_seconds", "offered_load_erlangs", "overloaded", "wait_probability", "service_level_at_staffing",
               "estimated_wait_seconds", "required_agents", "projected_service_level"].map { "callpulse_queue_forecast_" + $0 }
            // The Replication row is NATS-only (docs/spec/scale-out.md, "Metrics"): the demo has no
            // nats: section, so these queries must parse and run but have no series.
            + ["callpulse_source_", "callpulse_publish_total"]
        let busiestQueues: Set = ["Billing", "Support", "Sales"]
        for (panel, expr) in queries {
            let promql = expr.replacingOccurrences(of: "$__rate_interval", with: "30s")
                .replacingOccurrences(of: "$queue", with: ".*").replacingOccurrences(of: "$instance", with: ".*")
            let (result, error) = prometheus.query(promql)
            #expect(error == nil, "panel '\(panel)': \(error ?? "") in \(promql)")
            if mayBeEmpty.contains(where: { expr.contains($0) }) { continue }
            #expect(!result.isEmpty, "panel '\(panel)' has no data: \(promql)")
            if expr.contains("by (queue)") && !expr.contains("expired") {
                let queues = Set(result.compactMap { ($0["metric"] as? NSDictionary)?["queue"] as? String })
                #expect(busiestQueues.isSubset(of: queues), "panel '\(panel)' lacks demo queues: \(queues.sorted())")
            }
        }
    }

    @Test("Prometheus rules pass promtool check and their unit tests; the Alertmanager and Prometheus examples are valid")
    func prometheusRules() throws {
        for tool in ["/usr/bin/promtool", "/usr/bin/amtool"] {
            #expect(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is missing: run scripts/bootstrap.sh test")
        }
        let check = try Self.run("/usr/bin/promtool", ["check", "rules", "alerts/prometheus/callpulse.rules.yml"])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.contains("SUCCESS: 12 rules found"))
        let tests = try Self.run("/usr/bin/promtool", ["test", "rules", "alerts/prometheus/callpulse.rules.test.yml"])
        #expect(tests.status == 0, "\(tests.stdout)")
        let config = try Self.run("/usr/bin/promtool", ["check", "config", "alerts/prometheus/prometheus.example.yml"])
        #expect(config.status == 0, "\(config.stdout)")
        let manager = try Self.run("/usr/bin/amtool", ["check-config", "alerts/prometheus/alertmanager.example.yml"])
        #expect(manager.status == 0, "\(manager.stdout)")
    }
}
