import CallPulseCore

/// The whole config file (interfaces.md, "Config file"): core settings plus the daemon's.
public struct Configuration: Sendable, Equatable {
    public var core = Settings()
    public var listen = ":9478"
    public var limits = ServerLimits()
    public var stateDir = ""
    /// How often the state is checkpointed (ms); also on a graceful stop.
    public var checkpointInterval: Int64 = 300_000
    public var rulesFile = ""
    public var web = WebSettings()
    public var exposeWindows = false
    public var logLevel = "info"
    public var logFormat = "text"

    public init() {}
}

/// Connection and body limits of the HTTP server.
public struct ServerLimits: Sendable, Equatable {
    public var maxBodyBytes = 8 * 1024 * 1024
    public var maxConnections = 1024
    public var maxConnectionsPerClient = 64
    /// Live streams (`/api/v1/stream`) open at once; each also counts as a connection.
    public var maxStreams = 512
    /// Milliseconds a connection may stay idle.
    public var connectionTimeout: Int64 = 30_000

    public init() {}
}

/// Token files and TLS material; empty means unset.
public struct WebSettings: Sendable, Equatable {
    public var ingestTokenFile = ""
    public var adminTokenFile = ""
    public var readTokenFile = ""
    public var tlsCertFile = ""
    public var tlsKeyFile = ""

    public init() {}
}
