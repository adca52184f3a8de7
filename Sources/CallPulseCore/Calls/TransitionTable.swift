/// Counted effects of one transition, applied in the call's queue at the event's time.
public struct Effects: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let offered = Effects(rawValue: 1 << 0)
    public static let answered = Effects(rawValue: 1 << 1)
    public static let missed = Effects(rawValue: 1 << 2)
    public static let rejected = Effects(rawValue: 1 << 3)
    public static let holds = Effects(rawValue: 1 << 4)
    public static let abandoned = Effects(rawValue: 1 << 5)
    public static let holdEnds = Effects(rawValue: 1 << 6)
    public static let talkEnds = Effects(rawValue: 1 << 7)
    public static let acwEnds = Effects(rawValue: 1 << 8)
}

/// One cell of the transition table.
public enum Transition: Sendable, Equatable {
    /// Move to `state` (possibly the same one) with `effects`.
    case to(CallState, Effects)
    /// Accepted; only the latest state time (and the names applied at it) changes.
    case same
    /// Ignored as `invalid_transition`.
    case invalid
    /// A `dropped` for a call with no record: ignored as `unknown_call`.
    case unknownCall
}

/// docs/spec/semantics.md's transition table, row by row; columns in `EventName` order:
/// connecting, missed, rejected, connected, hold, acw, dropped.
public enum TransitionTable {
    private static let columns: [EventName] = [.connecting, .missed, .rejected, .connected, .hold, .acw, .dropped]

    private static let noRecord: [Transition] = [
        .to(.ringing, [.offered]), .to(.unanswered, [.offered, .missed]), .to(.unanswered, [.offered, .rejected]),
        .to(.talking, [.offered, .answered]), .to(.held, [.offered, .answered, .holds]), .to(.acw, []), .unknownCall,
    ]

    private static let rows: [CallState: [Transition]] = [
        .ringing: [.same, .to(.unanswered, [.missed]), .to(.unanswered, [.rejected]), .to(.talking, [.answered]),
                   .to(.held, [.answered, .holds]), .invalid, .to(.closed, [.abandoned])],
        .unanswered: [.to(.ringing, []), .to(.unanswered, [.missed]), .to(.unanswered, [.rejected]),
                      .to(.talking, [.answered]), .to(.held, [.answered, .holds]), .invalid, .to(.closed, [.abandoned])],
        .talking: [.invalid, .invalid, .invalid, .same, .to(.held, [.holds]), .to(.acw, [.talkEnds]),
                   .to(.ended, [.talkEnds])],
        .held: [.invalid, .invalid, .invalid, .to(.talking, [.holdEnds]), .same, .to(.acw, [.holdEnds, .talkEnds]),
                .to(.ended, [.holdEnds, .talkEnds])],
        .ended: [.invalid, .invalid, .invalid, .invalid, .invalid, .to(.acw, []), .same],
        .acw: [.invalid, .invalid, .invalid, .invalid, .invalid, .same, .to(.closed, [.acwEnds])],
        .closed: [.invalid, .invalid, .invalid, .invalid, .invalid, .invalid, .invalid],
    ]

    /// Flattened for the hot path: index `(state + 1) * 7 + column`, state −1 for "no record".
    private static let flat: [Transition] = {
        var cells = [Transition](repeating: .invalid, count: 8 * 7)
        for event in EventName.allCases {
            let column = columns.firstIndex(of: event)!
            cells[Int(event.rawValue)] = noRecord[column]
            for state in CallState.allCases {
                cells[(Int(state.rawValue) + 1) * 7 + Int(event.rawValue)] = rows[state]![column]
            }
        }
        return cells
    }()

    /// The cell for a record in `state` (nil: no record) receiving `event`.
    @inline(__always)
    public static func transition(from state: CallState?, on event: EventName) -> Transition {
        let row = state.map { Int($0.rawValue) + 1 } ?? 0
        return flat[row * 7 + Int(event.rawValue)]
    }
}
