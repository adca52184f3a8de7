import CallPulseCore
import CallPulseHTTP
import CallPulseSupport
import Foundation

/// `callpulse replay`: feeds inputs in order through one engine on the event clock.
///
/// Reading and decoding run on a thread of their own, a few batches ahead of the engine:
/// decoding is about two thirds of replay's work and applying one third, so the two
/// overlap on a second core (docs/performance.md). Order is kept: batches are applied in
/// the order they were decoded.
public struct ReplaySession {
    public private(set) var engine: Engine
    /// Outcomes handed from the decoding thread to the engine at a time.
    static let batchSize = 4096
    /// How many batches the decoder may run ahead: bounds memory (a few MB).
    static let batchesAhead = 4
    /// Rejected events seen so far.
    public private(set) var rejections = 0

    public init(settings: Settings) throws(CoreError) {
        var settings = settings
        settings.clock = .event
        engine = try Engine(settings: settings)
    }

    /// Decoded outcomes with the line each started on.
    private struct Batch: Sendable {
        var outcomes: [DecodeOutcome] = []
        var lines: [Int] = []

        init() {
            outcomes.reserveCapacity(ReplaySession.batchSize)
            lines.reserveCapacity(ReplaySession.batchSize)
        }
    }

    /// What the decoding thread has handed over and not yet applied.
    private struct Handoff {
        var batches: [Batch] = []
        var finished = false
        var failure: SystemCallError?
    }

    /// Replays one input from a file descriptor; rejected events are reported as `NAME:LINE: REASON: detail`.
    /// Returns only once the decoding thread is done with `fd`.
    public mutating func replay(fd: Int32, name: String, reportRejection: (String) -> Void) throws {
        let handoff = LockedBox(Handoff())
        Thread.detachNewThread { Self.decode(fd: fd, into: handoff) }
        while let batch = handoff.withLock(waitingUntil: { !$0.batches.isEmpty || $0.finished }, {
            $0.batches.isEmpty ? nil : $0.batches.removeFirst()
        }) {
            var position = 0
            engine.process(contentsOf: batch.outcomes, receivedAt: 0) { result in
                if case .rejected(let rejection) = result {
                    rejections += 1
                    reportRejection("\(name):\(batch.lines[position]): \(rejection.reason.rawValue): \(rejection.detail)")
                }
                position += 1
            }
        }
        if let failure = handoff.withLock({ $0.failure }) { throw failure }
    }

    /// The decoding thread: reads `fd` to its end, handing over full batches, then the rest.
    private static func decode(fd: Int32, into handoff: LockedBox<Handoff>) {
        var stream = EventStream(fd: fd, reader: EventReader())
        var batch = Batch()
        var failure: SystemCallError?
        do {
            try stream.run { positioned in
                batch.outcomes.append(positioned.outcome)
                batch.lines.append(positioned.line)
                guard batch.outcomes.count == batchSize else { return }
                let full = batch
                batch = Batch()
                handoff.withLock(waitingUntil: { $0.batches.count < batchesAhead }) { $0.batches.append(full) }
            }
        } catch {
            failure = error
        }
        let last = batch
        handoff.withLock(waitingUntil: { _ in true }) { state in
            if !last.outcomes.isEmpty { state.batches.append(last) }
            state.failure = failure
            state.finished = true
        }
    }

    /// The final snapshot; `wallNow` is used only if no event had a time.
    public mutating func snapshot(wallNow: EpochMillis) -> Snapshot {
        engine.snapshot(wallNow: wallNow)
    }
}
