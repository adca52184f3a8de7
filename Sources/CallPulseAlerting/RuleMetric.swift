import CallPulseCore

/// What a rule measures on a queue snapshot (README.md, "Alerting"): typed when the rules file
/// is loaded, so evaluation reads a field with a switch, never by name.
public enum RuleMetric: Sendable, Equatable {
    /// A live gauge of the queue.
    case gauge(QueueGauge)
    /// A counter of a window (or `today`).
    case counter(WindowCounter, window: WindowRef)
    /// A value derived from a window's (or `today`'s) counters.
    case derived(DerivedValue, window: WindowRef)
    /// `now − last_event_at`, in seconds (infinite before any event).
    case eventSilence
    /// A value of the queue's forecast (docs/spec/forecast.md).
    case forecast(ForecastMetric)

    /// The name a rules file and `/api/v1/rules` use.
    public static let eventSilenceName = "event_silence_seconds"

    /// The metric's name in the rules file.
    public var name: String {
        switch self {
        case .gauge(let gauge): gauge.rawValue
        case .counter(let counter, _): counter.rawValue
        case .derived(let value, _): value.rawValue
        case .eventSilence: Self.eventSilenceName
        case .forecast(let value): value.rawValue
        }
    }

    /// For the name of a counter or a derived value, the metric over a given window; nil for
    /// any other name.
    public static func overWindow(named name: String) -> ((WindowRef) -> RuleMetric)? {
        if let counter = WindowCounter(rawValue: name) { return { .counter(counter, window: $0) } }
        if let derived = DerivedValue(rawValue: name) { return { .derived(derived, window: $0) } }
        return nil
    }

    /// The window the metric reads, if it reads one.
    public var window: WindowRef? {
        switch self {
        case .gauge, .eventSilence, .forecast: nil
        case .counter(_, let window), .derived(_, let window): window
        }
    }
}

/// The live gauges a rule can read; raw values are the names in a rules file.
public enum QueueGauge: String, Sendable, CaseIterable {
    case waiting
    case waitingOverSL = "waiting_over_sl"
    case oldestWaitingSeconds = "oldest_waiting_seconds"
    case connected
    case onHold = "on_hold"
    case inAcw = "in_acw"

    /// The gauge's value in `queue`.
    public func value(in queue: QueueSnapshot) -> Double {
        switch self {
        case .waiting: Double(queue.waiting)
        case .waitingOverSL: Double(queue.waitingOverSL)
        case .oldestWaitingSeconds: Double(queue.oldestWaitingMillis) / 1000
        case .connected: Double(queue.connected)
        case .onHold: Double(queue.onHold)
        case .inAcw: Double(queue.inAcw)
        }
    }
}

/// The forecast values a rule can read (docs/spec/forecast.md); raw values are the names in a
/// rules file. Each is nil (the rule does not hold) where the forecast is undefined, and
/// until the forecast has settled (a whole handle window observed).
public enum ForecastMetric: String, Sendable, CaseIterable {
    case projectedServiceLevel = "projected_service_level"
    case estimatedWaitSeconds = "estimated_wait_seconds"
    case requiredAgents = "required_agents"
    case agents
    case agentsShort = "agents_short"

    /// The value and the volume `min_volume` compares: the calls the projection counts
    /// (so a quiet queue's projection need not page).
    public func read(_ forecast: QueueForecast) -> (value: Double, volume: Double)? {
        guard forecast.settled else { return nil }
        let value: Double? = switch self {
        case .projectedServiceLevel: forecast.projectedServiceLevel
        case .estimatedWaitSeconds: forecast.estimatedWaitMillis.map { Double($0) / 1000 }
        case .requiredAgents: forecast.requiredAgents.map(Double.init)
        case .agents: Double(forecast.agents)
        case .agentsShort: forecast.agentsShort.map(Double.init)
        }
        return value.map { ($0, forecast.projectedCalls) }
    }
}

