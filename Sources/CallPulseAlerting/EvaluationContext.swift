import CallPulseCore

/// What spike rules need beyond a queue's snapshot (docs/spec/forecast.md, "Spike rules"):
/// how long the engine has observed, and the earlier ranges of seasonal baselines.
public struct EvaluationContext: Sendable {
    /// The engine's `observedSince`; nil: nothing observed yet (no spike holds).
    public var observedSince: EpochMillis?
    /// For each seasonal rule (by alert name) and queue: the counters of the ranges one, two, …
    /// periods back; nil where a range was not observed or is no longer kept.
    public var seasonalRanges: [String: [String: [Counters?]]]

    public init(observedSince: EpochMillis? = nil, seasonalRanges: [String: [String: [Counters?]]] = [:]) {
        self.observedSince = observedSince
        self.seasonalRanges = seasonalRanges
    }

    /// The ranges `[from, to)` a seasonal baseline of `rule` reads at `now`, one per period back.
    public static func seasonalRanges(of rule: Rule, now: EpochMillis) -> [(from: EpochMillis, to: EpochMillis)] {
        guard let spike = rule.spike, case .seasonal(let periodMinutes, let periods) = spike.baseline,
              case .rolling(_, let windowMinutes) = rule.metric.window ?? .today else { return [] }
        let period = Int64(periodMinutes) * 60_000, window = Int64(windowMinutes) * 60_000
        return (1...periods).map { k in (now - Int64(k) * period - window, now - Int64(k) * period) }
    }
}
