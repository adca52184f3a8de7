/// The states of one call's record (docs/spec/semantics.md, "Per-call state machine").
public enum CallState: UInt8, CaseIterable, Sendable {
    case ringing, unanswered, talking, held, ended, acw, closed

    public var name: String {
        switch self {
        case .ringing: "ringing"
        case .unanswered: "unanswered"
        case .talking: "talking"
        case .held: "held"
        case .ended: "ended"
        case .acw: "acw"
        case .closed: "closed"
        }
    }

    /// Talking or held: the call is connected to an agent.
    public var isConnected: Bool { self == .talking || self == .held }

    /// The expiry class: which limit applies and the label its expiry is counted under.
    public var expiryClass: ExpiryClass {
        switch self {
        case .ringing: .ringing
        case .talking, .held: .connected
        case .acw: .acw
        case .unanswered, .ended, .closed: .finished
        }
    }
}

/// Which expiry limit applies to a state; `finished` records are forgotten silently.
public enum ExpiryClass: Int, CaseIterable, Sendable {
    case ringing, connected, acw, finished

    public var label: String {
        switch self {
        case .ringing: "ringing"
        case .connected: "connected"
        case .acw: "acw"
        case .finished: "finished"
        }
    }
}
