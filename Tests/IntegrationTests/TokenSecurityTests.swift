import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// docs/spec/security.md, "Tokens", through the built daemon: several tokens a file, rotation
/// on SIGHUP and `POST /-/reload`, a bad reload keeping the old tokens, no `?token=`, failed
/// authentications counted and logged once a minute per address, no token in the log.
@Suite(.serialized)
struct TokenSecurityTests {
    /// A daemon with an ingest and a read token file in `directory`.
    static func start(ingest: String, read: String) throws -> (DaemonProcess, directory: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-tokens-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try ingest.write(toFile: directory + "/ingest.token", atomically: true, encoding: .utf8)
        try read.write(toFile: directory + "/read.token", atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(["--clock", "event"], config: """
            web: { ingest_token_file: \(directory)/ingest.token, read_token_file: \(directory)/read.token }
            """)
        return (daemon, directory)
    }

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer " + token] }

    @Test("a file's tokens are all accepted; a rotated file takes effect on POST /-/reload and on SIGHUP; a bad reload keeps the old tokens")
    func rotation() throws {
        let (daemon, directory) = try Self.start(ingest: "# two during the rotation\ntok-alpha-3c1f\n\ntok-beta-8e2d\n",
                                                 read: "tok-reader-5a9b\n")
        defer {
            _ = daemon.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let ingestFile = directory + "/ingest.token"
        var call = 0
        func post(_ token: String) throws -> Int {
            call += 1
            return try daemon.post("/api/v1/events", envelope("c\(call)", "connecting", "2026-11-24T10:00:\(10 + call)Z"),
                                   headers: Self.bearer(token)).status
        }
        #expect(try post("tok-alpha-3c1f") == 200)
        #expect(try post("tok-beta-8e2d") == 200)
        #expect(try post("tok-gamma-71d0") == 401)

        // Rotated: alpha removed, gamma added; nothing changes until the reload.
        try "tok-beta-8e2d\ntok-gamma-71d0\n".write(toFile: ingestFile, atomically: true, encoding: .utf8)
        #expect(try post("tok-alpha-3c1f") == 200)
        var reply = try daemon.post("/-/reload", "", headers: Self.bearer("tok-beta-8e2d"))
        #expect(reply.status == 200)
        #expect(try reply.json()["status"] as? String
                == "no rules file is configured; token files re-read (web.ingest_token_file 2 tokens, web.read_token_file 1 token)")
        #expect(try post("tok-alpha-3c1f") == 401)
        #expect(try post("tok-gamma-71d0") == 200)
        #expect(try post("tok-beta-8e2d") == 200)

        // SIGHUP: gamma only.
        try "tok-gamma-71d0\n".write(toFile: ingestFile, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(waitUntil { daemon.log.contains("SIGHUP: no rules file is configured; token files re-read (web.ingest_token_file 1 token") },
                "\(daemon.log)")
        #expect(try post("tok-beta-8e2d") == 401)
        #expect(try post("tok-gamma-71d0") == 200)

        // A file with no token, then none at all: 400 saying why, the old tokens stay.
        try "# emptied by mistake\n\n".write(toFile: ingestFile, atomically: true, encoding: .utf8)
        reply = try daemon.post("/-/reload", "", headers: Self.bearer("tok-gamma-71d0"))
        #expect(reply.status == 400)
        #expect(try reply.json()["reason"] as? String == "unreadable_token_file")
        #expect(try reply.json()["error"] as? String == "web.ingest_token_file: the token file '\(ingestFile)' holds no token "
                + "(one a line; blank lines and # comments are ignored); its old tokens stay in force")
        #expect(try post("tok-gamma-71d0") == 200)
        try FileManager.default.removeItem(atPath: ingestFile)
        reply = try daemon.post("/-/reload", "", headers: Self.bearer("tok-gamma-71d0"))
        #expect(reply.status == 400)
        #expect(try reply.json()["error"] as? String
                == "web.ingest_token_file: cannot read the token file '\(ingestFile)'; its old tokens stay in force")
        #expect(try post("tok-gamma-71d0") == 200)
        let metrics = try daemon.get("/metrics", headers: Self.bearer("tok-reader-5a9b")).text
        #expect(metrics.contains("\ncallpulse_config_last_reload_successful 0\n"))

        // No token ever reaches the log, right or wrong.
        let log = daemon.log
        for token in ["tok-alpha-3c1f", "tok-beta-8e2d", "tok-gamma-71d0", "tok-reader-5a9b"] {
            #expect(!log.contains(token), "the log holds \(token):\n\(log)")
        }
    }

