import Foundation
import Testing

/// docs/spec/security.md, "Headers", against the binary: `nosniff` and `no-referrer` on every
/// answer (the handlers', the stream's, and the HTTP adapter's own errors), and the wallboard's
/// Content-Security-Policy as a header, with no inline script and `web.frame_ancestors`.
struct SecurityHeadersTests {
    static func hasEveryAnswerHeaders(_ headers: [String: String]) -> Bool {
        headers["x-content-type-options"] == "nosniff" && headers["referrer-policy"] == "no-referrer"
    }

    /// The policy's directives by name, each with its sources.
    static func directives(_ policy: String?) -> [String: [String]] {
        var byName: [String: [String]] = [:]
        for directive in (policy ?? "").split(separator: ";") {
            let words = directive.split(separator: " ").map(String.init)
            if let name = words.first { byName[name] = Array(words.dropFirst()) }
        }
        return byName
    }

    @Test("every answer carries nosniff and no-referrer: page, files, JSON, metrics, 304, 401, 404, 405, and the adapter's own 413 and 415")
    func everyAnswer() throws {
        let tokenFile = try temporaryFile("reader\n", suffix: ".token")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let daemon = try DaemonProcess(["--clock", "event"], config: """
            web: { read_token_file: \(tokenFile) }
            limits: { max_body_bytes: 1024 }
            """)
        defer { _ = daemon.stop() }
        let bearer = ["Authorization": "Bearer reader"]
        let etag = try daemon.get("/wallboard.js").headers["etag"] ?? ""
        let answers: [(String, HTTPReply, Int)] = [
            ("page", try daemon.get("/"), 200),
            ("script", try daemon.get("/wallboard.js"), 200),
            ("script revalidated", try daemon.get("/wallboard.js", headers: ["If-None-Match": etag]), 304),
            ("styles", try daemon.get("/wallboard.css"), 200),
            ("connector", try daemon.get("/connector.js"), 200),
            ("JSON", try daemon.get("/api/v1/queues", headers: bearer), 200),
            ("metrics", try daemon.get("/metrics", headers: bearer), 200),
            ("no token", try daemon.get("/api/v1/queues"), 401),
            ("unknown path", try daemon.get("/no-such-page"), 404),
            ("wrong method", try HTTPClient.send(port: daemon.port, method: "DELETE", path: "/"), 405),
            ("HEAD", try HTTPClient.send(port: daemon.port, method: "HEAD", path: "/-/healthy"), 200),
            // The adapter answers these itself, before any handler runs.
            ("body over the limit", try daemon.post("/api/v1/events", String(repeating: " ", count: 4096)), 413),
            ("unknown encoding", try daemon.post("/api/v1/events", "{}", headers: ["Content-Encoding": "br"]), 415),
            ("bad gzip", try daemon.post("/api/v1/events", "not gzip", headers: ["Content-Encoding": "gzip"]), 400),
        ]
        for (what, reply, status) in answers {
            #expect(reply.status == status, "\(what)")
            #expect(Self.hasEveryAnswerHeaders(reply.headers), "\(what): \(reply.headers)")
        }
    }

    @Test("the live stream's head carries them too")
    func stream() throws {
        let daemon = try DaemonProcess(["--clock", "event"])
        defer { _ = daemon.stop() }
        let stream = try StreamClient(port: daemon.port)
        #expect(stream.next("snapshot") != nil)  // the head has arrived
        let head = stream.head.lowercased()
        #expect(head.contains("content-type: text/event-stream"), "\(head)")
        #expect(head.contains("x-content-type-options: nosniff") && head.contains("referrer-policy: no-referrer"), "\(head)")
    }

    @Test("the wallboard's CSP is a header: no inline script or style, no plugins or <base>, frame-ancestors 'none' by default; JSON carries none")
    func pagePolicyByDefault() throws {
        let daemon = try DaemonProcess(["--clock", "event"])
        defer { _ = daemon.stop() }
        let page = try daemon.get("/")
        let policy = Self.directives(page.headers["content-security-policy"])
        #expect(policy["script-src"] == ["'self'"], "\(policy)")
        #expect(policy["style-src"] == ["'self'"], "\(policy)")
        #expect(policy["default-src"] == ["'none'"] && policy["connect-src"] == ["'self'"], "\(policy)")
        #expect(policy["object-src"] == ["'none'"] && policy["base-uri"] == ["'none'"], "\(policy)")
        #expect(policy["frame-ancestors"] == ["'none'"], "\(policy)")
        #expect(policy.values.allSatisfy { !$0.contains("'unsafe-inline'") && !$0.contains("'unsafe-eval'") }, "\(policy)")
        #expect(!page.text.contains("http-equiv"), "the policy is the header's alone, not also a meta tag")
        #expect(try daemon.get("/api/v1/queues").headers["content-security-policy"] == nil)
    }

    @Test("web.frame_ancestors: the portals listed are the policy's frame-ancestors, in order")
    func frameAncestorsFromConfig() throws {
        let daemon = try DaemonProcess(["--clock", "event"], config: """
            web: { frame_ancestors: ["'self'", "https://portal.example.com", "https://*.intranet.example:8443"] }
            """)
        defer { _ = daemon.stop() }
        let policy = Self.directives(try daemon.get("/").headers["content-security-policy"])
        #expect(policy["frame-ancestors"] == ["'self'", "https://portal.example.com", "https://*.intranet.example:8443"])
        #expect(policy["script-src"] == ["'self'"] && policy["object-src"] == ["'none'"], "\(policy)")
    }
}
