import CallPulseCore
import Foundation
import Testing

/// `callpulse replay`, `check`, `simulate` and `version` through the built binary.
struct ReplayCLITests {
    @Test("replay prints each worked example's expected snapshot byte for byte",
          arguments: ["01_lifecycles", "02_window_edges", "04_dedupe_order", "12_sl_formulas"])
    func workedExamples(_ name: String) throws {
        let result = try CLI.run(["replay", fixturePath(name + ".ndjson"), "--format", "json"])
        #expect(result.status == 0)
        #expect(SnapshotJSON.withoutForecast(result.stdout) == (try String(contentsOfFile: fixturePath(name + ".expected.json"), encoding: .utf8)))
        #expect(result.stderr.isEmpty)
    }

    @Test("a pretty-printed single event and stdin")
    func singleEventAndStdin() throws {
        let file = try CLI.run(["replay", fixturePath("event.json")])
        #expect(file.status == 0)
        #expect(file.stdout.contains(#""offered": 1"#))
        let piped = try CLI.run(["replay", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: fixturePath("event.json"))))
        #expect(piped.stdout == file.stdout)
    }

    @Test("rejections go to stderr as FILE:LINE: REASON: detail; --strict exits 1")
    func rejections() throws {
        let path = try temporaryFile("""
            {"id": "a", "event": "connecting", "ResponseFields": {"CurrentStateTime": "2026-11-24T10:00:00Z"}}
            {not json

            {"id": "b", "event": "ringing"}
            {"id": "c", "event": "hold", "ResponseFields": {"CurrentStateTime": "24/11/2026 10:00"}}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CLI.run(["replay", path])
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("\(path):2: malformed_json: "))
        #expect(lines[1] == "\(path):4: unknown_event: call.event 'ringing' is not one of connecting, missed, connected, rejected, hold, acw, dropped")
        #expect(lines[2].hasPrefix("\(path):5: bad_timestamp: ResponseFields.CurrentStateTime '24/11/2026 10:00'"))
        #expect(result.stdout.contains(#""accepted": 1"#))
        #expect(result.stdout.contains(#""malformed_json": 1"#))
        #expect(try CLI.run(["replay", "--strict", path]).status == 1)
        #expect(try CLI.run(["replay", "--strict", fixturePath("01_lifecycles.ndjson")]).status == 0)
    }

    @Test("several inputs share one event clock; the same file twice changes no statistic")
    func resend() throws {
        let once = try CLI.run(["replay", fixturePath("01_lifecycles.ndjson")])
        let twice = try CLI.run(["replay", fixturePath("01_lifecycles.ndjson"), fixturePath("01_lifecycles.ndjson")])
        #expect(twice.status == 0)
        #expect(try queuesJSON(once.stdout) == queuesJSON(twice.stdout))
        #expect(twice.stdout.contains(#""duplicate": "#))
        let split = try CLI.run(["replay", fixturePath("02_window_edges.ndjson"), fixturePath("04_dedupe_order.ndjson")])
        #expect(try queuesJSON(split.stdout).count == 2)
    }

    @Test("errors name the file or flag; usage errors exit 2")
    func errors() throws {
        let missing = try CLI.run(["replay", "/nonexistent/events.ndjson"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot open input file '/nonexistent/events.ndjson'"))
        #expect(try CLI.run(["replay", "--format", "xml"]).status == 2)
        #expect(try CLI.run(["frobnicate"]).status == 2)
    }

    @Test("replay --format prometheus shares the daemon's exposition, and promtool accepts it")
    func prometheusFormat() throws {
        let result = try CLI.run(["replay", "--format", "prometheus", fixturePath("01_lifecycles.ndjson")])
        #expect(result.status == 0)
        #expect(result.stdout.contains(#"callpulse_queue_offered_calls_total{queue="Billing"} 4"#))
        #expect(result.stdout.contains(#"callpulse_queue_talk_seconds_sum{queue="Billing"} 330"#))
        let path = try temporaryFile(result.stdout, suffix: ".prom")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/bin/sh")
        check.arguments = ["-c", "promtool check metrics < '\(path)'"]
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
    }

    @Test("the shipped example config is valid")
    func exampleConfig() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/callpulse.yml").path
        #expect(try CLI.run(["check", "config", path]).status == 0)
    }

    @Test func version() throws {
        let result = try CLI.run(["version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("callpulse "))
    }

    @Test("check config reports every problem with its line")
    func checkConfig() throws {
        let good = try temporaryFile("""
            listen: ":9478"
            service_level_seconds: 30
            overrides:
              - queues: ["VIP*"]
                service_level_seconds: 10
            timezone: Europe/Berlin
            windows: [1m, 5m, 1h30m]
            expiry: { ringing: 30m }
            limits: { max_body_bytes: 4MiB }
            """, suffix: ".yml")
        defer { try? FileManager.default.removeItem(atPath: good) }
        let ok = try CLI.run(["check", "config", good])
        #expect(ok.status == 0)
        let bad = try temporaryFile("""
            listen: ":9478"
            service_level_secs: 30
            timezone: Mars/Olympus
            windows: [90s, 5m]
            limits:
              max_queues: -1
            service_level_formula: median
            """, suffix: ".yml")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let result = try CLI.run(["check", "config", bad])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(bad):2: unknown key 'service_level_secs'",
            "\(bad):3: timezone: 'Mars/Olympus' is not a known IANA time zone name",
            "\(bad):4: windows: '90s' must be a whole number of minutes from 1m to 24h",
            "\(bad):6: limits.max_queues must be a whole number above 0",
            "\(bad):7: service_level_formula must be one of standard, answered, removed_within, not 'median'",
        ])
        // A key that needs another is reported at the mapping that holds them, not at line 1.
        let tls = try temporaryFile("listen: \":1\"\nweb:\n  tls_cert_file: /x.pem\nlog: { level: loud }\n", suffix: ".yml")
        defer { try? FileManager.default.removeItem(atPath: tls) }
        let pair = try CLI.run(["check", "config", tls])
        #expect(pair.status == 1)
        #expect(pair.stderr.split(separator: "\n").map(String.init) == [
            "\(tls):2: web: tls_cert_file and tls_key_file must be set together",
            "\(tls):4: log.level must be one of trace, debug, info, notice, warning, error, critical, not 'loud'",
        ])
        let syntax = try temporaryFile("a: [1, 2\nb: 3\n", suffix: ".yml")
        defer { try? FileManager.default.removeItem(atPath: syntax) }
        let broken = try CLI.run(["check", "config", syntax])
        #expect(broken.status == 1)
        #expect(broken.stderr.hasPrefix("\(syntax):"))
    }

    @Test("check rules reports every problem of every hook and rule, each at its own line, in line order")
    func checkRules() throws {
        let rules = try temporaryFile("""
            hooks:
              - name: oncall
                type: pager
                url: ftp://x
              - name: oncall
                type: webhook
                url: http://127.0.0.1:1/hook
            rules:
              - alert: Bad Name
                metric: nonsense
                window: 7m
                op: "=~"
                threshold: high
                for: soon
                hooks: [nobody]
              - alert: Spiky
                metric: missed
                window: 5m
                op: ">"
                threshold: 1
                spike: { baseline: today }
            """, suffix: ".rules.yml")
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let result = try CLI.run(["check", "rules", rules])
        #expect(result.status == 1)
        // A bad metric no longer hides the op, threshold, for and hooks of the same rule.
        #expect(result.stderr.split(separator: "\n").map(String.init) == [
            "\(rules):3: hooks.type must be one of webhook, alertmanager, exec, not 'pager'",
            "\(rules):4: hooks.url 'ftp://x' must be an http or https URL",
            "\(rules):5: hooks: the name 'oncall' is used twice",
            "\(rules):9: rules: each rule needs an alert name of letters, digits and underscores",
            "\(rules):9: rules: alert 'Bad Name' names hook 'nobody', which is not defined under hooks",
            "\(rules):10: rules.metric 'nonsense' is not a gauge (waiting, waiting_over_sl, oldest_waiting_seconds, connected, on_hold, in_acw), a counter, a derived value, a forecast value (projected_service_level, estimated_wait_seconds, required_agents, agents, agents_short) or event_silence_seconds",
            "\(rules):11: rules.window '7m' is not a configured window (1m, 5m, 15m, 1h) or today",
            "\(rules):12: rules.op must be one of >, >=, <, <=, ==, !=, not '=~'",
            "\(rules):13: rules.threshold must be a number",
            "\(rules):14: rules.for must be a duration such as 0s, 30s or 5m",
            "\(rules):21: rules.spike.baseline must be a rolling window, not today",
        ])
    }

    @Test("check rules --config: a seasonal window that is whole intervals of 15m but not of the config's 30m")
    func checkRulesWithConfig() throws {
        let config = try temporaryFile("intervals: { length: 30m }\n", suffix: ".yml")
        let rules = try temporaryFile("""
            rules:
              - alert: Seasonal
                metric: missed
                window: 15m
                spike: { seasonal: { period: 1d } }
            """, suffix: ".rules.yml")
        defer { for file in [config, rules] { try? FileManager.default.removeItem(atPath: file) } }
        #expect(try CLI.run(["check", "rules", rules]).status == 0)
        let result = try CLI.run(["check", "rules", rules, "--config", config])
        #expect(result.status == 1)
        #expect(result.stderr == "\(rules):5: rules.spike.seasonal: the rule's window 15m is not a whole number of 30m intervals (intervals.length)\n")
    }

    @Test("replay --config applies settings: time zone, windows and formula")
    func replayWithConfig() throws {
        let config = try temporaryFile("""
            timezone: Asia/Tokyo
            windows: [2m]
            service_level_formula: answered
            queues: [Empty]
            """, suffix: ".yml")
        defer { try? FileManager.default.removeItem(atPath: config) }
        let result = try CLI.run(["replay", "--config", config, fixturePath("12_sl_formulas.ndjson")])
        #expect(result.status == 0)
        #expect(result.stdout.contains(#""timezone": "Asia/Tokyo""#))
        #expect(result.stdout.contains(#""2m": {"#) && !result.stdout.contains(#""5m""#))
        #expect(result.stdout.contains(#""service_level": 0.8,"#))
        #expect(result.stdout.contains(#""queue": "Empty""#))
    }

    @Test("simulate is deterministic for a seed, and its traffic replays without rejections")
    func simulate() throws {
        let first = try CLI.run(["simulate", "--queues", "3", "--rate", "20", "--duration", "10m", "--seed", "7"])
        let second = try CLI.run(["simulate", "--queues", "3", "--rate", "20", "--duration", "10m", "--seed", "7"])
        let other = try CLI.run(["simulate", "--queues", "3", "--rate", "20", "--duration", "10m", "--seed", "8"])
        #expect(first.status == 0 && !first.stdout.isEmpty)
        #expect(first.stdout == second.stdout)
        #expect(first.stdout != other.stdout)
        let lines = first.stdout.split(separator: "\n")
        #expect(lines.count > 6_000 && lines.count < 18_000)
        let replayed = try CLI.run(["replay", "--strict", "-"], stdin: Data(first.stdout.utf8))
        #expect(replayed.status == 0)
        #expect(replayed.stderr.isEmpty)
        #expect(try queuesJSON(replayed.stdout).count == 3)
    }
}
