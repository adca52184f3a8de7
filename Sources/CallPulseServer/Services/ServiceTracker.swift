import CallPulseSupport
import ServiceLifecycle

/// Which services are running, by name: what the shutdown deadline names when it gives up.
final class ServiceTracker: Sendable {
    private let running = LockedBox<[String]>([])

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
        try await service.run()
    }
}
