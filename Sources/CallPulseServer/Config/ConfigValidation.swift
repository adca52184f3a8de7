import CallPulseCore
import CallPulseHTTP
import Foundation

/// One problem with a configuration: the key it is about (`timezone`, `limits.max_queues`,
/// `overrides.0.queues`) and a sentence that names it.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var message: String
    public var description: String { message }

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }
}

extension Configuration {
    /// Every problem with this configuration, in key order; none means the daemon can start
    /// on it. The one check behind the loader, `serve` (after its flags) and `check config`:
    /// the loader reports what cannot be read at all (`'abc' is not a duration`), this what
    /// is read but not allowed, whoever set it.
    public func problems() -> [ConfigProblem] {
        var found: [ConfigProblem] = []
        func check(_ valid: Bool, _ key: String, _ message: @autoclosure () -> String) {
            if !valid { found.append(ConfigProblem(key: key, message())) }
        }
        check(SocketAddress(parsing: listen.description) == listen, "listen", Self.listenProblem(listen.description))
        checkCore(check)
        check(limits.maxBodyBytes > 0, "limits.max_body_bytes", "limits.max_body_bytes must be a size above 0, such as 8MiB")
        check(limits.maxConnections > 0, "limits.max_connections", Self.countProblem("limits.max_connections"))
        check(limits.maxConnectionsPerClient > 0, "limits.max_connections_per_client",
              Self.countProblem("limits.max_connections_per_client"))
        check(limits.maxStreams > 0, "limits.max_streams", Self.countProblem("limits.max_streams"))
        check(limits.connectionTimeout > .zero, "limits.connection_timeout", Self.durationProblem("limits.connection_timeout"))
        check(stateDir != "", "state_dir", Self.emptyPathProblem("state_dir"))
        check(checkpointInterval > .zero, "checkpoint_interval", Self.durationProblem("checkpoint_interval"))
        check(shutdownTimeout > .zero, "shutdown_timeout", Self.durationProblem("shutdown_timeout"))
        check(rulesFile != "", "rules_file", Self.emptyPathProblem("rules_file"))
        let webFiles: [(String, String?)] = [
            ("ingest_token_file", web.ingestTokenFile), ("admin_token_file", web.adminTokenFile),
            ("read_token_file", web.readTokenFile), ("tls_cert_file", web.tlsCertFile), ("tls_key_file", web.tlsKeyFile),
        ]
        for (key, file) in webFiles { check(file != "", "web." + key, Self.emptyPathProblem("web." + key)) }
        for origin in web.corsOrigins {
            check(Self.isOrigin(origin), "web.cors_origins",
                  "web.cors_origins: '\(origin)' is not an origin such as https://crm.example.com or http://127.0.0.1:8080 "
                  + "(a scheme, a host and an optional port, no path)")
        }
        check(web.corsOrigins.isEmpty || web.ingestTokenFile != nil, "web.cors_origins",
              "web.cors_origins needs web.ingest_token_file: a page in a browser is never a loopback client, "
              + "so ingest from browsers must carry a token")
        for source in web.frameAncestors {
            check(Self.isFrameAncestor(source), "web.frame_ancestors",
                  "web.frame_ancestors: '\(source)' is not a CSP source such as 'none', 'self' or https://portal.example.com")
        }
        check(limits.ingestBurst == nil || limits.ingestRate != nil, "limits.ingest_burst",
              "limits.ingest_burst needs limits.ingest_rate")
        // Here, not only when MHD_start_daemon fails on it: `check config` finds it too (docs/spec/security.md, "TLS").
        if let priorities = web.tlsPriorities, let problem = HTTPServer.tlsPrioritiesProblem(priorities) {
            check(false, "web.tls_priorities",
                  "web.tls_priorities: GnuTLS rejects '\(priorities)' (\(problem)); libmicrohttpd cannot start HTTPS with it")
        }
        // At `web:`, where the pair belongs.
        check((web.tlsCertFile == nil) == (web.tlsKeyFile == nil), "web",
              "web: tls_cert_file and tls_key_file must be set together")
        if let nats { checkNATS(nats, check) }
        check(Self.isQueueName(instance), "instance",
              "instance: must be 1 to 256 bytes with no control characters or surrounding white space (or \"\": the host name)")
        return found
    }

