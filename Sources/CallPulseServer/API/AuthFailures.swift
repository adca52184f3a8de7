import CallPulseHTTP
import CallPulseSupport
import Logging

/// Failed authentications (docs/spec/security.md, "Tokens"): every 401 counted by handler
/// (`callpulse_http_auth_failures_total{handler}`) and logged at most once a minute per
/// client address. The line says whether a token was given, never what it was.
final class AuthFailures: Sendable {
    private let stats: LockedBox<DaemonStats>
    /// One line a minute per address; 4,096 addresses remembered (a client guessing tokens
    /// cannot fill the log; every failure is still counted).
    private let log: LockedBox<OncePerPeriod>
    private let logger: Logger
    private let now: @Sendable () -> UInt64

    init(stats: LockedBox<DaemonStats>, logger: Logger, log: OncePerPeriod = OncePerPeriod(period: .seconds(60), capacity: 4096),
         now: @escaping @Sendable () -> UInt64 = { SystemClock.monotonicNanos() }) {
        self.stats = stats
        self.log = LockedBox(log)
        self.logger = logger
        self.now = now
    }

    func record(handler: String, request: HTTPRequest) {
        stats.withLock { $0.authFailures[handler, default: 0] += 1 }
        let client = request.clientAddress.isEmpty ? "unknown" : request.clientAddress
        guard let heldBack = log.withLock({ $0.admit(client, now: now()) }) else { return }
        let given = request.header("authorization") == nil ? "no token" : "a wrong token"
        let more = heldBack == 0 ? "" : " (and \(heldBack) more from this address since its last line)"
        logger.warning("authentication failed: \(given) for \(handler) from \(client)\(more)")
    }
}
