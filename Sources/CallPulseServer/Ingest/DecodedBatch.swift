import CallPulseCore
import CallPulseSupport

/// A body decoded into events (or their rejections), each with where it stood in the body.
struct DecodedBatch: Sendable {
    var outcomes: [DecodeOutcome] = []
    var positions: [(index: Int, line: Int)] = []

    /// Decodes any input shape (object, array, NDJSON) with a pooled simdjson reader.
    static func decode(_ body: [UInt8], with readers: ReaderPool) -> DecodedBatch {
        var batch = DecodedBatch()
        readers.with { reader in
            reader.read(JSONText(body)) { positioned in
                batch.outcomes.append(positioned.outcome)
                batch.positions.append((positioned.index, positioned.line))
            }
        }
        return batch
    }
}

/// simdjson readers for the threads that ingest: each is used by one thread at a time.
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
