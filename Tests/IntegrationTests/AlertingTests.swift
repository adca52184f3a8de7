import CallPulseHTTP
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Rules, hooks and reload through the built daemon, a loopback receiver and a real Alertmanager.
@Suite(.serialized)
struct AlertingTests {
    static func rules(url: String, type: String = "webhook", extra: String = "") -> String {
        """
        hooks:
          - name: oncall
            type: \(type)
            url: \(url)
            timeout: 10s
            max_retries: 2
            headers: { X-Team: queues }
        \(extra)
        
        evaluation_interval: 1s
        rules:
          - alert: WaitingHigh
            metric: waiting
            op: ">="
            threshold: 2
            labels: { severity: page }
            annotations:
              summary: "{{ $labels.queue }}: {{ $value }} waiting (threshold {{ $threshold }})"
            hooks: [oncall]
        """
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// A daemon serving a rules file; both go away with it.
    final class RulesDaemon {
        let daemon: DaemonProcess
        let rulesPath: String

        init(rules: String, arguments: [String] = [], config: String? = nil) throws {
            rulesPath = try temporaryFile(rules, suffix: ".rules.yml")
            daemon = try DaemonProcess(["--rules", rulesPath] + arguments, config: config)
        }

        deinit {
            _ = daemon.stop()
            try? FileManager.default.removeItem(atPath: rulesPath)
        }
    }

    func startDaemon(rules: String, arguments: [String] = [], config: String? = nil) throws -> (DaemonProcess, RulesDaemon) {
        let running = try RulesDaemon(rules: rules, arguments: arguments, config: config)
        return (running.daemon, running)
    }

    /// This machine's host name: the `instance` of a config that sets none.
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Milliseconds between an RFC 3339 time in a payload (fractional seconds or none, as
    /// Alertmanager writes a whole second) and the wall clock now.
    static func millisFromNow(_ text: String?) -> Double {
        let fractional = ISO8601DateFormatter(), whole = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let text, let date = fractional.date(from: text) ?? whole.date(from: text) else { return .infinity }
        return abs(date.timeIntervalSinceNow) * 1000
    }

    /// Two calls ringing in `queue`: enough to trip WaitingHigh.
    func tripWaiting(_ daemon: DaemonProcess, queue: String = "Billing") throws {
        let t = Self.now()
        let body = [envelope("a", "connecting", t, queue: queue), envelope("b", "connecting", t, queue: queue)]
        #expect(try daemon.post("/api/v1/events", body.joined(separator: "\n")).status == 200)
    }

    @Test("the default rules pass check rules")
    func defaultRules() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("alerts/callpulse.rules.yml").path
        let result = try CLI.run(["check", "rules", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("6 rules"))
    }

    @Test("a webhook gets the Alertmanager v4 payload when an alert fires and when it resolves")
    func webhook() throws {
        let receiver = try HookReceiver()
        let (daemon, running) = try startDaemon(rules: Self.rules(url: "http://127.0.0.1:\(receiver.port)/hook"))
        defer { withExtendedLifetime(running) {} }
        try tripWaiting(daemon)
        let firing = receiver.waitFor(1)
        #expect(firing.count == 1)
        guard let first = firing.first else { return }
        #expect(first.path == "/hook")
        // The hook's configured headers go with every post (docs/spec/interfaces.md, hooks.headers).
        let head = receiver.heads.withLock { $0 }.first ?? ""
        #expect(head.hasPrefix("POST /hook HTTP/1.1\r\n"))
        #expect(head.contains("\r\nX-Team: queues\r\n"), "\(head)")
        #expect(head.lowercased().contains("\r\ncontent-type: application/json\r\n"), "\(head)")
        let payload = try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as! NSDictionary
        #expect(payload["version"] as? String == "4")
        #expect(payload["status"] as? String == "firing")
        #expect(payload["receiver"] as? String == "oncall")
        #expect(payload["groupKey"] as? String == "{}:{alertname=\"WaitingHigh\"}")
        #expect((payload["groupLabels"] as? NSDictionary) == ["alertname": "WaitingHigh"])
        #expect((payload["externalURL"] as? String)?.hasPrefix("http://127.0.0.1:") == true)
        let alert = (payload["alerts"] as! [NSDictionary])[0]
        // No label names the replica; the annotation `instance` does, here the host name (no `instance:` set).
        #expect(alert["labels"] as? NSDictionary == ["alertname": "WaitingHigh", "queue": "Billing", "severity": "page"])
        #expect(alert["annotations"] as? NSDictionary == ["summary": "Billing: 2 waiting (threshold 2)", "instance": Self.hostName])
        #expect(!Self.hostName.isEmpty)
        #expect(alert["status"] as? String == "firing")
        #expect(alert["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect((alert["fingerprint"] as? String)?.count == 16)
        let alerts = try daemon.get("/api/v1/alerts").json()["alerts"] as! [NSDictionary]
        #expect(alerts.count == 1 && alerts[0]["state"] as? String == "firing")
        #expect(try daemon.get("/metrics").text.contains(#"callpulse_alerts{alertname="WaitingHigh",queue="Billing",state="firing"} 1"#))

        // One call is answered: waiting drops to 1 and the alert resolves.
        #expect(try daemon.post("/api/v1/events", envelope("a", "connected", Self.now())).status == 200)
        let both = receiver.waitFor(2)
        #expect(both.count == 2)
        guard both.count == 2 else { return }
        let resolved = try JSONSerialization.jsonObject(with: Data(both[1].body.utf8)) as! NSDictionary
        #expect(resolved["status"] as? String == "resolved")
        let resolvedAlert = (resolved["alerts"] as! [NSDictionary])[0]
        #expect(resolvedAlert["endsAt"] as? String != "0001-01-01T00:00:00Z")
        #expect(resolvedAlert["fingerprint"] as? String == alert["fingerprint"] as? String)
        #expect(try daemon.get("/metrics").text.contains(#"callpulse_alert_notifications_total{hook="oncall",result="sent"} 2"#))
    }

    @Test("a receiver answering 500 is retried and counted; a dead one too; ingestion goes on")
    func failingReceivers() throws {
        let receiver = try HookReceiver()
        receiver.status.withLock { $0 = 500 }
        let (daemon, running) = try startDaemon(rules: Self.rules(url: "http://127.0.0.1:\(receiver.port)/hook"))
        defer { withExtendedLifetime(running) {} }
        try tripWaiting(daemon)
        #expect(receiver.waitFor(3).count == 3)  // the first attempt and two retries
        for index in 0..<50 {
            #expect(try daemon.post("/api/v1/events", envelope("x\(index)", "connected", Self.now(), queue: "Other")).status == 200)
        }
        var metrics = ""
        try waitUntil {
            metrics = try daemon.get("/metrics").text
            return metrics.contains(#"result="dropped"} 1"#)
        }
        #expect(metrics.contains(#"callpulse_alert_notifications_total{hook="oncall",result="failed"} 3"#))
        #expect(metrics.contains(#"callpulse_alert_notifications_total{hook="oncall",result="dropped"} 1"#))
        let status = try daemon.get("/api/v1/status").json()
        let hooks = status["hooks"] as! [NSDictionary]
        #expect(hooks.first?["last_error"] as? String == "HTTP 500")
    }

    @Test("an exec hook gets the payload on stdin; a hung webhook times out and is counted")
    func execAndHung() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-exec-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = "\(directory)/page.sh"
        try "#!/bin/sh\ncat > \(directory)/payload.json\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let hung = try HookReceiver()
        hung.hang.withLock { $0 = true }
        let rules = Self.rules(url: "http://127.0.0.1:\(hung.port)/hook", extra: """
              - name: script
                type: exec
                command: [\(script)]
                timeout: 60s
            """).replacingOccurrences(of: "hooks: [oncall]", with: "hooks: [oncall, script]")
            .replacingOccurrences(of: "max_retries: 2", with: "max_retries: 0")
            .replacingOccurrences(of: "timeout: 10s", with: "timeout: 1s")  // the hung webhook: its timeout is the point
        let (daemon, running) = try startDaemon(rules: rules)
        defer { withExtendedLifetime(running) {} }
        try tripWaiting(daemon)
        var payload: String?
        var metrics = ""
        try waitUntil {
            payload = try? String(contentsOfFile: "\(directory)/payload.json", encoding: .utf8)
            metrics = try daemon.get("/metrics").text
            return payload?.isEmpty == false && metrics.contains(#"hook="oncall",result="failed"} 1"#)
                && metrics.contains(#"hook="script",result="sent"} 1"#)
        }
        let json = try JSONSerialization.jsonObject(with: Data((payload ?? "").utf8)) as? NSDictionary
        #expect(json?["receiver"] as? String == "script")
        #expect(json?["status"] as? String == "firing")
        #expect(metrics.contains(#"callpulse_alert_notifications_total{hook="script",result="sent"} 1"#))
        #expect(metrics.contains(#"callpulse_alert_notifications_total{hook="oncall",result="failed"} 1"#))
    }

    @Test("reload: a broken file answers 400 and keeps the rules; a good one swaps them")
    func reload() throws {
        let receiver = try HookReceiver()
        let (daemon, running) = try startDaemon(rules: Self.rules(url: "http://127.0.0.1:\(receiver.port)/hook"))
        defer { withExtendedLifetime(running) {} }
        try "rules:\n  - alert: Broken\n    metric: nonsense\n".write(toFile: running.rulesPath, atomically: true, encoding: .utf8)
        var reply = try daemon.post("/-/reload", "")
        #expect(reply.status == 400)
        #expect(try reply.json()["reason"] as? String == "invalid_rules")
        #expect(try reply.json()["error"] as? String == """
            the rules file is invalid, the old rules stay in force: \
            \(running.rulesPath):2: rules: alert 'Broken' needs a threshold (or a spike); \
            \(running.rulesPath):3: rules.metric 'nonsense' is not a gauge (waiting, waiting_over_sl, \
            oldest_waiting_seconds, connected, on_hold, in_acw), a counter, a derived value, a forecast value \
            (projected_service_level, estimated_wait_seconds, required_agents, agents, agents_short) or event_silence_seconds
            """)
        #expect(try daemon.get("/metrics").text.contains("callpulse_config_last_reload_successful 0"))
        let rules = try daemon.get("/api/v1/rules").json()["rules"] as! [NSDictionary]
        #expect(rules.map { $0["alert"] as! String } == ["WaitingHigh"])
        try Self.rules(url: "http://127.0.0.1:\(receiver.port)/hook").replacingOccurrences(of: "WaitingHigh", with: "WaitingVeryHigh")
            .write(toFile: running.rulesPath, atomically: true, encoding: .utf8)
        reply = try daemon.post("/-/reload", "")
        #expect(reply.status == 200)
        #expect(try daemon.get("/metrics").text.contains("callpulse_config_last_reload_successful 1"))
        let reloaded = try daemon.get("/api/v1/rules").json()["rules"] as! [NSDictionary]
        #expect(reloaded.map { $0["alert"] as! String } == ["WaitingVeryHigh"])
        // SIGHUP reloads too.
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(waitUntil { daemon.log.contains("SIGHUP: reloaded 1 rules") }, "\(daemon.log)")
    }

    @Test("an alertmanager hook re-sends a firing alert every repeat_interval, to URL/api/v2/alerts")
    func alertmanagerResends() throws {
        let receiver = try HookReceiver()
        let rules = Self.rules(url: "http://127.0.0.1:\(receiver.port)", type: "alertmanager")
            .replacingOccurrences(of: "max_retries: 2", with: "max_retries: 2\n    repeat_interval: 1s")
        let (daemon, running) = try startDaemon(rules: rules)
        defer { withExtendedLifetime(running) {} }
        try tripWaiting(daemon)
        // The first post when it fires, then one per evaluation (every 1 s) once 1 s has passed.
        let posts = receiver.waitFor(3)
        #expect(posts.count >= 3)
        var startsAt: Set<String> = []
        for post in posts {
            #expect(post.path == "/api/v2/alerts")
            let alerts = try #require(try JSONSerialization.jsonObject(with: Data(post.body.utf8)) as? [NSDictionary])
            #expect(alerts.count == 1)
            #expect(alerts.first?["labels"] as? NSDictionary == ["alertname": "WaitingHigh", "queue": "Billing", "severity": "page"])
            #expect(alerts.first?["endsAt"] == nil)  // firing: no end
            if let start = alerts.first?["startsAt"] as? String { startsAt.insert(start) }
        }
        #expect(startsAt.count == 1, "every re-send is the same alert: \(startsAt)")
        let alerts = try daemon.get("/api/v1/alerts").json()["alerts"] as! [NSDictionary]
        #expect(alerts.map { $0["state"] as? String } == ["firing"])
    }

    @Test("a real Alertmanager receives the alert with its labels")
    func alertmanager() throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus-alertmanager"),
                "prometheus-alertmanager is missing: run scripts/bootstrap.sh test")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-am-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            route: { receiver: none, group_wait: 0s }
            receivers: [{ name: none }]
            """.write(toFile: "\(directory)/am.yml", atomically: true, encoding: .utf8)
        let port = try HTTPClient.freePort()
        let cluster = try HTTPClient.freePort()
        let manager = Process()
        manager.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager")
        manager.arguments = ["--config.file=\(directory)/am.yml", "--storage.path=\(directory)/data",
                             "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=127.0.0.1:\(cluster)"]
        manager.standardOutput = FileHandle.nullDevice
        manager.standardError = FileHandle.nullDevice
        try manager.run()
        defer {
            kill(manager.processIdentifier, SIGTERM)
            manager.waitUntilExit()
        }
        #expect(waitUntil { (try? HTTPClient.send(port: port, method: "GET", path: "/-/ready"))?.status == 200 })
        let (daemon, running) = try startDaemon(rules: Self.rules(url: "http://127.0.0.1:\(port)", type: "alertmanager"),
                                                config: "instance: replica-a\n")
        defer { withExtendedLifetime(running) {} }
        try tripWaiting(daemon, queue: "Sales")
        var found: NSDictionary?
        waitUntil {
            if let reply = try? HTTPClient.send(port: port, method: "GET", path: "/api/v2/alerts"), reply.status == 200,
               let list = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [NSDictionary] {
                found = list.first { ($0["labels"] as? NSDictionary)?["alertname"] as? String == "WaitingHigh" }
            }
            return found != nil
        }
        #expect(found != nil)
        #expect((found?["labels"] as? NSDictionary) == ["alertname": "WaitingHigh", "queue": "Sales", "severity": "page"])
        #expect(((found?["status"] as? NSDictionary)?["state"] as? String) == "active")
        #expect((found?["annotations"] as? NSDictionary) == ["summary": "Sales: 2 waiting (threshold 2)", "instance": "replica-a"])
        // Wall-clock times: Alertmanager keeps the startsAt it was sent.
        #expect(Self.millisFromNow(found?["startsAt"] as? String) < 60_000, "\(found?["startsAt"] ?? "")")
    }

    @Test("an alertmanager hook posts to url and each of urls; a hung and a dead Alertmanager delay none of the others")
    func alertmanagerURLs() throws {
        let first = try HookReceiver(), second = try HookReceiver(), hung = try HookReceiver()
        hung.hang.withLock { $0 = true }
        defer { hung.hang.withLock { $0 = false } }
        let dead = try HTTPClient.freePort()  // nothing listens: connection refused
        let rules = Self.rules(url: "http://127.0.0.1:\(first.port)", type: "alertmanager")
            .replacingOccurrences(of: "max_retries: 2", with: """
                max_retries: 2
                    repeat_interval: 1s
                    urls: ["http://127.0.0.1:\(hung.port)", "http://127.0.0.1:\(second.port)/", "http://127.0.0.1:\(dead)"]
                """)
            .replacingOccurrences(of: "timeout: 10s", with: "timeout: 60s")  // the hung one holds its first post throughout
        let (daemon, running) = try startDaemon(rules: rules, config: "instance: replica-b\n")
        defer { withExtendedLifetime(running) {} }
        try tripWaiting(daemon)
        // The first post and two re-sends (one a second) reach each live Alertmanager while the hung one
        // still holds its first post and the dead one refuses and backs off.
        let started = ContinuousClock.now
        let (firstPosts, secondPosts) = (first.waitFor(3), second.waitFor(3))
        #expect(ContinuousClock.now - started < .seconds(30), "the live receivers waited for the hung one's timeout")
        #expect(hung.bodies.withLock { $0.count } == 1)
        for posts in [firstPosts, secondPosts] {
            #expect(posts.count >= 3)
            for post in posts {
                #expect(post.path == "/api/v2/alerts")
                let alerts = try #require(try JSONSerialization.jsonObject(with: Data(post.body.utf8)) as? [NSDictionary])
                #expect(alerts.first?["labels"] as? NSDictionary == ["alertname": "WaitingHigh", "queue": "Billing", "severity": "page"])
                #expect(alerts.first?["annotations"] as? NSDictionary
                        == ["summary": "Billing: 2 waiting (threshold 2)", "instance": "replica-b"])
            }
        }
        // One hook: its deliveries summed over its URLs (counted once each answer is read, just
        // after the receivers saw the posts); the last error names each failing URL.
        var hook: NSDictionary?
        try waitUntil {
            hook = (try daemon.get("/api/v1/status").json()["hooks"] as? [NSDictionary])?.first
            return (hook?["last_error"] as? String)?.contains("http://127.0.0.1:\(dead): ") == true
                && (hook?["sent"] as? Int ?? 0) >= 6
        }
        #expect(hook?["name"] as? String == "oncall")
        #expect((hook?["sent"] as? Int ?? 0) >= 6)
        #expect((hook?["last_error"] as? String)?.contains("http://127.0.0.1:\(first.port): ") == false)
    }

    @Test("under the event clock, startsAt and endsAt sent to Alertmanager are wall-clock times, not the events'")
    func wallClockTimesUnderTheEventClock() throws {
        let receiver = try HookReceiver()
        let (daemon, running) = try startDaemon(rules: Self.rules(url: "http://127.0.0.1:\(receiver.port)", type: "alertmanager"),
                                                arguments: ["--clock", "event"])
        defer { withExtendedLifetime(running) {} }
        let past = "2021-03-01T10:00:00.000Z"  // the event clock stands here
        let body = [envelope("a", "connecting", past), envelope("b", "connecting", past)]
        #expect(try daemon.post("/api/v1/events", body.joined(separator: "\n")).status == 200)
        let firing = try #require(receiver.waitFor(1).first)
        let fired = try #require(try JSONSerialization.jsonObject(with: Data(firing.body.utf8)) as? [NSDictionary])
        #expect(Self.millisFromNow(fired.first?["startsAt"] as? String) < 60_000, "\(fired)")
        #expect(fired.first?["endsAt"] == nil)
        // The alert itself keeps the event clock's time.
        let alerts = try daemon.get("/api/v1/alerts").json()["alerts"] as! [NSDictionary]
        #expect(alerts.first?["fired_at"] as? String == past)
        #expect(try daemon.post("/api/v1/events", envelope("a", "connected", "2021-03-01T10:00:05.000Z")).status == 200)
        var resolved: NSDictionary?
        waitUntil {
            resolved = receiver.bodies.withLock { $0 }.lazy.compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [NSDictionary])?.first
            }.first { $0["endsAt"] != nil }
            return resolved != nil
        }
        #expect(Self.millisFromNow(resolved?["endsAt"] as? String) < 60_000, "\(resolved ?? [:])")
        #expect(resolved?["startsAt"] as? String == fired.first?["startsAt"] as? String)
    }
}