    /// `nats.*` (docs/spec/scale-out.md, "Config").
    private func checkNATS(_ nats: NATSConfig, _ check: (Bool, String, @autoclosure () -> String) -> Void) {
        let servers = nats.servers
        check(!servers.isEmpty, "nats.url", "nats.url must name a server, such as nats://127.0.0.1:4222")
        for server in servers {
            check(NATSConfig.hostAndPort(of: server) != nil, "nats.url",
                  "nats.url: '\(server)' is not a NATS server address such as nats://127.0.0.1:4222, tls://nats.example.com:4222 "
                  + "or 10.0.0.5:4222 (several: comma-separated)")
        }
        check(NATSConfig.isName(nats.stream), "nats.stream",
              "nats.stream: '\(nats.stream)' must be a JetStream name, such as CALLPULSE: not empty, "
              + "no '.', '*', '>', '/', '\\', white space or control characters")
        check(NATSConfig.isSubject(nats.subject), "nats.subject",
              "nats.subject: '\(nats.subject)' must be a subject without wildcards ('*', '>'), white space or empty tokens, "
              + "such as callpulse.events")
        check((1...5).contains(nats.replicas), "nats.replicas", NATSConfig.replicasProblem)
        check(nats.maxAge > .zero, "nats.max_age", Self.durationProblem("nats.max_age"))
        check(NATSConfig.isName(nats.consumerName), "nats.consumer",
              "nats.consumer: '\(nats.consumer)' must be a JetStream name: not empty, "
              + "no '.', '*', '>', '/', '\\', white space or control characters")
        check(nats.shards > 0, "nats.shards", Self.countProblem("nats.shards"))
        check(nats.shard.map { nats.shards > 0 && (0..<nats.shards).contains($0) } ?? true, "nats.shard",
              NATSConfig.shardProblem(shards: nats.shards))
        let files: [(String, String?)] = [
            ("token_file", nats.tokenFile), ("creds_file", nats.credsFile), ("tls_ca_file", nats.tlsCAFile),
            ("tls_cert_file", nats.tlsCertFile), ("tls_key_file", nats.tlsKeyFile),
        ]
        for (key, file) in files { check(file != "", "nats." + key, Self.emptyPathProblem("nats." + key)) }
        // At `nats:`, where the choices belong.
        check(nats.publish || nats.consume, "nats", "nats: set publish, consume or both")
        check(nats.tokenFile == nil || nats.credsFile == nil, "nats",
              "nats: token_file and creds_file are two ways to authenticate: set one")
        check((nats.tlsCertFile == nil) == (nats.tlsKeyFile == nil), "nats",
              "nats: tls_cert_file and tls_key_file must be set together")
        check(nats.ackWait > .zero, "nats", "nats: the consumer's AckWait must be above 0")
        check(nats.fetchBatch > 0, "nats", "nats: the fetch batch must be above 0")
    }

