import CallPulseSupport
import Logging
import ServiceLifecycle
import UnixSignals

/// The process's signals (README.md, "The daemon"): SIGTERM and SIGINT begin the graceful
/// stop of the whole group, logged by name; SIGHUP reloads (`Reload`). The one place
/// that traps them, so the log line comes before anything stops.
struct SignalService: Service {
    /// Trapped before the group starts: a signal that comes the instant the server answers
    /// must not find its default action (terminate) still in place.
    let signals: UnixSignalsSequence
    let reloadRules: @Sendable () -> Void
    /// Begins the group's graceful stop (set once the group exists).
    let stopGroup: @Sendable () async -> Void
    let logger: Logger

    static func trap() async -> UnixSignalsSequence {
        await UnixSignalsSequence(trapping: .sighup, .sigterm, .sigint)
    }

    func run() async {
        // Ends when this service's own turn to stop comes (services stop in reverse order).
        for await signal in signals.cancelOnGracefulShutdown() {
            if signal == .sighup {
                reloadRules()
            } else {
                logger.info("stopping", metadata: ["signal": "\(signal == .sigint ? "SIGINT" : "SIGTERM")"])
                await stopGroup()
            }
        }
    }
}

/// The service group, for the services that must stop it (signals); set after it is built.
final class GroupHandle: Sendable {
    private let group = LockedBox<ServiceGroup?>(nil)

    func set(_ group: ServiceGroup) { self.group.withLock { $0 = group } }

    func triggerGracefulShutdown() async {
        await group.withLock({ $0 })?.triggerGracefulShutdown()
    }
}
