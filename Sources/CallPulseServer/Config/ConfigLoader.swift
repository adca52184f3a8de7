import CallPulseCore
import CallPulseHTTP
import Foundation
import Logging
import Yams

/// Reads the YAML config file (README, "Configuration"), applies `serve`'s flags over it and
/// checks the result with `Configuration.problems()`, reporting every problem with its line.
public enum ConfigLoader {
    /// The config file at `path` (nil: the defaults) with `overrides` applied, checked.
    public static func load(path: String?, overrides: ConfigOverrides = ConfigOverrides())
        throws(ServerError) -> Configuration {
        guard let path else { return try parse("", file: "", overrides: overrides) }
        return try parse(try YAMLReader.contents(of: path, .config), file: path, overrides: overrides)
    }

    /// Config text with `overrides` applied, checked; `file` names it in problems.
    public static func parse(_ text: String, file: String, overrides: ConfigOverrides = ConfigOverrides())
        throws(ServerError) -> Configuration {
        var config = Configuration()
        var reader = YAMLReader(file: file)
        if let root = try YAMLReader.compose(text, file: file, .config) {  // nil when empty: all defaults
            reader.mapping(root, path: "") { key, value, r in
                readTopLevel(key, value, &r, &config)
            }
        }
        defaultForecastWindows(&config, set: reader.origins.keys)
        overrides.apply(to: &config) { location, flag in reader.origins[location] = .flag(flag) }
        for problem in config.problems() { reader.problem(at: problem.key, problem.message) }
        if !reader.problems.isEmpty { throw ServerError(.invalidConfig, problems: reader.report) }
        return config
    }

    private static func readTopLevel(_ key: String, _ value: Node, _ r: inout YAMLReader,
                                     _ config: inout Configuration) -> Bool {
        switch key {
        case "listen":
            if let text = r.string(value, key) {
                if let address = SocketAddress(parsing: text) {
                    config.listen = address
                } else {
                    r.problem(value, Configuration.listenProblem(text))
                }
            }
        case "clock":
            if let clock = r.choice(value, key, ClockMode.allCases.map(\.rawValue)) {
                config.core.clock = ClockMode(rawValue: clock)!
            }
        case "service_level_seconds":
            if let millis = r.seconds(value, key) { config.core.policy.serviceLevel = millis }
        case "short_abandon_seconds":
            if let millis = r.seconds(value, key) { config.core.policy.shortAbandon = millis }
        case "service_level_formula":
            if let formula = r.choice(value, key, ServiceLevelFormula.allCases.map(\.rawValue)) {
                config.core.policy.formula = ServiceLevelFormula(rawValue: formula)!
            }
        case "overrides":
            r.sequence(value, key) { item, r in
                config.core.overrides.append(readOverride(item, index: config.core.overrides.count, &r))
            }
        case "timezone":
            if let zone = r.string(value, key) { config.core.timezone = zone }
        case "default_queue":
            if let name = r.string(value, key) { config.core.defaultQueue = name }
        case "queues":
            if let names = r.stringList(value, key) { config.core.queues = names }
        case "windows":
            if let names = r.stringList(value, key) { config.core.windowMinutes = readWindows(names, value, &r) }
        case "buckets":
            r.mapping(value, path: key) { key, value, r in
                let keyPaths: [String: WritableKeyPath<HistogramBuckets, [Double]>] = ["wait": \.wait, "talk": \.talk, "acw": \.acw]
                guard let keyPath = keyPaths[key] else { return false }
                if let bounds = r.numberList(value, "buckets." + key) { config.core.buckets[keyPath: keyPath] = bounds }
                return true
            }
        case "expiry":
            r.mapping(value, path: key) { key, value, r in
                let keyPaths: [String: WritableKeyPath<ExpiryLimits, EpochMillis>] = [
                    "ringing": \.ringing, "connected": \.connected, "acw": \.acw, "finished": \.finished,
                ]
                guard let keyPath = keyPaths[key] else { return false }
                if let millis = r.duration(value, "expiry." + key) { config.core.expiry[keyPath: keyPath] = millis }
                return true
            }
        case "intervals":
            r.mapping(value, path: key) { key, value, r in
                switch key {
                case "length":
                    // Kept as given (rounded to minutes only when whole): validation names a bad one.
                    if let millis = r.duration(value, "intervals.length") {
                        config.core.intervals.lengthMinutes = millis % 60_000 == 0 ? Int(clamping: millis / 60_000) : -1
                    }
                case "retention":
                    if let millis = r.duration(value, "intervals.retention") { config.core.intervals.retention = millis }
                default:
                    return false
                }
                return true
            }
        case "limits":
            r.mapping(value, path: key) { key, value, r in readLimit(key, value, &r, &config) }
        case "forecast":
            r.mapping(value, path: key) { key, value, r in readForecast(key, value, &r, &config) }
        case "state_dir":
            if let dir = r.string(value, key) { config.stateDir = dir.isEmpty ? nil : dir }
        case "checkpoint_interval":
            if let millis = r.duration(value, key) { config.checkpointInterval = .milliseconds(max(millis, 1000)) }
        case "shutdown_timeout":
            if let millis = r.duration(value, key) { config.shutdownTimeout = .milliseconds(millis) }
        case "rules_file":
            if let file = r.string(value, key) { config.rulesFile = file.isEmpty ? nil : file }
        case "web":
            r.mapping(value, path: key) { key, value, r in
                let keyPaths: [String: WritableKeyPath<WebSettings, String?>] = [
                    "ingest_token_file": \.ingestTokenFile, "admin_token_file": \.adminTokenFile,
                    "read_token_file": \.readTokenFile, "tls_cert_file": \.tlsCertFile, "tls_key_file": \.tlsKeyFile,
                ]
                if key == "cors_origins" {
                    if let origins = r.stringList(value, "web.cors_origins") { config.web.corsOrigins = origins }
                    return true
                }
                if key == "frame_ancestors" {
                    if let sources = r.stringList(value, "web.frame_ancestors") { config.web.frameAncestors = sources }
                    return true
                }
                if key == "tls_priorities" {
                    if let text = r.string(value, "web.tls_priorities") { config.web.tlsPriorities = text.isEmpty ? nil : text }
                    return true
                }
                guard let keyPath = keyPaths[key] else { return false }
                // `""` is unset, as the example config writes it.
                if let file = r.string(value, "web." + key) { config.web[keyPath: keyPath] = file.isEmpty ? nil : file }
                return true
            }
        case "metrics":
            r.mapping(value, path: key) { key, value, r in
                guard key == "expose_windows" else { return false }
                if let expose = r.bool(value, "metrics." + key) { config.exposeWindows = expose }
                return true
            }
        case "nats":
            var nats = NATSConfig()
            r.mapping(value, path: key) { key, value, r in readNATS(key, value, &r, &nats) }
            if value.mapping != nil { config.nats = nats }  // else only "must be a mapping" is the problem
        case "instance":
            if let name = r.string(value, key) { config.instance = name.isEmpty ? LocalHost.name : name }
        case "log":
            r.mapping(value, path: key) { key, value, r in
                switch key {
                case "level":
                    if let level = r.choice(value, "log.level", Logger.Level.allCases.map(\.rawValue)) {
                        config.logLevel = Logger.Level(rawValue: level)!
                    }
                case "format":
                    if let format = r.choice(value, "log.format", LogFormat.allCases.map(\.rawValue)) {
                        config.logFormat = LogFormat(rawValue: format)!
                    }
                default:
                    return false
                }
                return true
            }
        default:
            return false
        }
        return true
    }

