/// A cumulative-on-read histogram of millisecond observations with bounds in seconds.
public struct Histogram: Sendable, Equatable {
    /// Upper bounds in seconds, ascending.
    public let bounds: [Double]
    /// Upper bounds in ms, for exact comparison.
    private let boundsMillis: [Int64]
    /// Non-cumulative counts per bucket; the last is `+Inf`.
    public private(set) var counts: [Int64]
    public private(set) var sumMillis: Int64 = 0
    public private(set) var count: Int64 = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        self.boundsMillis = bounds.map { Int64(($0 * 1000).rounded()) }
        self.counts = [Int64](repeating: 0, count: bounds.count + 1)
    }

    /// Adds one observation; an observation equal to a bound falls in that bound's bucket (`le`).
    public mutating func observe(_ millis: Int64) {
        var index = 0
        while index < boundsMillis.count && millis > boundsMillis[index] { index += 1 }
        counts[index] += 1
        sumMillis &+= millis
        count += 1
    }

    /// Cumulative counts per bound, ending with `+Inf` (equal to `count`).
    public var cumulativeCounts: [Int64] {
        var total: Int64 = 0
        return counts.map { total += $0; return total }
    }
}
