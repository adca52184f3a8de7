import CallPulseHTTP
import CallPulseSupport

/// Who may ingest, reload and read (docs/spec/interfaces.md): loopback only unless a token is
/// set. A token file may hold several tokens and is re-read on reload (docs/spec/security.md,
/// "Tokens"), so the policy is shared and holds them in a box. Tokens travel only in the
/// `Authorization` header: never in a URL, where proxies and logs keep them.
final class AccessPolicy: Sendable {
    /// Each role's accepted tokens; nil when its file is not configured, never empty.
    struct Tokens: Sendable, Equatable {
        var ingest: [String]?
        var admin: [String]?
        var read: [String]?
    }

    private let box: LockedBox<Tokens>

    init(_ tokens: Tokens) { box = LockedBox(tokens) }

    var tokens: Tokens { box.withLock { $0 } }

    /// On reload: later requests see only `tokens`.
    func replace(_ tokens: Tokens) { box.withLock { $0 = tokens } }

    /// nil when the request may ingest; else the 401 or 403 to send.
    func ingest(_ request: HTTPRequest) -> HTTPResponse? { check(request, tokens: tokens.ingest, what: "ingest") }

    /// `/-/reload`: the admin tokens, else the ingest tokens, else loopback only.
    func admin(_ request: HTTPRequest) -> HTTPResponse? {
        let current = tokens
        return check(request, tokens: current.admin ?? current.ingest, what: "reload")
    }

    /// Read endpoints are open unless a read token is set.
    func read(_ request: HTTPRequest) -> HTTPResponse? {
        guard let read = tokens.read else { return nil }
        if Self.bearerMatches(request, read) { return nil }
        // Said outright: a wallboard bookmarked with the old `/?token=` learns why it stopped.
        let hint = request.queryValues("token").isEmpty ? "" : " (?token= is not accepted: a token never travels in a URL)"
        return HTTPServer.error(401, "unauthorized", "this endpoint needs 'Authorization: Bearer <read token>'" + hint)
    }

    private func check(_ request: HTTPRequest, tokens: [String]?, what: String) -> HTTPResponse? {
        if let tokens {
            return Self.bearerMatches(request, tokens) ? nil
                : HTTPServer.error(401, "unauthorized", "\(what) needs 'Authorization: Bearer <token>'")
        }
        return request.fromLoopback ? nil
            : HTTPServer.error(403, "forbidden", "\(what) is accepted from loopback addresses only unless a token is configured")
    }

    private static func bearerMatches(_ request: HTTPRequest, _ tokens: [String]) -> Bool {
        guard let header = request.header("authorization"), header.hasPrefix("Bearer ") else { return false }
        return matchesAny(Array(header.utf8.dropFirst(7)), tokens)
    }

    /// Compares `given` with every token, whichever matches: the time taken reveals neither how
    /// much of a token matched nor which one did.
    static func matchesAny(_ given: [UInt8], _ tokens: [String]) -> Bool {
        var matched: UInt8 = 0
        for token in tokens { matched |= constantTimeEquals(given, Array(token.utf8)) ? 1 : 0 }
        return matched != 0
    }

    /// Compares without an early exit, so timing does not reveal how much of a token matched.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        // Lengths in full: lengths that differ by a multiple of 256 must not compare equal.
        var difference = UInt(bitPattern: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= UInt((index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0))
        }
        return difference == 0
    }
}
