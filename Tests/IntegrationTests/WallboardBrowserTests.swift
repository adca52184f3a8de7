import Foundation
import Testing

/// The wallboard in a real browser: headless Chromium (Debian's `chromium`) loads `/` from
/// the daemon, driven over the DevTools protocol by Tests/Browser/wallboard_check.py.
@Suite(.serialized)
struct WallboardBrowserTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A queue name that would run script if it were ever treated as HTML.
    static let hostileQueue = #"<img src=x onerror="window.__pwned=true"><script>window.__pwned=true</script>"#

    @Test("Chromium draws a tile per queue from the stream, updates it live, and shows a hostile name as text")
    func wallboardInChromium() throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                "chromium is missing: run scripts/bootstrap.sh test")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else { return }
        let daemon = try DaemonProcess(["--clock", "event"])
        defer { _ = daemon.stop() }
        let lifecycles = try String(contentsOfFile: fixturePath("01_lifecycles.ndjson"), encoding: .utf8)
        #expect(try daemon.post("/api/v1/events", lifecycles).status == 200)
        #expect(try daemon.post("/api/v1/events", envelope("h1", "connecting", "2026-11-24T10:05:10Z",
                                                           queue: Self.hostileQueue)).status == 200)
        // Posted by the script once the page shows the first numbers: one more Billing call rings.
        let later = try temporaryFile(envelope("n1", "connecting", "2026-11-24T10:05:50Z") + "\n")
        defer { try? FileManager.default.removeItem(atPath: later) }
        let artifacts = Self.repository.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("wallboard.png").path
        try? FileManager.default.removeItem(atPath: screenshot)

        let result = try Self.runCheck(["--url", "http://127.0.0.1:\(daemon.port)/", "--then-post", later,
                                        "--expect-offered", "Billing=5", "--check-charts", "--screenshot", screenshot])
        #expect(result.status == 0, "wallboard_check failed: \(result.stderr)")
        guard result.status == 0 else { return }
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! NSDictionary
        let first = report["first"] as! NSDictionary, after = report["after"] as! NSDictionary
        #expect(first["state"] as? String == "live")

        func tiles(_ state: NSDictionary) -> [String: [String: String]] {
            var byQueue: [String: [String: String]] = [:]
            for case let tile as NSDictionary in state["tiles"] as! NSArray {
                byQueue[tile["queue"] as! String] = tile["fields"] as? [String: String]
            }
            return byQueue
        }
        let before = tiles(first), now = tiles(after)
        #expect(before.keys.sorted() == [Self.hostileQueue, "Billing"].sorted())
        // 01_lifecycles by hand: Billing offered 4, answered 2, service level 1/3, missed 1 in 5m.
        #expect(before["Billing"]?["offered"] == "4")
        #expect(before["Billing"]?["answered"] == "2")
        #expect(before["Billing"]?["sl_today"] == "33.3%")
        #expect(before["Billing"]?["waiting"] == "0")
        #expect(before[Self.hostileQueue]?["waiting"] == "1")
        // After the stream's next snapshot: the new call rings.
        #expect(now["Billing"]?["offered"] == "5")
        #expect(now["Billing"]?["waiting"] == "1")
        #expect((after["snapshots"] as? Int ?? 0) > (first["snapshots"] as? Int ?? 0))

        // The hostile name is text: escaped in the markup, no image element, no script ran.
        let hostileTile = (after["tiles"] as! [NSDictionary]).first { $0["queue"] as? String == Self.hostileQueue }
        #expect((hostileTile?["html"] as? String)?.hasPrefix("&lt;img src=x") == true)
        #expect(after["images"] as? Int == 0)
        #expect(report["pwned"] as? Bool == false)
        #expect((report["console_errors"] as? [String])?.isEmpty == true, "console errors: \(report["console_errors"] ?? "")")
        #expect(FileManager.default.fileExists(atPath: screenshot))
    }

    /// Four queues at 10:10:00 on the event clock (service level 20 s, the standard formula):
    /// Alpha 5/5 answered within SL and a call waiting 5 s; Bravo 3/4 and one waiting 16 s;
    /// Charlie 1/2 and one waiting 25 s; Delta a call ringing since 10:10:00.
    static func fourQueues() -> String {
        var lines: [String] = []
        func answered(_ id: String, _ queue: String, at minute: Int, wait: Int) {
            let start = String(format: "2026-11-24T10:%02d:00Z", minute)
            let answer = String(format: "2026-11-24T10:%02d:%02dZ", minute, wait)
            lines += [envelope(id, "connecting", start, queue: queue), envelope(id, "connected", answer, queue: queue)]
        }
        for index in 0..<5 { answered("a\(index)", "Alpha", at: index, wait: 10) }
        for index in 0..<3 { answered("b\(index)", "Bravo", at: index, wait: 10) }
        answered("b3", "Bravo", at: 3, wait: 30)
        answered("c0", "Charlie", at: 0, wait: 10)
        answered("c1", "Charlie", at: 1, wait: 40)
        lines += [envelope("aw", "connecting", "2026-11-24T10:09:55Z", queue: "Alpha"),
                  envelope("bw", "connecting", "2026-11-24T10:09:44Z", queue: "Bravo"),
                  envelope("cw", "connecting", "2026-11-24T10:09:35Z", queue: "Charlie"),
                  envelope("dw", "connecting", "2026-11-24T10:10:00Z", queue: "Delta")]
        return lines.joined(separator: "\n")
    }

    @Test("Chromium: filter and sort from the URL and the controls, colour thresholds, the alert banner, stale after 40 s of silence and when the daemon stops")
    func wallboardViewsAndStates() throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                "chromium is missing: run scripts/bootstrap.sh test")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else { return }
        let rules = try temporaryFile("""
            rules:
              - alert: LongWait
                queues: [Charlie]
                metric: oldest_waiting_seconds
                op: ">="
                threshold: 20
                annotations: { summary: "{{ $labels.queue }}: oldest wait {{ $value }} s" }
              - alert: StillWaiting
                queues: [Bravo]
                metric: waiting
                op: ">="
                threshold: 1
                for: 1h
                annotations: { summary: "{{ $labels.queue }}: still waiting" }
            """, suffix: ".rules.yml")
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let daemon = try DaemonProcess(["--clock", "event", "--rules", rules])
        defer { _ = daemon.stop() }
        #expect(try daemon.post("/api/v1/events", Self.fourQueues()).status == 200)
        #expect(waitUntil { ((try? daemon.get("/api/v1/alerts").json()["alerts"]) as? [NSDictionary])?.count == 2 })

        let result = try Self.runCheck(["--url", "http://127.0.0.1:\(daemon.port)/?filter=r&sort=oldest",
                                        "--set-controls", ",sl", "--silence",
                                        "--then-kill", "\(daemon.process.processIdentifier)"])
        #expect(result.status == 0, "wallboard_check failed: \(result.stderr)")
        guard result.status == 0 else { return }
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! NSDictionary
        func queues(_ state: NSDictionary?) -> [String] {
            (state?["tiles"] as? [NSDictionary] ?? []).map { $0["queue"] as? String ?? "" }
        }
        func tile(_ state: NSDictionary?, _ queue: String) -> NSDictionary? {
            (state?["tiles"] as? [NSDictionary])?.first { $0["queue"] as? String == queue }
        }

        // ?filter=r keeps the names holding an r; ?sort=oldest puts the longest wait first.
        let first = report["first"] as? NSDictionary
        #expect(queues(first) == ["Charlie", "Bravo"])
        #expect(first?["search"] as? String == "?filter=r&sort=oldest")
        // Clearing the filter and sorting by service level (lowest first, none last) shows in the URL.
        let view = report["view"] as? NSDictionary
        #expect(view?["search"] as? String == "?sort=sl")
        #expect(queues(view) == ["Charlie", "Bravo", "Alpha", "Delta"])

        // Oldest wait: green, amber from 75 % of the 20 s threshold, red past it. Service level:
        // green from 80 %, amber from 60 %, red under.
        let expected: [(String, String, String, String, String)] = [
            ("Alpha", "0:05", "value ok", "100%", "ok"), ("Bravo", "0:16", "value warn", "75%", "warn"),
            ("Charlie", "0:25", "value bad", "50%", "bad"), ("Delta", "0:00", "value ok", "—", ""),
        ]
        for (queue, oldest, oldestClass, level, levelClass) in expected {
            let fields = tile(view, queue)?["fields"] as? NSDictionary, classes = tile(view, queue)?["classes"] as? NSDictionary
            #expect(fields?["oldest"] as? String == oldest, "\(queue) oldest")
            #expect(classes?["oldest"] as? String == oldestClass, "\(queue) oldest colour")
            #expect(fields?["sl_today"] as? String == level, "\(queue) service level")
            #expect(classes?["sl_today"] as? String == levelClass, "\(queue) service level colour")
        }
        #expect((tile(view, "Charlie")?["classes"] as? NSDictionary)?["waiting_over_sl"] as? String == "bad")

        // The banner: the firing alert first, the pending one dimmed; the firing queue's tile marked.
        #expect(view?["banner"] as? String == "active")
        let alerts = view?["alerts"] as? [NSDictionary] ?? []
        #expect(alerts.map { $0["state"] as? String } == ["firing", "pending"])
        #expect(alerts.map { $0["text"] as? String } == ["Charlie: oldest wait 25 s", "Bravo: still waiting (pending)"])
        #expect(queues(view).filter { tile(view, $0)?["alerting"] as? Bool == true } == ["Charlie"])

        // 41 s without a message: grey, says so, reconnects, live again.
        let silence = report["silence"] as? NSDictionary
        let records = silence?["records"] as? [NSDictionary] ?? []
        let stale = records.first { $0["state"] as? String == "stale" }
        let status = stale?["status"] as? String ?? ""
        #expect(status.range(of: #"^stale: no data for (4[1-9]|[5-9]\d) s, reconnecting…$"#, options: .regularExpression) != nil,
                "\(status)")
        #expect(stale?["opacity"] as? String == "0.45")
        #expect(stale?["filter"] as? String == "grayscale(0.7)")
        #expect((silence?["state"] as? NSDictionary)?["state"] as? String == "live")

        // The daemon stops: the stream drops, and the page says since when its numbers are stale.
        let dropped = report["dropped"] as? NSDictionary
        #expect((dropped?["status"] as? String)?.range(of: #"^stale since \S+.*, reconnecting…$"#,
                                                        options: .regularExpression) != nil, "\(dropped?["status"] ?? "")")
        #expect((report["console_errors"] as? [String])?.isEmpty == true, "console errors: \(report["console_errors"] ?? "")")
    }

    /// Two queues on the event clock in Asia/Kathmandu (+05:45: the day starts at 18:15 UTC, and
    /// 15-minute bins start at local :00, :15, :30, :45), "now" 10:05:00 UTC = 15:50 local.
    /// Alpha: 13:45 one answered in 10 s; 14:00 two, one in 30 s (SL 50 %); 15:30 one in 5 s;
    /// 15:45 (partial) one ringing. Bravo: 14:45 one abandoned after 30 s (SL 0 %); 15:45 one
    /// answered in 8 s and one ringing (SL 100 %).
    static func intervalDay() -> String {
        [envelope("a1", "connecting", "2026-11-24T08:05:00Z", queue: "Alpha"),
         envelope("a1", "connected", "2026-11-24T08:05:10Z", queue: "Alpha"),
         envelope("a2", "connecting", "2026-11-24T08:20:00Z", queue: "Alpha"),
         envelope("a2", "connected", "2026-11-24T08:20:30Z", queue: "Alpha"),
         envelope("a3", "connecting", "2026-11-24T08:21:00Z", queue: "Alpha"),
         envelope("a3", "connected", "2026-11-24T08:21:05Z", queue: "Alpha"),
         envelope("b1", "connecting", "2026-11-24T09:10:00Z", queue: "Bravo"),
         envelope("b1", "dropped", "2026-11-24T09:10:30Z", queue: "Bravo"),
         envelope("a4", "connecting", "2026-11-24T09:50:00Z", queue: "Alpha"),
         envelope("a4", "connected", "2026-11-24T09:50:05Z", queue: "Alpha"),
         envelope("a5", "connecting", "2026-11-24T10:01:00Z", queue: "Alpha"),
         envelope("b2", "connecting", "2026-11-24T10:02:00Z", queue: "Bravo"),
         envelope("b2", "connected", "2026-11-24T10:02:08Z", queue: "Bravo"),
         envelope("b3", "connecting", "2026-11-24T10:05:00Z", queue: "Bravo")].joined(separator: "\n")
    }

    @Test("Chromium: each tile charts today's intervals from /api/v1/intervals (bars, service-level line, the partial interval marked) with the read token, and redraws them as snapshots arrive")
    func wallboardIntervalCharts() throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                "chromium is missing: run scripts/bootstrap.sh test")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else { return }
        let token = "wallboard-read-token"
        let tokenFile = try temporaryFile(token, suffix: ".token")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let daemon = try DaemonProcess(["--clock", "event"], config: """
            timezone: Asia/Kathmandu
            web:
              read_token_file: \(tokenFile)
            """)
        defer { _ = daemon.stop() }
        #expect(try daemon.post("/api/v1/events", Self.intervalDay()).status == 200)
        // Posted once the charts show the first answer: a late call in a closed interval (15:00
        // local: it lands there), one more ringing in the partial one, and a new queue.
        let later = try temporaryFile([envelope("a6", "connecting", "2026-11-24T09:20:00Z", queue: "Alpha"),
                                       envelope("a6", "connected", "2026-11-24T09:20:10Z", queue: "Alpha"),
                                       envelope("a7", "connecting", "2026-11-24T10:06:00Z", queue: "Alpha"),
                                       envelope("c1", "connecting", "2026-11-24T10:06:30Z", queue: "Charlie")]
            .joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: later) }

        // The script itself waits until every tile's bars, partial mark and service-level points
        // are the endpoint's (chart_problems), first and again once the post changed the answer.
        let result = try Self.runCheck(["--url", "http://127.0.0.1:\(daemon.port)/#token=\(token)", "--check-charts",
                                        "--then-post", later, "--expect-offered", "Charlie=1"])
        #expect(result.status == 0, "wallboard_check failed: \(result.stderr)")
        guard result.status == 0 else { return }
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! NSDictionary

        struct Chart { var bars: [NSDictionary]; var points: [NSDictionary]; var offered: String; var caption: String }
        func charts(_ state: NSDictionary?) -> [String: Chart] {
            var byQueue: [String: Chart] = [:]
            for case let tile as NSDictionary in state?["tiles"] as? NSArray ?? [] {
                let chart = tile["chart"] as? NSDictionary
                byQueue[tile["queue"] as? String ?? ""] = Chart(
                    bars: chart?["bars"] as? [NSDictionary] ?? [], points: chart?["points"] as? [NSDictionary] ?? [],
                    offered: (tile["fields"] as? NSDictionary)?["offered"] as? String ?? "",
                    caption: chart?["caption"] as? String ?? "")
            }
            return byQueue
        }
        // Local times of the day's bins, by hand.
        func local(_ time: String) -> String { "2026-11-24T\(time):00+05:45" }
        func nonZero(_ chart: Chart?) -> [String: Int] {
            var counts: [String: Int] = [:]
            for bar in chart?.bars ?? [] where (bar["offered"] as? Int ?? 0) != 0 {
                counts[bar["start"] as? String ?? ""] = bar["offered"] as? Int
            }
            return counts
        }
        func points(_ chart: Chart?) -> [String] {
            (chart?.points ?? []).map { "\($0["start"] as? String ?? "")=\($0["sl"] as? Double ?? -1)" }
        }
        func checkShape(_ chart: Chart?, _ queue: String) {
            let bars = chart?.bars ?? []
            // Local midnight to the end of the step holding now (16:00): 64 steps of 15 minutes.
            #expect(bars.count == 64, "\(queue): \(bars.count) bars")
            #expect(bars.first?["start"] as? String == local("00:00"), "\(queue)")
            #expect(bars.last?["start"] as? String == local("15:45") && bars.last?["end"] as? String == local("16:00"), "\(queue)")
            #expect(bars.indices.filter { bars[$0]["partial"] as? Bool == true } == [bars.count - 1], "\(queue): the partial bar")
            // The bins of today sum to today (docs/spec/intervals.md): the bars add up to the tile's offered.
            #expect("\(bars.reduce(0) { $0 + ($1["offered"] as? Int ?? 0) })" == chart?.offered, "\(queue) sum")
            #expect(chart?.caption.contains("offered per 15m") == true, "\(chart?.caption ?? "")")
        }

        let first = charts(report["first"] as? NSDictionary)
        #expect(first.keys.sorted() == ["Alpha", "Bravo"])
        for queue in ["Alpha", "Bravo"] { checkShape(first[queue], queue) }
        #expect(nonZero(first["Alpha"]) == [local("13:45"): 1, local("14:00"): 2, local("15:30"): 1, local("15:45"): 1])
        #expect(points(first["Alpha"]) == ["\(local("13:45"))=1.0", "\(local("14:00"))=0.5", "\(local("15:30"))=1.0"])
        #expect(nonZero(first["Bravo"]) == [local("14:45"): 1, local("15:45"): 2])
        #expect(points(first["Bravo"]) == ["\(local("14:45"))=0.0", "\(local("15:45"))=1.0"])

        // After the post: the late call in its own closed bin, the partial bin grown, the new queue charted.
        let after = charts(report["after"] as? NSDictionary)
        #expect(after.keys.sorted() == ["Alpha", "Bravo", "Charlie"])
        for queue in ["Alpha", "Bravo", "Charlie"] { checkShape(after[queue], queue) }
        #expect(nonZero(after["Alpha"]) == [local("13:45"): 1, local("14:00"): 2, local("15:00"): 1, local("15:30"): 1,
                                            local("15:45"): 2])
        #expect(points(after["Alpha"]) == ["\(local("13:45"))=1.0", "\(local("14:00"))=0.5", "\(local("15:00"))=1.0",
                                           "\(local("15:30"))=1.0"])
        #expect(nonZero(after["Bravo"]) == nonZero(first["Bravo"]))
        #expect(nonZero(after["Charlie"]) == [local("15:45"): 1])
        #expect(points(after["Charlie"]).isEmpty)

        // One request for every queue (no ?queue=), with the read token, at most one per 5 s.
        let requests = report["interval_requests"] as? [NSDictionary] ?? []
        #expect(requests.count >= 2, "\(requests)")
        for request in requests {
            #expect((request["url"] as? String)?.hasSuffix("/api/v1/intervals") == true, "\(request)")
            #expect(request["authorization"] as? String == "Bearer \(token)")
        }
        let times = requests.compactMap { $0["time"] as? Double }
        for (earlier, later) in zip(times, times.dropFirst()) {
            #expect(later - earlier >= 4.5, "requests \(later - earlier) s apart")
        }
        #expect(report["pwned"] as? Bool == false)
        #expect((report["console_errors"] as? [String])?.isEmpty == true, "console errors: \(report["console_errors"] ?? "")")
    }

    @Test("Chromium: a read token in the fragment (/#token=…): live numbers, the token in no request URL and no log line, kept in sessionStorage over a reload, no CSP violation and an inline script refused; without it, the page prompts")
    func wallboardReadToken() throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                "chromium is missing: run scripts/bootstrap.sh test")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else { return }
        let token = "wallboard-\(UUID().uuidString)"
        let tokenFile = try temporaryFile(token + "\n", suffix: ".token")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        // Debug logging: not even the most talkative log may hold the token.
        let daemon = try DaemonProcess(["--clock", "event"], config: """
            web: { read_token_file: \(tokenFile) }
            log: { level: debug }
            """)
        defer { _ = daemon.stop() }
        let lifecycles = try String(contentsOfFile: fixturePath("01_lifecycles.ndjson"), encoding: .utf8)
        #expect(try daemon.post("/api/v1/events", lifecycles).status == 200)
        let later = try temporaryFile(envelope("n1", "connecting", "2026-11-24T10:05:50Z") + "\n")
        defer { try? FileManager.default.removeItem(atPath: later) }

        let fragment = try Self.runCheck(["--url", "http://127.0.0.1:\(daemon.port)/#token=\(token)", "--then-post", later,
                                          "--expect-offered", "Billing=5", "--reload", "--probe-csp"])
        #expect(fragment.status == 0, "wallboard_check failed: \(fragment.stderr)")
        guard fragment.status == 0 else { return }
        let report = try JSONSerialization.jsonObject(with: Data(fragment.stdout.utf8)) as! NSDictionary
        let first = report["first"] as? NSDictionary, after = report["after"] as? NSDictionary
        func offered(_ state: NSDictionary?) -> String? {
            ((state?["tiles"] as? [NSDictionary])?.first { $0["queue"] as? String == "Billing" }?["fields"] as? NSDictionary)?["offered"] as? String
        }
        // Live numbers from the stream, read with the header: the first snapshot, then the next.
        #expect(first?["state"] as? String == "live" && offered(first) == "4")
        #expect(offered(after) == "5" && (after?["snapshots"] as? Int ?? 0) > (first?["snapshots"] as? Int ?? 0))
        // Out of the address bar at once, into sessionStorage: a reload is live again without the fragment.
        #expect(first?["hash"] as? String == "")
        #expect(first?["session_token"] as? String == token)
        let reloaded = report["reloaded"] as? NSDictionary
        #expect(reloaded?["state"] as? String == "live" && offered(reloaded) == "5" && reloaded?["hash"] as? String == "")
        Self.checkRequests(report, token: token)
        #expect((report["dialogs"] as? [NSDictionary])?.isEmpty == true, "\(report["dialogs"] ?? "")")
        // The policy holds: nothing refused while the page works, and an injected inline script never runs.
        #expect((report["csp_violations"] as? [NSDictionary])?.isEmpty == true, "\(report["csp_violations"] ?? "")")
        let probe = report["csp_probe"] as? NSDictionary
        #expect(probe?["ran"] as? Bool == false)
        #expect((probe?["violations"] as? [NSDictionary])?.isEmpty == false, "the refused inline script was not reported")
        #expect((report["console_errors"] as? [String])?.isEmpty == true, "console errors: \(report["console_errors"] ?? "")")

        // An old bookmark's `?token=` (a stale one here) is not taken: it leaves the address bar, the
        // first answers are 401, the page asks once, saying why, and goes on with the answer.
        let prompted = try Self.runCheck(["--url", "http://127.0.0.1:\(daemon.port)/?token=old-bookmark", "--token", token,
                                          "--answer-prompt", token])
        #expect(prompted.status == 0, "wallboard_check failed: \(prompted.stderr)")
        guard prompted.status == 0 else { return }
        let asked = try JSONSerialization.jsonObject(with: Data(prompted.stdout.utf8)) as! NSDictionary
        let dialogs = asked["dialogs"] as? [NSDictionary] ?? []
        #expect(dialogs.map { $0["type"] as? String } == ["prompt"], "\(dialogs)")
        #expect((dialogs.first?["message"] as? String)?.hasPrefix("?token= is no longer accepted: open this page as /#token=") == true)
        let shown = asked["first"] as? NSDictionary
        #expect(shown?["state"] as? String == "live" && offered(shown) == "5" && shown?["search"] as? String == "")
        #expect(shown?["session_token"] as? String == token)
        Self.checkRequests(asked, token: token)
        #expect((asked["csp_violations"] as? [NSDictionary])?.isEmpty == true, "\(asked["csp_violations"] ?? "")")

        #expect(daemon.stop() == 0)
        #expect(!daemon.log.contains(token), "the daemon logged the read token")
    }

    /// Every request the page made: the token in no URL; the stream and the intervals fetched
    /// with it as a bearer once the page had it.
    static func checkRequests(_ report: NSDictionary, token: String) {
        let requests = report["requests"] as? [NSDictionary] ?? []
        let paths = Set(requests.compactMap { $0["path"] as? String })
        #expect(paths.isSuperset(of: ["/", "/wallboard.js", "/wallboard.css", "/api/v1/stream", "/api/v1/intervals"]),
                "\(paths.sorted())")
        for request in requests {
            #expect((request["url"] as? String)?.contains(token) == false, "\(request)")
        }
        for path in ["/api/v1/stream", "/api/v1/intervals"] {
            let sent = requests.filter { $0["path"] as? String == path }.map { $0["authorization"] as? String }
            #expect(sent.last == "Bearer \(token)", "\(path): \(sent)")
        }
    }

    static func runCheck(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/python3"),
                    [repository.appendingPathComponent("Tests/Browser/wallboard_check.py").path] + arguments)
    }
}
