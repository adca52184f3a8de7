import CallPulseAlerting
import CallPulseSupport
import Logging
import ServiceLifecycle

/// Every hook's senders (one worker thread each; an alertmanager hook has one per URL), rebuilt
/// when the rules are reloaded; one service for all of them. A graceful stop gives up on
/// deliveries in flight: a receiver that hangs cannot hold the shutdown (README.md, "Alerting").
final class HookSenders: Sendable {
    private struct State {
        /// By hook name: one sender per URL the hook posts to (one for webhook and exec hooks).
        var dispatchers: [String: [HookDispatcher]] = [:]
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
                              _ logger: Logger) -> [String: [HookDispatcher]] {
        Dictionary(uniqueKeysWithValues: hooks.map { hook in
            let urls = hook.kind == .alertmanager ? hook.postURLs : [hook.url]
            return (hook.name, urls.map { HookDispatcher(config: hook, url: $0, externalURL: url, logger: logger) })
        })
    }

    /// The senders of the hook called `name`, one per URL it posts to; none when there is no such hook.
    func dispatchers(named name: String) -> [HookDispatcher] { state.withLock { $0.dispatchers[name] ?? [] } }

    /// Each hook's delivery counts, in the order of `hooks`: summed over its URLs, each
    /// delivery counted; the last error of each URL that had one, naming the URL.
    func counts(for hooks: [HookConfig]) -> [(HookConfig, HookDispatcher.Counts)] {
        let dispatchers = state.withLock { $0.dispatchers }
        return hooks.compactMap { hook in
            guard let senders = dispatchers[hook.name], !senders.isEmpty else { return nil }
            let each = senders.map { sender in (sender.url, sender.counts.withLock { $0 }) }
            guard each.count > 1 else { return (hook, each[0].1) }
            var total = HookDispatcher.Counts()
            for (_, counts) in each {
                total.sent += counts.sent
                total.failed += counts.failed
                total.dropped += counts.dropped
            }
            let errors = each.compactMap { url, counts in counts.lastError.map { "\(url): \($0)" } }
            total.lastError = errors.isEmpty ? nil : errors.joined(separator: "; ")
            return (hook, total)
        }
    }

    /// New senders for a reloaded rules file; the old ones stop (dropping what they hold).
    func replace(with hooks: [HookConfig]) {
        let fresh = Self.build(hooks, externalURL, logger)
        let (old, start) = state.withLock { state -> ([HookDispatcher], Bool) in
            defer { state.dispatchers = fresh }
            return (state.dispatchers.values.flatMap { $0 }, state.started && !state.stopped)
        }
        old.forEach { $0.stop() }
        if start { fresh.values.joined().forEach { $0.start() } }
    }

    private func startAll() {
        let dispatchers = state.withLock { state -> [HookDispatcher] in
            state.started = true
            return state.dispatchers.values.flatMap { $0 }
        }
        dispatchers.forEach { $0.start() }
    }

    /// Stops every sender and waits until each has (each gives up its delivery at once).
    private func stopAll() {
        let dispatchers = state.withLock { state -> [HookDispatcher] in
            state.stopped = true
            return state.dispatchers.values.flatMap { $0 }
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