    @Test("a stream opened with a read token that a reload removed ends, and that token opens none again; a kept token streams")
    func revokedReadTokenEndsStreams() throws {
        let (daemon, directory) = try Self.start(ingest: "tok-ingest-6d1a\n", read: "tok-leaked-2f0c\ntok-kept-9b3e\n")
        defer {
            _ = daemon.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let leaked = try StreamClient(port: daemon.port, headers: Self.bearer("tok-leaked-2f0c"))
        #expect(leaked.next("snapshot") != nil)
        try "tok-kept-9b3e\n".write(toFile: directory + "/read.token", atomically: true, encoding: .utf8)
        #expect(try daemon.post("/-/reload", "", headers: Self.bearer("tok-ingest-6d1a")).status == 200)
        // The stream ends (next returns nil once the daemon closed it), and cannot be opened again.
        #expect(waitUntil { _ = leaked.next("snapshot", within: 0.5); return leaked.ended })
        #expect(try daemon.get("/api/v1/stream", headers: Self.bearer("tok-leaked-2f0c")).status == 401)
        let kept = try StreamClient(port: daemon.port, headers: Self.bearer("tok-kept-9b3e"))
        #expect(kept.next("snapshot") != nil)
    }

    @Test("?token= is refused on the stream (401) and the header accepted; failures counted by handler, logged once a minute per address, never with the token")
    func noTokenInURLAndFailuresCounted() throws {
        let began = ContinuousClock.now
        let (daemon, directory) = try Self.start(ingest: "tok-ingest-0b7e\n", read: "tok-reader-e4c2\n")
        defer {
            _ = daemon.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let refused = try daemon.get("/api/v1/stream?token=tok-reader-e4c2")
        #expect(refused.status == 401)
        #expect(try (refused.json()["error"] as? String)?.contains("?token= is not accepted") == true)
        let stream = try StreamClient(port: daemon.port, headers: Self.bearer("tok-reader-e4c2"))
        #expect(stream.next("snapshot") != nil)
        #expect(stream.status == 200)

        for _ in 0..<5 { #expect(try daemon.get("/metrics", headers: Self.bearer("wrong-guess-91ab")).status == 401) }
        for _ in 0..<3 {
            #expect(try daemon.post("/api/v1/events", envelope("x", "connecting", "2026-11-24T10:00:00Z")).status == 401)
        }
        #expect(try daemon.get("/api/v1/queues").status == 401)
        let metrics = try daemon.get("/metrics", headers: Self.bearer("tok-reader-e4c2")).text
        #expect(metrics.contains(#"callpulse_http_auth_failures_total{handler="/api/v1/stream"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"callpulse_http_auth_failures_total{handler="/metrics"} 5"#))
        #expect(metrics.contains(#"callpulse_http_auth_failures_total{handler="/api/v1/events"} 3"#))
        #expect(metrics.contains(#"callpulse_http_auth_failures_total{handler="/api/v1/queues"} 1"#))

        // Ten failures from 127.0.0.1: one line (two if the suite was so slow a minute passed).
        let lines = daemon.log.split(separator: "\n").filter { $0.contains("authentication failed") }
        #expect(lines.first?.contains("for /api/v1/stream from 127.0.0.1") == true, "\(lines)")
        if ContinuousClock.now - began < .seconds(60) {
            #expect(lines.count == 1, "\(lines)")
        } else {
            #expect(lines.count < 10, "\(lines)")
        }
        let log = daemon.log
        for token in ["tok-ingest-0b7e", "tok-reader-e4c2", "wrong-guess-91ab"] {
            #expect(!log.contains(token), "the log holds \(token):\n\(log)")
        }
    }
}