/// The counters of a window (or `today`) a rule can read; raw values are the snapshot's keys.
public enum WindowCounter: String, Sendable, CaseIterable {
    case offered
    case answered
    case answeredWithinSL = "answered_within_sl"
    case missed
    case rejected
    case abandoned
    case shortAbandoned = "short_abandoned"
    case abandonedWithinSL = "abandoned_within_sl"
    case completed
    case acwCompleted = "acw_completed"
    case holds
    case waitCount = "wait_count"
    case waitSecondsSum = "wait_seconds_sum"
    case talkSecondsSum = "talk_seconds_sum"
    case holdSecondsSum = "hold_seconds_sum"
    case acwSecondsSum = "acw_seconds_sum"

    /// The counter's value in `counters`; durations in seconds.
    public func value(in counters: Counters) -> Double {
        switch self {
        case .offered: Double(counters.offered)
        case .answered: Double(counters.answered)
        case .answeredWithinSL: Double(counters.answeredWithinSL)
        case .missed: Double(counters.missed)
        case .rejected: Double(counters.rejected)
        case .abandoned: Double(counters.abandoned)
        case .shortAbandoned: Double(counters.shortAbandoned)
        case .abandonedWithinSL: Double(counters.abandonedWithinSL)
        case .completed: Double(counters.completed)
        case .acwCompleted: Double(counters.acwCompleted)
        case .holds: Double(counters.holds)
        case .waitCount: Double(counters.waitCount)
        case .waitSecondsSum: Double(counters.waitMillis) / 1000
        case .talkSecondsSum: Double(counters.talkMillis) / 1000
        case .holdSecondsSum: Double(counters.holdMillis) / 1000
        case .acwSecondsSum: Double(counters.acwMillis) / 1000
        }
    }
}

/// The values derived from a window's counters a rule can read; raw values are the snapshot's keys.
public enum DerivedValue: String, Sendable, CaseIterable {
    case serviceLevel = "service_level"
    case abandonRate = "abandon_rate"
    case avgWaitSeconds = "avg_wait_seconds"
    case avgTalkSeconds = "avg_talk_seconds"
    case avgAcwSeconds = "avg_acw_seconds"
    case avgHandleSeconds = "avg_handle_seconds"

    /// The value (nil while its denominator is 0) and its denominator, the volume `min_volume`
    /// compares.
    public func read(_ counters: Counters, formula: ServiceLevelFormula) -> (value: Double?, volume: Double) {
        let derived = DerivedValues(counters, formula: formula)
        return switch self {
        case .serviceLevel: (derived.serviceLevel, Double(counters.serviceLevelDenominator(formula)))
        case .abandonRate: (derived.abandonRate, Double(counters.abandonRateDenominator))
        case .avgWaitSeconds: (derived.avgWaitMillis.map(Self.seconds), Double(counters.waitCount))
        case .avgTalkSeconds: (derived.avgTalkMillis.map(Self.seconds), Double(counters.completed))
        case .avgAcwSeconds: (derived.avgAcwMillis.map(Self.seconds), Double(counters.acwCompleted))
        case .avgHandleSeconds: (derived.avgHandleMillis.map(Self.seconds), Double(counters.completed))
        }
    }

    private static func seconds(_ millis: Int64) -> Double { Double(millis) / 1000 }
}

/// A window a rule reads: a configured rolling window by its canonical name, or `today`.
public enum WindowRef: Sendable, Equatable {
    case rolling(String, minutes: Int)
    case today

    public var name: String {
        switch self {
        case .rolling(let name, _): name
        case .today: "today"
        }
    }

    /// The window's counters in `queue` (nil for a window the queue does not have).
    public func counters(in queue: QueueSnapshot) -> Counters? {
        switch self {
        case .today: queue.today
        case .rolling(let name, _): queue.windows.first { $0.name == name }?.counters
        }
    }
}
