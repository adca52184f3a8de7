import CallPulseCore
import CallPulseHTTP
import Logging

/// The whole config file (README, "Configuration"): the core's settings plus the daemon's.
/// Every key is optional; each field names its key and default. `problems()` is the one
/// check of all of it, used by the loader, `serve` (after its flags) and `check config`.
///
/// Durations are `Duration`, except in `core`: the engine compares them with event times in
/// integer milliseconds on every event, so the core keeps `EpochMillis` and the loader
/// converts at this boundary.
public struct Configuration: Sendable, Equatable {
    /// The keys the core reads: `clock`, `service_level_seconds`, `short_abandon_seconds`,
    /// `service_level_formula`, `overrides`, `timezone`, `default_queue`, `queues`, `windows`,
    /// `buckets`, `expiry`, `limits.max_queues` and `limits.max_active_calls`.
    public var core = Settings()
    /// `listen`: the address the HTTP server binds; port 0 takes any free port.
    /// Default `:9478` (every IPv4 interface).
    public var listen = SocketAddress(host: "0.0.0.0", port: 9478)
    /// `limits.*` of the HTTP server.
    public var limits = ServerLimits()
    /// `state_dir`: the journal and checkpoints, restored at start. Default nil: no state
    /// survives a restart.
    public var stateDir: String?
    /// `checkpoint_interval`: how often the whole state is checkpointed (also on a graceful
    /// stop); shorter than 1s reads as 1s. Default 5m.
    public var checkpointInterval: Duration = .seconds(300)
    /// `shutdown_timeout`: how long a graceful stop may take before the process exits anyway.
    /// Default 10s.
    public var shutdownTimeout: Duration = .seconds(10)
    /// `rules_file`: alert rules and hooks, reloaded on SIGHUP. Default nil: no alerting.
    public var rulesFile: String?
    /// `web.*`: token files and TLS material.
    public var web = WebSettings()
    /// `metrics.expose_windows`: also export the per-window series. Default false.
    public var exposeWindows = false
    /// `log.level`. Default `info`.
    public var logLevel: Logger.Level = .info
    /// `log.format`. Default `text`.
    public var logFormat: LogFormat = .text
    /// `nats:` (docs/spec/scale-out.md). nil when the section is absent: nothing NATS is started.
    public var nats: NATSConfig?
    /// `instance`: this replica's name, in the `instance` annotation of every alert. Default
    /// (and `""` in the file): the host name.
    public var instance: String = LocalHost.name

    public init() {}
}

/// `log.format`: how each log line is written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's stream format: `TIME LEVEL label: metadata [source] message`.
    case text
    /// One JSON object a line (`ts`, `level`, `logger`, `msg` and the metadata).
    case json
}

/// `limits.*` of the HTTP server (the core's limits are in `Settings`).
public struct ServerLimits: Sendable, Equatable {
    /// `limits.max_body_bytes`: the largest request body, after gzip. Default 8MiB.
    public var maxBodyBytes = 8 * 1024 * 1024
    /// `limits.max_connections`: connections open at once. Default 8192: a floor of browsers
    /// behind one NAT address keeps one connection each (docs/spec/connector.md).
    public var maxConnections = 8192
    /// `limits.max_connections_per_client`: connections open at once from one address. Default
    /// 2500: 2,000 agents' browsers behind one address, while one address still cannot take all.
    public var maxConnectionsPerClient = 2500
    /// `limits.max_streams`: live streams (`/api/v1/stream`) open at once; each also counts
    /// as a connection. Default 512.
    public var maxStreams = 512
    /// `limits.connection_timeout`: how long a connection may stay idle; whole seconds,
    /// rounded up. Default 30s.
    public var connectionTimeout: Duration = .seconds(30)
    /// `limits.ingest_rate`: events per second one client address may post (a token bucket;
    /// docs/spec/security.md). Over it: 429 with `Retry-After`, nothing applied. Default nil: off.
    public var ingestRate: Double?
    /// `limits.ingest_burst`: the bucket's size in events. Default: 10 seconds of `ingest_rate`
    /// (at least 1000), so one forwarder batch passes whole.
    public var ingestBurst: Double?

    /// The bucket size in force when `ingestRate` is set.
    public var effectiveIngestBurst: Double? {
        ingestRate.map { rate in ingestBurst ?? max(rate * 10, 1000) }
    }

    public init() {}
}

/// `web.*`: token files and TLS material; nil is unset (in the file, a missing key or `""`).
public struct WebSettings: Sendable, Equatable {
    /// `web.ingest_token_file`: the bearer token ingest (and, without an admin token, reload)
    /// needs. Default nil: ingest and reload from loopback addresses only.
    public var ingestTokenFile: String?
    /// `web.admin_token_file`: the bearer token `/-/reload` needs. Default nil.
    public var adminTokenFile: String?
    /// `web.read_token_file`: the bearer tokens the read endpoints need (one a line; never from
    /// a URL: docs/spec/security.md). Default nil: reads are open.
    public var readTokenFile: String?
    /// `web.tls_cert_file`: PEM certificate; set together with `tls_key_file` to serve HTTPS.
    /// Default nil.
    public var tlsCertFile: String?
    /// `web.tls_key_file`: PEM private key for `tls_cert_file`. Default nil.
    public var tlsKeyFile: String?
    /// `web.cors_origins`: origins whose pages may post events from a browser (CORS; exact
    /// `scheme://host[:port]`). Default none: no CORS header is ever sent.
    public var corsOrigins: [String] = []
    /// `web.tls_priorities`: GnuTLS priorities for HTTPS (docs/spec/security.md). Default nil:
    /// `WebSettings.defaultTLSPriorities`, TLS 1.2 and 1.3 with AEAD suites only.
    public var tlsPriorities: String?
    /// `web.frame_ancestors`: who may frame the wallboard (CSP `frame-ancestors` sources, such as
    /// `https://portal.example.com`). Default `'none'`.
    public var frameAncestors: [String] = ["'none'"]

    /// Mozilla's "intermediate" profile in GnuTLS terms: TLS 1.2 and 1.3, ECDHE key exchange,
    /// AES-GCM or ChaCha20-Poly1305 only, in Mozilla's order and the server's; Mozilla's groups
    /// (X25519, P-256, P-384); no SHA-1 signatures. `gnutls-cli --priority '…' -l` lists it.
    public static let defaultTLSPriorities = "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"
        + "-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"
        + "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:%SERVER_PRECEDENCE"

    public init() {}
}
