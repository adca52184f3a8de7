import Testing
@testable import CallPulseServer

/// docs/spec/scale-out.md, "Consume": each stream message applied once and in stream order.
struct StreamSequencerTests {
    typealias Verdict = StreamSequencer.Verdict

    /// (what the consumer was created after, deliveries as (stream sequence, delivery number),
    /// the verdicts, the position after).
    static let cases: [(String, UInt64, [(UInt64, UInt64)], [Verdict], UInt64)] = [
        ("in order from the start", 0, [(1, 1), (2, 2), (3, 3)], [.apply, .apply, .apply], 3),
        ("after a restart at 41", 41, [(42, 1), (43, 2)], [.apply, .apply], 43),
        ("the first message left the stream (max_age): the first delivery starts", 10, [(25, 1), (26, 2)], [.apply, .apply], 26),
        ("a shard filter: stream sequences with holes, deliveries without", 0, [(3, 1), (7, 2), (8, 3)], [.apply, .apply, .apply], 8),
        ("a redelivery of what was applied (a crash before the ack) is skipped", 5, [(6, 1), (5, 2), (7, 3)], [.apply, .skip, .apply], 7),
        ("a redelivery of the newest applied one is skipped", 0, [(1, 1), (1, 2)], [.apply, .skip], 1),
        ("a delivery that never arrived stops the batch", 0, [(1, 1), (3, 3)],
         [.apply, .refetch("delivery 2 did not arrive (the next one was 3)")], 1),
        ("a first delivery other than 1 (another process pulls from this consumer)", 0, [(9, 4)],
         [.refetch("delivery 1 did not arrive (the next one was 4)")], 0),
        ("unreadable metadata", 3, [(0, 1)], [.refetch("a message came without readable metadata")], 3),
    ]

    @Test("each delivery is applied, skipped or makes the consumer fetch again", arguments: cases.indices)
    func verdicts(_ index: Int) {
        let (name, start, deliveries, expected, end) = Self.cases[index]
        var sequencer = StreamSequencer(position: start)
        var verdicts: [Verdict] = []
        for (sequence, delivery) in deliveries {
            let verdict = sequencer.judge(streamSequence: sequence, delivery: delivery)
            verdicts.append(verdict)
            if case .refetch = verdict { break }
        }
        #expect(verdicts == expected, "\(name)")
        #expect(sequencer.position == end, "\(name)")
    }
}
