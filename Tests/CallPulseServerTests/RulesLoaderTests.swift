import CallPulseAlerting
import CallPulseCore
import Foundation
import Testing
@testable import CallPulseServer

/// The rules loader in process: good files become typed rules; a broken file reports every
/// problem, each at its own line, in line order, with its exact message.
struct RulesLoaderTests {
    static let windows = [1, 5, 15, 60]

    static func load(_ text: String) throws -> RuleSet {
        try RulesLoader.parse(text, file: "r.yml", windows: windows)
    }

    /// The problems of a file that must not load, one per line of the error.
    static func problems(_ text: String) -> [String] {
        do {
            let set = try load(text)
            Issue.record("loaded \(set.rules.count) rules from a broken file")
            return []
        } catch {
            return "\(error)".split(separator: "\n").map(String.init)
        }
    }

    @Test("the shipped default rules load with typed metrics, windows and durations")
    func defaultRules() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("alerts/callpulse.rules.yml").path
        let set = try RulesLoader.load(path: path, windows: Self.windows)
        #expect(set.evaluationInterval == 1000)
        #expect(set.hooks.map(\.name) == ["oncall"])
        #expect(set.hooks.first?.kind == .webhook)
        #expect(set.hooks.first?.url == "http://127.0.0.1:5001/hook")
        #expect(set.hooks.first?.repeatInterval == Int64(14_400_000))  // 4h
        #expect(set.rules.map(\.alert) == ["MissedCallsSpike", "ServiceLevelAtRisk", "LongestWaitHigh", "ServiceLevelLow",
                                           "AbandonRateHigh", "QueueSilent"])
        #expect(set.rules.map(\.metric) == [
            .counter(.missed, window: .rolling("5m", minutes: 5)),
            .forecast(.projectedServiceLevel),
            .gauge(.oldestWaitingSeconds),
            .derived(.serviceLevel, window: .rolling("15m", minutes: 15)),
            .derived(.abandonRate, window: .rolling("15m", minutes: 15)),
            .eventSilence,
        ])
        #expect(set.rules[0].spike == Spike(baseline: .rolling(.rolling("1h", minutes: 60), minCoverage: 1), factor: 3, min: 5))
        #expect(set.rules[0].keepFiringFor == 300_000)
        #expect(set.rules[1].op == .less)
        #expect(set.rules[1].threshold == 0.8)
        #expect(set.rules[1].forDuration == 300_000)
        #expect(set.rules[3].op == .less)
        #expect(set.rules[3].threshold == 0.8)
        #expect(set.rules[3].minVolume == 20)
        #expect(set.rules[3].forDuration == 300_000)
        #expect(set.rules[3].keepFiringFor == 300_000)
        #expect(set.rules[3].labels == ["severity": "warning"])
        #expect(set.rules[5].hooks == ["oncall"])
    }

    @Test("the built-in demo rules load")
    func demoRules() throws {
        let set = try Self.load(DemoRules.yaml)
        #expect(set.rules.map(\.metric.name) == ["missed", "oldest_waiting_seconds", "service_level", "projected_service_level"])
        #expect(set.hooks.isEmpty)
    }

    /// Every metric name a rule may read, with the window it is given, and the typed metric.
    static let metrics: [(name: String, window: String?, metric: RuleMetric)] =
        QueueGauge.allCases.map { ($0.rawValue, nil, .gauge($0)) }
        + WindowCounter.allCases.map { ($0.rawValue, "5m", .counter($0, window: .rolling("5m", minutes: 5))) }
        + DerivedValue.allCases.map { ($0.rawValue, "today", .derived($0, window: .today)) }
        + [("event_silence_seconds", nil, .eventSilence), ("missed", "60m", .counter(.missed, window: .rolling("1h", minutes: 60)))]

    @Test("each metric name becomes its typed metric", arguments: metrics.indices)
    func metric(_ index: Int) throws {
        let (name, window, metric) = Self.metrics[index]
        let set = try Self.load("""
            rules:
              - alert: A
                metric: \(name)
            \(window.map { "    window: \($0)" } ?? "")
                threshold: 1
            """)
        #expect(set.rules.first?.metric == metric)
        #expect(set.rules.first?.metric.name == name)
    }

    @Test("the typed names are the spec's: 6 gauges, 16 counters, 6 derived values")
    func names() {
        #expect(QueueGauge.allCases.map(\.rawValue) == ["waiting", "waiting_over_sl", "oldest_waiting_seconds",
                                                        "connected", "on_hold", "in_acw"])
        #expect(WindowCounter.allCases.map(\.rawValue) == ["offered", "answered", "answered_within_sl", "missed",
                                                           "rejected", "abandoned", "short_abandoned",
                                                           "abandoned_within_sl", "completed", "acw_completed", "holds",
                                                           "wait_count", "wait_seconds_sum", "talk_seconds_sum",
                                                           "hold_seconds_sum", "acw_seconds_sum"])
        // The counters a rule reads are the snapshot's, in its order.
        var keys: [String] = []
        Counters().forEachField { key, _, _ in keys.append(key.description) }
        #expect(WindowCounter.allCases.map(\.rawValue) == keys)
        #expect(DerivedValue.allCases.map(\.rawValue) == ["service_level", "abandon_rate", "avg_wait_seconds",
                                                          "avg_talk_seconds", "avg_acw_seconds", "avg_handle_seconds"])
    }

    @Test("/api/v1/rules names each metric and its window as the rules file does")
    func rulesJSON() throws {
        let set = try Self.load("""
            rules:
              - { alert: G, metric: on_hold, threshold: 1 }
              - { alert: C, metric: wait_seconds_sum, window: 1h, threshold: 1 }
              - { alert: D, metric: avg_handle_seconds, window: today, threshold: 1 }
              - { alert: S, metric: event_silence_seconds, threshold: 1 }
            """)
        let view = AlertingView(ruleSet: set, alerts: [], lastEvaluation: [:], hooks: [])
        let json = try JSONSerialization.jsonObject(with: Data(AlertsJSON.rules(view).utf8)) as! NSDictionary
        let rules = json["rules"] as! [NSDictionary]
        #expect(rules.map { $0["metric"] as? String } == ["on_hold", "wait_seconds_sum", "avg_handle_seconds",
                                                          "event_silence_seconds"])
        #expect(rules.map { $0["window"] as? String } == [nil, "1h", "today", nil])
    }

    @Test("every problem of every hook and rule, each at its own line, in line order")
    func everyProblem() {
        #expect(Self.problems("""
            hooks:
              - type: webhook
              - name: pager
                type: exec
              - name: am
                type: alertmanager
                max_retries: -1
              - { name: pager, type: sms, url: "mailto:x" }
            rules:
              - alert: GaugeWithWindow
                metric: waiting
                window: 5m
                op: "~"
                threshold: many
              - alert: CounterWithoutWindow
                metric: missed
                threshold: 1
                for: 5 minutes
              - alert: UnknownMetric
                metric: waiting_calls
                window: 2m
                threshold: 1
                hooks: [pager, nobody]
              - alert: SpikeOnGauge
                metric: connected
                spike: { factor: 0 }
              - alert: GaugeWithWindow
                metric: in_acw
                threshold: 1
                keep_firing_for: later
                min_volume: -1
                queues: ["[Bill"]
                labels: { queue: X }
                annotations: { summary: "{{ .Value }}" }
              - alert: 9Lives
                metric: offered
                window: today
                spike: { baseline: 1h }
              - alert: NoMetric
                threshold: 1
            """) == [
            "r.yml:2: hooks: each hook needs a name",
            "r.yml:2: hooks: webhook hook '' needs a url",
            "r.yml:3: hooks: exec hook 'pager' needs a command list",
            "r.yml:5: hooks: alertmanager hook 'am' needs a url or urls",
            "r.yml:7: hooks.max_retries must be a whole number, 0 or more",
            "r.yml:8: hooks.type must be one of webhook, alertmanager, exec, not 'sms'",
            "r.yml:8: hooks.url 'mailto:x' must be an http or https URL",
            // Checks across entries run last but sort into their line after its own problems.
            "r.yml:8: hooks: the name 'pager' is used twice",
            "r.yml:12: rules.window: 'waiting' is a live gauge and takes no window",
            "r.yml:13: rules.op must be one of >, >=, <, <=, ==, !=, not '~'",
            "r.yml:14: rules.threshold must be a number",
            "r.yml:16: rules: alert 'CounterWithoutWindow' reads 'missed', which needs a window (e.g. 5m or today)",
            "r.yml:18: rules.for must be a duration such as 0s, 30s or 5m",
            "r.yml:19: rules: alert 'UnknownMetric' names hook 'nobody', which is not defined under hooks",
            "r.yml:20: rules.metric 'waiting_calls' is not a gauge (waiting, waiting_over_sl, oldest_waiting_seconds, connected, on_hold, in_acw), a counter, a derived value, a forecast value (projected_service_level, estimated_wait_seconds, required_agents, agents, agents_short) or event_silence_seconds",
            "r.yml:21: rules.window '2m' is not a configured window (1m, 5m, 15m, 1h) or today",
            "r.yml:26: rules.spike needs a counter metric over a rolling window",
            "r.yml:26: rules.spike.factor must be a number above 0",
            "r.yml:26: rules.spike needs a baseline window or a seasonal baseline",
            "r.yml:27: rules: the alert 'GaugeWithWindow' is defined twice",
            "r.yml:30: rules.keep_firing_for must be a duration such as 1m",
            "r.yml:31: rules.min_volume must be a number, 0 or more",
            "r.yml:32: rules.queues: glob '[Bill' is invalid: '[' at position 1 is never closed",
            "r.yml:33: rules.labels: 'queue' is set by CallPulse and cannot be overridden",
            "r.yml:34: rules.annotations.summary: '{{ .Value }}' is not one of {{ $labels.NAME }}, {{ $value }}, {{ $threshold }}",
            "r.yml:35: rules: each rule needs an alert name of letters, digits and underscores",
            "r.yml:38: rules.spike needs a counter metric over a rolling window",
            "r.yml:39: rules: alert 'NoMetric' needs a metric",
        ])
    }

    @Test("check rules: spike baselines that could never hold or mean nothing (docs/spec/forecast.md)")
    func spikeProblems() {
        #expect(Self.problems("""
            rules:
              - alert: BaselineNotLonger
                metric: missed
                window: 5m
                spike: { baseline: 5m }
              - alert: CoverageZero
                metric: missed
                window: 5m
                spike: { baseline: 1h, min_coverage: 0 }
              - alert: CoverageOver
                metric: missed
                window: 5m
                spike: { baseline: 1h, min_coverage: 1.5 }
              - alert: Both
                metric: missed
                window: 5m
                spike: { baseline: 1h, seasonal: { period: 7d } }
              - alert: NotWholeBins
                metric: missed
                window: 5m
                spike: { seasonal: { period: 7d, periods: 4 } }
              - alert: CoverageOnSeasonal
                metric: missed
                window: 15m
                spike: { seasonal: { period: 1d }, min_coverage: 0.5 }
              - alert: ShortPeriod
                metric: missed
                window: 1h
                spike: { seasonal: { period: 30m, periods: 0 } }
              - alert: NoPeriod
                metric: missed
                window: 1h
                spike: { seasonal: { periods: 2 } }
            """) == [
            "r.yml:5: rules.spike.baseline 5m must be longer than the rule's window 5m: its earlier part is the usual pace",
            "r.yml:9: rules.spike.min_coverage must be a share of the baseline above 0 and at most 1, such as 1 or 0.5",
            "r.yml:13: rules.spike.min_coverage must be a share of the baseline above 0 and at most 1, such as 1 or 0.5",
            "r.yml:17: rules.spike takes a baseline window or a seasonal baseline, not both",
            "r.yml:21: rules.spike.seasonal: the rule's window 5m is not a whole number of 15m intervals (intervals.length)",
            "r.yml:25: rules.spike.min_coverage is for a rolling baseline; a seasonal one holds only on observed periods",
            "r.yml:29: rules.spike.seasonal.periods must be a whole number from 1 to 1000",
            "r.yml:33: rules.spike.seasonal needs a period, such as 7d",
        ])
        let valid = try? RulesLoader.parse("""
            rules:
              - alert: Weekly
                metric: missed
                window: 15m
                spike: { seasonal: { period: 7d, periods: 4 }, factor: 2, min: 5 }
              - alert: Covered
                metric: missed
                window: 5m
                spike: { baseline: 1h, min_coverage: 0.5 }
            """, file: "r.yml", windows: [5, 15, 60])
        #expect(valid?.rules.map(\.spike) == [
            Spike(baseline: .seasonal(periodMinutes: 7 * 1440, periods: 4), factor: 2, min: 5),
            Spike(baseline: .rolling(.rolling("1h", minutes: 60), minCoverage: 0.5), factor: 3, min: 0),
        ])
    }

    @Test("a syntax error names its line; an empty file is no rules")
    func syntaxAndEmpty() throws {
        #expect(Self.problems("rules: [\n  - alert: A\n")
            .allSatisfy { $0.hasPrefix("r.yml:") && $0.contains("YAML syntax error") })
        #expect(try Self.load("").rules.isEmpty)
    }

    @Test("an alertmanager hook posts to url and each of urls (docs/spec/scale-out.md, \"Replicas\")")
    func alertmanagerURLs() throws {
        let set = try Self.load("""
            hooks:
              - { name: both, type: alertmanager, url: "http://am-1:9093", urls: ["http://am-2:9093", "https://am-3:9093/"] }
              - { name: listed, type: alertmanager, urls: ["http://am-1:9093", "http://am-2:9093"] }
              - { name: one, type: alertmanager, url: "http://am-1:9093" }
            """)
        #expect(set.hooks.map(\.postURLs) == [["http://am-1:9093", "http://am-2:9093", "https://am-3:9093/"],
                                              ["http://am-1:9093", "http://am-2:9093"], ["http://am-1:9093"]])
        #expect(set.hooks.map(\.url) == ["http://am-1:9093", "", "http://am-1:9093"])
        #expect(Self.problems("""
            hooks:
              - { name: w, type: webhook, url: "http://h/hook", urls: ["http://g/hook"] }
              - { name: e, type: exec, command: [/bin/true], urls: ["http://g/hook"] }
              - { name: am, type: alertmanager, urls: [] }
              - { name: am2, type: alertmanager, url: "http://a:9093", urls: ["ftp://b", "http://a:9093"] }
              - { name: am3, type: alertmanager, urls: "http://a:9093" }
            rules:
              - { alert: A, metric: waiting, threshold: 1, annotations: { instance: "me", summary: "s" } }
            """) == [
            "r.yml:2: hooks.urls: only alertmanager hooks post to several URLs, not webhook hooks",
            "r.yml:3: hooks.urls: only alertmanager hooks post to several URLs, not exec hooks",
            "r.yml:4: hooks: alertmanager hook 'am' needs a url or urls",
            "r.yml:5: hooks.urls 'ftp://b' must be an http or https URL",
            "r.yml:5: hooks.urls: 'http://a:9093' is listed twice",
            "r.yml:6: hooks.urls must be a list of strings",
            "r.yml:6: hooks: alertmanager hook 'am3' needs a url or urls",
        ])
    }
}
