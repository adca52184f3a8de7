import CallPulseCore

/// Counters the daemon keeps beside the engine: HTTP traffic, event delay, reloads.
public struct DaemonStats: Sendable {
    /// Bucket bounds (seconds) of the HTTP duration histogram.
    public static let durationBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    /// Bucket bounds (seconds) of the event delay histogram.
    public static let delayBounds: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

    public struct HandlerKey: Hashable, Sendable {
        public var handler: String
        public var code: Int
    }

    public var requests: [HandlerKey: Int64] = [:]
    /// Durations in microseconds, by handler.
    public var durations: [String: MicrosecondHistogram] = [:]
    public var eventDelay = Histogram(bounds: DaemonStats.delayBounds)
    public var lastReloadSuccessful = true
    public var lastReloadSuccessAt: EpochMillis = 0

    public init() {}

    public mutating func record(handler: String, code: Int, micros: Int64) {
        requests[HandlerKey(handler: handler, code: code), default: 0] += 1
        durations[handler, default: MicrosecondHistogram(bounds: Self.durationBounds)].observe(micros)
    }
}

/// A histogram of microsecond observations with bounds in seconds.
public struct MicrosecondHistogram: Sendable {
    public let bounds: [Double]
    private let boundsMicros: [Int64]
    public private(set) var counts: [Int64]
    public private(set) var sumMicros: Int64 = 0
    public private(set) var count: Int64 = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        boundsMicros = bounds.map { Int64(($0 * 1_000_000).rounded()) }
        counts = [Int64](repeating: 0, count: bounds.count + 1)
    }

    public mutating func observe(_ micros: Int64) {
        var index = 0
        while index < boundsMicros.count && micros > boundsMicros[index] { index += 1 }
        counts[index] += 1
        sumMicros += micros
        count += 1
    }

    public var cumulativeCounts: [Int64] {
        var total: Int64 = 0
        return counts.map { total += $0; return total }
    }
}
