/// A queue's rolling windows: each of length W is 60 buckets of W/60, aligned to the Unix
/// epoch (docs/spec/semantics.md). All windows share flat arrays. Each also keeps the sum of its live
/// buckets for the newest bucket it was read at, so a snapshot reads a window without
/// summing 60 buckets unless that window has moved on since.
public struct RollingWindows: Sendable {
    public static let bucketCount = 60

    /// Window lengths in minutes, in configured order.
    public let minutes: [Int]
    /// Canonical names (`1m`, `1h30m`), in the same order.
    public let names: [String]
    /// Bucket length in ms, per window.
    private let granularity: [Int64]
    /// For each window, 60 slots: the bucket number a slot holds, and its counters.
    private var bucketNumber: [Int64]
    private var buckets: [Counters]
    /// The bucket number holding `cachedNow`, per window: events mostly share one `now`.
    private var currentBucket: [Int64]
    private var cachedNow = Int64.min
    /// Per window: the sum of buckets `sumBucket − 59 … sumBucket`.
    private var sums: [Counters]
    private var sumBucket: [Int64]

    public init(minutes: [Int]) {
        self.minutes = minutes
        self.names = minutes.map { canonicalWindowName(minutes: $0) }
        self.granularity = minutes.map { Int64($0) * 60_000 / Int64(Self.bucketCount) }
        bucketNumber = [Int64](repeating: Int64.min, count: minutes.count * Self.bucketCount)
        buckets = [Counters](repeating: .zero, count: minutes.count * Self.bucketCount)
        currentBucket = [Int64](repeating: 0, count: minutes.count)
        sums = [Counters](repeating: .zero, count: minutes.count)
        sumBucket = [Int64](repeating: Int64.min, count: minutes.count)
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
            // Keep the cached sum exact when the bucket lies in the window it covers.
            if bucket <= sumBucket[window] && bucket > sumBucket[window] - count { sums[window].add(delta) }
        }
    }

    /// Makes every window's sum the one at `now`: windows whose newest bucket moved are re-summed.
    public mutating func refresh(at now: EpochMillis) {
        for window in granularity.indices {
            let current = floorDiv(now, granularity[window])
            guard current != sumBucket[window] else { continue }
            var total = Counters.zero
            for slot in (window * Self.bucketCount)..<((window + 1) * Self.bucketCount) {
                let number = bucketNumber[slot]
                if number <= current && number > current - Int64(Self.bucketCount) { total.add(buckets[slot]) }
            }
            sums[window] = total
            sumBucket[window] = current
        }
    }

    /// Window `window`'s value at the `now` of the last `refresh`.
    public func value(_ window: Int) -> Counters { sums[window] }
}

extension RollingWindows {
    func write(to out: inout StateWriter) {
        out.plain(bucketNumber)
        out.plain(buckets)
        out.plain(currentBucket)
        out.int(cachedNow)
        out.plain(sums)
        out.plain(sumBucket)
    }

    mutating func read(from input: inout StateReader) throws(CoreError) {
        bucketNumber = try input.plain(count: bucketNumber.count)
        buckets = try input.plain(count: buckets.count)
        currentBucket = try input.plain(count: currentBucket.count)
        cachedNow = try input.int()
        sums = try input.plain(count: sums.count)
        sumBucket = try input.plain(count: sumBucket.count)
    }
}
