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
    public var durations: [String: Histogram] = [:]
    public var eventDelay = Histogram(bounds: DaemonStats.delayBounds)
    public var lastReloadSuccessful = true
    public var lastReloadSuccessAt: EpochMillis = 0
    /// Requests refused for a missing or wrong token (401), by handler (docs/spec/security.md).
    public var authFailures: [String: Int64] = [:]
    /// Ingest requests refused by `limits.ingest_rate` (429), and the events in them.
    public var rateLimitedRequests: Int64 = 0
    public var rateLimitedEvents: Int64 = 0
    /// Live streams open (filled in when rendered).
    public var streamClients = 0
    /// Journal and checkpoint figures, with a state directory (filled in when rendered).
    var persistence: DurableStore.Stats?
    /// The NATS source, with a `nats:` section (filled in when rendered).
    var source: StreamSourceStatus?

    public init() {}

    public mutating func record(handler: String, code: Int, micros: Int64) {
        requests[HandlerKey(handler: handler, code: code), default: 0] += 1
        durations[handler, default: Histogram(bounds: Self.durationBounds, unitsPerSecond: 1_000_000)].observe(micros)
    }
}
