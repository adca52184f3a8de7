import CallPulseCore
import Foundation
import Yams

/// Problems found in a config or rules file, each as `FILE:LINE: message`.
public struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

/// Reads the YAML config file, collecting every problem with its line.
public enum ConfigLoader {
    /// Loads and validates the file at `path`.
    public static func load(path: String) throws(ConfigProblems) -> Configuration {
        let text = try YAMLReader.contents(of: path, what: "config")
        return try parse(text, file: path)
    }

    /// Parses config text; `file` names it in problems.
    public static func parse(_ text: String, file: String) throws(ConfigProblems) -> Configuration {
        let root = try YAMLReader.compose(text, file: file)
        var config = Configuration()
        guard let root else { return config }  // an empty file: all defaults
        var reader = YAMLReader(file: file)
        reader.mapping(root, path: "") { key, value, r in
            readTopLevel(key, value, &r, &config)
        }
        if config.web.tlsCertFile.isEmpty != config.web.tlsKeyFile.isEmpty {
            // At the `web:` key, where the pair belongs.
            let web = root.mapping?.first { $0.key.scalar?.string == "web" }?.key ?? root
            reader.problem(web, "web: tls_cert_file and tls_key_file must be set together")
        }
        if !reader.problems.isEmpty { throw ConfigProblems(problems: reader.report) }
        return config
    }

    private static func readTopLevel(_ key: String, _ value: Node, _ r: inout YAMLReader,
                                     _ config: inout Configuration) -> Bool {
        switch key {
        case "listen":
            if let listen = r.string(value, key) { config.listen = listen }
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
                config.core.overrides.append(readOverride(item, &r))
            }
        case "timezone":
            if let zone = r.string(value, key) {
                if DayCalendar(timeZone: zone) == nil {
                    r.problem(value, "timezone: '\(zone)' is not a known IANA time zone name")
                } else {
                    config.core.timezone = zone
                }
            }
        case "default_queue":
            if let name = r.string(value, key) {
                if !isQueueName(name) {
                    r.problem(value, "default_queue: must be 1 to 256 bytes with no control characters or surrounding white space")
                } else {
                    config.core.defaultQueue = name
                }
            }
        case "queues":
            if let names = r.stringList(value, key) {
                for name in names where !isQueueName(name) {
                    r.problem(value, "queues: '\(name)' must be 1 to 256 bytes with no control characters or surrounding white space")
                }
                config.core.queues = names.filter(isQueueName)
            }
        case "windows":
            if let names = r.stringList(value, key) { config.core.windowMinutes = readWindows(names, value, &r) }
        case "buckets":
            r.mapping(value, path: key) { key, value, r in
                guard ["wait", "talk", "acw"].contains(key) else { return false }
                guard let bounds = r.numberList(value, "buckets." + key) else { return true }
                if bounds.isEmpty || zip(bounds, bounds.dropFirst()).contains(where: { $0 >= $1 })
                    || bounds.contains(where: { !$0.isFinite || $0 < 0 }) {
                    r.problem(value, "buckets.\(key): bounds must be non-negative, finite and strictly increasing")
                } else if key == "wait" {
                    config.core.buckets.wait = bounds
                } else if key == "talk" {
                    config.core.buckets.talk = bounds
                } else {
                    config.core.buckets.acw = bounds
                }
                return true
            }
        case "expiry":
            r.mapping(value, path: key) { key, value, r in
                let limit = r.duration(value, "expiry." + key)
                switch key {
                case "ringing": config.core.expiry.ringing = limit ?? config.core.expiry.ringing
                case "connected": config.core.expiry.connected = limit ?? config.core.expiry.connected
                case "acw": config.core.expiry.acw = limit ?? config.core.expiry.acw
                case "finished": config.core.expiry.finished = limit ?? config.core.expiry.finished
                default: return false
                }
                return true
            }
        case "limits":
            r.mapping(value, path: key) { key, value, r in readLimit(key, value, &r, &config) }
        case "state_dir":
            if let dir = r.string(value, key) { config.stateDir = dir }
        case "checkpoint_interval":
            if let millis = r.duration(value, key) { config.checkpointInterval = max(millis, 1000) }
        case "rules_file":
            if let file = r.string(value, key) { config.rulesFile = file }
        case "web":
            r.mapping(value, path: key) { key, value, r in
                let keyPaths: [String: WritableKeyPath<WebSettings, String>] = [
                    "ingest_token_file": \.ingestTokenFile, "admin_token_file": \.adminTokenFile,
                    "read_token_file": \.readTokenFile, "tls_cert_file": \.tlsCertFile, "tls_key_file": \.tlsKeyFile,
                ]
                guard let keyPath = keyPaths[key] else { return false }
                if let file = r.string(value, "web." + key) { config.web[keyPath: keyPath] = file }
                return true
            }
        case "metrics":
            r.mapping(value, path: key) { key, value, r in
                guard key == "expose_windows" else { return false }
                if let expose = r.bool(value, "metrics." + key) { config.exposeWindows = expose }
                return true
            }
        case "log":
            r.mapping(value, path: key) { key, value, r in
                switch key {
                case "level":
                    let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                    if let level = r.choice(value, "log.level", levels) { config.logLevel = level }
                case "format":
                    if let format = r.choice(value, "log.format", ["text", "json"]) { config.logFormat = format }
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

    /// What an event could name as a queue (events.md): trimmed, 1–256 bytes, no Cc characters.
    private static func isQueueName(_ name: String) -> Bool {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        return !trimmed.isEmpty && trimmed == name && name.utf8.count <= 256
            && !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    private static func readOverride(_ item: Node, _ r: inout YAMLReader) -> QueueOverride {
        var override = QueueOverride(patterns: [])
        var sawQueues = false
        r.mapping(item, path: "overrides[]") { key, value, r in
            switch key {
            case "queues":
                sawQueues = true
                if let patterns = r.stringList(value, "overrides.queues") {
                    for pattern in patterns {
                        if let problem = Glob.problem(in: pattern) {
                            r.problem(value, "overrides.queues: glob '\(pattern)' is invalid: \(problem)")
                        }
                    }
                    override.patterns = patterns
                }
            case "service_level_seconds":
                override.serviceLevel = r.seconds(value, "overrides.service_level_seconds")
            case "short_abandon_seconds":
                override.shortAbandon = r.seconds(value, "overrides.short_abandon_seconds")
            case "service_level_formula":
                if let formula = r.choice(value, "overrides.service_level_formula",
                                          ServiceLevelFormula.allCases.map(\.rawValue)) {
                    override.formula = ServiceLevelFormula(rawValue: formula)
                }
            default:
                return false
            }
            return true
        }
        if !sawQueues { r.problem(item, "overrides: each override needs 'queues', a list of glob patterns") }
        return override
    }

    private static func readWindows(_ names: [String], _ node: Node, _ r: inout YAMLReader) -> [Int] {
        var minutes: [Int] = []
        for name in names {
            guard let millis = ValueParsers.duration(name), millis % 60_000 == 0,
                  (1...1440).contains(millis / 60_000)
            else {
                r.problem(node, "windows: '\(name)' must be a whole number of minutes from 1m to 24h")
                continue
            }
            let length = Int(millis / 60_000)
            if minutes.contains(length) {
                r.problem(node, "windows: '\(name)' is listed twice")
            } else {
                minutes.append(length)
            }
        }
        return minutes
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
            if let millis = r.duration(value, name) { config.limits.connectionTimeout = millis }
        default:
            return false
        }
        return true
    }
}
