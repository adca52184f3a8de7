import CallPulseSupport

/// `limits.ingest_rate`/`ingest_burst` for the HTTP ingest input (docs/spec/security.md,
/// "Rate limits"): a token bucket in events per client address behind the one lock, each
/// refusal counted (`callpulse_http_rate_limited_total`, `…_events_total`).
final class IngestRateLimit: Sendable {
    private let limits: LockedBox<IngestRateLimits>
    private let stats: LockedBox<DaemonStats>
    private let now: @Sendable () -> UInt64
    let rate: Double
    let burst: Double

    init(_ limits: IngestRateLimits, stats: LockedBox<DaemonStats>,
         now: @escaping @Sendable () -> UInt64 = { SystemClock.monotonicNanos() }) {
        rate = limits.rate
        burst = limits.burst
        self.limits = LockedBox(limits)
        self.stats = stats
        self.now = now
    }

    /// nil when `client` may post `events` events now (they are taken); else how long until it may.
    func admit(_ events: Int, from client: String) -> Duration? {
        let wait = limits.withLock { $0.take(events, client: client, now: now()) }
        if wait != nil {
            stats.withLock {
                $0.rateLimitedRequests += 1
                $0.rateLimitedEvents += Int64(events)
            }
        }
        return wait
    }
}
