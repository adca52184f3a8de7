import CallPulseSupport

/// What failed in the core (docs/errors.md). Per-event outcomes are not errors: a rejected
/// event is a `Rejection` with its reason.
public struct CoreError: CallPulseError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// `timezone` names no time zone this system knows.
        case unknownTimeZone = "unknown_time_zone"
        /// Saved state that cannot be read back: cut short, corrupt, another format
        /// version or other settings.
        case unreadableState = "unreadable_state"
    }

    public let kind: Kind
    public let description: String
    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
