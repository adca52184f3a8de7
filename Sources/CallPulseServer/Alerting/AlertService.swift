import CallPulseAlerting
import CallPulseCore
import CallPulseSupport
import Foundation
import Logging

/// Evaluates the rules every evaluation interval and right after events are applied, and
/// hands notifications to the hook senders. Holds the rules so SIGHUP and `POST /-/reload`
/// can swap them. Runs as a service on its own worker thread (see `service`).
final class AlertService: Sendable {
    struct State: Sendable {
        var ruleSet: RuleSet
        var evaluator: AlertEvaluator
        /// Last send per (hook, alert fingerprint), for `repeat_interval`.
        var lastSent: [String: EpochMillis] = [:]
    }

    private let host: EngineHost
    private let clock: @Sendable () -> EpochMillis
    private let logger: Logger
    let rulesFile: String
    let hooks: HookSenders
    private let state: LockedBox<State>
    private let worker: WorkerThread
    /// Called with every alert whenever one appears, changes state or goes (to save them).
    let onChange = LockedBox<ChangeHandler?>(nil)

    /// A class around the callback (see DurableStore.Capture for why not a bare closure).
    final class ChangeHandler: Sendable {
        let body: @Sendable ([Alert]) -> Void
        init(_ body: @escaping @Sendable ([Alert]) -> Void) { self.body = body }
    }

    init(rulesFile: String, ruleSet: RuleSet, host: EngineHost, hooks: HookSenders, logger: Logger,
         clock: @escaping @Sendable () -> EpochMillis) {
        self.rulesFile = rulesFile
        self.host = host
        self.clock = clock
        self.logger = logger
        self.hooks = hooks
        state = LockedBox(State(ruleSet: ruleSet, evaluator: AlertEvaluator(rules: ruleSet.rules)))
        worker = WorkerThread(name: "alerts", interval: .milliseconds(ruleSet.evaluationInterval))
    }

    /// The evaluator as a service: a step per interval or poke.
    var service: WorkerService { WorkerService(worker: worker, step: { [self] in evaluate() }) }

    /// Asks for an evaluation now (after events changed the state); pokes coalesce.
    func poke() { worker.wake() }

    /// Swaps in new rules: states of unchanged rules are kept; hooks are rebuilt.
    func reload(_ ruleSet: RuleSet) {
        state.withLock { state in
            state.ruleSet = ruleSet
            state.evaluator.reload(ruleSet.rules)
        }
        hooks.replace(with: ruleSet.hooks)
        worker.setInterval(.milliseconds(ruleSet.evaluationInterval))
        worker.wake()
    }

    var alerts: [Alert] { state.withLock { $0.evaluator.alerts } }

    /// How many rules and hooks are in force (for the start-up log line).
    var ruleCounts: (rules: Int, hooks: Int) { state.withLock { ($0.ruleSet.rules.count, $0.ruleSet.hooks.count) } }

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
        let (ruleSet, evaluator) = state.withLock { ($0.ruleSet, $0.evaluator) }
        return (ruleSet, evaluator, hooks.counts(for: ruleSet.hooks))
    }

    private func evaluate() {
        let now = clock()
        let snapshot = host.snapshot(now: now)
        let evaluationTime = host.settings.clock == .event ? snapshot.generatedAt : now
        let rules = state.withLock { $0.evaluator.rules }
        let context = EvaluationContext(observedSince: snapshot.observedSince,
                                        seasonalRanges: seasonalRanges(rules, snapshot, evaluationTime))
        let changed = state.withLock { state -> [Alert]? in
            let before = state.evaluator.alerts.map { "\($0.rule)/\($0.queue)/\($0.state)" }
            let events = state.evaluator.evaluate(snapshot.queues, now: evaluationTime, context: context)
            let rules = Dictionary(uniqueKeysWithValues: state.ruleSet.rules.map { ($0.alert, $0) })
            for event in events {
                let (alert, item) = Self.item(event)
                logger.notice("alert \(item.status)", metadata: [
                    "alert": "\(alert.rule)", "queue": "\(alert.queue)", "value": "\(alert.value)",
                    "summary": "\(alert.annotations["summary"] ?? "")"])
                for hookName in rules[alert.rule]?.hooks ?? [] {
                    guard let dispatcher = hooks.dispatcher(named: hookName) else { continue }
                    if item.status == "resolved" && !dispatcher.config.sendResolved { continue }
                    dispatcher.enqueue(AlertNotification(receiver: hookName, items: [item]))
                    state.lastSent[hookName + "/" + AlertNotification.fingerprint(alert.labels)] = now
                }
            }
            // Re-send alerts still firing once their hook's repeat interval has passed.
            for alert in state.evaluator.alerts where alert.state == .firing {
                for hookName in rules[alert.rule]?.hooks ?? [] {
                    guard let dispatcher = hooks.dispatcher(named: hookName) else { continue }
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

    /// The earlier ranges every seasonal rule reads, per watched queue, from the engine's
    /// interval history (one lock for all of them).
    private func seasonalRanges(_ rules: [Rule], _ snapshot: Snapshot, _ now: EpochMillis) -> [String: [String: [Counters?]]] {
        var keys: [(rule: String, queue: String)] = []
        var requests: [(queue: String, ranges: [(from: EpochMillis, to: EpochMillis)])] = []
        for rule in rules {
            let ranges = EvaluationContext.seasonalRanges(of: rule, now: now)
            guard !ranges.isEmpty else { continue }
            for queue in snapshot.queues where rule.watches(queue.name.string) {
                keys.append((rule.alert, queue.name.string))
                requests.append((queue.name.string, ranges))
            }
        }
        guard !requests.isEmpty else { return [:] }
        var result: [String: [String: [Counters?]]] = [:]
        for (key, totals) in zip(keys, host.rangeTotals(requests, now: now)) { result[key.rule, default: [:]][key.queue] = totals }
        return result
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
