import CallPulseAlerting
import CallPulseCore
import CallPulseSupport

/// The one owner of the engine: every change and every read goes through its lock, in
/// short sections (decoding happens before, in the pipeline; rendering after, on a copy).
public final class EngineHost: Sendable {
    private let engine: LockedBox<Engine>
    public let settings: Settings

    public init(settings: Settings) throws(CoreError) {
        self.settings = settings
        engine = LockedBox(try Engine(settings: settings))
    }

    /// Applies a decoded batch received at `receivedAt` (the live clock's now).
    func apply(_ batch: DecodedBatch, receivedAt: EpochMillis) -> IngestReport {
        engine.withLock { Self.apply(batch, receivedAt, &$0) }
    }

    /// Applies stream messages, each group at its publish time, and records the stream position
    /// they reach under the same lock (docs/spec/scale-out.md, "Consume"). `taken[i]`: whether
    /// any event of message i was accepted or ignored (else every one was rejected).
    func apply(_ batch: StreamBatch) -> (report: IngestReport, taken: [Bool]) {
        engine.withLock { engine in
            var report = IngestReport()
            var takenOutcomes = [Bool](repeating: false, count: batch.decoded.outcomes.count)
            for group in batch.groups {
                Self.apply(batch.decoded, group.outcomes, group.receivedAt, &engine, into: &report) { index, taken in
                    takenOutcomes[index] = taken
                }
            }
            engine.recordSourcePosition(batch.lastSequence, in: batch.stream)
            return (report, batch.messages.map { $0.contains { takenOutcomes[$0] } })
        }
    }

    /// The last stream sequence applied (0: none) and the stream it counts in ("": none).
    var sourcePosition: (sequence: UInt64, stream: String) { engine.withLock { ($0.sourcePosition, $0.sourceStream) } }

    private static func apply(_ batch: DecodedBatch, _ receivedAt: EpochMillis, _ engine: inout Engine) -> IngestReport {
        var report = IngestReport()
        apply(batch, batch.outcomes.indices, receivedAt, &engine, into: &report) { _, _ in }
        return report
    }

    /// Processes `range` of `batch` at `receivedAt` into `report`; `each` learns whether each
    /// outcome was taken (accepted or ignored).
    private static func apply(_ batch: DecodedBatch, _ range: Range<Int>, _ receivedAt: EpochMillis, _ engine: inout Engine,
                              into report: inout IngestReport, _ each: (Int, Bool) -> Void) {
        var position = range.lowerBound
        let live = engine.settings.clock == .live
        engine.process(contentsOf: batch.outcomes[range], receivedAt: receivedAt) { result in
            switch result {
            case .accepted:
                each(position, true)
                report.accepted += 1
                if live, case .event(let event) = batch.outcomes[position], let time = event.stateTime {
                    report.delays.append(receivedAt - time)
                }
            case .ignored:
                each(position, true)
                report.ignored += 1
            case .rejected(let rejection):
                each(position, false)
                report.rejected += 1
                if report.errors.count < IngestReport.maxErrors {
                    let (index, line) = batch.positions[position]
                    report.errors.append((index, line, rejection))
                }
            }
            position += 1
        }
    }

    /// Puts in the engine restored from the state directory (before ingest opens).
    func replaceEngine(with restored: Engine) {
        engine.withLock { $0 = restored }
    }

    /// The live clock's observed span at the daemon's start (docs/spec/forecast.md): kept from
    /// the restored state unless it was last alive more than `tolerance` ago.
    func resumeObserving(now: EpochMillis, tolerance: EpochMillis) -> String? {
        engine.withLock { $0.resumeObserving(at: now, tolerance: tolerance) }
    }

    /// A copy of the engine (copy-on-write: cheap now, the arrays are copied on the next change).
    func copyEngine() -> Engine { engine.withLock { $0 } }

    /// A consistent snapshot at `now` (expiry runs first).
    public func snapshot(now: EpochMillis) -> Snapshot {
        engine.withLock { $0.snapshot(wallNow: now) }
    }

    /// For each (queue, ranges) asked: each range's bin totals (nil where not observed or not
    /// kept), read under one lock at `now` (seasonal spike baselines).
    public func rangeTotals(_ requests: [(queue: String, ranges: [(from: EpochMillis, to: EpochMillis)])],
                            now: EpochMillis) -> [[Counters?]] {
        engine.withLock { engine in
            let now = engine.advance(to: now)
            return requests.map { request in
                request.ranges.map { engine.rangeTotals(queue: request.queue, from: $0.from, to: $0.to, now: now) }
            }
        }
    }

    /// The interval history `query` asks for, at `now`: the bins are copied under the lock
    /// (copy-on-write), the answer computed after it, so ingest does not wait for a long range.
    public func intervals(_ query: IntervalQuery, now: EpochMillis) throws(CoreError) -> IntervalReport {
        let taken: Result<IntervalSource, CoreError> = engine.withLock { engine in
            do throws(CoreError) { return .success(try engine.intervalSource(query, wallNow: now)) } catch { return .failure(error) }
        }
        var source = try taken.get()
        return source.report()
    }

    /// Active call records, filtered, at most `limit`.
    public func calls(now: EpochMillis, queue: String?, state: String?, limit: Int) -> [CallView] {
        engine.withLock { engine in
            _ = engine.advance(to: now)
            return engine.calls(queue: queue, state: state, limit: limit)
        }
    }
}
