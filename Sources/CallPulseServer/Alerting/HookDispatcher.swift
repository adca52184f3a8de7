import CallPulseAlerting
import CallPulseHTTP
import CallPulseSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// Delivers one hook's notifications to one URL from a bounded queue on its own worker thread,
/// with a timeout per attempt and exponential backoff; ingestion never waits for it. An
/// alertmanager hook with `urls` has one per URL, so a dead Alertmanager holds up none of the
/// others (docs/spec/scale-out.md, "Replicas"). A stop gives up on the delivery in flight and
/// drops what is queued (counted), so a receiver that hangs cannot hold the daemon's shutdown.
final class HookDispatcher: Sendable {
    static let queueLimit = 1000

    struct Counts: Sendable {
        var sent: Int64 = 0
        var failed: Int64 = 0
        var dropped: Int64 = 0
        var lastError: String?
    }

    let config: HookConfig
    /// Where this sender posts: `config.url` or one of `config.urls` (unused by exec hooks).
    let url: String
    /// This daemon's URL for payloads; known once the HTTP server has bound its port.
    private let externalURL: @Sendable () -> String
    private let logger: Logger
    private let pending = LockedBox<[AlertNotification]>([])
    private let worker: WorkerThread
    /// The request in flight, so a stop can cancel it.
    private let inFlight = LockedBox<URLSessionDataTask?>(nil)
    let counts = LockedBox(Counts())
    private let token: String?
    private let session: URLSession

    /// `url`: one of the hook's `postURLs`; nil is `config.url`.
    init(config: HookConfig, url: String? = nil, externalURL: @escaping @Sendable () -> String, logger: Logger) {
        worker = WorkerThread(name: "hook \(config.name)", interval: nil)
        self.config = config
        self.url = url ?? config.url
        self.externalURL = externalURL
        self.logger = logger
        token = config.bearerTokenFile.isEmpty ? nil
            : (try? String(contentsOfFile: config.bearerTokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(config.timeout) / 1000
        configuration.timeoutIntervalForResource = Double(config.timeout) / 1000
        session = URLSession(configuration: configuration)
    }

    /// Starts delivering; `whenFinished` runs once the sender has stopped.
    func start(whenFinished: @escaping @Sendable () -> Void = {}) {
        worker.run(step: { [self] in deliverPending() }, finally: { [self] in dropPending() }, whenFinished: whenFinished)
    }

    /// Gives up on the delivery in flight and stops; what is still queued is dropped.
    func stop() {
        worker.requestStop()
        inFlight.withLock { $0 }?.cancel()
    }

    /// Blocks until a started sender has stopped.
    func waitUntilStopped() { worker.waitUntilFinished() }

    /// Queues a notification; drops it (counted) when the queue is full.
    func enqueue(_ notification: AlertNotification) {
        let accepted = pending.withLock { queue -> Bool in
            guard queue.count < Self.queueLimit else { return false }
            queue.append(notification)
            return true
        }
        if accepted {
            worker.wake()
        } else {
            counts.withLock { $0.dropped += 1 }
            logger.warning("hook queue full: notification dropped", metadata: ["hook": "\(config.name)"])
        }
    }

    private func deliverPending() {
        while !worker.isStopping, let notification = pending.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            deliver(notification)
        }
    }

    private func dropPending() {
        let dropped = pending.withLock { queue -> Int in defer { queue = [] }; return queue.count }
        guard dropped > 0 else { return }
        counts.withLock { $0.dropped += Int64(dropped) }
        logger.warning("hook stopped with notifications undelivered", metadata: ["hook": "\(config.name)", "dropped": "\(dropped)"])
    }

    /// Seconds to wait after failed attempt `attempt` (0-based): 0.25 s, doubling, at most 30 s.
    static func backoff(afterAttempt attempt: Int) -> Double {
        min(0.25 * Double(1 << min(attempt, 16)), 30)
    }

    private func deliver(_ notification: AlertNotification) {
        for attempt in 0...config.maxRetries {
            let error = attemptOnce(notification)
            guard let error else {
                counts.withLock { $0.sent += 1 }
                return
            }
            counts.withLock {
                $0.failed += 1
                $0.lastError = error
            }
            var metadata: Logger.Metadata = ["hook": "\(config.name)", "attempt": "\(attempt + 1)", "error": "\(error)"]
            if !config.urls.isEmpty { metadata["url"] = "\(url)" }  // which of the hook's Alertmanagers
            logger.warning("hook delivery failed", metadata: metadata)
            guard attempt < config.maxRetries, !worker.isStopping else { break }
            guard !worker.sleep(seconds: Self.backoff(afterAttempt: attempt)) else { break }
        }
        counts.withLock { $0.dropped += 1 }
    }

    /// One attempt; nil on success, else the reason.
    private func attemptOnce(_ notification: AlertNotification) -> String? {
        switch config.kind {
        case .webhook:
            return post(url, notification.webhookPayload(externalURL: externalURL()))
        case .alertmanager:
            let base = url.hasSuffix("/") ? String(url.dropLast()) : url
            return post(base + "/api/v2/alerts", notification.alertmanagerPayload(externalURL: externalURL()))
        case .exec:
            return execute(notification.webhookPayload(externalURL: externalURL()))
        }
    }

    private func post(_ url: String, _ body: String) -> String? {
        var headers = [("Content-Type", "application/json")] + config.headers.map { ($0.key, $0.value) }
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return HTTPPost.send(session, url: url, body: Data(body.utf8), headers: headers, timeoutMillis: config.timeout,
                             started: { [inFlight, worker] task in
                                 inFlight.withLock { $0 = task }
                                 if worker.isStopping { task.cancel() }  // a stop that came just before
                             }).failure
    }

    private func execute(_ payload: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: config.command[0])
        process.arguments = Array(config.command.dropFirst())
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "cannot run \(config.command[0]): \(error.localizedDescription)"
        }
        input.fileHandleForWriting.write(Data(payload.utf8))
        try? input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + .milliseconds(config.timeout)  // monotonic: immune to clock steps
        while process.isRunning && ContinuousClock.now < deadline && !worker.isStopping { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            return "timed out after \(config.timeout) ms"
        }
        return process.terminationStatus == 0 ? nil : "exited with status \(process.terminationStatus)"
    }
}
