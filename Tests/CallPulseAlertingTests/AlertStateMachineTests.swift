import CallPulseCore
import Testing
@testable import CallPulseAlerting

/// Every state × input of `AlertStateMachine`, with the next state and the action, for a rule
/// with `for: 10s` and `keep_firing_for: 5s` (and `for: 0s` or `keep_firing_for: 0s` where
/// that is the point). The alert went pending at 100 s and fired at 110 s.
struct AlertStateMachineTests {
    enum Input: Sendable {
        case held(Double, at: EpochMillis)
        case failed(at: EpochMillis)
        case ruleRemoved
        case restored(Alert)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var forDuration: Int64 = 10_000
        var keepFiringFor: Int64 = 5_000
        var from: AlertStateMachine.State
        var input: Input
        var to: AlertStateMachine.State
        var action: AlertStateMachine.Action
        var testDescription: String { name }
    }

    /// The alert of EvaluatorTests' rule on queue Q, with the annotation its value renders.
    static func alert(_ state: Alert.State, value: Double, since: EpochMillis = 100_000, firedAt: EpochMillis? = nil,
                      lastTrue: EpochMillis) -> Alert {
        Alert(rule: "Waiting", queue: "Q", state: state,
              labels: ["alertname": "Waiting", "queue": "Q", "severity": "page"],
              annotations: ["summary": "Q: \(formatNumber(value)) > 2"], value: value, activeSince: since,
              firedAt: firedAt, lastTrue: lastTrue)
    }

    static let pending = alert(.pending, value: 3, lastTrue: 105_000)
    static let firing = alert(.firing, value: 4, firedAt: 110_000, lastTrue: 110_000)
    /// A saved alert from before a restart, with other times and value than the live ones.
    static let savedPending = alert(.pending, value: 7, since: 50_000, lastTrue: 60_000)
    static let savedFiring = alert(.firing, value: 8, since: 50_000, firedAt: 55_000, lastTrue: 60_000)