    /// One entry of `overrides`, located as `overrides.INDEX` for the checks that follow.
    private static func readOverride(_ item: Node, index: Int, _ r: inout YAMLReader) -> QueueOverride {
        var override = QueueOverride(patterns: [])
        var sawQueues = false
        r.mapping(item, path: "overrides[]", location: "overrides.\(index)") { key, value, r in
            switch key {
            case "queues":
                sawQueues = true
                if let patterns = r.stringList(value, "overrides.queues") { override.patterns = patterns }
            case "service_level_seconds":
                override.serviceLevel = r.seconds(value, "overrides.service_level_seconds")
            case "short_abandon_seconds":
                override.shortAbandon = r.seconds(value, "overrides.short_abandon_seconds")
            case "service_level_formula":
                if let formula = r.choice(value, "overrides.service_level_formula",
                                          ServiceLevelFormula.allCases.map(\.rawValue)) {
                    override.formula = ServiceLevelFormula(rawValue: formula)
                }
            case "service_level_target":
                override.serviceLevelTarget = r.fraction(value, "overrides.service_level_target")
            case "agents":
                if let agents = r.positiveInt(value, "overrides.agents") {
                    if agents <= ErlangC.maximumAgents {
                        override.agents = agents
                    } else {
                        r.problem(value, "overrides.agents must be at most \(ErlangC.maximumAgents)")
                    }
                }
            default:
                return false
            }
            return true
        }
        if !sawQueues { r.problem(item, "overrides: each override needs 'queues', a list of glob patterns") }
        return override
    }

    /// Window names as minutes; lengths that are not whole minutes are reported here, the
    /// range and repeats by `Configuration.problems()`.
    private static func readWindows(_ names: [String], _ node: Node, _ r: inout YAMLReader) -> [Int] {
        var minutes: [Int] = []
        for name in names {
            guard let millis = ValueParsers.duration(name), millis % 60_000 == 0, millis / 60_000 <= Int64(Int32.max) else {
                r.problem(node, Configuration.windowProblem(name))
                continue
            }
            minutes.append(Int(millis / 60_000))
        }
        return minutes
    }

