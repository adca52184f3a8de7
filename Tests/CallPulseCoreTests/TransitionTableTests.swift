import Testing
@testable import CallPulseCore

/// Every cell of docs/spec/semantics.md's transition table, driven through the engine: the outcome,
/// the state reached and every counter effect, for inbound and (counting less) outbound calls.
struct TransitionTableTests {
    /// Events that put call `c` into each state; each carries queueTimestamp −5 s.
    static let setups: [String: [(String, Double)]] = [
        "none": [],
        "ringing": [("connecting", 0)],
        "unanswered": [("connecting", 0), ("missed", 10)],
        "talking": [("connecting", 0), ("connected", 10)],
        "held": [("connecting", 0), ("connected", 10), ("hold", 20)],
        "ended": [("connecting", 0), ("connected", 10), ("dropped", 20)],
        "acw": [("connecting", 0), ("connected", 10), ("acw", 20)],
        "closed": [("connecting", 0), ("dropped", 3)],
    ]

    struct Cell: CustomTestStringConvertible, Sendable {
        var from: String
        var event: String
        /// "accepted", "invalid_transition" or "unknown_call".
        var outcome: String
        /// The state after the event (nil: no record).
        var to: String?
        var delta: [String: Int64]
        var testDescription: String { "\(from) + \(event)" }
    }

    static let wait105: [String: Int64] = ["answered": 1, "wait_count": 1, "wait_ms": 105_000]

    /// The event arrives at 100 s; waits and abandons count from the queue entry at −5 s.
    static let cells: [Cell] = [
        Cell(from: "none", event: "connecting", outcome: "accepted", to: "ringing", delta: ["offered": 1]),
        Cell(from: "none", event: "missed", outcome: "accepted", to: "unanswered", delta: ["offered": 1, "missed": 1]),
        Cell(from: "none", event: "rejected", outcome: "accepted", to: "unanswered", delta: ["offered": 1, "rejected": 1]),
        Cell(from: "none", event: "connected", outcome: "accepted", to: "talking", delta: wait105.merging(["offered": 1]) { a, _ in a }),
        Cell(from: "none", event: "hold", outcome: "accepted", to: "held", delta: wait105.merging(["offered": 1, "holds": 1]) { a, _ in a }),
        Cell(from: "none", event: "acw", outcome: "accepted", to: "acw", delta: [:]),
        Cell(from: "none", event: "dropped", outcome: "unknown_call", to: nil, delta: [:]),

        Cell(from: "ringing", event: "connecting", outcome: "accepted", to: "ringing", delta: [:]),
        Cell(from: "ringing", event: "missed", outcome: "accepted", to: "unanswered", delta: ["missed": 1]),
        Cell(from: "ringing", event: "rejected", outcome: "accepted", to: "unanswered", delta: ["rejected": 1]),
        Cell(from: "ringing", event: "connected", outcome: "accepted", to: "talking", delta: wait105),
        Cell(from: "ringing", event: "hold", outcome: "accepted", to: "held", delta: wait105.merging(["holds": 1]) { a, _ in a }),
        Cell(from: "ringing", event: "acw", outcome: "invalid_transition", to: "ringing", delta: [:]),
        Cell(from: "ringing", event: "dropped", outcome: "accepted", to: "closed", delta: ["abandoned": 1]),

        Cell(from: "unanswered", event: "connecting", outcome: "accepted", to: "ringing", delta: [:]),
        Cell(from: "unanswered", event: "missed", outcome: "accepted", to: "unanswered", delta: ["missed": 1]),
        Cell(from: "unanswered", event: "rejected", outcome: "accepted", to: "unanswered", delta: ["rejected": 1]),
        Cell(from: "unanswered", event: "connected", outcome: "accepted", to: "talking", delta: wait105),
        Cell(from: "unanswered", event: "hold", outcome: "accepted", to: "held", delta: wait105.merging(["holds": 1]) { a, _ in a }),
        Cell(from: "unanswered", event: "acw", outcome: "invalid_transition", to: "unanswered", delta: [:]),
        Cell(from: "unanswered", event: "dropped", outcome: "accepted", to: "closed", delta: ["abandoned": 1]),

        Cell(from: "talking", event: "connecting", outcome: "invalid_transition", to: "talking", delta: [:]),
        Cell(from: "talking", event: "missed", outcome: "invalid_transition", to: "talking", delta: [:]),
        Cell(from: "talking", event: "rejected", outcome: "invalid_transition", to: "talking", delta: [:]),
        Cell(from: "talking", event: "connected", outcome: "accepted", to: "talking", delta: [:]),
        Cell(from: "talking", event: "hold", outcome: "accepted", to: "held", delta: ["holds": 1]),
        Cell(from: "talking", event: "acw", outcome: "accepted", to: "acw", delta: ["completed": 1, "talk_ms": 90_000]),
        Cell(from: "talking", event: "dropped", outcome: "accepted", to: "ended", delta: ["completed": 1, "talk_ms": 90_000]),

        Cell(from: "held", event: "connecting", outcome: "invalid_transition", to: "held", delta: [:]),
        Cell(from: "held", event: "missed", outcome: "invalid_transition", to: "held", delta: [:]),
        Cell(from: "held", event: "rejected", outcome: "invalid_transition", to: "held", delta: [:]),
        Cell(from: "held", event: "connected", outcome: "accepted", to: "talking", delta: ["hold_ms": 80_000]),
        Cell(from: "held", event: "hold", outcome: "accepted", to: "held", delta: [:]),
        Cell(from: "held", event: "acw", outcome: "accepted", to: "acw", delta: ["hold_ms": 80_000, "completed": 1, "talk_ms": 10_000]),
        Cell(from: "held", event: "dropped", outcome: "accepted", to: "ended", delta: ["hold_ms": 80_000, "completed": 1, "talk_ms": 10_000]),

        Cell(from: "ended", event: "connecting", outcome: "invalid_transition", to: "ended", delta: [:]),
        Cell(from: "ended", event: "missed", outcome: "invalid_transition", to: "ended", delta: [:]),
        Cell(from: "ended", event: "rejected", outcome: "invalid_transition", to: "ended", delta: [:]),
        Cell(from: "ended", event: "connected", outcome: "invalid_transition", to: "ended", delta: [:]),
        Cell(from: "ended", event: "hold", outcome: "invalid_transition", to: "ended", delta: [:]),
        Cell(from: "ended", event: "acw", outcome: "accepted", to: "acw", delta: [:]),
        Cell(from: "ended", event: "dropped", outcome: "accepted", to: "ended", delta: [:]),

        Cell(from: "acw", event: "connecting", outcome: "invalid_transition", to: "acw", delta: [:]),
        Cell(from: "acw", event: "missed", outcome: "invalid_transition", to: "acw", delta: [:]),
        Cell(from: "acw", event: "rejected", outcome: "invalid_transition", to: "acw", delta: [:]),
        Cell(from: "acw", event: "connected", outcome: "invalid_transition", to: "acw", delta: [:]),
        Cell(from: "acw", event: "hold", outcome: "invalid_transition", to: "acw", delta: [:]),
        Cell(from: "acw", event: "acw", outcome: "accepted", to: "acw", delta: [:]),
        Cell(from: "acw", event: "dropped", outcome: "accepted", to: "closed", delta: ["acw_completed": 1, "acw_ms": 80_000]),
    ] + ["connecting", "missed", "rejected", "connected", "hold", "acw", "dropped"].map {
        Cell(from: "closed", event: $0, outcome: "invalid_transition", to: "closed", delta: [:])
    }

