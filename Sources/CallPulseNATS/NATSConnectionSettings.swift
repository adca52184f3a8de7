/// Where and how to connect (the `nats` block of the config, docs/spec/scale-out.md).
public struct NATSConnectionSettings: Sendable, Equatable {
    /// Server URLs (`nats://host:port`, `tls://host:port`); a cluster's members, any of which will do.
    public var servers: [String]
    /// The connection's name as the server shows it (`instance` of the config).
    public var name: String
    /// A file whose content (surrounding white space removed) is the server's auth token.
    public var tokenFile: String?
    /// A NATS credentials file (user JWT and NKey seed).
    public var credsFile: String?
    /// CA certificates to trust for the server's certificate; nil: the system's.
    public var tlsCAFile: String?
    /// A client certificate and its key, for servers that verify clients.
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// How long stream and consumer calls wait for JetStream's answer.
    public var requestTimeout: Duration

    public init(servers: [String], name: String, tokenFile: String? = nil, credsFile: String? = nil,
                tlsCAFile: String? = nil, tlsCertFile: String? = nil, tlsKeyFile: String? = nil,
                requestTimeout: Duration = .seconds(5)) {
        self.servers = servers
        self.name = name
        self.tokenFile = tokenFile
        self.credsFile = credsFile
        self.tlsCAFile = tlsCAFile
        self.tlsCertFile = tlsCertFile
        self.tlsKeyFile = tlsKeyFile
        self.requestTimeout = requestTimeout
    }
}
