import CallPulseSupport

/// What failed in the server layer (docs/errors.md): its config and rules files, starting
/// the daemon, and `simulate --target`.
public typealias ServerError = LayerError<ServerErrorKind>

/// The kinds of `ServerError`; each raw value is its code.
public enum ServerErrorKind: String, ErrorKind {
    /// The config file, or a key a flag set, has problems (each `FILE:LINE: message`).
    case invalidConfig = "invalid_config"
    /// A `serve` flag's value cannot be read (each problem names the flag).
    case invalidFlag = "invalid_flag"
    /// The rules file has problems (each `FILE:LINE: message`).
    case invalidRules = "invalid_rules"
    /// A `web.*_token_file` cannot be read.
    case unreadableTokenFile = "unreadable_token_file"
    /// `web.tls_cert_file` or `web.tls_key_file` cannot be read.
    case unreadableTLSFiles = "unreadable_tls_files"
    /// `web.tls_cert_file` and `web.tls_key_file` are read but GnuTLS cannot serve them (not
    /// PEM, or not a pair): at start, or on reload (then the old certificate stays).
    case invalidTLSFiles = "invalid_tls_files"
    /// The HTTP server cannot bind its listen address.
    case cannotListen = "cannot_listen"
    /// The state directory cannot be restored; the daemon stops rather than start empty.
    case cannotRestoreState = "cannot_restore_state"
    /// A long-running service of `serve` failed; the others were stopped for it.
    case serviceFailed = "service_failed"
    /// `simulate --target`: the target refuses the events (401, 403, 404, 405, 413, 415).
    case targetRefused = "target_refused"
    /// `simulate --target`: the target stored nothing for so long that the backlog is full.
    case targetBacklogFull = "target_backlog_full"
}
