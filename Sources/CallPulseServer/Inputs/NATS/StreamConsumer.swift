import CallPulseCore
import CallPulseNATS
import CallPulseSupport
import Logging

/// The consume side of the NATS source (docs/spec/scale-out.md, "Consume"): a durable pull
/// consumer whose messages go through the ingest pipeline in batches, each applied exactly once
/// and in stream order, and acked only once applied (journaled first with a state directory).
///
/// The engine's source position (in checkpoints and the journal) is the truth: the consumer is
/// created at the message after it when the daemon starts and again after any failure, so what
/// was delivered but not applied (a crash, a full disk, a lost connection) comes again, and what
/// was applied but not acked is skipped when it is redelivered.
final class StreamConsumer: Sendable {
    struct Settings: Sendable {
        var stream: String
        var durable: String
        /// `<subject>.>` or one shard's subject.
        var filter: String
        /// True when every stream sequence is delivered (no shard filter): a hole in the
        /// sequences then means a message went missing, and the consumer is created again.
        var contiguous: Bool
        var batch = 1000
        var ackWait: Duration = .seconds(30)
    }

    /// What only the worker thread touches (in a box to be shared with it; never contended).
    private struct Loop {
        var consumer: PullConsumer?
        /// Judges each delivery against the position (made again with the consumer).
        var sequencer = StreamSequencer(position: 0)
        /// The stream's name and creation time, recorded with the position.
        var stream = ""
        /// Consumers made again for a missing delivery, for the log's rate.
        var refetches = 0
        var retryDelay = 0.25
        var failing = false
        var failureLogged = false
        var lastPendingQuery: UInt64 = 0
        let reader = EventReader()
        var text = JSONText()
    }

    let worker = WorkerThread(name: "nats-consumer", interval: nil)
    private let client: JetStreamClient
    private let pipeline: IngestPipeline
    private let host: EngineHost
    private let status: StreamSourceBox
    private let settings: Settings
    private let logger: Logger
    private let loop = LockedBox(Loop())

    init(client: JetStreamClient, pipeline: IngestPipeline, host: EngineHost, status: StreamSourceBox,
         settings: Settings, logger: Logger) {
        self.client = client
        self.pipeline = pipeline
        self.host = host
        self.status = status
        self.settings = settings
        self.logger = logger
    }

    /// The service that runs the loop until the graceful stop (after the current fetch).
    func makeService() -> WorkerService {
        worker.wake()  // the loop wakes itself after each step; this starts it
        return WorkerService(worker: worker, step: { [self] in
            step()
            worker.wake()
        }, finally: { [self] in
            loop.withLock { $0.consumer?.close(); $0.consumer = nil }
        })
    }

    private func step() {
        switch pipeline.currentAdmission {
        case .open: break
        case .restoring, .closed:
            _ = worker.sleep(seconds: 0.1)
            return
        }
        loop.withLock { loop in
            if loop.consumer == nil && !start(&loop) { return }
            consumeOnce(&loop)
        }
    }

    /// Creates the consumer at the message after the engine's position; false (after a wait)
    /// when that is not possible now.
    private func start(_ loop: inout Loop) -> Bool {
        guard client.isConnected else {
            _ = worker.sleep(seconds: 0.1)
            return false
        }
        var (position, applied) = host.sourcePosition
        do throws(NATSError) {
            let state = try client.streamState(settings.stream)
            let identity = "\(settings.stream)@\(state.created)"
            if position > 0 && (state.lastSequence < position || (!applied.isEmpty && applied != identity)) {
                logger.error("""
                    nats: stream \(settings.stream) is not the one the state was applied from (\(applied.isEmpty ? "unknown" : applied), \
                    at sequence \(position); now \(identity), ending at \(state.lastSequence)): it was deleted and made \
                    again; consuming it from its first message
                    """)
                position = 0
            }
            loop.stream = identity
            loop.consumer = try client.pullConsumer(stream: settings.stream, durable: settings.durable, filter: settings.filter,
                                                    startSequence: position == 0 ? nil : position + 1,
                                                    ackWait: settings.ackWait)
        } catch {
            failed(&loop, "cannot create the consumer \(settings.durable) on stream \(settings.stream): \(error.description)")
            return false
        }
        loop.sequencer = StreamSequencer(position: position)
        status.withLock { $0.appliedSequence = position }
        logger.info("nats: consuming stream \(settings.stream) as \(settings.durable)",
                    metadata: ["filter": "\(settings.filter)", "from_sequence": "\(position + 1)"])
        return true
    }

