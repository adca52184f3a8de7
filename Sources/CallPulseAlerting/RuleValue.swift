import CallPulseCore

/// Reads a rule's value from a queue snapshot.
public enum RuleValue {
    /// The value, and the volume the rule's floor (`min_volume`, for ratios) compares; nil
    /// when the value cannot be read (a missing window, or a ratio with no denominator yet).
    public static func read(_ metric: RuleMetric, from queue: QueueSnapshot, now: EpochMillis) -> (value: Double, volume: Double)? {
        switch metric {
        case .gauge(let gauge):
            return (gauge.value(in: queue), .infinity)
        case .eventSilence:
            // Volume: calls offered today, so `min_volume: 1` means "a queue that had traffic today".
            let volume = Double(queue.today.offered)
            guard let last = queue.lastEventAt else { return (.infinity, volume) }
            return (Double(max(0, now - last)) / 1000, volume)
        case .counter(let counter, let window):
            guard let counters = window.counters(in: queue) else { return nil }
            return (counter.value(in: counters), .infinity)
        case .derived(let derived, let window):
            guard let counters = window.counters(in: queue) else { return nil }
            let (value, volume) = derived.read(counters, formula: queue.policy.formula)
            return value.map { ($0, volume) }
        case .forecast(let metric):
            return queue.forecast.flatMap(metric.read)
        }
    }

    /// Whether the rule's condition holds for this queue now; the value when it can be read.
    public static func condition(_ rule: Rule, _ queue: QueueSnapshot, now: EpochMillis,
                                 context: EvaluationContext = EvaluationContext()) -> (holds: Bool, value: Double?) {
        guard let (value, volume) = read(rule.metric, from: queue, now: now) else { return (false, nil) }
        if let spike = rule.spike {
            guard case .counter(let counter, let window) = rule.metric, case .rolling(_, let minutes) = window,
                  value >= spike.min else { return (false, value) }
            switch spike.baseline {
            case .rolling(let baseline, let minCoverage):
                guard case .rolling(_, let baselineMinutes) = baseline, let baselineCounters = baseline.counters(in: queue),
                      let since = context.observedSince else { return (false, value) }
                let w = Double(minutes) * 60_000, whole = Double(baselineMinutes) * 60_000
                let observed = min(whole, Double(max(0, now - since)))
                guard observed >= minCoverage * whole, observed > w else { return (false, value) }
                // The window's pace against the pace of the observed baseline before it.
                let before = counter.value(in: baselineCounters) - value
                // Negative only when the baseline's buckets, aligned apart, hold less than the
                // window's: no earlier part to compare with.
                guard before >= 0 else { return (false, value) }
                return (value / w > spike.factor * before / (observed - w), value)
            case .seasonal:
                guard let ranges = context.seasonalRanges[rule.alert]?[queue.name.string], !ranges.isEmpty,
                      ranges.allSatisfy({ $0 != nil }) else { return (false, value) }
                let mean = ranges.reduce(0.0) { $0 + counter.value(in: $1!) } / Double(ranges.count)
                return (value > spike.factor * mean, value)
            }
        }
        guard volume >= rule.minVolume else { return (false, value) }
        return (rule.op.holds(value, rule.threshold), value)
    }
}
