/// A token bucket in events (docs/spec/security.md, "Rate limits"): it refills at `rate`
/// events a second up to `burst`, and a batch takes one token per event. Pure: the caller
/// passes the time (monotonic nanoseconds).
///
/// A batch larger than the whole bucket is neither refused forever (the forwarder would
/// retry it forever) nor split here: it passes when the bucket is full and leaves the bucket
/// in debt (below zero), which is paid back before anything else passes, so the long-run rate
/// still holds. `limits.max_body_bytes` bounds the debt.
struct TokenBucket: Sendable, Equatable {
    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private(set) var updatedAt: UInt64

    /// A full bucket.
    init(rate: Double, burst: Double, now: UInt64) {
        self.rate = rate
        self.burst = burst
        tokens = burst
        updatedAt = now
    }

    /// Takes `cost` tokens at `now`: nil when taken; else how long until they could be, and
    /// nothing taken.
    mutating func take(_ cost: Double, now: UInt64) -> Duration? {
        refill(now)
        let needed = min(cost, burst)
        // The slack absorbs rounding, so a client that waited exactly as told is let in.
        if tokens + 1e-9 >= needed {
            tokens -= cost
            return nil
        }
        // Bounded so a tiny rate cannot overflow: past a century the answer is the same.
        return .nanoseconds(Int64(min(((needed - tokens) / rate * 1e9).rounded(.up), 3.2e18)))
    }

    /// The tokens at `now`, without changing the bucket.
    func level(at now: UInt64) -> Double {
        now > updatedAt ? min(burst, tokens + Double(now - updatedAt) / 1e9 * rate) : tokens
    }

    /// Refilled to `burst` by `now`: the bucket limits nothing and may be forgotten.
    func isFull(at now: UInt64) -> Bool { level(at: now) >= burst }

    private mutating func refill(_ now: UInt64) {
        tokens = level(at: now)
        updatedAt = max(updatedAt, now)
    }
}

/// One bucket per client address, bounded (docs/spec/security.md, "Rate limits"): a full
/// bucket is the same as none, so full ones are dropped when the map grows; if every bucket
/// is still in use at `capacity`, the fullest is dropped (its client starts again full, the
/// lenient way to fail). Only clients past the access check reach it, so the addresses are
/// those holding an ingest token or on loopback.
struct IngestRateLimits: Sendable {
    let rate: Double
    let burst: Double
    let capacity: Int
    /// Dropping full buckets starts when the map reaches this many (then twice what is left).
    private var sweepAt: Int
    private let firstSweep: Int
    private var buckets: [String: TokenBucket] = [:]

    init(rate: Double, burst: Double, capacity: Int = 65_536, firstSweep: Int = 1024) {
        self.rate = rate
        self.burst = burst
        self.capacity = capacity
        self.firstSweep = min(firstSweep, capacity)
        sweepAt = self.firstSweep
    }

    /// Takes `events` tokens from `client`'s bucket at `now`: nil when taken, else how long
    /// until the batch could pass.
    mutating func take(_ events: Int, client: String, now: UInt64) -> Duration? {
        if buckets[client] == nil { makeRoom(now) }
        var bucket = buckets[client] ?? TokenBucket(rate: rate, burst: burst, now: now)
        let wait = bucket.take(Double(events), now: now)
        buckets[client] = bucket
        return wait
    }

    var clients: Int { buckets.count }

    private mutating func makeRoom(_ now: UInt64) {
        guard buckets.count >= sweepAt else { return }
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        if buckets.count >= capacity,
           let fullest = buckets.max(by: { $0.value.level(at: now) < $1.value.level(at: now) }) {
            buckets[fullest.key] = nil
        }
        sweepAt = min(capacity, max(firstSweep, 2 * buckets.count))
    }
}