    /// `forecast.*` (docs/spec/forecast.md); the windows are minutes, checked against
    /// `windows` by `Configuration.problems()`.
    private static func readForecast(_ key: String, _ value: Node, _ r: inout YAMLReader,
                                     _ config: inout Configuration) -> Bool {
        let name = "forecast." + key
        switch key {
        case "arrival_window", "handle_window":
            if let millis = r.duration(value, name) {
                let minutes = millis % 60_000 == 0 ? Int(clamping: millis / 60_000) : -1
                if key == "arrival_window" {
                    config.core.forecast.arrivalWindowMinutes = minutes
                } else {
                    config.core.forecast.handleWindowMinutes = minutes
                }
            }
        case "agents_window":
            if let millis = r.duration(value, name) { config.core.forecast.agentsWindow = millis }
        case "service_level_target":
            if let target = r.fraction(value, name) { config.core.policy.serviceLevelTarget = target }
        default:
            return false
        }
        return true
    }

    /// A forecast window left unset follows `windows` when they lack its default: the longest
    /// configured window not over the default, else the shortest (so a config written before
    /// the forecast keeps loading). One set explicitly must be a configured window.
    private static func defaultForecastWindows(_ config: inout Configuration, set: some Collection<String>) {
        let windows = config.core.windowMinutes
        func fallback(_ preferred: Int) -> Int {
            if windows.contains(preferred) || windows.isEmpty { return preferred }
            return windows.filter { $0 <= preferred }.max() ?? windows.min()!
        }
        if !set.contains("forecast.arrival_window") {
            config.core.forecast.arrivalWindowMinutes = fallback(config.core.forecast.arrivalWindowMinutes)
        }
        if !set.contains("forecast.handle_window") {
            config.core.forecast.handleWindowMinutes = fallback(config.core.forecast.handleWindowMinutes)
        }
    }

    /// `nats.*` (docs/spec/scale-out.md, "Config"); ranges and names are checked by
    /// `Configuration.problems()`.
    private static func readNATS(_ key: String, _ value: Node, _ r: inout YAMLReader, _ nats: inout NATSConfig) -> Bool {
        let name = "nats." + key
        let files: [String: WritableKeyPath<NATSConfig, String?>] = [
            "token_file": \.tokenFile, "creds_file": \.credsFile, "tls_ca_file": \.tlsCAFile,
            "tls_cert_file": \.tlsCertFile, "tls_key_file": \.tlsKeyFile,
        ]
        switch key {
        case "url":
            if let url = r.string(value, name) { nats.url = url }
        case "stream":
            if let stream = r.string(value, name) { nats.stream = stream }
        case "subject":
            if let subject = r.string(value, name) { nats.subject = subject }
        case "consumer":
            if let consumer = r.string(value, name) { nats.consumer = consumer }
        case "replicas":
            if let count = value.int { nats.replicas = count } else { r.problem(value, NATSConfig.replicasProblem) }
        case "shards":
            if let count = r.positiveInt(value, name) { nats.shards = count }
        case "shard":
            if let number = value.int {
                nats.shard = number
            } else if value.scalar?.string != "all" {
                r.problem(value, NATSConfig.shardProblem(shards: nil))
            }
        case "max_age":
            if let millis = r.duration(value, name) { nats.maxAge = .milliseconds(millis) }
        case "publish":
            if let flag = r.bool(value, name) { nats.publish = flag }
        case "consume":
            if let flag = r.bool(value, name) { nats.consume = flag }
        default:
            guard let keyPath = files[key] else { return false }
            // `""` is unset, as the spec's example writes it.
            if let file = r.string(value, name) { nats[keyPath: keyPath] = file.isEmpty ? nil : file }
        }
        return true
    }

    private static func readLimit(_ key: String, _ value: Node, _ r: inout YAMLReader,
                                  _ config: inout Configuration) -> Bool {
        let name = "limits." + key
        switch key {
        case "max_queues":
            if let count = r.positiveInt(value, name) { config.core.maxQueues = count }
        case "max_active_calls":
            if let count = r.positiveInt(value, name) { config.core.maxActiveCalls = count }
        case "max_body_bytes":
            if let bytes = r.size(value, name) { config.limits.maxBodyBytes = bytes }
        case "max_connections":
            if let count = r.positiveInt(value, name) { config.limits.maxConnections = count }
        case "max_connections_per_client":
            if let count = r.positiveInt(value, name) { config.limits.maxConnectionsPerClient = count }
        case "max_streams":
            if let count = r.positiveInt(value, name) { config.limits.maxStreams = count }
        case "connection_timeout":
            if let millis = r.duration(value, name) { config.limits.connectionTimeout = .milliseconds(millis) }
        case "ingest_rate", "ingest_burst":
            guard let number = value.float ?? value.int.map(Double.init), number > 0, number.isFinite else {
                r.problem(value, "\(name) must be a number above 0 (events\(key == "ingest_rate" ? " per second" : ""))")
                return true
            }
            if key == "ingest_rate" { config.limits.ingestRate = number } else { config.limits.ingestBurst = number }
        default:
            return false
        }
        return true
    }
}