    /// The core's keys.
    private func checkCore(_ check: (Bool, String, @autoclosure () -> String) -> Void) {
        check(core.policy.serviceLevel >= 0, "service_level_seconds", Self.secondsProblem("service_level_seconds"))
        check(core.policy.shortAbandon >= 0, "short_abandon_seconds", Self.secondsProblem("short_abandon_seconds"))
        for (index, override) in core.overrides.enumerated() {
            let location = "overrides.\(index)"
            for pattern in override.patterns {
                if let problem = Glob.problem(in: pattern) {
                    check(false, location + ".queues", "overrides.queues: glob '\(pattern)' is invalid: \(problem)")
                }
            }
            check(override.serviceLevel.map { $0 >= 0 } ?? true, location + ".service_level_seconds",
                  Self.secondsProblem("overrides.service_level_seconds"))
            check(override.shortAbandon.map { $0 >= 0 } ?? true, location + ".short_abandon_seconds",
                  Self.secondsProblem("overrides.short_abandon_seconds"))
        }
        check(DayCalendar(timeZone: core.timezone) != nil, "timezone",
              "timezone: '\(core.timezone)' is not a known IANA time zone name")
        check(Self.isQueueName(core.defaultQueue), "default_queue",
              "default_queue: must be 1 to 256 bytes with no control characters or surrounding white space")
        for name in core.queues {
            check(Self.isQueueName(name), "queues",
                  "queues: '\(name)' must be 1 to 256 bytes with no control characters or surrounding white space")
        }
        var seen = Set<Int>()
        for minutes in core.windowMinutes {
            let name = canonicalWindowName(minutes: minutes)
            check((1...1440).contains(minutes), "windows", Self.windowProblem(name))
            check(seen.insert(minutes).inserted, "windows", "windows: '\(name)' is listed twice")
        }
        for (key, bounds) in [("wait", core.buckets.wait), ("talk", core.buckets.talk), ("acw", core.buckets.acw)] {
            let increasing = !zip(bounds, bounds.dropFirst()).contains { $0 >= $1 }
            check(!bounds.isEmpty && increasing && bounds.allSatisfy { $0.isFinite && $0 >= 0 }, "buckets." + key,
                  "buckets.\(key): bounds must be non-negative, finite and strictly increasing")
        }
        let expiry: [(String, EpochMillis)] = [("ringing", core.expiry.ringing), ("connected", core.expiry.connected),
                                               ("acw", core.expiry.acw), ("finished", core.expiry.finished)]
        for (key, limit) in expiry { check(limit > 0, "expiry." + key, Self.durationProblem("expiry." + key)) }
        check(IntervalSettings.allowedLengths.contains(core.intervals.lengthMinutes), "intervals.length",
              "intervals.length must be 15m, 30m or 1h")
        // Two days: a day can last 25 hours, and today's bins must all be kept.
        check(core.intervals.retention >= 2 * 86_400_000, "intervals.retention",
              "intervals.retention must be a duration of 2d or more, such as 35d")
        for (key, minutes) in [("arrival_window", core.forecast.arrivalWindowMinutes),
                               ("handle_window", core.forecast.handleWindowMinutes)] {
            let configured = core.windowMinutes.map(canonicalWindowName).joined(separator: ", ")
            check(core.windowMinutes.contains(minutes), "forecast." + key,
                  "forecast.\(key) must be one of the configured windows (\(configured))")
        }
        check(core.forecast.agentsWindow > 0, "forecast.agents_window", Self.durationProblem("forecast.agents_window"))
        check(core.policy.serviceLevelTarget > 0 && core.policy.serviceLevelTarget < 1, "forecast.service_level_target",
              "forecast.service_level_target must be a number between 0 and 1 (both excluded), such as 0.8")
        check(core.maxQueues > 0, "limits.max_queues", Self.countProblem("limits.max_queues"))
        check(core.maxActiveCalls > 0, "limits.max_active_calls", Self.countProblem("limits.max_active_calls"))
    }

    /// What an event could name as a queue (the rule `EventDecoder` applies): trimmed,
    /// 1–256 bytes, no control characters.
    static func isQueueName(_ name: String) -> Bool {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        return !trimmed.isEmpty && trimmed == name && name.utf8.count <= 256
            && !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// `scheme://host[:port]` as browsers send it in `Origin`: http or https, lower case, no
    /// path, no trailing slash.
    static func isOrigin(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.path.isEmpty, url.query == nil, url.user == nil else { return false }
        return text == text.lowercased() && !text.hasSuffix("/")
    }

    /// A CSP `frame-ancestors` source: `'none'`, `'self'`, or a scheme and host (a `*.` host
    /// wildcard allowed); nothing that could end the directive.
    static func isFrameAncestor(_ source: String) -> Bool {
        if source == "'none'" || source == "'self'" { return true }
        guard !source.contains(where: { $0 == ";" || $0 == "," || $0 == "'" || $0.isWhitespace }) else { return false }
        return source.range(of: #"^https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]+)?$"#, options: .regularExpression) != nil
    }

    static func listenProblem(_ text: String) -> String {
        "listen address '\(text)' is not HOST:PORT (for example 127.0.0.1:9478, :9478 or [::1]:9478)"
    }

    static func windowProblem(_ name: String) -> String {
        "windows: '\(name)' must be a whole number of minutes from 1m to 24h"
    }

    private static func countProblem(_ key: String) -> String { "\(key) must be a whole number above 0" }

    private static func secondsProblem(_ key: String) -> String { "\(key) must be a number of seconds, 0 or more" }

    private static func durationProblem(_ key: String) -> String {
        "\(key) must be a duration above 0, such as 500ms, 30s, 5m or 1h30m"
    }

    private static func emptyPathProblem(_ key: String) -> String { "\(key) must name a file or directory, or be left unset" }
}

extension NATSConfig {
    static let replicasProblem = "nats.replicas must be a whole number from 1 to 5"

    /// `shards` nil: the file's value is not even a number.
    static func shardProblem(shards: Int?) -> String {
        guard let shards, shards > 0 else { return "nats.shard must be all or a shard number, such as 0" }
        return "nats.shard must be all or a shard number from 0 to \(shards - 1) (nats.shards is \(shards))"
    }
}
