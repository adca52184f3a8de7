import CallPulseSupport
import Logging
import ServiceLifecycle

/// Which services are running, by name: what the shutdown deadline names when it gives up.
/// A service that fails is logged at once, before the others are stopped for it.
final class ServiceTracker: Sendable {
    private let running = LockedBox<[String]>([])
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// `service` under `name`, counted as running while its `run` is.
    func track(_ service: some Service, as name: String) -> TrackedService {
        TrackedService(name: name, service: service, tracker: self)
    }

    /// The services still running, in the order they started.
    var stillRunning: [String] { running.withLock { $0 } }

    fileprivate func started(_ name: String) { running.withLock { $0.append(name) } }

    fileprivate func finished(_ name: String) {
        running.withLock { names in
            if let index = names.firstIndex(of: name) { names.remove(at: index) }
        }
    }
}

/// A service that tells its tracker when it starts and ends.
struct TrackedService: Service, CustomStringConvertible {
    let name: String
    let service: any Service
    let tracker: ServiceTracker

    var description: String { name }

    func run() async throws {
        tracker.started(name)
        defer { tracker.finished(name) }
        do {
            try await service.run()
        } catch {
            // Logged here, not only when the group has stopped: a stop that then outlasts
            // shutdown_timeout would otherwise never say what failed.
            let reason = (error as? any CallPulseError)?.description ?? "\(error)"
            tracker.logger.error("\(name) failed, stopping the daemon: \(reason)")
            throw error
        }
    }
}
