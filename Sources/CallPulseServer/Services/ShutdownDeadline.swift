import CallPulseSupport
import Foundation
import Logging
import ServiceLifecycle

/// The last word on a graceful stop (README.md, "The daemon"): once one begins, whatever has
/// not stopped within `timeout` is named in the log and the process exits with status 1
/// anyway. Runs last in the group, so it is the first to hear of the stop.
struct ShutdownDeadline: Service {
    static let name = "shutdown deadline"
    let timeout: Duration
    let tracker: ServiceTracker
    let logger: Logger

    func run() async {
        // Throws only on cancellation, which also means the group is ending.
        try? await gracefulShutdown()
        let (timeout, tracker, logger) = (self.timeout, self.tracker, self.logger)
        // A thread of its own: the cooperative pool may be the very thing that is stuck.
        let watchdog = Thread {
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            Thread.sleep(forTimeInterval: seconds)
            let stuck = tracker.stillRunning.filter { $0 != ShutdownDeadline.name }
            guard !stuck.isEmpty else { return }
            logger.critical("shutdown: \(stuck.joined(separator: ", ")) still running after shutdown_timeout (\(String(format: "%g", seconds)) s); exiting anyway")
            // _exit, not exit: the HTTP and journal threads still run, and atexit handlers
            // would tear down what they use. Acknowledged events are already synced.
            fflush(nil)
            _exit(1)
        }
        watchdog.name = Self.name
        watchdog.start()
    }
}
