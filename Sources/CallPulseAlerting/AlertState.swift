import CallPulseCore

/// One alert: a rule applied to one queue.
public struct Alert: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable { case pending, firing }

    public var rule: String
    public var queue: String
    public var state: State
    public var labels: [String: String]
    public var annotations: [String: String]
    public var value: Double
    /// When the condition started to hold.
    public var activeSince: EpochMillis
    public var firedAt: EpochMillis?
    /// The last time the condition held (for `keep_firing_for`).
    public var lastTrue: EpochMillis
}

/// What an evaluation changed, for hooks and the live stream.
public enum AlertEvent: Sendable, Equatable {
    case firing(Alert)
    case resolved(Alert, at: EpochMillis)
}

/// The per-(rule, queue) state machine: inactive → pending → firing → resolved, with
/// `for` and `keep_firing_for`, like Prometheus. Pure: time is passed in.
public struct AlertEvaluator: Sendable {
    public private(set) var rules: [Rule]
    /// Active alerts by rule name then queue name.
    public private(set) var active: [String: [String: Alert]] = [:]
    /// When each rule was last evaluated, and how many queues it matched.
    public private(set) var lastEvaluation: [String: (at: EpochMillis, queues: Int)] = [:]

    public init(rules: [Rule]) { self.rules = rules }

    /// Replaces the rules, keeping the states of alerts whose rule is unchanged.
    public mutating func reload(_ newRules: [Rule]) {
        let unchanged = Set(newRules.filter { rule in rules.contains(rule) }.map(\.alert))
        active = active.filter { unchanged.contains($0.key) }
        lastEvaluation = lastEvaluation.filter { unchanged.contains($0.key) }
        rules = newRules
    }

    /// Evaluates every rule on `queues` (all of them, or those an event changed) at `now`.
    public mutating func evaluate(_ queues: [QueueSnapshot], now: EpochMillis) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for rule in rules {
            var matched = 0
            for queue in queues where rule.watches(queue.name.string) {
                matched += 1
                let (holds, value) = RuleValue.condition(rule, queue, now: now)
                if let event = step(rule, queue.name.string, holds: holds, value: value ?? .nan, now: now) {
                    events.append(event)
                }
            }
            lastEvaluation[rule.alert] = (now, matched)
        }
        return events
    }

    private mutating func step(_ rule: Rule, _ queue: String, holds: Bool, value: Double, now: EpochMillis) -> AlertEvent? {
        var labels = rule.labels
        labels["alertname"] = rule.alert
        labels["queue"] = queue
        if var alert = active[rule.alert]?[queue] {
            if holds {
                alert.value = value
                alert.lastTrue = now
                alert.annotations = render(rule, labels, value)
                if alert.state == .pending && now - alert.activeSince >= rule.forDuration {
                    alert.state = .firing
                    alert.firedAt = now
                    active[rule.alert]![queue] = alert
                    return .firing(alert)
                }
                active[rule.alert]![queue] = alert
                return nil
            }
            if alert.state == .firing && now - alert.lastTrue < rule.keepFiringFor { return nil }
            active[rule.alert]![queue] = nil
            return alert.state == .firing ? .resolved(alert, at: now) : nil
        }
        guard holds else { return nil }
        var alert = Alert(rule: rule.alert, queue: queue, state: .pending, labels: labels,
                          annotations: render(rule, labels, value), value: value, activeSince: now, firedAt: nil,
                          lastTrue: now)
        if rule.forDuration == 0 {
            alert.state = .firing
            alert.firedAt = now
        }
        active[rule.alert, default: [:]][queue] = alert
        return alert.state == .firing ? .firing(alert) : nil
    }

    private func render(_ rule: Rule, _ labels: [String: String], _ value: Double) -> [String: String] {
        rule.annotations.mapValues { $0.render(labels: labels, value: value, threshold: rule.threshold) }
    }

    /// Puts back alerts saved before a restart (those of rules that still exist), so pending
    /// alerts keep their `for` clock and firing ones stay firing without a new notification.
    public mutating func restore(_ alerts: [Alert]) {
        let names = Set(rules.map(\.alert))
        for alert in alerts where names.contains(alert.rule) { active[alert.rule, default: [:]][alert.queue] = alert }
    }

    /// Every pending or firing alert, sorted by rule then queue.
    public var alerts: [Alert] {
        active.values.flatMap(\.values).sorted { ($0.rule, $0.queue) < ($1.rule, $1.queue) }
    }
}
