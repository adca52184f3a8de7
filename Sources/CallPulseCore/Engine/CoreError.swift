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
    /// An interval query's `step` is not a multiple of the interval length.
    case badStep = "bad_step"
    /// An interval query's `from` is after its `to`.
    case badFrom = "bad_from"
    /// An interval query's `to` is before its (default) `from`.
    case badTo = "bad_to"
    /// An interval query's range holds more rows than one answer may.
    case tooManyRows = "too_many_rows"
}
