/// `clock`: which clock drives `now` (README, "The daemon"). Default `live`.
public enum ClockMode: String, Sendable, CaseIterable {
    /// `now` is the wall clock passed in with each event and snapshot.
    case live
    /// `now` is the latest state time of any valid event so far.
    case event
}

/// `service_level_formula`: how service level is computed; the snapshot names the one in
/// force (README, "What the numbers mean"). Default `standard`.
public enum ServiceLevelFormula: String, Sendable, CaseIterable {
    case standard
    case answered
    case removedWithin = "removed_within"
}

/// Per-queue thresholds and formula, after overrides are resolved. Thresholds are in
/// milliseconds: the engine compares them with event times on every event.
public struct QueuePolicy: Sendable, Equatable {
    /// `service_level_seconds`: answered within this counts toward service level. Default 20s.
    public var serviceLevel: EpochMillis
    /// `short_abandon_seconds`: abandoned sooner than this is a short abandon. Default 5s.
    public var shortAbandon: EpochMillis
    /// `service_level_formula`. Default `standard`.
    public var formula: ServiceLevelFormula
    /// `forecast.service_level_target` (an override's `service_level_target`): the share of
    /// calls the forecast sizes staffing for, in (0, 1). Default 0.8.
    public var serviceLevelTarget: Double
    /// An override's `agents`: staffing from a schedule; nil: estimated (docs/spec/forecast.md).
    public var agents: Int?

    public init(serviceLevel: EpochMillis = 20_000, shortAbandon: EpochMillis = 5_000,
                formula: ServiceLevelFormula = .standard, serviceLevelTarget: Double = 0.8, agents: Int? = nil) {
        self.serviceLevel = serviceLevel
        self.shortAbandon = shortAbandon
        self.formula = formula
        self.serviceLevelTarget = serviceLevelTarget
        self.agents = agents
    }
}

/// One entry of `overrides`: settings for the queues whose name matches one of `patterns`;
/// unset (nil) values keep the global ones.
public struct QueueOverride: Sendable, Equatable {
    /// `overrides[].queues`: glob patterns (`*`, `?`, `[...]`); required.
    public var patterns: [String]
    /// `overrides[].service_level_seconds`, in milliseconds.
    public var serviceLevel: EpochMillis?
    /// `overrides[].short_abandon_seconds`, in milliseconds.
    public var shortAbandon: EpochMillis?
    /// `overrides[].service_level_formula`.
    public var formula: ServiceLevelFormula?
    /// `overrides[].service_level_target`.
    public var serviceLevelTarget: Double?
    /// `overrides[].agents`.
    public var agents: Int?

    public init(patterns: [String], serviceLevel: EpochMillis? = nil, shortAbandon: EpochMillis? = nil,
                formula: ServiceLevelFormula? = nil, serviceLevelTarget: Double? = nil, agents: Int? = nil) {
        self.patterns = patterns
        self.serviceLevel = serviceLevel
        self.shortAbandon = shortAbandon
        self.formula = formula
        self.serviceLevelTarget = serviceLevelTarget
        self.agents = agents
    }
}

/// `expiry.*`: how long a record may stay silent in each state before it is expired or
/// forgotten, in milliseconds.
public struct ExpiryLimits: Sendable, Equatable {
    /// `expiry.ringing`. Default 1h.
    public var ringing: EpochMillis = 3_600_000
    /// `expiry.connected`. Default 4h.
    public var connected: EpochMillis = 14_400_000
    /// `expiry.acw`. Default 1h.
    public var acw: EpochMillis = 3_600_000
    /// `expiry.finished`: how long an ended call is remembered (duplicates, late events). Default 1h.
    public var finished: EpochMillis = 3_600_000

    public init() {}

    /// The shortest limit: older events for unknown calls are `too_late`.
    public var shortest: EpochMillis { min(ringing, connected, acw, finished) }
}

