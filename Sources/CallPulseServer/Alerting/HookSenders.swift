import CallPulseAlerting
import CallPulseSupport
import Logging
import ServiceLifecycle

/// Every hook's sender (one worker thread each), rebuilt when the rules are reloaded; one
/// service for all of them. A graceful stop gives up on deliveries in flight: a receiver
/// that hangs cannot hold the shutdown (README.md, "Alerting").
final class HookSenders: Sendable {
    private struct State {
        var dispatchers: [String: HookDispatcher] = [:]
        /// Senders start when the service runs; until then they only queue.
        var started = false
        var stopped = false
    }

    private let state = LockedBox(State())
    private let externalURL: @Sendable () -> String
    private let logger: Logger

    init(hooks: [HookConfig], externalURL: @escaping @Sendable () -> String, logger: Logger) {
        self.externalURL = externalURL
        self.logger = logger
        state.withLock { $0.dispatchers = Self.build(hooks, externalURL, logger) }
    }

    private static func build(_ hooks: [HookConfig], _ url: @escaping @Sendable () -> String,
                              _ logger: Logger) -> [String: HookDispatcher] {
        Dictionary(uniqueKeysWithValues: hooks.map { ($0.name, HookDispatcher(config: $0, externalURL: url, logger: logger)) })
    }

    func dispatcher(named name: String) -> HookDispatcher? { state.withLock { $0.dispatchers[name] } }

    /// Each hook's delivery counts, in the order of `hooks`.
    func counts(for hooks: [HookConfig]) -> [(HookConfig, HookDispatcher.Counts)] {
        let dispatchers = state.withLock { $0.dispatchers }
        return hooks.compactMap { hook in dispatchers[hook.name].map { (hook, $0.counts.withLock { $0 }) } }
    }

    /// New senders for a reloaded rules file; the old ones stop (dropping what they hold).
    func replace(with hooks: [HookConfig]) {
        let fresh = Self.build(hooks, externalURL, logger)
        let (old, start) = state.withLock { state -> ([HookDispatcher], Bool) in
            defer { state.dispatchers = fresh }
            return (Array(state.dispatchers.values), state.started && !state.stopped)
        }
        old.forEach { $0.stop() }
        if start { fresh.values.forEach { $0.start() } }
    }

    private func startAll() {
        let dispatchers = state.withLock { state -> [HookDispatcher] in
            state.started = true
            return Array(state.dispatchers.values)
        }
        dispatchers.forEach { $0.start() }
    }

    /// Stops every sender and waits until each has (each gives up its delivery at once).
    private func stopAll() {
        let dispatchers = state.withLock { state -> [HookDispatcher] in
            state.stopped = true
            return Array(state.dispatchers.values)
        }
        dispatchers.forEach { $0.stop() }
        dispatchers.forEach { $0.waitUntilStopped() }
    }
}

extension HookSenders: Service {
    func run() async {
        startAll()
        try? await gracefulShutdown()
        await onOwnThread(named: "hooks stop") { [self] in stopAll() }
    }
}
