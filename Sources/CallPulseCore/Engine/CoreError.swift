import CallPulseSupport

/// What failed in the core (docs/errors.md). Per-event outcomes are not errors: a rejected
/// event is a `Rejection` with its reason.
public typealias CoreError = LayerError<CoreErrorKind>

/// The kinds of `CoreError`; each raw value is its code.
public enum CoreErrorKind: String, ErrorKind {
    /// `timezone` names no time zone this system knows.
    case unknownTimeZone = "unknown_time_zone"
    /// Saved state that cannot be read back: cut short, corrupt, another format
    /// version or other settings.
    case unreadableState = "unreadable_state"
}
