/// A window of length W as 60 buckets of W/60, aligned to the Unix epoch (semantics.md).
public struct RollingWindow: Sendable {
    public static let bucketCount: Int64 = 60

    public let minutes: Int
    /// Bucket length in ms.
    public let granularity: Int64
    private var bucketIndex: [Int64]
    private var buckets: [Counters]

    public init(minutes: Int) {
        self.minutes = minutes
        self.granularity = Int64(minutes) * 60_000 / Self.bucketCount
        self.bucketIndex = [Int64](repeating: Int64.min, count: Int(Self.bucketCount))
        self.buckets = [Counters](repeating: .zero, count: Int(Self.bucketCount))
    }

    /// Adds effects attributed at `time` (≤ `now`); effects already outside the window are dropped.
    @inline(__always)
    public mutating func add(_ delta: Counters, at time: EpochMillis, now: EpochMillis) {
        let bucket = floorDiv(time, granularity)
        guard bucket > floorDiv(now, granularity) - Self.bucketCount else { return }
        let slot = Int(bucket - floorDiv(bucket, Self.bucketCount) * Self.bucketCount)
        if bucketIndex[slot] != bucket {
            bucketIndex[slot] = bucket
            buckets[slot] = .zero
        }
        buckets[slot].add(delta)
    }

    /// The sum of buckets `floor(now/g) − 59 … floor(now/g)`.
    public func value(at now: EpochMillis) -> Counters {
        let current = floorDiv(now, granularity)
        var total = Counters.zero
        for slot in 0..<Int(Self.bucketCount) {
            let index = bucketIndex[slot]
            if index <= current && index > current - Self.bucketCount { total.add(buckets[slot]) }
        }
        return total
    }
}
