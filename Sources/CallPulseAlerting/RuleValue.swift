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
        }
    }

    /// Whether the rule's condition holds for this queue now; the value when it can be read.
    public static func condition(_ rule: Rule, _ queue: QueueSnapshot, now: EpochMillis) -> (holds: Bool, value: Double?) {
        guard let (value, volume) = read(rule.metric, from: queue, now: now) else { return (false, nil) }
        if let spike = rule.spike {
            guard case .counter(let counter, let window) = rule.metric, case .rolling(_, let minutes) = window,
                  case .rolling(_, let baselineMinutes) = spike.baseline,
                  let baselineCounters = spike.baseline.counters(in: queue) else { return (false, value) }
            let scaled = counter.value(in: baselineCounters) * Double(minutes) / Double(baselineMinutes)
            return (value > spike.factor * scaled && value >= spike.min, value)
        }
        guard volume >= rule.minVolume else { return (false, value) }
        return (rule.op.holds(value, rule.threshold), value)
    }
}
