import CallPulseCore
import CallPulseSupport
import ServiceLifecycle

/// The one path every input's events take (docs/architecture.md, "Ingest"):
/// decode → validate → journal (with a state directory) → apply → notify.
///
/// Inputs (HTTP, the demo, later a message broker) only translate their transport to
/// `ingest` and its outcome back. As a `Service` it closes at the start of a graceful
/// stop: from then on every input is told `shuttingDown` and nothing more is applied.
public final class IngestPipeline: Sendable {
    /// Whether events are taken now.
    public enum Admission: Sendable, Equatable {
        /// The state directory is being restored: nothing is applied yet.
        case restoring
        case open
        /// A graceful stop has begun.
        case closed
    }

    /// What became of one body.
    public enum Outcome: Sendable {
        /// Decoded and, for accepted events, applied (and journaled first when there is a journal).
        case processed(IngestReport)
        /// Nothing applied: the state is still being restored.
        case notReady
        /// Nothing applied: the daemon is stopping.
        case shuttingDown
        /// Nothing applied: the journal could not store the batch (the reason, e.g. a full disk).
        case notStored(String)
        /// Nothing applied: `admit` refused a batch of `events` events (the HTTP input's rate
        /// limit, docs/spec/security.md); it may be sent again after `retryAfter`.
        case rateLimited(events: Int, retryAfter: Duration)
    }

    /// What became of a batch of stream messages (docs/spec/scale-out.md, "Consume").
    enum StreamOutcome: Sendable {
        /// Journaled (with a state directory) and applied, with the stream position; `taken[i]`
        /// tells whether message i had an event taken (else all of it was rejected).
        case applied(IngestReport, taken: [Bool])
        /// Nothing applied, for the reason given; the messages come again.
        case refused(String)
    }

    /// Told about every batch that was applied, after the engine's lock is released.
    public typealias Observer = @Sendable (IngestReport) -> Void

    private let engine: EngineHost
    private let journal: DurableStore?
    private let readers = ReaderPool()
    private let admission: LockedBox<Admission>
    private let observers: LockedBox<[Observer]>

    /// `journal` nil: events are applied as they come and the pipeline opens at once.
    init(engine: EngineHost, journal: DurableStore?) {
        self.engine = engine
        self.journal = journal
        admission = LockedBox(journal == nil ? .open : .restoring)
        observers = LockedBox([])
    }

    /// A pipeline straight into `engine`, with no journal (the fuzzers and in-process tests).
    public convenience init(engine: EngineHost) { self.init(engine: engine, journal: nil) }

    /// Adds a step to "notify"; wiring calls this before any input starts.
    func addObserver(_ observer: @escaping Observer) {
        observers.withLock { $0.append(observer) }
    }

    public var currentAdmission: Admission { admission.withLock { $0 } }

    /// State restored: events are taken from now on.
    func open() {
        admission.withLock { if $0 == .restoring { $0 = .open } }
    }

    /// A graceful stop began: every later body is answered `shuttingDown`.
    public func close() {
        admission.withLock { $0 = .closed }
    }

    /// Takes one body in any input shape (object, array, NDJSON) received at `receivedAt`.
    /// `admit` sees the number of events (each decoded or rejected item) once the body is
    /// decoded and before anything is journaled or applied: nil lets them in, a wait refuses
    /// the whole body.
    public func ingest(_ body: [UInt8], receivedAt: EpochMillis,
                       admit: (_ events: Int) -> Duration? = { _ in nil }) -> Outcome {
        switch admission.withLock({ $0 }) {
        case .restoring: return .notReady
        case .closed: return .shuttingDown
        case .open: break
        }
        let batch = DecodedBatch.decode(body, with: readers)
        if let wait = admit(batch.outcomes.count) { return .rateLimited(events: batch.outcomes.count, retryAfter: wait) }
        let report: IngestReport
        if let journal {
            // Applied by the journal's writer in journal order, once the record is on disk.
            let applied = LockedBox(IngestReport())
            let engine = self.engine
            let record = DurableStore.Batch(payload: JournalRecord.encode(batch.outcomes, receivedAt: receivedAt)) {
                let result = engine.apply(batch, receivedAt: receivedAt)
                applied.withLock { $0 = result }
            }
            if let failure = journal.submit(record) { return .notStored(failure) }
            report = applied.withLock { $0 }
        } else {
            report = engine.apply(batch, receivedAt: receivedAt)
        }
        notify(report)
        return .processed(report)
    }

    /// Takes stream messages: journaled as one record with the position they reach, then
    /// applied, each at its publish time. The caller acks them only after this returns `applied`.
    func ingest(stream batch: StreamBatch) -> StreamOutcome {
        switch admission.withLock({ $0 }) {
        case .restoring: return .refused("the state is still being restored")
        case .closed: return .refused("the daemon is stopping")
        case .open: break
        }
        let result: (report: IngestReport, taken: [Bool])
        if let journal {
            let applied = LockedBox<(report: IngestReport, taken: [Bool])>((IngestReport(), []))
            let engine = self.engine
            let payload = JournalRecord.encode(batch.decoded.outcomes, groups: batch.groups, sourcePosition: batch.lastSequence,
                                               sourceStream: batch.stream)
            let record = DurableStore.Batch(payload: payload) {
                let outcome = engine.apply(batch)
                applied.withLock { $0 = outcome }
            }
            if let failure = journal.submit(record) { return .refused("the events could not be stored durably (\(failure))") }
            result = applied.withLock { $0 }
        } else {
            result = engine.apply(batch)
        }
        notify(result.report)
        return .applied(result.report, taken: result.taken)
    }

    private func notify(_ report: IngestReport) {
        for observer in observers.withLock({ $0 }) { observer(report) }
    }
}

extension IngestPipeline: Service {
    /// Waits for the graceful stop, then closes: inputs that stop later get `shuttingDown`.
    public func run() async {
        try? await gracefulShutdown()
        close()
    }
}