    static let table: [Case] = [
        // inactive
        Case(name: "inactive, held: pending, for starts", from: .inactive, input: .held(3, at: 100_000),
             to: .pending(alert(.pending, value: 3, lastTrue: 100_000)), action: .becamePending),
        Case(name: "inactive, held, for 0s: fires at once", forDuration: 0, from: .inactive, input: .held(3, at: 100_000),
             to: .firing(alert(.firing, value: 3, firedAt: 100_000, lastTrue: 100_000)),
             action: .fire(alert(.firing, value: 3, firedAt: 100_000, lastTrue: 100_000))),
        Case(name: "inactive, failed: nothing", from: .inactive, input: .failed(at: 100_000), to: .inactive, action: .none),
        Case(name: "inactive, rule removed: nothing", from: .inactive, input: .ruleRemoved, to: .inactive, action: .none),
        Case(name: "inactive, restored pending", from: .inactive, input: .restored(savedPending),
             to: .pending(savedPending), action: .none),
        Case(name: "inactive, restored firing: no new notification", from: .inactive, input: .restored(savedFiring),
             to: .firing(savedFiring), action: .none),
        // pending
        Case(name: "pending, held before for passed: value and annotations follow", from: .pending(pending),
             input: .held(4, at: 109_999), to: .pending(alert(.pending, value: 4, lastTrue: 109_999)), action: .none),
        Case(name: "pending, held once for passed: fires", from: .pending(pending), input: .held(4, at: 110_000),
             to: .firing(alert(.firing, value: 4, firedAt: 110_000, lastTrue: 110_000)),
             action: .fire(alert(.firing, value: 4, firedAt: 110_000, lastTrue: 110_000))),
        Case(name: "pending, failed: back to inactive silently", from: .pending(pending), input: .failed(at: 106_000),
             to: .inactive, action: .becameInactive),
        Case(name: "pending, rule removed: silently", from: .pending(pending), input: .ruleRemoved,
             to: .inactive, action: .becameInactive),
        Case(name: "pending, restored firing", from: .pending(pending), input: .restored(savedFiring),
             to: .firing(savedFiring), action: .none),
        // firing
        Case(name: "firing, held: value follows, no new notification", from: .firing(firing), input: .held(5, at: 111_000),
             to: .firing(alert(.firing, value: 5, firedAt: 110_000, lastTrue: 111_000)), action: .none),
        Case(name: "firing, failed within keep_firing_for: keeps firing", from: .firing(firing),
             input: .failed(at: 114_999), to: .keepingFiring(firing), action: .none),
        Case(name: "firing, failed once keep_firing_for passed: resolves", from: .firing(firing),
             input: .failed(at: 115_000), to: .inactive, action: .resolve(firing, at: 115_000)),
        Case(name: "firing, failed, keep_firing_for 0s: resolves at once", keepFiringFor: 0, from: .firing(firing),
             input: .failed(at: 110_000), to: .inactive, action: .resolve(firing, at: 110_000)),
        Case(name: "firing, rule removed: silently, no resolve", from: .firing(firing), input: .ruleRemoved,
             to: .inactive, action: .becameInactive),
        Case(name: "firing, restored pending", from: .firing(firing), input: .restored(savedPending),
             to: .pending(savedPending), action: .none),
        // keeping firing
        Case(name: "keeping firing, held: firing again", from: .keepingFiring(firing), input: .held(6, at: 113_000),
             to: .firing(alert(.firing, value: 6, firedAt: 110_000, lastTrue: 113_000)), action: .none),
        Case(name: "keeping firing, failed within keep_firing_for of the last true", from: .keepingFiring(firing),
             input: .failed(at: 114_999), to: .keepingFiring(firing), action: .none),
        Case(name: "keeping firing, failed once keep_firing_for passed: resolves", from: .keepingFiring(firing),
             input: .failed(at: 115_000), to: .inactive, action: .resolve(firing, at: 115_000)),
        Case(name: "keeping firing, rule removed: silently", from: .keepingFiring(firing), input: .ruleRemoved,
             to: .inactive, action: .becameInactive),
        Case(name: "keeping firing, restored firing", from: .keepingFiring(firing), input: .restored(savedFiring),
             to: .firing(savedFiring), action: .none),
    ]

    @Test("state × input → next state and action", arguments: table)
    func transition(_ row: Case) {
        var machine = AlertStateMachine(rule: EvaluatorTests().rule(for: row.forDuration, keep: row.keepFiringFor), queue: "Q",
                                        state: row.from)
        let action: AlertStateMachine.Action = switch row.input {
        case .held(let value, let at): machine.conditionHeld(value: value, at: at)
        case .failed(let at): machine.conditionFailed(at: at)
        case .ruleRemoved: machine.ruleRemoved()
        case .restored(let alert): machine.restored(alert)
        }
        #expect(machine.state == row.to)
        #expect(action == row.action)
        #expect(machine.alert == row.to.alertForTest)
    }

    @Test("the table covers every state × input")
    func coverage() {
        /// The case name of an enum value: `pending` for `.pending(…)`.
        func caseName(_ value: Any) -> String { String("\(value)".prefix { $0 != "(" }) }
        let covered = Set(Self.table.map { "\(caseName($0.from)) × \(caseName($0.input))" })
        let states = ["inactive", "pending", "firing", "keepingFiring"]
        let inputs = ["held", "failed", "ruleRemoved", "restored"]
        #expect(covered == Set(states.flatMap { state in inputs.map { "\(state) × \($0)" } }))
    }
}

extension AlertStateMachine.State {
    /// The alert a state carries, read independently of `AlertStateMachine.alert`.
    var alertForTest: Alert? {
        if case .pending(let alert) = self { return alert }
        if case .firing(let alert) = self { return alert }
        if case .keepingFiring(let alert) = self { return alert }
        return nil
    }
}
