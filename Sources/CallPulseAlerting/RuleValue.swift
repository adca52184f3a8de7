import CallPulseCore

/// Reads a rule's value from a queue snapshot.
public enum RuleValue {
    /// The value, and whether the rule's volume floor (`min_volume`, for ratios) is met.
    public static func read(_ metric: RuleMetric, from queue: QueueSnapshot, now: EpochMillis) -> (value: Double, volume: Double)? {
        switch metric {
        case .gauge(let name):
            switch name {
            case "waiting": return (Double(queue.waiting), .infinity)
            case "waiting_over_sl": return (Double(queue.waitingOverSL), .infinity)
            case "oldest_waiting_seconds": return (Double(queue.oldestWaitingMillis) / 1000, .infinity)
            case "connected": return (Double(queue.connected), .infinity)
            case "on_hold": return (Double(queue.onHold), .infinity)
            case "in_acw": return (Double(queue.inAcw), .infinity)
            default: return nil
            }
        case .eventSilence:
            // Volume: calls offered today, so `min_volume: 1` means "a queue that had traffic today".
            let volume = Double(queue.today.offered)
            guard let last = queue.lastEventAt else { return (.infinity, volume) }
            return (Double(max(0, now - last)) / 1000, volume)
        case .counter(let name, let window):
            guard let counters = counters(window, queue) else { return nil }
            return (counterValue(name, counters), .infinity)
        case .derived(let name, let window):
            guard let counters = counters(window, queue) else { return nil }
            let derived = DerivedValues(counters, formula: queue.policy.formula)
            let c = counters
            switch name {
            case "service_level":
                let denominator: Int64 = switch queue.policy.formula {
                case .standard: c.waitCount + c.abandoned - c.shortAbandoned
                case .answered: c.waitCount
                case .removedWithin: c.waitCount + c.abandoned
                }
                return derived.serviceLevel.map { ($0, Double(denominator)) }
            case "abandon_rate":
                return derived.abandonRate.map { ($0, Double(c.answered + c.abandoned - c.shortAbandoned)) }
            case "avg_wait_seconds": return derived.avgWaitMillis.map { (Double($0) / 1000, Double(c.waitCount)) }
            case "avg_talk_seconds": return derived.avgTalkMillis.map { (Double($0) / 1000, Double(c.completed)) }
            case "avg_acw_seconds": return derived.avgAcwMillis.map { (Double($0) / 1000, Double(c.acwCompleted)) }
            case "avg_handle_seconds": return derived.avgHandleMillis.map { (Double($0) / 1000, Double(c.completed)) }
            default: return nil
            }
        }
    }

    static func counters(_ window: WindowRef, _ queue: QueueSnapshot) -> Counters? {
        switch window {
        case .today: queue.today
        case .rolling(let name, _): queue.windows.first { $0.name == name }?.counters
        }
    }

    static func counterValue(_ name: String, _ c: Counters) -> Double {
        var result = 0.0
        c.forEachField { key, value, isDuration in
            if key.description == name { result = isDuration ? Double(value) / 1000 : Double(value) }
        }
        return result
    }

    /// Whether the rule's condition holds for this queue now; the value when it can be read.
    public static func condition(_ rule: Rule, _ queue: QueueSnapshot, now: EpochMillis) -> (holds: Bool, value: Double?) {
        guard let (value, volume) = read(rule.metric, from: queue, now: now) else { return (false, nil) }
        if let spike = rule.spike {
            guard case .counter(let name, let window) = rule.metric, case .rolling(_, let minutes) = window,
                  case .rolling(_, let baselineMinutes) = spike.baseline,
                  let baselineCounters = counters(spike.baseline, queue) else { return (false, value) }
            let scaled = counterValue(name, baselineCounters) * Double(minutes) / Double(baselineMinutes)
            return (value > spike.factor * scaled && value >= spike.min, value)
        }
        guard volume >= rule.minVolume else { return (false, value) }
        return (rule.op.holds(value, rule.threshold), value)
    }
}
