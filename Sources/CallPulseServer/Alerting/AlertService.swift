import CallPulseAlerting
import CallPulseCore
import CallPulseHTTP
import Foundation
import Logging

/// Evaluates the rules on a ticker and right after ingestion, and hands notifications to
/// the hooks. Holds the rules so SIGHUP and `POST /-/reload` can swap them.
final class AlertService: Sendable {
    struct State: Sendable {
        var ruleSet: RuleSet
        var evaluator: AlertEvaluator
        var dispatchers: [String: HookDispatcher]
        /// Last send per (hook, alert fingerprint), for `repeat_interval`.
        var lastSent: [String: EpochMillis] = [:]
    }

    private let host: EngineHost
    private let clock: @Sendable () -> EpochMillis
    private let logger: Logger
    private let externalURL: String
    let rulesFile: String
    private let state: LockedBox<State>
    private let wake = DispatchSemaphore(value: 0)
    private let running = LockedBox(true)
    /// Called with every alert whenever one appears, changes state or goes (to save them).
    let onChange = LockedBox<ChangeHandler?>(nil)

    /// A class around the callback (see DurableStore.Capture for why not a bare closure).
    final class ChangeHandler: Sendable {
        let body: @Sendable ([Alert]) -> Void
        init(_ body: @escaping @Sendable ([Alert]) -> Void) { self.body = body }
    }

    init(rulesFile: String, ruleSet: RuleSet, host: EngineHost, externalURL: String, logger: Logger,
         clock: @escaping @Sendable () -> EpochMillis) {
        self.rulesFile = rulesFile
        self.host = host
        self.clock = clock
        self.logger = logger
        self.externalURL = externalURL
        state = LockedBox(State(ruleSet: ruleSet, evaluator: AlertEvaluator(rules: ruleSet.rules),
                                dispatchers: Self.dispatchers(ruleSet, externalURL, logger)))
        Thread.detachNewThread { [self] in run() }
    }

    private static func dispatchers(_ set: RuleSet, _ url: String, _ logger: Logger) -> [String: HookDispatcher] {
        Dictionary(uniqueKeysWithValues: set.hooks.map { ($0.name, HookDispatcher(config: $0, externalURL: url, logger: logger)) })
    }

    /// Asks for an evaluation now (after events changed the state).
    func poke() { wake.signal() }

    func stop() {
        running.withLock { $0 = false }
        wake.signal()
        state.withLock { $0.dispatchers.values.forEach { $0.stop() } }
    }

    /// Swaps in new rules: states of unchanged rules are kept; hooks are rebuilt.
    func reload(_ ruleSet: RuleSet) {
        let old = state.withLock { state -> [HookDispatcher] in
            let previous = Array(state.dispatchers.values)
            state.ruleSet = ruleSet
            state.evaluator.reload(ruleSet.rules)
            state.dispatchers = Self.dispatchers(ruleSet, externalURL, logger)
            return previous
        }
        old.forEach { $0.stop() }
        wake.signal()
    }

    var alerts: [Alert] { state.withLock { $0.evaluator.alerts } }

    /// Puts back alert states saved before a restart; firing ones count as notified now.
    func restore(_ alerts: [Alert]) {
        let now = clock()
        state.withLock { state in
            state.evaluator.restore(alerts)
            let rules = Dictionary(uniqueKeysWithValues: state.ruleSet.rules.map { ($0.alert, $0) })
            for alert in state.evaluator.alerts where alert.state == .firing {
                for hook in rules[alert.rule]?.hooks ?? [] {
                    state.lastSent[hook + "/" + AlertNotification.fingerprint(alert.labels)] = now
                }
            }
        }
    }
    var snapshotOfState: (RuleSet, AlertEvaluator, [(HookConfig, HookDispatcher.Counts)]) {
        state.withLock { state in
            (state.ruleSet, state.evaluator,
             state.ruleSet.hooks.compactMap { hook in state.dispatchers[hook.name].map { (hook, $0.counts.withLock { $0 }) } })
        }
    }

    private func run() {
        while running.withLock({ $0 }) {
            let interval = state.withLock { $0.ruleSet.evaluationInterval }
            _ = wake.wait(timeout: .now() + .milliseconds(Int(interval)))
            while wake.wait(timeout: .now()) == .success {}  // coalesce pokes
            guard running.withLock({ $0 }) else { return }
            evaluate()
        }
    }

    private func evaluate() {
        let now = clock()
        let snapshot = host.snapshot(now: now)
        let evaluationTime = host.settings.clock == .event ? snapshot.generatedAt : now
        let changed = state.withLock { state -> [Alert]? in
            let before = state.evaluator.alerts.map { "\($0.rule)/\($0.queue)/\($0.state)" }
            let events = state.evaluator.evaluate(snapshot.queues, now: evaluationTime)
            let rules = Dictionary(uniqueKeysWithValues: state.ruleSet.rules.map { ($0.alert, $0) })
            for event in events {
                let (alert, item) = Self.item(event)
                logger.notice("alert \(item.status)", metadata: [
                    "alert": "\(alert.rule)", "queue": "\(alert.queue)", "value": "\(alert.value)",
                    "summary": "\(alert.annotations["summary"] ?? "")"])
                for hookName in rules[alert.rule]?.hooks ?? [] {
                    guard let dispatcher = state.dispatchers[hookName] else { continue }
                    if item.status == "resolved" && !dispatcher.config.sendResolved { continue }
                    dispatcher.enqueue(AlertNotification(receiver: hookName, items: [item]))
                    state.lastSent[hookName + "/" + AlertNotification.fingerprint(alert.labels)] = now
                }
            }
            // Re-send alerts still firing once their hook's repeat interval has passed.
            for alert in state.evaluator.alerts where alert.state == .firing {
                for hookName in rules[alert.rule]?.hooks ?? [] {
                    guard let dispatcher = state.dispatchers[hookName] else { continue }
                    let key = hookName + "/" + AlertNotification.fingerprint(alert.labels)
                    if let last = state.lastSent[key], now - last >= dispatcher.config.repeatInterval {
                        dispatcher.enqueue(AlertNotification(receiver: hookName, items: [Self.item(.firing(alert)).1]))
                        state.lastSent[key] = now
                    }
                }
            }
            if !events.isEmpty {
                let activeKeys = Set(state.evaluator.alerts.map { AlertNotification.fingerprint($0.labels) })
                state.lastSent = state.lastSent.filter { activeKeys.contains(String($0.key.split(separator: "/").last ?? "")) }
            }
            let after = state.evaluator.alerts
            return after.map { "\($0.rule)/\($0.queue)/\($0.state)" } == before ? nil : after
        }
        if let changed, let save = onChange.withLock({ $0 }) { save.body(changed) }
    }

    private static func item(_ event: AlertEvent) -> (Alert, AlertNotification.Item) {
        switch event {
        case .firing(let alert):
            return (alert, .init(status: "firing", labels: alert.labels, annotations: alert.annotations,
                                 startsAt: alert.firedAt ?? alert.activeSince, endsAt: nil))
        case .resolved(let alert, let at):
            return (alert, .init(status: "resolved", labels: alert.labels, annotations: alert.annotations,
                                 startsAt: alert.firedAt ?? alert.activeSince, endsAt: at))
        }
    }
}