    /// Counters that outbound and agent calls never touch.
    static let inboundOnly: Set<String> = ["offered", "answered", "answered_within_sl", "missed", "rejected",
                                           "abandoned", "short_abandoned", "abandoned_within_sl", "wait_count", "wait_ms"]

    @Test("every cell of the table is covered exactly once")
    func coverage() {
        #expect(Self.cells.count == 8 * 7)
        #expect(Set(Self.cells.map { "\($0.from)/\($0.event)" }).count == 56)
    }

    @Test("inbound calls", arguments: cells)
    func inbound(_ cell: Cell) { check(cell, type: "inbound") }

    @Test("outbound calls count only holds, talk, hold and ACW", arguments: cells)
    func outbound(_ cell: Cell) { check(cell, type: "outbound") }

    private func check(_ cell: Cell, type: String) {
        let setup = Self.setups[cell.from]!.map { eventLine("c", $0.0, $0.1, qts: -5, type: type) }
        let before = queueAfter(setup)?.totals ?? .zero
        var (engine, results) = run(setup + [eventLine("c", cell.event, 100, qts: -5, type: type)])
        let expectedOutcome: EventResult = switch cell.outcome {
        case "accepted": .accepted
        case "unknown_call": .ignored(.unknownCall)
        default: .ignored(.invalidTransition)
        }
        #expect(results.dropLast().allSatisfy { $0 == .accepted })
        #expect(results.last == expectedOutcome)
        let state = engine.calls.find(CallID("c")).map { engine.calls[$0].state.name }
        #expect(state == cell.to)
        var expected = before
        let delta = type == "inbound" ? cell.delta : cell.delta.filter { !Self.inboundOnly.contains($0.key) }
        expected.add(Counters(delta))
        let after = engine.snapshot(wallNow: 0).queues.first?.totals ?? .zero
        #expect(after == expected)
    }
}
