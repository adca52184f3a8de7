import CallPulseSupport

/// What failed in alerting (docs/errors.md).
public typealias AlertingError = LayerError<AlertingErrorKind>

/// The kinds of `AlertingError`; each raw value is its code.
public enum AlertingErrorKind: String, ErrorKind {
    /// An annotation template with a placeholder other than the three allowed.
    case invalidTemplate = "invalid_template"
}
