/// A queue's rolling windows: each of length W is 60 buckets of W/60, aligned to the Unix
/// epoch (semantics.md). All windows share two flat arrays, so adding an effect touches
/// no nested storage.
public struct RollingWindows: Sendable {
    public static let bucketCount = 60

    /// Window lengths in minutes, in configured order.
    public let minutes: [Int]
    /// Bucket length in ms, per window.
    private let granularity: [Int64]
    /// For each window, 60 slots: the bucket number a slot holds, and its counters.
    private var bucketNumber: [Int64]
    private var buckets: [Counters]
    /// The bucket number holding `cachedNow`, per window: events mostly share one `now`.
    private var currentBucket: [Int64]
    private var cachedNow = Int64.min

    public init(minutes: [Int]) {
        self.minutes = minutes
        self.granularity = minutes.map { Int64($0) * 60_000 / Int64(Self.bucketCount) }
        bucketNumber = [Int64](repeating: Int64.min, count: minutes.count * Self.bucketCount)
        buckets = [Counters](repeating: .zero, count: minutes.count * Self.bucketCount)
        currentBucket = [Int64](repeating: 0, count: minutes.count)
    }

    /// Adds effects attributed at `time` (≤ `now`) to every window; effects already outside
    /// a window are dropped from it.
    @inline(__always)
    public mutating func add(_ delta: Counters, at time: EpochMillis, now: EpochMillis) {
        let count = Int64(Self.bucketCount)
        if now != cachedNow {
            for window in granularity.indices { currentBucket[window] = floorDiv(now, granularity[window]) }
            cachedNow = now
        }
        for window in granularity.indices {
            let bucket = time == now ? currentBucket[window] : floorDiv(time, granularity[window])
            guard bucket > currentBucket[window] - count else { continue }
            // Times are never negative (validation keeps them in 1970 … 9999), so `%` is floor-mod.
            let slot = window * Self.bucketCount + Int(bucket % count)
            if bucketNumber[slot] != bucket {
                bucketNumber[slot] = bucket
                buckets[slot] = .zero
            }
            buckets[slot].add(delta)
        }
    }

    /// Window `window`'s value at `now`: the sum of buckets `floor(now/g) − 59 … floor(now/g)`.
    public func value(_ window: Int, at now: EpochMillis) -> Counters {
        let current = floorDiv(now, granularity[window])
        var total = Counters.zero
        for slot in (window * Self.bucketCount)..<((window + 1) * Self.bucketCount) {
            let number = bucketNumber[slot]
            if number <= current && number > current - Int64(Self.bucketCount) { total.add(buckets[slot]) }
        }
        return total
    }
}
