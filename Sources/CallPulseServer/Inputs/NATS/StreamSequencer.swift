/// What a consumer does with each message a fetch delivered (docs/spec/scale-out.md, "Consume"),
/// decided from its two sequences alone, so the rules are tested without a server.
///
/// The consumer is created at the message after `position`, so its deliveries are numbered 1,
/// 2, 3, … (a redelivery takes the next number). A number skipped is a delivery that never
/// arrived (a connection lost while it was on its way): everything after it waits, and the
/// consumer is created again at the message after the position. A message at or below the
/// position was applied before (a redelivery after a crash or an AckWait): it is skipped.
struct StreamSequencer: Sendable, Equatable {
    /// The last stream sequence taken (applied, or in the batch being built).
    private(set) var position: UInt64
    /// The delivery number expected next.
    private var nextDelivery: UInt64 = 1

    enum Verdict: Equatable {
        case apply
        /// Applied before: ack it, apply nothing.
        case skip
        /// Stop here: create the consumer again at the message after `position`. The reason is
        /// a sentence for the log.
        case refetch(String)
    }

    /// Right after the consumer was created at the message after `position`.
    init(position: UInt64) {
        self.position = position
    }

    mutating func judge(streamSequence: UInt64, delivery: UInt64) -> Verdict {
        guard streamSequence > 0, delivery > 0 else {
            return .refetch("a message came without readable metadata")
        }
        guard delivery == nextDelivery else {
            return .refetch("delivery \(nextDelivery) did not arrive (the next one was \(delivery))")
        }
        nextDelivery += 1
        guard streamSequence > position else { return .skip }
        position = streamSequence
        return .apply
    }
}