    private func consumeOnce(_ loop: inout Loop) {
        guard let consumer = loop.consumer else { return }
        let batch: FetchedBatch
        do throws(NATSError) {
            batch = try consumer.fetch(max: settings.batch, timeout: .seconds(1))
        } catch {
            dropConsumer(&loop)
            failed(&loop, "fetching from stream \(settings.stream) failed: \(error.description)")
            return
        }
        if batch.count == 0 {
            recovered(&loop)
            refreshPending(&loop, consumer)
            return
        }
        var stream = StreamBatch(stream: loop.stream)
        var skipped: [Int] = []
        var included: [Int] = []
        var refetch: String?
        for index in 0..<batch.count {
            let sequence = batch.streamSequence(index)
            switch loop.sequencer.judge(streamSequence: sequence, delivery: batch.consumerSequence(index)) {
            case .skip:
                skipped.append(index)
                continue
            case .refetch(let reason):
                refetch = reason
            case .apply:
                let receivedAt = EpochMillis(batch.timestampNanos(index) / 1_000_000)
                batch.withData(index) { body in
                    stream.append(body, receivedAt: receivedAt, sequence: sequence, reader: loop.reader, text: &loop.text)
                }
                included.append(index)
                continue
            }
            break
        }
        for index in skipped { batch.ack(index) }
        if !skipped.isEmpty { status.withLock { $0.skipped += Int64(skipped.count) } }
        // Messages after the last one taken wait for the next fetch or the consumer made again.
        let notTaken = UInt64(batch.count - skipped.count - included.count)
        if !stream.isEmpty {
            switch pipeline.ingest(stream: stream) {
            case .applied(_, let taken):
                for (position, index) in included.enumerated() {
                    if taken[position] { batch.ack(index) } else { batch.term(index) }
                }
                let accepted = Int64(taken.filter { $0 }.count)
                let last = included.last!
                status.withLock {
                    $0.applied += accepted
                    $0.rejected += Int64(taken.count) - accepted
                    $0.appliedSequence = stream.lastSequence
                    $0.appliedPublishedAt = EpochMillis(batch.timestampNanos(last) / 1_000_000)
                    $0.pending = batch.pendingAfter(last) + notTaken
                }
                recovered(&loop)
            case .refused(let reason):
                let waiting = UInt64(included.count) + notTaken + batch.pendingAfter(included.last!)
                status.withLock { $0.pending = waiting }
                dropConsumer(&loop)
                failed(&loop, "\(reason); the messages will be fetched again")
                return
            }
        }
        if let refetch {
            loop.refetches += 1
            if loop.refetches <= 3 || loop.refetches.isMultiple(of: 100) {
                logger.warning("nats: \(refetch); fetching again from sequence \(loop.sequencer.position + 1)",
                               metadata: ["times": "\(loop.refetches)"])
            }
            dropConsumer(&loop)
        }
    }

    private func dropConsumer(_ loop: inout Loop) {
        loop.consumer?.close()
        loop.consumer = nil
    }

    /// A fetch worked: the next failure is logged again.
    private func recovered(_ loop: inout Loop) {
        guard loop.failing else { return }
        if loop.failureLogged {
            logger.notice("nats: consuming again", metadata: ["applied_sequence": "\(loop.sequencer.position)"])
        }
        loop.failing = false
        loop.failureLogged = false
        loop.retryDelay = 0.25
    }

    /// NumPending when idle (a fetch that timed out), at most every 2 s.
    private func refreshPending(_ loop: inout Loop, _ consumer: PullConsumer) {
        let now = SystemClock.monotonicNanos()
        guard now - loop.lastPendingQuery > 2_000_000_000 else { return }
        loop.lastPendingQuery = now
        let pending = consumer.pending()
        status.withLock { $0.pending = pending }
    }

    /// Logs the first failure of a run of them (the connection's own outage line says the rest),
    /// then waits with back-off.
    private func failed(_ loop: inout Loop, _ sentence: String) {
        if !loop.failing && client.isConnected {
            logger.warning("nats: \(sentence)")
            loop.failureLogged = true
        }
        loop.failing = true
        _ = worker.sleep(seconds: loop.retryDelay)
        loop.retryDelay = min(loop.retryDelay * 2, 5)
    }
}
