import Foundation
import Testing

/// The connector's way in, against the binary (docs/spec/connector.md): `/connector.js`,
/// CORS only for `web.cors_origins`, and never a CORS header without them.
struct CrossOriginTests {
    static let page = "http://127.0.0.1:8123"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A daemon with `page` as its one CORS origin, an ingest token and a small body limit.
    static func daemonWithOrigins() throws -> (DaemonProcess, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-cors-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let token = directory.appendingPathComponent("ingest.token").path
        try "floor-token\n".write(toFile: token, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(["--clock", "event"], config: """
            web: { ingest_token_file: \(token), cors_origins: ["\(page)"] }
            limits: { max_body_bytes: 2048 }
            """)
        return (daemon, directory)
    }

    static func corsHeaders(_ reply: HTTPReply) -> [String: String] {
        reply.headers.filter { $0.key.hasPrefix("access-control-") }
    }

    @Test("no cors_origins: OPTIONS is a 405 and no answer ever carries an Access-Control header")
    func noOrigins() throws {
        let daemon = try DaemonProcess(["--clock", "event"])
        let origin = ["Origin": Self.page]
        let preflight = try HTTPClient.send(port: daemon.port, method: "OPTIONS", path: "/api/v1/events",
                                            headers: origin.merging(["Access-Control-Request-Method": "POST"]) { $1 })
        #expect(preflight.status == 405 && preflight.headers["allow"] == "POST")
        let replies = [
            preflight,
            try daemon.post("/api/v1/events", envelope("a", "connecting", "2026-11-24T10:00:00Z"),
                            headers: origin.merging(["Content-Type": "application/json"]) { $1 }),
            try daemon.post("/api/v1/events", "x", headers: origin.merging(["Content-Type": "text/plain"]) { $1 }),
            try daemon.get("/api/v1/queues", headers: origin),
            try daemon.get("/connector.js", headers: origin),
        ]
        #expect(replies.map(\.status) == [405, 200, 415, 200, 200])
        for reply in replies { #expect(Self.corsHeaders(reply).isEmpty && reply.headers["vary"] != "Origin") }
    }

    @Test("a listed origin: preflight 204, every ingest answer (401, 413, 415, 200) names it; another origin: 403, no CORS")
    func listedOrigin() throws {
        let (daemon, directory) = try Self.daemonWithOrigins()
        defer { try? FileManager.default.removeItem(at: directory) }
        let preflight = try HTTPClient.send(port: daemon.port, method: "OPTIONS", path: "/api/v1/events", headers: [
            "Origin": Self.page, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        ])
        #expect(preflight.status == 204)
        #expect(Self.corsHeaders(preflight) == [
            "access-control-allow-origin": Self.page, "access-control-expose-headers": "Retry-After",
            "access-control-allow-methods": "POST",
            "access-control-allow-headers": "Authorization, Content-Type, Content-Encoding", "access-control-max-age": "600",
        ])
        #expect(preflight.headers["vary"] == "Origin")

        let other = try HTTPClient.send(port: daemon.port, method: "OPTIONS", path: "/api/v1/events",
                                        headers: ["Origin": "http://127.0.0.1:9999", "Access-Control-Request-Method": "POST"])
        #expect(other.status == 403 && Self.corsHeaders(other).isEmpty)
        #expect(try other.json()["error"] as? String == "origin 'http://127.0.0.1:9999' is not in web.cors_origins")

        let event = envelope("a", "connecting", "2026-11-24T10:00:00Z")
        let json = ["Origin": Self.page, "Content-Type": "application/json"]
        let bearer = json.merging(["Authorization": "Bearer floor-token"]) { $1 }
        let answers: [(HTTPReply, Int)] = [
            (try daemon.post("/api/v1/events", event, headers: json), 401),
            (try daemon.post("/api/v1/events", String(repeating: " ", count: 4096) + event, headers: bearer), 413),
            (try daemon.post("/api/v1/events", event, headers: bearer.merging(["Content-Type": "text/csv"]) { $1 }), 415),
            (try daemon.post("/api/v1/events", event, headers: bearer), 200),
        ]
        for (reply, status) in answers {
            #expect(reply.status == status)
            #expect(reply.headers["access-control-allow-origin"] == Self.page && reply.headers["vary"] == "Origin",
                    "status \(reply.status): \(reply.headers)")
        }
        // Another origin's post is answered (a browser would hide it), without CORS headers.
        let stranger = try daemon.post("/api/v1/events", envelope("b", "connecting", "2026-11-24T10:00:01Z"),
                                       headers: bearer.merging(["Origin": "http://127.0.0.1:9999"]) { $1 })
        #expect(Self.corsHeaders(stranger).isEmpty)
        // Only ingest speaks CORS.
        #expect(Self.corsHeaders(try daemon.get("/api/v1/queues", headers: ["Origin": Self.page])).isEmpty)
    }

    @Test("/connector.js: no token, JavaScript, cached a day, an ETag, 304 when it matches")
    func connectorScript() throws {
        let (daemon, directory) = try Self.daemonWithOrigins()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = try daemon.get("/connector.js")
        #expect(script.status == 200)
        #expect(script.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(script.headers["cache-control"] == "public, max-age=86400")
        let source = try String(contentsOf: Self.repository.appendingPathComponent(
            "Sources/CallPulseServer/Views/Connector/connector.js"), encoding: .utf8)
        #expect(script.text == source, "the embedded script is the file in the repository")
        let etag = try #require(script.headers["etag"])
        #expect(etag.count == 20 && etag.hasPrefix("W/\""))
        let cached = try daemon.get("/connector.js", headers: ["If-None-Match": etag])
        #expect(cached.status == 304 && cached.body.isEmpty && cached.headers["etag"] == etag)
        #expect(try daemon.get("/connector.js", headers: ["If-None-Match": String(etag.dropFirst(2))]).status == 304)
        #expect(try daemon.get("/connector.js", headers: ["If-None-Match": "\"0000000000000000\""]).status == 200)
        #expect(try HTTPClient.send(port: daemon.port, method: "POST", path: "/connector.js").status == 405)
    }
}
