import CallPulseCore
import Foundation

/// Plays generated traffic in real time: every tick, the events whose time has come go out
/// as one NDJSON batch. `serve --demo` and `simulate --target` both run on it.
public struct LivePacer {
    public var generator: any TrafficSource
    /// Time between batches, in ms, unless set otherwise.
    public static let defaultTick: EpochMillis = 100
    /// Time between batches, in ms.
    public var tick: EpochMillis = LivePacer.defaultTick
    private var next: TrafficGenerator.Event

    public init(generator: some TrafficSource) {
        self.generator = generator
        next = self.generator.next()
    }

    /// The NDJSON of every event due at `now`, and how many there are.
    public mutating func due(at now: EpochMillis) -> (body: [UInt8], count: Int) {
        var body: [UInt8] = []
        var count = 0
        while next.time <= now {
            body.append(contentsOf: next.ndjson().utf8)
            body.append(0x0A)
            count += 1
            next = generator.next()
        }
        return (body, count)
    }

    /// Runs until `keepGoing` says stop: `deliver(body, count, now)` gets each non-empty batch.
    public mutating func run(clock: () -> EpochMillis, keepGoing: () -> Bool,
                             deliver: ([UInt8], Int, EpochMillis) -> Void) {
        while keepGoing() {
            let now = clock()
            let batch = due(at: now)
            if batch.count > 0 { deliver(batch.body, batch.count, now) }
            let elapsed = clock() - now
            if elapsed < tick { usleep(useconds_t((tick - elapsed) * 1000)) }
        }
    }
}
