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
                                        "--expect-offered", "Billing=5", "--screenshot", screenshot])
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

    static func runCheck(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/python3"),
                    [repository.appendingPathComponent("Tests/Browser/wallboard_check.py").path] + arguments)
    }
}
