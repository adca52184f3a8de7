/// A cumulative-on-read histogram of integer observations (ms by default, or any fraction
/// of a second) with bounds in seconds.
public struct Histogram: Sendable, Equatable {
    /// Upper bounds in seconds, ascending.
    public let bounds: [Double]
    /// Observation units per second: 1,000 for milliseconds, 1,000,000 for microseconds.
    public let unitsPerSecond: Int64
    /// Upper bounds in units, for exact comparison.
    private let boundsInUnits: [Int64]
    /// Non-cumulative counts per bucket; the last is `+Inf`.
    public private(set) var counts: [Int64]
    /// The sum of observations, in units.
    public private(set) var sum: Int64 = 0
    public private(set) var count: Int64 = 0

    public init(bounds: [Double], unitsPerSecond: Int64 = 1000) {
        self.bounds = bounds
        self.unitsPerSecond = unitsPerSecond
        self.boundsInUnits = bounds.map { Int64(($0 * Double(unitsPerSecond)).rounded()) }
        self.counts = [Int64](repeating: 0, count: bounds.count + 1)
    }

    /// Adds one observation; an observation equal to a bound falls in that bound's bucket (`le`).
    public mutating func observe(_ value: Int64) {
        var index = 0
        while index < boundsInUnits.count && value > boundsInUnits[index] { index += 1 }
        counts[index] += 1
        sum &+= value
        count += 1
    }
}

extension Histogram {
    func write(to out: inout StateWriter) {
        out.plain(counts)
        out.int(sum)
        out.int(count)
    }

    mutating func read(from input: inout StateReader) throws(CoreError) {
        counts = try input.plain(count: counts.count)
        sum = try input.int()
        count = try input.int()
    }
}
