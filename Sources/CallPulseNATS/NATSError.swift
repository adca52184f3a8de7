import CallPulseSupport

/// What can fail talking to NATS (docs/errors.md's convention: codes never reworded).
public enum NATSErrorKind: String, ErrorKind {
    /// The settings cannot be used: a bad URL, an unreadable token, credentials or TLS file.
    case invalidSettings = "invalid_settings"
    /// No server is connected right now; the client is reconnecting in the background.
    case notConnected = "not_connected"
    /// JetStream gave no answer in time (no leader elected yet, or overloaded): worth retrying.
    case unavailable = "unavailable"
    /// JetStream answered with an error (its code and text are in the sentence).
    case refused = "refused"
    /// Anything else nats.c reports.
    case failed = "failed"
}

/// The NATS adapter's error: a kind and a sentence that carries nats.c's own text.
public typealias NATSError = LayerError<NATSErrorKind>