/// `buckets.*`: histogram bucket upper bounds in seconds, non-negative and strictly increasing.
public struct HistogramBuckets: Sendable, Equatable {
    /// `buckets.wait`. Default 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600.
    public var wait: [Double] = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600]
    /// `buckets.talk`. Default 30, 60, 120, 180, 300, 600, 900, 1800, 3600.
    public var talk: [Double] = [30, 60, 120, 180, 300, 600, 900, 1800, 3600]
    /// `buckets.acw`. Default 10, 30, 60, 120, 180, 300, 600, 1800.
    public var acw: [Double] = [10, 30, 60, 120, 180, 300, 600, 1800]

    public init() {}
}

/// `intervals.*`: how long each interval bin is and how long closed bins are kept.
public struct IntervalSettings: Sendable, Equatable {
    /// The lengths `intervals.length` may take, in minutes: 15m, 30m, 1h.
    public static let allowedLengths = [15, 30, 60]
    /// `intervals.length`, in minutes. Default 15m.
    public var lengthMinutes = 15
    /// `intervals.retention`, in ms, counted back from `now`. Default 35d.
    public var retention: EpochMillis = 35 * 86_400_000

    public init() {}
}

/// `forecast.*` (docs/spec/forecast.md): which windows the forecast reads.
public struct ForecastSettings: Sendable, Equatable {
    /// `forecast.arrival_window`, a configured window, in minutes. Default 15m.
    public var arrivalWindowMinutes = 15
    /// `forecast.handle_window`, a configured window, in minutes. Default 1h.
    public var handleWindowMinutes = 60
    /// `forecast.agents_window`, in ms: how far back the busiest moment estimates `agents`. Default 5m.
    public var agentsWindow: EpochMillis = 300_000

    public init() {}
}

/// Everything the core needs to know, with the README's defaults ("Configuration"). The
/// server's loader reads them from the config file and checks them.
public struct Settings: Sendable, Equatable {
    /// `clock`. Default `live`; replay always uses `event`.
    public var clock: ClockMode = .live
    /// `service_level_seconds`, `short_abandon_seconds`, `service_level_formula`.
    public var policy = QueuePolicy()
    /// `overrides`: the first entry whose glob matches a queue wins as a whole. Default none.
    public var overrides: [QueueOverride] = []
    /// `timezone`: IANA time zone name for `today`. Default `UTC`.
    public var timezone = "UTC"
    /// `default_queue`: for events that name no queue. Default `unassigned`.
    public var defaultQueue = "unassigned"
    /// `queues`: queues shown from start-up with zeros. Default none.
    public var queues: [String] = []
    /// `windows`: rolling window lengths in minutes (1 … 1440). Default 1m, 5m, 15m, 1h.
    public var windowMinutes: [Int] = [1, 5, 15, 60]
    /// `buckets.*`.
    public var buckets = HistogramBuckets()
    /// `expiry.*`.
    public var expiry = ExpiryLimits()
    /// `intervals.*`: the interval history (docs/spec/intervals.md).
    public var intervals = IntervalSettings()
    /// `forecast.*` (the target is in `policy`, as overrides may set it per queue).
    public var forecast = ForecastSettings()
    /// `limits.max_queues`: queues tracked at once. Default 5000.
    public var maxQueues = 5_000
    /// `limits.max_active_calls`: call records not yet closed. Default 1000000.
    public var maxActiveCalls = 1_000_000

    public init() {}

    /// The policy for a queue: the first override whose glob matches wins as a whole.
    public func policy(forQueue name: String) -> QueuePolicy {
        for override in overrides where override.patterns.contains(where: { Glob.matches($0, name) }) {
            return QueuePolicy(serviceLevel: override.serviceLevel ?? policy.serviceLevel,
                               shortAbandon: override.shortAbandon ?? policy.shortAbandon,
                               formula: override.formula ?? policy.formula,
                               serviceLevelTarget: override.serviceLevelTarget ?? policy.serviceLevelTarget,
                               agents: override.agents ?? policy.agents)
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
