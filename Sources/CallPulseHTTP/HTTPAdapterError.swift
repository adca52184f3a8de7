import CallPulseSupport

/// What failed in the HTTP adapter (docs/errors.md).
public typealias HTTPAdapterError = LayerError<HTTPAdapterErrorKind>

/// The kinds of `HTTPAdapterError`; each raw value is its code.
public enum HTTPAdapterErrorKind: String, ErrorKind {
    /// The server cannot bind its address (in use, or not an address of this machine).
    case cannotListen = "cannot_listen"
    /// A gzip body that would inflate past the body limit.
    case bodyTooLarge = "body_too_large"
    /// A body that is not a valid gzip stream.
    case corruptGzip = "corrupt_gzip"
    /// A TLS key and certificate GnuTLS cannot use (unparsable, or not a pair).
    case badCertificate = "bad_certificate"
    /// TLS priorities GnuTLS rejects.
    case badTLSPriorities = "bad_tls_priorities"
}
