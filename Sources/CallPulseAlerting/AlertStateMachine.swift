import CallPulseCore

/// The life of one alert, a rule applied to one queue, as in Prometheus (README.md,
/// "Alerting"): inactive → pending while `for` runs → firing → keeping firing for up to
/// `keep_firing_for` after the condition clears → resolved, which is inactive again.
///
/// One method per input; each moves the state and returns the one action to take. Pure:
/// time is passed in. Every state × input is in AlertStateMachineTests.
public struct AlertStateMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// No alert: the condition does not hold.
        case inactive
        /// The condition holds; `for` has not yet passed since `alert.activeSince`.
        case pending(Alert)
        /// Announced, and the condition held when last evaluated.
        case firing(Alert)
        /// Announced; the condition has failed since `alert.lastTrue`, less than
        /// `keep_firing_for` ago, so the alert still fires.
        case keepingFiring(Alert)
    }

    public enum Action: Sendable, Equatable {
        /// Nothing changed that anyone is told about (a firing alert's value may have).
        case none
        /// The condition began to hold and `for` is running: no notification yet.
        case becamePending
        /// The alert went without being announced or resolved: a pending alert whose
        /// condition failed, or any alert of a removed rule.
        case becameInactive
        /// Announce the alert as firing.
        case fire(Alert)
        /// Announce the alert as resolved at `at`.
        case resolve(Alert, at: EpochMillis)
    }

    public let rule: Rule
    public let queue: String
    public private(set) var state: State

    public init(rule: Rule, queue: String, state: State = .inactive) {
        self.rule = rule
        self.queue = queue
        self.state = state
    }

    /// The alert, unless inactive.
    public var alert: Alert? {
        switch state {
        case .inactive: nil
        case .pending(let alert), .firing(let alert), .keepingFiring(let alert): alert
        }
    }

    /// The rule's condition holds at `now` with `value`.
    public mutating func conditionHeld(value: Double, at now: EpochMillis) -> Action {
        switch state {
        case .inactive:
            let labels = labels
            let alert = Alert(rule: rule.alert, queue: queue, state: .pending, labels: labels,
                              annotations: annotations(labels, value), value: value, activeSince: now, firedAt: nil,
                              lastTrue: now)
            guard rule.forDuration == 0 else {
                state = .pending(alert)
                return .becamePending
            }
            return fire(alert, at: now)
        case .pending(var alert):
            held(&alert, value: value, at: now)
            guard now - alert.activeSince >= rule.forDuration else {
                state = .pending(alert)
                return .none
            }
            return fire(alert, at: now)
        case .firing(var alert), .keepingFiring(var alert):
            held(&alert, value: value, at: now)
            state = .firing(alert)
            return .none
        }
    }

    /// The rule's condition does not hold at `now`, or its value cannot be read.
    public mutating func conditionFailed(at now: EpochMillis) -> Action {
        switch state {
        case .inactive:
            return .none
        case .pending:
            state = .inactive
            return .becameInactive
        case .firing(let alert), .keepingFiring(let alert):
            guard now - alert.lastTrue >= rule.keepFiringFor else {
                state = .keepingFiring(alert)
                return .none
            }
            state = .inactive
            return .resolve(alert, at: now)
        }
    }

    /// The rule was removed or changed by a reload: its alerts go silently, as the old rule's
    /// verdicts no longer stand and the new rule (if any) starts over.
    public mutating func ruleRemoved() -> Action {
        if case .inactive = state { return .none }
        state = .inactive
        return .becameInactive
    }

    /// An alert saved before a restart is put back: pending keeps its `for` clock, firing stays
    /// firing without a new notification (it was announced before the restart).
    public mutating func restored(_ alert: Alert) -> Action {
        switch alert.state {
        case .pending: state = .pending(alert)
        case .firing: state = .firing(alert)
        }
        return .none
    }

    private mutating func fire(_ pending: Alert, at now: EpochMillis) -> Action {
        var alert = pending
        alert.state = .firing
        alert.firedAt = now
        state = .firing(alert)
        return .fire(alert)
    }

    private func held(_ alert: inout Alert, value: Double, at now: EpochMillis) {
        alert.value = value
        alert.lastTrue = now
        alert.annotations = annotations(labels, value)
    }

    /// The alert's labels: the rule's, with `alertname` and `queue`.
    private var labels: [String: String] {
        var labels = rule.labels
        labels["alertname"] = rule.alert
        labels["queue"] = queue
        return labels
    }

    private func annotations(_ labels: [String: String], _ value: Double) -> [String: String] {
        rule.annotations.mapValues { $0.render(labels: labels, value: value, threshold: rule.threshold) }
    }
}
