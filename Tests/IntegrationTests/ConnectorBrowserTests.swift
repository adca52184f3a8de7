import Foundation
import Testing

/// The browser forwarder (`GET /connector.js`, docs/spec/connector.md) in headless Chromium:
/// Tests/Browser/connector_check.py starts the daemon itself (it stops and restarts it on the
/// same port), serves the host pages from a second loopback origin and drives Chromium over
/// the DevTools pipe; these tests judge its report. Without Chromium the tests are skipped,
/// except under CI=true, where a missing tool fails.
@Suite(.serialized)
struct ConnectorBrowserTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let underCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let tools = ["/usr/bin/chromium", "/usr/bin/python3"]
    static let toolsPresent = tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    /// gen.py beside the repository adds generated traffic (all three shapes) to the seed's messages.
    static let gen = repository.deletingLastPathComponent().appendingPathComponent("shared/tools/gen.py").path

    static func run(_ scenario: String) throws -> NSDictionary? {
        for tool in tools {
            #expect(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is missing: run scripts/bootstrap.sh test")
        }
        var arguments = [repository.appendingPathComponent("Tests/Browser/connector_check.py").path,
                         "--callpulse", CLI.binary.path, "--scenario", scenario]
        if FileManager.default.fileExists(atPath: gen) { arguments += ["--gen", gen] }
        let result = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/python3"), arguments)
        #expect(result.status == 0, "connector_check --scenario \(scenario) failed: \(result.stderr)")
        guard result.status == 0 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? NSDictionary
    }

    /// Events the daemon counted (accepted, ignored, rejected by every reason).
    static func ingested(_ snapshot: NSDictionary?) -> Int {
        guard let ingest = snapshot?["ingest"] as? NSDictionary else { return -1 }
        func sum(_ key: String) -> Int { (ingest[key] as? [String: Int])?.values.reduce(0, +) ?? 0 }
        return (ingest["accepted"] as? Int ?? 0) + sum("ignored") + sum("rejected")
    }

    static func rejected(_ snapshot: NSDictionary?) -> Int {
        ((snapshot?["ingest"] as? NSDictionary)?["rejected"] as? [String: Int])?.values.reduce(0, +) ?? -1
    }

    /// The daemon's snapshot against `callpulse replay` of the forwarded messages: the same
    /// queues and the same ingest counts by reason (a lost event or one applied twice shows).
    static func expectSameAsReplay(_ report: NSDictionary, sourceLocation: SourceLocation = #_sourceLocation) {
        let daemon = report["daemon"] as? NSDictionary, replay = report["replay"] as? NSDictionary
        let forwarded = report["forwarded"] as? Int ?? -1
        #expect(forwarded > 0, sourceLocation: sourceLocation)
        #expect(ingested(daemon) == forwarded, "the daemon counted \(ingested(daemon)) of \(forwarded) events",
                sourceLocation: sourceLocation)
        #expect(ingested(replay) == forwarded, sourceLocation: sourceLocation)
        #expect((daemon?["ingest"] as? NSDictionary) == (replay?["ingest"] as? NSDictionary),
                "daemon \(daemon?["ingest"] ?? "-") != replay \(replay?["ingest"] ?? "-")", sourceLocation: sourceLocation)
        #expect((daemon?["queues"] as? NSArray) == (replay?["queues"] as? NSArray), "the queues differ from replay's",
                sourceLocation: sourceLocation)
        #expect((daemon?["queues"] as? NSArray)?.count ?? 0 >= 2, sourceLocation: sourceLocation)
    }

    @Test("Chromium: a page on another loopback origin loads /connector.js from the daemon and forwards the seed's messages in all three shapes, each exactly once",
          .enabled(if: toolsPresent || underCI, "chromium or python3 is missing (CI=true makes this a failure)"))
    func forwardsEveryMessageOnce() throws {
        guard let report = try Self.run("forward") else { return }
        // The script as served: no token, cacheable for a day, revalidated by its ETag.
        let script = report["script"] as? NSDictionary
        #expect(script?["status"] as? Int == 200)
        #expect(script?["content_type"] as? String == "text/javascript; charset=utf-8")
        #expect(script?["cache_control"] as? String == "public, max-age=86400")
        #expect((script?["etag"] as? String)?.isEmpty == false)
        #expect(script?["same_bytes"] as? Bool == true, "the served script is not the repository's connector.js")
        #expect(script?["revalidated"] as? Int == 304)
        #expect(script?["revalidated_body"] as? Int == 0)

        Self.expectSameAsReplay(report)
        // The forwarder's counts: two texts that are no JSON object were refused at send();
        // the rest reached CallPulse, which rejected some of the seed's on purpose.
        let stats = report["stats"] as? NSDictionary, daemon = report["daemon"] as? NSDictionary
        let forwarded = report["forwarded"] as? Int ?? -1, messages = report["messages"] as? Int ?? -1
        #expect(messages - forwarded == 2)
        #expect(stats?["queued"] as? Int == 0)
        #expect(stats?["rejected"] as? Int == 2 + Self.rejected(daemon))
        #expect(stats?["sent"] as? Int == forwarded - Self.rejected(daemon))
        #expect(stats?["dropped"] as? Int == 0)
        #expect(stats?["lastError"] is NSNull)
        #expect(stats?["lastSentAt"] as? Double ?? 0 > 1_700_000_000_000)
        // Sent in batches (batchMs 100), not one request per message; the empty queue's key is gone.
        let posts = (report["requests"] as? [String] ?? []).filter { $0 == "POST" }.count
        #expect(posts >= 1 && posts < forwarded, "\(posts) POSTs for \(forwarded) events")
        #expect((report["stored"] as? [String] ?? []).filter { $0.hasPrefix("callpulse.queue") }.isEmpty)
    }

    @Test("Chromium: with the daemon stopped and the page reloaded meanwhile, the queue survives in localStorage and everything arrives exactly once after the restart",
          .enabled(if: toolsPresent || underCI, "chromium or python3 is missing (CI=true makes this a failure)"))
    func survivesDaemonDownAndReload() throws {
        guard let report = try Self.run("restart") else { return }
        let thirds = report["thirds"] as? [Int] ?? [0, 0, 0]
        #expect(thirds.allSatisfy { $0 > 0 })
        #expect(report["ingested_before_stop"] as? Int == thirds[0])
        // Daemon down: the attempt failed, the messages wait in storage, one line each.
        let down = report["down"] as? NSDictionary
        #expect(down?["queued"] as? Int == thirds[1])
        #expect((down?["lastError"] as? String)?.hasPrefix("network error") == true)
        #expect(report["stored_lines"] as? Int == thirds[1])
        // The reloaded page found them before sending anything.
        #expect((report["reloaded"] as? NSDictionary)?["queued"] as? Int == thirds[1])
        #expect((report["still_down"] as? NSDictionary)?["queued"] as? Int == thirds[1] + thirds[2])
        // After the restart (same port, same --state-dir): all of it, once.
        let final = report["final"] as? NSDictionary
        #expect(final?["queued"] as? Int == 0)
        #expect(final?["lastError"] is NSNull)
        Self.expectSameAsReplay(report)
        #expect((report["console_errors"] as? [String])?.isEmpty == true, "\(report["console_errors"] ?? "")")
    }

    @Test("Chromium: a page from an origin not in web.cors_origins cannot post (the browser blocks it, nothing arrives); the preflight answers only listed origins",
          .enabled(if: toolsPresent || underCI, "chromium or python3 is missing (CI=true makes this a failure)"))
    func otherOriginIsBlocked() throws {
        guard let report = try Self.run("foreign") else { return }
        let preflight = report["preflight"] as? NSDictionary
        let listed = preflight?["listed"] as? NSDictionary, other = preflight?["other"] as? NSDictionary
        #expect(listed?["status"] as? Int == 204)
        let headers = listed?["headers"] as? [String: String] ?? [:]
        #expect(headers["access-control-allow-origin"]?.hasPrefix("http://127.0.0.1:") == true)
        #expect(headers["access-control-allow-methods"] == "POST")
        #expect(headers["access-control-allow-headers"] == "Authorization, Content-Type, Content-Encoding")
        #expect(headers["access-control-max-age"] == "600")
        #expect(headers["vary"] == "Origin")
        #expect(other?["status"] as? Int == 403)
        let otherHeaders = other?["headers"] as? [String: String] ?? [:]
        #expect(otherHeaders.keys.allSatisfy { !$0.hasPrefix("access-control-") }, "\(otherHeaders)")

        let stats = report["stats"] as? NSDictionary
        #expect(stats?["queued"] as? Int == report["messages"] as? Int)
        #expect(stats?["sent"] as? Int == 0)
        #expect((stats?["lastError"] as? String)?.hasPrefix("network error") == true)
        #expect((report["cors_messages"] as? [String])?.isEmpty == false, "the browser reported no CORS refusal")
        #expect(Self.ingested(report["daemon"] as? NSDictionary) == 0)
    }

    @Test("Chromium: a wrong token (401) stops the forwarder with exactly one console error, keeping the queue; a later connect() with the right token sends it",
          .enabled(if: toolsPresent || underCI, "chromium or python3 is missing (CI=true makes this a failure)"))
    func unauthorizedStopsOnce() throws {
        guard let report = try Self.run("unauthorized") else { return }
        let messages = report["messages"] as? Int ?? -1
        #expect(((report["stopped"] as? NSDictionary)?["lastError"] as? String)?.hasPrefix("401") == true)
        #expect(report["posts_while_stopped"] as? Int == 1, "no retry after a 401")
        let errors = report["console_errors_while_stopped"] as? [String] ?? []
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.contains("401") == true)
        #expect(report["ingested_while_stopped"] as? Int == 0)
        let after = report["after"] as? NSDictionary
        #expect(after?["queued"] as? Int == messages)
        #expect(after?["sent"] as? Int == 0)
        #expect((report["resumed"] as? NSDictionary)?["queued"] as? Int == 0)
        #expect(report["ingested"] as? Int == messages)
        #expect((report["console_errors"] as? [String])?.count == 1, "\(report["console_errors"] ?? "")")
    }

    @Test("Chromium: the forwarder's queue, batching and back-off logic (fake clock and fetch, connector_unit.js)",
          .enabled(if: toolsPresent || underCI, "chromium or python3 is missing (CI=true makes this a failure)"))
    func unitTestsInChromium() throws {
        guard let report = try Self.run("unit") else { return }
        let results = report["results"] as? [NSDictionary] ?? []
        #expect(results.count >= 16, "\(results.count) unit tests ran")
        for result in results {
            #expect(result["ok"] as? Bool == true, "\(result["name"] ?? ""): \(result["error"] ?? "")")
        }
        #expect((report["console_errors"] as? [String])?.isEmpty == true, "\(report["console_errors"] ?? "")")
    }
}
