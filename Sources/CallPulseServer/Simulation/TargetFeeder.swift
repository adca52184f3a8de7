import CallPulseCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `simulate --target`: posts batches to a CallPulse ingest endpoint. A batch the target
/// did not store (no answer, 5xx, 503 while it cannot store) is kept and sent again with
/// the next one, so nothing is lost while the target is away.
public struct TargetFeeder {
    /// Totals so far, as the target reported them.
    public struct Totals: Sendable {
        public var generated = 0
        public var accepted = 0
        public var ignored = 0
        public var rejected = 0
        public var failedPosts = 0
        public var lastError: String?
    }

    public let url: String
    /// Events held back while the target is away, at most this many.
    public let maxBacklog: Int
    public private(set) var totals = Totals()
    private var backlog: [UInt8] = []
    private var backlogCount = 0
    private let session: URLSession
    private let headers: [(String, String)]

    /// `target` is a base URL (`http://127.0.0.1:9478`) or the ingest URL itself.
    public init(target: String, token: String? = nil, maxBacklog: Int = 1_000_000) {
        let trimmed = target.hasSuffix("/") ? String(target.dropLast()) : target
        url = trimmed.hasSuffix("/api/v1/events") ? trimmed : trimmed + "/api/v1/events"
        self.maxBacklog = maxBacklog
        var headers = [("Content-Type", "application/x-ndjson")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        self.headers = headers
        session = URLSession(configuration: .ephemeral)
    }

    /// Events waiting to be sent again.
    public var pending: Int { backlogCount }

    /// Sends `body` (and whatever is held back). Throws only when going on is pointless:
    /// the target refuses us (401, 403, 404, 413, 415) or the backlog is full.
    public mutating func send(_ body: [UInt8], count: Int) throws(ServerError) {
        totals.generated += count
        backlog += body
        backlogCount += count
        let outcome = HTTPPost.send(session, url: url, body: Data(backlog), headers: headers, timeoutMillis: 10_000)
        switch outcome.status {
        case 200?, 400?:
            // 400: every event in the batch was rejected; they were read, sending again would not help.
            if let reply = try? JSONSerialization.jsonObject(with: outcome.body) as? [String: Any] {
                totals.accepted += reply["accepted"] as? Int ?? 0
                totals.ignored += reply["ignored"] as? Int ?? 0
                totals.rejected += reply["rejected"] as? Int ?? 0
            }
            backlog.removeAll(keepingCapacity: true)
            backlogCount = 0
        case let status? where [401, 403, 404, 405, 413, 415].contains(status):
            let reason = (try? JSONSerialization.jsonObject(with: outcome.body) as? [String: Any])?["error"] as? String
            throw ServerError(.targetRefused, "\(url) answered HTTP \(status)" + (reason.map { ": \($0)" } ?? ""))
        default:
            totals.failedPosts += 1
            totals.lastError = outcome.failure
            if backlogCount > maxBacklog {
                throw ServerError(.targetBacklogFull, "\(url) has not stored events for too long (\(outcome.failure ?? "no answer")); \(backlogCount) events held back, over the limit of \(maxBacklog)")
            }
        }
    }
}
