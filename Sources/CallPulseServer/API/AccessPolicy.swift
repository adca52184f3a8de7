import CallPulseHTTP

/// Who may ingest, reload and read (docs/spec/interfaces.md): loopback only unless a token is set.
struct AccessPolicy: Sendable {
    var ingestToken: String?
    var adminToken: String?
    var readToken: String?

    /// nil when the request may ingest; else the 401 or 403 to send.
    func ingest(_ request: HTTPRequest) -> HTTPResponse? { check(request, token: ingestToken, what: "ingest") }

    /// `/-/reload`: the admin token, else the ingest token, else loopback only.
    func admin(_ request: HTTPRequest) -> HTTPResponse? { check(request, token: adminToken ?? ingestToken, what: "reload") }

    /// Read endpoints are open unless a read token is set; `queryToken` also accepts `?token=`.
    func read(_ request: HTTPRequest, queryToken: Bool = false) -> HTTPResponse? {
        guard let readToken else { return nil }
        if queryToken, let given = request.queryValues("token").first,
           Self.constantTimeEquals(Array(given.utf8), Array(readToken.utf8)) { return nil }
        return bearerMatches(request, readToken) ? nil
            : HTTPServer.error(401, "unauthorized", "this endpoint needs 'Authorization: Bearer <read token>'")
    }

    private func check(_ request: HTTPRequest, token: String?, what: String) -> HTTPResponse? {
        if let token {
            return bearerMatches(request, token) ? nil
                : HTTPServer.error(401, "unauthorized", "\(what) needs 'Authorization: Bearer <token>'")
        }
        return request.fromLoopback ? nil
            : HTTPServer.error(403, "forbidden", "\(what) is accepted from loopback addresses only unless a token is configured")
    }

    private func bearerMatches(_ request: HTTPRequest, _ token: String) -> Bool {
        guard let header = request.header("authorization"), header.hasPrefix("Bearer ") else { return false }
        return Self.constantTimeEquals(Array(header.utf8.dropFirst(7)), Array(token.utf8))
    }

    /// Compares without an early exit, so timing does not reveal how much of a token matched.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
