/// What processing one event did.
public enum EventResult: Sendable, Equatable {
    case accepted
    case ignored(IgnoreReason)
    case rejected(Rejection)
}

/// Counts of events by outcome and reason, as the snapshot's `ingest` shows them.
public struct IngestCounts: Sendable, Equatable {
    /// Accepted events by `EventName.rawValue`.
    public var acceptedByEvent = [Int64](repeating: 0, count: EventName.allCases.count)
    /// Ignored events by `IgnoreReason` in table order.
    public var ignored = [Int64](repeating: 0, count: IgnoreReason.allCases.count)
    /// Rejected events by `RejectionReason` in table order.
    public var rejected = [Int64](repeating: 0, count: RejectionReason.allCases.count)

    public init() {}

    public var accepted: Int64 { acceptedByEvent.reduce(0, +) }

    public func ignored(_ reason: IgnoreReason) -> Int64 { ignored[IgnoreReason.allCases.firstIndex(of: reason)!] }
    public func rejected(_ reason: RejectionReason) -> Int64 {
        rejected[RejectionReason.allCases.firstIndex(of: reason)!]
    }

    mutating func count(_ result: EventResult, event: EventName?) {
        switch result {
        case .accepted:
            if let event { acceptedByEvent[Int(event.rawValue)] += 1 }
        case .ignored(let reason):
            ignored[IgnoreReason.allCases.firstIndex(of: reason)!] += 1
        case .rejected(let rejection):
            rejected[RejectionReason.allCases.firstIndex(of: rejection.reason)!] += 1
        }
    }
}
