import CallPulseCore
import CallPulseSupport
import Logging

/// `serve --demo`: the built-in simulator as an input. Every tick it hands the events due by
/// then to the ingest pipeline as one NDJSON body, like a client would; it starts once the
/// pipeline is open (after a restore) and stops first on a graceful stop.
final class DemoInput: Sendable {
    static let queues = 6
    static let eventsPerSecond = 20.0
    /// When the first simulated spike (of missed calls, on Billing) starts, after the traffic:
    /// just past the 5 minutes the demo's spike rule must observe first (DemoRules).
    static let spikeAfter: EpochMillis = 320_000

    private let pipeline: IngestPipeline
    private let clock: @Sendable () -> EpochMillis
    private let logger: Logger
    /// nil until the first tick with the pipeline open: the traffic starts at that moment.
    private let pacer = LockedBox<LivePacer?>(nil)
    private let worker: WorkerThread

    init(pipeline: IngestPipeline, clock: @escaping @Sendable () -> EpochMillis, logger: Logger) {
        self.pipeline = pipeline
        self.clock = clock
        self.logger = logger
        worker = WorkerThread(name: "demo", interval: .milliseconds(LivePacer.defaultTick))
    }

    var service: WorkerService { WorkerService(worker: worker, step: { [self] in tick() }) }

    private func tick() {
        guard pipeline.currentAdmission == .open else { return }
        let now = clock()
        let batch = pacer.withLock { pacer -> (body: [UInt8], count: Int) in
            if pacer == nil {
                logger.info("demo: simulating \(Self.queues) queues at about \(Int(Self.eventsPerSecond)) events/s")
                pacer = LivePacer(generator: TrafficGenerator(queues: Self.queues, eventsPerSecond: Self.eventsPerSecond,
                                                              start: now, seed: UInt64(now), firstSpikeAfter: Self.spikeAfter))
            }
            return pacer!.due(at: now)
        }
        guard batch.count > 0 else { return }
        if case .processed(let report) = pipeline.ingest(batch.body, receivedAt: now), report.rejected > 0 {
            logger.warning("demo: \(report.rejected) events rejected")
        }
    }
}
