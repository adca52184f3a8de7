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
        /// Wall-clock time each firing alert fired, by fingerprint: its `startsAt` in every
        /// notification, under either clock.
        var firedAtWall: [String: EpochMillis] = [:]
    }

    private let host: EngineHost
    private let clock: @Sendable () -> EpochMillis
    private let logger: Logger
    /// The config's `instance`: the annotation of that name in every notification.
    let instance: String
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

    /// `clock`: the wall clock. `instance`: this replica's name (`Configuration.instance`).
    init(rulesFile: String, ruleSet: RuleSet, host: EngineHost, hooks: HookSenders, instance: String, logger: Logger,
         clock: @escaping @Sendable () -> EpochMillis) {
        self.rulesFile = rulesFile
        self.instance = instance
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
        let eventClock = host.settings.clock == .event
        state.withLock { state in
            state.evaluator.restore(alerts)
            let rules = Dictionary(uniqueKeysWithValues: state.ruleSet.rules.map { ($0.alert, $0) })
            for alert in state.evaluator.alerts where alert.state == .firing {
                let key = AlertNotification.fingerprint(alert.labels)
                // The event clock's firing time is an event's: the wall-clock one is not saved, so
                // the restart stands in for it (Alertmanager keeps the earliest start it saw).
                state.firedAtWall[key] = eventClock ? now : (alert.firedAt ?? alert.activeSince)
                for hook in rules[alert.rule]?.hooks ?? [] {
                    state.lastSent[hook + "/" + key] = now
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
                let (alert, item) = eventItem(event, firedAtWall: &state.firedAtWall, now: now)
                logger.notice("alert \(item.status)", metadata: [
                    "alert": "\(alert.rule)", "queue": "\(alert.queue)", "value": "\(alert.value)",
                    "summary": "\(alert.annotations["summary"] ?? "")"])
                for hookName in rules[alert.rule]?.hooks ?? [] {
                    let dispatchers = hooks.dispatchers(named: hookName)
                    guard let config = dispatchers.first?.config else { continue }
                    if item.status == "resolved" && !config.sendResolved { continue }
                    let notification = AlertNotification(receiver: hookName, items: [item])
                    for dispatcher in dispatchers { dispatcher.enqueue(notification) }
                    state.lastSent[hookName + "/" + AlertNotification.fingerprint(alert.labels)] = now
                }
            }
            // Re-send alerts still firing once their hook's repeat interval has passed.
            for alert in state.evaluator.alerts where alert.state == .firing {
                for hookName in rules[alert.rule]?.hooks ?? [] {
                    let dispatchers = hooks.dispatchers(named: hookName)
                    guard let config = dispatchers.first?.config else { continue }
                    let fingerprint = AlertNotification.fingerprint(alert.labels)
                    let key = hookName + "/" + fingerprint
                    if let last = state.lastSent[key], now - last >= config.repeatInterval {
                        let startsAt = state.firedAtWall[fingerprint] ?? alert.firedAt ?? alert.activeSince
                        let notification = AlertNotification(receiver: hookName, items: [
                            notificationItem(alert, status: "firing", startsAt: startsAt, endsAt: nil)])
                        for dispatcher in dispatchers { dispatcher.enqueue(notification) }
                        state.lastSent[key] = now
                    }
                }
            }
            if !events.isEmpty {
                let activeKeys = Set(state.evaluator.alerts.map { AlertNotification.fingerprint($0.labels) })
                state.lastSent = state.lastSent.filter { activeKeys.contains(String($0.key.split(separator: "/").last ?? "")) }
                state.firedAtWall = state.firedAtWall.filter { activeKeys.contains($0.key) }
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

    /// The notification of `event` at wall-clock `now`, keeping `firedAtWall` (see `notificationItem`).
    private func eventItem(_ event: AlertEvent, firedAtWall: inout [String: EpochMillis],
                           now: EpochMillis) -> (Alert, AlertNotification.Item) {
        switch event {
        case .firing(let alert):
            firedAtWall[AlertNotification.fingerprint(alert.labels)] = now
            return (alert, notificationItem(alert, status: "firing", startsAt: now, endsAt: nil))
        case .resolved(let alert, _):
            let startsAt = firedAtWall.removeValue(forKey: AlertNotification.fingerprint(alert.labels)) ?? now
            return (alert, notificationItem(alert, status: "resolved", startsAt: startsAt, endsAt: now))
        }
    }

    /// An alert as hooks get it (docs/spec/scale-out.md, "Replicas"): its labels, the same on
    /// every replica; its annotations plus `instance`, naming this one; wall-clock times, also
    /// under the event clock, whose times are the events' (Alertmanager resolves an alert whose
    /// `endsAt` has passed on its own clock). The alert itself, as `/api/v1/alerts` shows it,
    /// keeps the evaluation's times and no `instance`, so replicas' alert sets stay identical.
    private func notificationItem(_ alert: Alert, status: String, startsAt: EpochMillis,
                                  endsAt: EpochMillis?) -> AlertNotification.Item {
        var annotations = alert.annotations
        annotations["instance"] = instance
        return .init(status: status, labels: alert.labels, annotations: annotations, startsAt: startsAt, endsAt: endsAt)
    }
}
