import CallPulseHTTP

/// CORS for the browser forwarder (docs/spec/connector.md, "Ingest from browsers"): only
/// `POST /api/v1/events`, only for the configured origins. With none configured, no
/// `Access-Control-*` header is ever sent and `OPTIONS` is refused as any other method.
struct CrossOrigin: Sendable {
    /// `web.cors_origins`, as configured (`https://crm.example.com`).
    let origins: Set<String>

    static let path = "/api/v1/events"

    var isEnabled: Bool { !origins.isEmpty }

    /// What every answer to `path` for `origin` carries (the adapter adds it to its own 413,
    /// 415 and 400 too, or the browser would hide the status from the forwarder).
    func headers(path: String, origin: String) -> [(name: String, value: String)] {
        guard path == Self.path, origins.contains(origin) else { return [] }
        // Retry-After is not a CORS-safelisted header: without this the forwarder could not read it.
        return [("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", "Retry-After"), ("Vary", "Origin")]
    }

    /// The answer to a preflight `OPTIONS /api/v1/events`: 204 for a listed origin (the
    /// adapter adds the origin's headers), 403 for any other.
    func preflight(_ request: HTTPRequest) -> HTTPResponse {
        guard let origin = request.header("origin"), origins.contains(origin) else {
            let shown = request.header("origin").map { "origin '\($0)'" } ?? "a request without an Origin header"
            return HTTPServer.error(403, "forbidden", "\(shown) is not in web.cors_origins")
        }
        return HTTPResponse(status: 204, headers: [
            ("Access-Control-Allow-Methods", "POST"),
            ("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding"),
            ("Access-Control-Max-Age", "600"),
        ], body: [])
    }
}
