/// Which clock drives `now` (semantics.md, "The clock").
public enum ClockMode: String, Sendable, CaseIterable {
    /// `now` is the wall clock passed in with each event and snapshot.
    case live
    /// `now` is the latest state time of any valid event so far.
    case event
}

/// How service level is computed; the snapshot names the one in force.
public enum ServiceLevelFormula: String, Sendable, CaseIterable {
    case standard
    case answered
    case removedWithin = "removed_within"
}

/// Per-queue thresholds and formula, after overrides are resolved.
public struct QueuePolicy: Sendable, Equatable {
    public var serviceLevel: EpochMillis
    public var shortAbandon: EpochMillis
    public var formula: ServiceLevelFormula

    public init(serviceLevel: EpochMillis = 20_000, shortAbandon: EpochMillis = 5_000,
                formula: ServiceLevelFormula = .standard) {
        self.serviceLevel = serviceLevel
        self.shortAbandon = shortAbandon
        self.formula = formula
    }
}

/// Settings for the queues whose name matches one of `patterns`; unset values keep the global ones.
public struct QueueOverride: Sendable, Equatable {
    public var patterns: [String]
    public var serviceLevel: EpochMillis?
    public var shortAbandon: EpochMillis?
    public var formula: ServiceLevelFormula?

    public init(patterns: [String], serviceLevel: EpochMillis? = nil, shortAbandon: EpochMillis? = nil,
                formula: ServiceLevelFormula? = nil) {
        self.patterns = patterns
        self.serviceLevel = serviceLevel
        self.shortAbandon = shortAbandon
        self.formula = formula
    }
}

/// How long a record may stay silent in each state before it is expired or forgotten.
public struct ExpiryLimits: Sendable, Equatable {
    public var ringing: EpochMillis = 3_600_000
    public var connected: EpochMillis = 14_400_000
    public var acw: EpochMillis = 3_600_000
    public var finished: EpochMillis = 3_600_000

    public init() {}

    /// The shortest limit: older events for unknown calls are `too_late`.
    public var shortest: EpochMillis { min(ringing, connected, acw, finished) }
}

/// Histogram bucket upper bounds, in seconds.
public struct HistogramBuckets: Sendable, Equatable {
    public var wait: [Double] = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600]
    public var talk: [Double] = [30, 60, 120, 180, 300, 600, 900, 1800, 3600]
    public var acw: [Double] = [10, 30, 60, 120, 180, 300, 600, 1800]

    public init() {}
}

/// Everything the core needs to know, with the spec's defaults.
public struct Settings: Sendable, Equatable {
    public var clock: ClockMode = .live
    public var policy = QueuePolicy()
    public var overrides: [QueueOverride] = []
    /// IANA time zone name for `today`.
    public var timezone = "UTC"
    public var defaultQueue = "unassigned"
    /// Queues shown from start-up with zeros.
    public var queues: [String] = []
    /// Rolling window lengths in minutes (1 … 1440).
    public var windowMinutes: [Int] = [1, 5, 15, 60]
    public var buckets = HistogramBuckets()
    public var expiry = ExpiryLimits()
    public var maxQueues = 5_000
    public var maxActiveCalls = 1_000_000

    public init() {}

    /// The policy for a queue: the first override whose glob matches wins as a whole.
    public func policy(forQueue name: String) -> QueuePolicy {
        for override in overrides where override.patterns.contains(where: { Glob.matches($0, name) }) {
            return QueuePolicy(serviceLevel: override.serviceLevel ?? policy.serviceLevel,
                               shortAbandon: override.shortAbandon ?? policy.shortAbandon,
                               formula: override.formula ?? policy.formula)
        }
        return policy
    }
}

/// A window's canonical name: `1m`, `15m`, `1h`, `1h30m`, `24h`.
public func canonicalWindowName(minutes: Int) -> String {
    let hours = minutes / 60, rest = minutes % 60
    if hours == 0 { return "\(minutes)m" }
    return rest == 0 ? "\(hours)h" : "\(hours)h\(rest)m"
}
