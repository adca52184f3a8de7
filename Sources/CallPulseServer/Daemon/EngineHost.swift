import CallPulseAlerting
import CallPulseCore
import CallPulseHTTP

/// The one owner of the engine: decoding happens outside its lock, applying and
/// snapshotting inside, in batches.
public final class EngineHost: Sendable {
    private let engine: LockedBox<Engine>
    private let readers = ReaderPool()
    /// The state directory's journal once state is restored; nil without one.
    private let store = LockedBox<DurableStore?>(nil)
    public let settings: Settings

    public init(settings: Settings) throws(CoreError) {
        self.settings = settings
        engine = LockedBox(try Engine(settings: settings))
    }

    /// What one ingest request did, with the first `maxErrors` rejections.
    public struct IngestReport: Sendable {
        public var accepted = 0
        public var ignored = 0
        public var rejected = 0
        public var errors: [(index: Int, line: Int, rejection: Rejection)] = []
        /// Receive time minus state time of accepted events (live clock), in ms.
        public var delays: [Int64] = []
        /// Set when the batch could not be stored: nothing of it was applied.
        public var storageFailure: String?
        public var total: Int { accepted + ignored + rejected }
    }

    public static let maxErrors = 100

    /// Decodes a body (any input shape) and applies it; `receivedAt` is the live clock's now.
    /// With a state directory the batch is journaled first, and applied only once stored.
    public func ingest(_ body: [UInt8], receivedAt: EpochMillis) -> IngestReport {
        var outcomes: [DecodeOutcome] = []
        var positions: [(index: Int, line: Int)] = []
        readers.with { reader in
            reader.read(JSONText(body)) { positioned in
                outcomes.append(positioned.outcome)
                positions.append((positioned.index, positioned.line))
            }
        }
        guard let store = store.withLock({ $0 }) else {
            return engine.withLock { Self.apply(outcomes, positions, receivedAt, &$0) }
        }
        let result = LockedBox(IngestReport())
        let decoded = outcomes, where_ = positions, engine = self.engine
        let batch = DurableStore.Batch(payload: JournalRecord.encode(outcomes, receivedAt: receivedAt)) {
            let report = engine.withLock { Self.apply(decoded, where_, receivedAt, &$0) }
            result.withLock { $0 = report }
        }
        if let failure = store.submit(batch) {
            var report = IngestReport()
            report.storageFailure = failure
            return report
        }
        return result.withLock { $0 }
    }

    private static func apply(_ outcomes: [DecodeOutcome], _ positions: [(index: Int, line: Int)],
                              _ receivedAt: EpochMillis, _ engine: inout Engine) -> IngestReport {
        var report = IngestReport()
        var position = 0
        let live = engine.settings.clock == .live
        engine.process(contentsOf: outcomes, receivedAt: receivedAt) { result in
            switch result {
            case .accepted:
                report.accepted += 1
                if live, case .event(let event) = outcomes[position], let time = event.stateTime {
                    report.delays.append(receivedAt - time)
                }
            case .ignored:
                report.ignored += 1
            case .rejected(let rejection):
                report.rejected += 1
                if report.errors.count < Self.maxErrors {
                    report.errors.append((positions[position].index, positions[position].line, rejection))
                }
            }
            position += 1
        }
        return report
    }

    /// Restores state from `store` (checkpoint and journal), then journals every ingest there.
    func restore(from store: DurableStore) throws(PersistenceError) -> [Alert] {
        let (restored, alerts) = try store.recover(settings: settings) { engine, outcomes, receivedAt in
            engine.process(contentsOf: outcomes, receivedAt: receivedAt) { _ in }
        }
        engine.withLock { $0 = restored }
        self.store.withLock { $0 = store }
        return alerts
    }

    /// A copy of the engine (copy-on-write: cheap now, the arrays are copied on the next change).
    func copyEngine() -> Engine { engine.withLock { $0 } }

    /// A consistent snapshot at `now` (expiry runs first).
    public func snapshot(now: EpochMillis) -> Snapshot {
        engine.withLock { $0.snapshot(wallNow: now) }
    }

    /// Active call records, filtered, at most `limit`.
    public func calls(now: EpochMillis, queue: String?, state: String?, limit: Int) -> [CallView] {
        engine.withLock { engine in
            _ = engine.advance(to: now)
            return engine.calls(queue: queue, state: state, limit: limit)
        }
    }
}

/// simdjson parsers for request threads: each is used by one thread at a time.
final class ReaderPool: Sendable {
    // Readers are not thread-safe, so they are handed out exclusively: a reader is either
    // in `idle` (under the lock) or owned by exactly one `with` call.
    private let idle = LockedBox<[UncheckedReader]>([])

    /// Wraps a reader so it can sit in a Sendable box; ownership passes with the lock.
    struct UncheckedReader: @unchecked Sendable {
        // @unchecked Sendable is sound: a reader moves between threads only through
        // `idle`'s lock, and one `with` call uses it at a time.
        let reader: EventReader
    }

    func with<Result>(_ body: (EventReader) -> Result) -> Result {
        let taken = idle.withLock { $0.popLast() } ?? UncheckedReader(reader: EventReader())
        defer { idle.withLock { $0.append(taken) } }
        return body(taken.reader)
    }
}
