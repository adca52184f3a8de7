import CallPulseCore

/// Evaluates every rule on queue snapshots and drives one `AlertStateMachine` per
/// (rule, queue). Pure: time is passed in.
public struct AlertEvaluator: Sendable {
    public private(set) var rules: [Rule]
    /// The machines of alerts that are not inactive, by rule name then queue name; a pair
    /// without one is inactive.
    private var machines: [String: [String: AlertStateMachine]] = [:]
    /// When each rule was last evaluated, and how many queues it matched.
    public private(set) var lastEvaluation: [String: (at: EpochMillis, queues: Int)] = [:]

    public init(rules: [Rule]) { self.rules = rules }

    /// Replaces the rules, keeping the states of alerts whose rule is unchanged.
    public mutating func reload(_ newRules: [Rule]) {
        let unchanged = Set(newRules.filter { rule in rules.contains(rule) }.map(\.alert))
        let removed = machines.values.flatMap(\.values).filter { !unchanged.contains($0.rule.alert) }
        for machine in removed { _ = feed(machine.rule, machine.queue) { $0.ruleRemoved() } }  // silent: no event
        lastEvaluation = lastEvaluation.filter { unchanged.contains($0.key) }
        rules = newRules
    }

    /// Evaluates every rule on `queues` (all of them, or those an event changed) at `now`;
    /// `context` holds what spike baselines read beyond the snapshot.
    public mutating func evaluate(_ queues: [QueueSnapshot], now: EpochMillis,
                                  context: EvaluationContext = EvaluationContext()) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for rule in rules {
            var matched = 0
            for queue in queues where rule.watches(queue.name.string) {
                matched += 1
                let (holds, value) = RuleValue.condition(rule, queue, now: now, context: context)
                let event = feed(rule, queue.name.string) { machine in
                    holds ? machine.conditionHeld(value: value ?? .nan, at: now) : machine.conditionFailed(at: now)
                }
                if let event { events.append(event) }
            }
            lastEvaluation[rule.alert] = (now, matched)
        }
        return events
    }

    /// Puts back alerts saved before a restart (those of rules that still exist), so pending
    /// alerts keep their `for` clock and firing ones stay firing without a new notification.
    public mutating func restore(_ alerts: [Alert]) {
        let rulesByName = Dictionary(rules.map { ($0.alert, $0) }, uniquingKeysWith: { first, _ in first })
        for alert in alerts {
            guard let rule = rulesByName[alert.rule] else { continue }
            _ = feed(rule, alert.queue) { $0.restored(alert) }
        }
    }

    /// Every pending or firing alert, sorted by rule then queue.
    public var alerts: [Alert] {
        machines.values.flatMap(\.values).compactMap(\.alert).sorted { ($0.rule, $0.queue) < ($1.rule, $1.queue) }
    }

    /// Feeds one input to the machine of (`rule`, `queue`) (a fresh, inactive one when the pair
    /// has none), keeps the machine only while it is not inactive, and returns what to announce.
    private mutating func feed(_ rule: Rule, _ queue: String,
                               _ input: (inout AlertStateMachine) -> AlertStateMachine.Action) -> AlertEvent? {
        var machine = machines[rule.alert]?[queue] ?? AlertStateMachine(rule: rule, queue: queue)
        let action = input(&machine)
        if case .inactive = machine.state {
            if machines[rule.alert]?.removeValue(forKey: queue) != nil, machines[rule.alert]?.isEmpty == true {
                machines[rule.alert] = nil
            }
        } else {
            machines[rule.alert, default: [:]][queue] = machine
        }
        switch action {
        case .none, .becamePending, .becameInactive: return nil
        case .fire(let alert): return .firing(alert)
        case .resolve(let alert, let at): return .resolved(alert, at: at)
        }
    }
}
