import CallPulseCore
import CallPulseHTTP
import Foundation
import Logging
import Testing
@testable import CallPulseServer

/// The config loader in process: good files to typed values, broken files to every problem
/// at its line, flags over the file, and the one validation function.
struct ConfigLoaderTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The problems `text` has as a config file named `bad.yml`, in the order reported.
    static func problems(_ text: String, overrides: ConfigOverrides = ConfigOverrides()) -> [String] {
        do {
            _ = try ConfigLoader.parse(text, file: "bad.yml", overrides: overrides)
            return []
        } catch {
            #expect(error.code == "invalid_config")
            return error.problems
        }
    }

    @Test("deploy/callpulse.yml reads as the defaults plus the package's state directory and one example override")
    func exampleConfig() throws {
        let config = try ConfigLoader.load(path: Self.repository.appendingPathComponent("deploy/callpulse.yml").path)
        var expected = Configuration()
        expected.core.overrides = [QueueOverride(patterns: ["VIP*"], serviceLevel: 10_000, serviceLevelTarget: 0.9)]
        expected.stateDir = "/var/lib/callpulse"
        #expect(config == expected)
        // Its `""` token and TLS files are unset, not empty paths.
        #expect(config.web == WebSettings())
    }

    @Test("an empty file, and no file at all, are the defaults; the defaults have no problems")
    func defaults() throws {
        #expect(try ConfigLoader.parse("", file: "empty.yml") == Configuration())
        #expect(try ConfigLoader.load(path: nil) == Configuration())
        #expect(Configuration().problems() == [])
        let defaults = Configuration()
        #expect(defaults.listen == SocketAddress(host: "0.0.0.0", port: 9478))
        #expect(defaults.checkpointInterval == .seconds(300))
        #expect(defaults.shutdownTimeout == .seconds(10))
        #expect(defaults.limits.connectionTimeout == .seconds(30))
        #expect(defaults.logLevel == .info)
        #expect(defaults.logFormat == .text)
        #expect(defaults.stateDir == nil && defaults.rulesFile == nil)
    }

    @Test("every key set to a value other than its default reads as that typed value")
    func everyKey() throws {
        let config = try ConfigLoader.parse("""
            listen: "[::1]:9000"
            clock: event
            service_level_seconds: 30
            short_abandon_seconds: 2.5
            service_level_formula: answered
            overrides:
              - queues: ["VIP*", "Gold?"]
                service_level_seconds: 10
                short_abandon_seconds: 1
                service_level_formula: removed_within
                service_level_target: 0.95
                agents: 12
            forecast: { arrival_window: 5m, handle_window: 1h30m, agents_window: 10m, service_level_target: 0.9 }
            timezone: Europe/Berlin
            default_queue: General
            queues: [Billing, Support]
            windows: [5m, 1h30m, 24h]
            intervals: { length: 30m, retention: 7d }
            buckets:
              wait: [1, 2.5, 10]
              talk: [60]
              acw: [0, 30]
            expiry: { ringing: 30m, connected: 2h, acw: 90s, finished: 1d }
            limits:
              max_queues: 10
              max_active_calls: 2000
              max_body_bytes: 512KiB
              max_connections: 100
              max_connections_per_client: 8
              max_streams: 16
              connection_timeout: 1m30s
            state_dir: /var/lib/callpulse
            checkpoint_interval: 1m
            shutdown_timeout: 45s
            rules_file: /etc/callpulse/rules.yml
            web:
              ingest_token_file: /etc/callpulse/ingest.token
              admin_token_file: /etc/callpulse/admin.token
              read_token_file: /etc/callpulse/read.token
              tls_cert_file: /etc/callpulse/cert.pem
              tls_key_file: /etc/callpulse/key.pem
              cors_origins: ["https://crm.example.com", "http://127.0.0.1:8080"]
            metrics: { expose_windows: true }
            log: { level: debug, format: json }
            """, file: "all.yml")
        var expected = Configuration()
        expected.listen = SocketAddress(host: "::1", port: 9000)
        expected.core.clock = .event
        expected.core.policy = QueuePolicy(serviceLevel: 30_000, shortAbandon: 2_500, formula: .answered,
                                           serviceLevelTarget: 0.9)
        expected.core.overrides = [QueueOverride(patterns: ["VIP*", "Gold?"], serviceLevel: 10_000, shortAbandon: 1_000,
                                                 formula: .removedWithin, serviceLevelTarget: 0.95, agents: 12)]
        expected.core.forecast.arrivalWindowMinutes = 5
        expected.core.forecast.handleWindowMinutes = 90
        expected.core.forecast.agentsWindow = 600_000
        expected.core.timezone = "Europe/Berlin"
        expected.core.defaultQueue = "General"
        expected.core.queues = ["Billing", "Support"]
        expected.core.windowMinutes = [5, 90, 1440]
        expected.core.intervals.lengthMinutes = 30
        expected.core.intervals.retention = 7 * 86_400_000
        expected.core.buckets.wait = [1, 2.5, 10]
        expected.core.buckets.talk = [60]
        expected.core.buckets.acw = [0, 30]
        expected.core.expiry.ringing = 1_800_000
        expected.core.expiry.connected = 7_200_000
        expected.core.expiry.acw = 90_000
        expected.core.expiry.finished = 86_400_000
        expected.core.maxQueues = 10
        expected.core.maxActiveCalls = 2000
        expected.limits.maxBodyBytes = 512 * 1024
        expected.limits.maxConnections = 100
        expected.limits.maxConnectionsPerClient = 8
        expected.limits.maxStreams = 16
        expected.limits.connectionTimeout = .seconds(90)
        expected.stateDir = "/var/lib/callpulse"
        expected.checkpointInterval = .seconds(60)
        expected.shutdownTimeout = .seconds(45)
        expected.rulesFile = "/etc/callpulse/rules.yml"
        expected.web.ingestTokenFile = "/etc/callpulse/ingest.token"
        expected.web.adminTokenFile = "/etc/callpulse/admin.token"
        expected.web.readTokenFile = "/etc/callpulse/read.token"
        expected.web.tlsCertFile = "/etc/callpulse/cert.pem"
        expected.web.tlsKeyFile = "/etc/callpulse/key.pem"
        expected.web.corsOrigins = ["https://crm.example.com", "http://127.0.0.1:8080"]
        expected.exposeWindows = true
        expected.logLevel = .debug
        expected.logFormat = .json
        #expect(config == expected)
    }

    @Test("a file with many problems reports every one, each at its own line, in line order")
    func everyProblemAtItsLine() {
        #expect(Self.problems("""
            listen: "localhost:99999"
            clock: sometimes
            overrides:
              - queues: ["VIP*"]
              - queues: ["[abc"]
                service_level_seconds: -1
            timezone: Mars/Olympus
            queues: [Billing, " padded"]
            windows: [5m, 300s, 90s]
            buckets: { wait: [10, 5] }
            expiry: { ringing: forever }
            limits:
              max_streams: 0
              max_body_bytes: 0
            shutdown_timeout: 0
            web:
              tls_key_file: /k.pem
              ingest_token_file: 7
              cors_origins: ["https://crm.example.com/", "http://127.0.0.1:8080"]
            log: { level: debug, colour: true }
            intervals: { length: 20m, retention: 12h }
            """) == [
            "bad.yml:1: listen address 'localhost:99999' is not HOST:PORT (for example 127.0.0.1:9478, :9478 or [::1]:9478)",
            "bad.yml:2: clock must be one of live, event, not 'sometimes'",
            "bad.yml:5: overrides.queues: glob '[abc' is invalid: '[' at position 1 is never closed",
            "bad.yml:6: overrides.service_level_seconds must be a number of seconds, 0 or more",
            "bad.yml:7: timezone: 'Mars/Olympus' is not a known IANA time zone name",
            "bad.yml:8: queues: ' padded' must be 1 to 256 bytes with no control characters or surrounding white space",
            "bad.yml:9: windows: '90s' must be a whole number of minutes from 1m to 24h",
            "bad.yml:9: windows: '5m' is listed twice",
            "bad.yml:10: buckets.wait: bounds must be non-negative, finite and strictly increasing",
            "bad.yml:11: expiry.ringing must be a duration such as 500ms, 30s, 5m or 1h30m, not 'forever'",
            "bad.yml:13: limits.max_streams must be a whole number above 0",
            "bad.yml:14: limits.max_body_bytes must be a size in bytes or with KiB, MiB or GiB, such as 8MiB",
            "bad.yml:15: shutdown_timeout must be a duration such as 500ms, 30s, 5m or 1h30m, not '0'",
            "bad.yml:16: web: tls_cert_file and tls_key_file must be set together",
            "bad.yml:18: web.ingest_token_file must be a string",
            "bad.yml:19: web.cors_origins: 'https://crm.example.com/' is not an origin such as https://crm.example.com or "
                + "http://127.0.0.1:8080 (a scheme, a host and an optional port, no path)",
            "bad.yml:19: web.cors_origins needs web.ingest_token_file: a page in a browser is never a loopback client, "
                + "so ingest from browsers must carry a token",
            "bad.yml:20: unknown key 'log.colour'",
            "bad.yml:21: intervals.length must be 15m, 30m or 1h",
            "bad.yml:21: intervals.retention must be a duration of 2d or more, such as 35d",
        ])
    }

    @Test("structure problems: not a mapping, an override without queues, a repeated key, YAML syntax, a missing file")
    func structureProblems() throws {
        #expect(Self.problems("- a\n- b\n") == ["bad.yml:1: the config must be a mapping of keys to values"])
        #expect(Self.problems("limits: 5\n") == ["bad.yml:1: limits must be a mapping of keys to values"])
        #expect(Self.problems("overrides:\n  - service_level_seconds: 10\n")
                == ["bad.yml:2: overrides: each override needs 'queues', a list of glob patterns"])
        #expect(Self.problems("overrides:\n  - queues: [A]\n    colour: red\n") == ["bad.yml:3: unknown key 'overrides[].colour'"])
        // YAML refuses the whole file over a repeated key, so that is the only problem.
        #expect(Self.problems("clock: live\nlimits: { max_queues: 0 }\nclock: event\n")
                == ["bad.yml:1: key 'clock' is set more than once"])
        #expect(Self.problems("log:\n  level: info\n  format: text\n  level: debug\n")
                == ["bad.yml:2: key 'level' is set more than once"])
        let syntax = Self.problems("a: [1, 2\nb: 3\n")
        #expect(syntax.count == 1 && syntax[0].hasPrefix("bad.yml:") && syntax[0].contains("YAML syntax error"), "\(syntax)")
        let missing = #expect(throws: ServerError.self) { try ConfigLoader.load(path: "/nonexistent/callpulse.yml") }
        #expect(missing?.kind == .invalidConfig)
        #expect(missing?.description.hasPrefix("/nonexistent/callpulse.yml: cannot read the config file: ") == true)
    }

    @Test("durations read as Duration; anything else is a problem naming the key",
          arguments: [
              ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)),
              ("1h30m", .seconds(5400)), ("2d", .seconds(172_800)), ("1w", .seconds(604_800)),
          ])
    func durations(text: String, expected: Duration) throws {
        let config = try ConfigLoader.parse("shutdown_timeout: \(text)\nlimits: { connection_timeout: \(text) }\n", file: "d.yml")
        #expect(config.shutdownTimeout == expected)
        #expect(config.limits.connectionTimeout == expected)
    }

    @Test("what is not a duration above 0", arguments: ["0", "30", "1.5s", "30s1m", "-5s", "soon", "[1m]"])
    func notDurations(text: String) {
        let shown = text == "[1m]" ? "a collection" : text
        #expect(Self.problems("shutdown_timeout: \(text)\n")
                == ["bad.yml:1: shutdown_timeout must be a duration such as 500ms, 30s, 5m or 1h30m, not '\(shown)'"])
    }

    @Test("checkpoint_interval below 1s reads as 1s, as before")
    func checkpointFloor() throws {
        #expect(try ConfigLoader.parse("checkpoint_interval: 200ms\n", file: "c.yml").checkpointInterval == .seconds(1))
        #expect(try ConfigLoader.parse("checkpoint_interval: 1500ms\n", file: "c.yml").checkpointInterval == .milliseconds(1500))
    }

    @Test("sizes read as bytes", arguments: [("8388608", 8_388_608), ("1B", 1), ("512KiB", 524_288), ("8MiB", 8_388_608),
                                               ("1GiB", 1_073_741_824)])
    func sizes(text: String, bytes: Int) throws {
        #expect(try ConfigLoader.parse("limits: { max_body_bytes: \(text) }\n", file: "s.yml").limits.maxBodyBytes == bytes)
    }

    @Test("what is not a size", arguments: ["0", "-1", "8MB", "1.5MiB", "lots"])
    func notSizes(text: String) {
        #expect(Self.problems("limits: { max_body_bytes: \(text) }\n")
                == ["bad.yml:1: limits.max_body_bytes must be a size in bytes or with KiB, MiB or GiB, such as 8MiB"])
    }

    @Test("seconds keep millisecond precision in the core", arguments: [("0", 0), ("20", 20_000), ("2.5", 2_500),
                                                                          ("0.0004", 0), ("0.0005", 1)])
    func seconds(text: String, millis: Int64) throws {
        #expect(try ConfigLoader.parse("service_level_seconds: \(text)\n", file: "s.yml").core.policy.serviceLevel == millis)
    }

    @Test("choices: each allowed value reads as its case; any other names the allowed ones")
    func choices() throws {
        for level in Logger.Level.allCases {
            #expect(try ConfigLoader.parse("log: { level: \(level.rawValue) }\n", file: "c.yml").logLevel == level)
        }
        for format in LogFormat.allCases {
            #expect(try ConfigLoader.parse("log: { format: \(format.rawValue) }\n", file: "c.yml").logFormat == format)
        }
        for clock in ClockMode.allCases {
            #expect(try ConfigLoader.parse("clock: \(clock.rawValue)\n", file: "c.yml").core.clock == clock)
        }
        for formula in ServiceLevelFormula.allCases {
            #expect(try ConfigLoader.parse("service_level_formula: \(formula.rawValue)\n", file: "c.yml").core.policy.formula
                    == formula)
        }
        #expect(Self.problems("log: { level: loud, format: xml }\nservice_level_formula: median\n") == [
            "bad.yml:1: log.level must be one of trace, debug, info, notice, warning, error, critical, not 'loud'",
            "bad.yml:1: log.format must be one of text, json, not 'xml'",
            "bad.yml:2: service_level_formula must be one of standard, answered, removed_within, not 'median'",
        ])
    }

    @Test("listen addresses", arguments: [
        (":9478", SocketAddress(host: "0.0.0.0", port: 9478)), ("127.0.0.1:0", SocketAddress(host: "127.0.0.1", port: 0)),
        ("localhost:80", SocketAddress(host: "127.0.0.1", port: 80)), ("[::]:9478", SocketAddress(host: "::", port: 9478)),
    ])
    func listen(text: String, address: SocketAddress) throws {
        #expect(try ConfigLoader.parse("listen: \"\(text)\"\n", file: "l.yml").listen == address)
    }

    @Test("optional paths: a missing key and \"\" are unset")
    func optionalPaths() throws {
        let config = try ConfigLoader.parse("""
            state_dir: ""
            rules_file: ""
            web: { ingest_token_file: "", tls_cert_file: "", tls_key_file: "" }
            """, file: "p.yml")
        #expect(config == Configuration())
    }

    @Test("flags override the file, and set only what they name")
    func flagsOverrideTheFile() throws {
        let file = """
            listen: ":9000"
            clock: event
            log: { level: debug, format: text }
            state_dir: /var/lib/callpulse
            rules_file: /etc/callpulse/rules.yml
            limits: { max_streams: 3 }
            """
        let overrides = try ConfigOverrides(listen: "127.0.0.1:0", clock: "live", logLevel: "notice", logFormat: "json",
                                            rulesFile: "", stateDir: "/tmp/state")
        let config = try ConfigLoader.parse(file, file: "f.yml", overrides: overrides)
        var expected = Configuration()
        expected.listen = SocketAddress(host: "127.0.0.1", port: 0)
        expected.core.clock = .live
        expected.logLevel = .notice
        expected.logFormat = .json
        expected.stateDir = "/tmp/state"
        expected.rulesFile = nil  // `--rules ""` unsets the file's
        expected.limits.maxStreams = 3
        #expect(config == expected)
        // No flags: the file as it is.
        let plain = try ConfigLoader.parse(file, file: "f.yml")
        #expect(plain.listen == SocketAddress(host: "0.0.0.0", port: 9000))
        #expect(plain.rulesFile == "/etc/callpulse/rules.yml")
        #expect(plain.logLevel == .debug)
    }

    @Test("bad flag values: every one reported, each naming its flag")
    func badFlags() {
        let error = #expect(throws: ServerError.self) {
            try ConfigOverrides(listen: "nowhere", clock: "sometimes", logLevel: "loud", logFormat: "xml")
        }
        #expect(error?.kind == .invalidFlag)
        #expect(error?.problems == [
            "--listen: listen address 'nowhere' is not HOST:PORT (for example 127.0.0.1:9478, :9478 or [::1]:9478)",
            "--clock must be live or event, not 'sometimes'",
            "--log-level must be one of trace, debug, info, notice, warning, error, critical",
            "--log-format must be text or json",
        ])
    }

    @Test("a problem with a key a flag set names the flag, after the file's problems")
    func problemAtAFlag() {
        var overrides = ConfigOverrides()
        overrides.listen = SocketAddress(host: "localhost", port: 1)  // bypasses the flag reader
        #expect(Self.problems("timezone: Mars/Olympus\nlisten: \":1\"\n", overrides: overrides) == [
            "bad.yml:1: timezone: 'Mars/Olympus' is not a known IANA time zone name",
            "--listen: listen address 'localhost:1' is not HOST:PORT (for example 127.0.0.1:9478, :9478 or [::1]:9478)",
        ])
    }

    @Test("the validation function, on values set in code: each problem names its key")
    func validation() {
        let cases: [(String, (inout Configuration) -> Void, [ConfigProblem])] = [
            ("listen host not an IP address", { $0.listen = SocketAddress(host: "localhost", port: 80) },
             [ConfigProblem(key: "listen", Configuration.listenProblem("localhost:80"))]),
            ("negative thresholds", { $0.core.policy.serviceLevel = -1; $0.core.policy.shortAbandon = -1 },
             [ConfigProblem(key: "service_level_seconds", "service_level_seconds must be a number of seconds, 0 or more"),
              ConfigProblem(key: "short_abandon_seconds", "short_abandon_seconds must be a number of seconds, 0 or more")]),
            ("the second override", {
                $0.core.overrides = [QueueOverride(patterns: ["A"]), QueueOverride(patterns: ["B", "[x"], shortAbandon: -5)]
            }, [ConfigProblem(key: "overrides.1.queues", "overrides.queues: glob '[x' is invalid: '[' at position 1 is never closed"),
                ConfigProblem(key: "overrides.1.short_abandon_seconds",
                              "overrides.short_abandon_seconds must be a number of seconds, 0 or more")]),
            ("time zone", { $0.core.timezone = "Nowhere/Else" },
             [ConfigProblem(key: "timezone", "timezone: 'Nowhere/Else' is not a known IANA time zone name")]),
            ("queue names", { $0.core.defaultQueue = ""; $0.core.queues = ["ok", "bell\u{7}"] },
             [ConfigProblem(key: "default_queue",
                            "default_queue: must be 1 to 256 bytes with no control characters or surrounding white space"),
              ConfigProblem(key: "queues",
                            "queues: 'bell\u{7}' must be 1 to 256 bytes with no control characters or surrounding white space")]),
            ("windows", { $0.core.windowMinutes = [0, 5, 5, 1441] },
             [ConfigProblem(key: "windows", "windows: '0m' must be a whole number of minutes from 1m to 24h"),
              ConfigProblem(key: "windows", "windows: '5m' is listed twice"),
              ConfigProblem(key: "windows", "windows: '24h1m' must be a whole number of minutes from 1m to 24h"),
              ConfigProblem(key: "forecast.arrival_window",
                            "forecast.arrival_window must be one of the configured windows (0m, 5m, 5m, 24h1m)"),
              ConfigProblem(key: "forecast.handle_window",
                            "forecast.handle_window must be one of the configured windows (0m, 5m, 5m, 24h1m)")]),
            ("forecast", { $0.core.forecast.agentsWindow = 0; $0.core.policy.serviceLevelTarget = 1 },
             [ConfigProblem(key: "forecast.agents_window",
                            "forecast.agents_window must be a duration above 0, such as 500ms, 30s, 5m or 1h30m"),
              ConfigProblem(key: "forecast.service_level_target",
                            "forecast.service_level_target must be a number between 0 and 1 (both excluded), such as 0.8")]),
            ("buckets", { $0.core.buckets.talk = []; $0.core.buckets.acw = [1, .infinity] },
             [ConfigProblem(key: "buckets.talk", "buckets.talk: bounds must be non-negative, finite and strictly increasing"),
              ConfigProblem(key: "buckets.acw", "buckets.acw: bounds must be non-negative, finite and strictly increasing")]),
            ("expiry", { $0.core.expiry.acw = 0 },
             [ConfigProblem(key: "expiry.acw", "expiry.acw must be a duration above 0, such as 500ms, 30s, 5m or 1h30m")]),
            ("core limits", { $0.core.maxQueues = 0; $0.core.maxActiveCalls = -1 },
             [ConfigProblem(key: "limits.max_queues", "limits.max_queues must be a whole number above 0"),
              ConfigProblem(key: "limits.max_active_calls", "limits.max_active_calls must be a whole number above 0")]),
            ("server limits", {
                $0.limits.maxBodyBytes = 0; $0.limits.maxConnections = 0; $0.limits.maxConnectionsPerClient = 0
                $0.limits.maxStreams = -1; $0.limits.connectionTimeout = .zero
            }, [ConfigProblem(key: "limits.max_body_bytes", "limits.max_body_bytes must be a size above 0, such as 8MiB"),
                ConfigProblem(key: "limits.max_connections", "limits.max_connections must be a whole number above 0"),
                ConfigProblem(key: "limits.max_connections_per_client",
                              "limits.max_connections_per_client must be a whole number above 0"),
                ConfigProblem(key: "limits.max_streams", "limits.max_streams must be a whole number above 0"),
                ConfigProblem(key: "limits.connection_timeout",
                              "limits.connection_timeout must be a duration above 0, such as 500ms, 30s, 5m or 1h30m")]),
            ("durations", { $0.checkpointInterval = .zero; $0.shutdownTimeout = .seconds(-1) },
             [ConfigProblem(key: "checkpoint_interval", "checkpoint_interval must be a duration above 0, such as 500ms, 30s, 5m or 1h30m"),
              ConfigProblem(key: "shutdown_timeout", "shutdown_timeout must be a duration above 0, such as 500ms, 30s, 5m or 1h30m")]),
            ("empty paths", { $0.stateDir = ""; $0.rulesFile = ""; $0.web.readTokenFile = "" },
             [ConfigProblem(key: "state_dir", "state_dir must name a file or directory, or be left unset"),
              ConfigProblem(key: "rules_file", "rules_file must name a file or directory, or be left unset"),
              ConfigProblem(key: "web.read_token_file", "web.read_token_file must name a file or directory, or be left unset")]),
            ("TLS pair", { $0.web.tlsCertFile = "/c.pem" },
             [ConfigProblem(key: "web", "web: tls_cert_file and tls_key_file must be set together")]),
            ("TLS pair complete", { $0.web.tlsCertFile = "/c.pem"; $0.web.tlsKeyFile = "/k.pem" }, []),
        ]
        for (name, change, expected) in cases {
            var config = Configuration()
            change(&config)
            #expect(config.problems() == expected, "\(name)")
        }
    }

    @Test("no nats: section is no NATS; instance defaults to the host name, also as \"\"")
    func natsAbsentAndInstance() throws {
        let defaults = Configuration()
        #expect(defaults.nats == nil)
        #expect(!LocalHost.name.isEmpty && defaults.instance == LocalHost.name)
        #expect(try ConfigLoader.parse("instance: \"\"\n", file: "i.yml").instance == LocalHost.name)
        #expect(try ConfigLoader.parse("instance: replica-a\n", file: "i.yml").instance == "replica-a")
        // The spec's defaults (docs/spec/scale-out.md, "Config"), and the two that are not keys.
        let nats = NATSConfig()
        #expect(nats.url == "nats://127.0.0.1:4222" && nats.servers == ["nats://127.0.0.1:4222"])
        #expect(nats.stream == "CALLPULSE" && nats.subject == "callpulse.events")
        #expect(nats.replicas == 1 && nats.maxAge == .seconds(172_800) && nats.shards == 1 && nats.shard == nil)
        #expect(!nats.publish && !nats.consume)
        #expect(nats.consumer == "" && nats.consumerName == NATSConfig.defaultConsumer)
        #expect(nats.consumerName.hasPrefix("callpulse-") && nats.consumerName.count > "callpulse-".count)
        #expect(NATSConfig.isName(nats.consumerName), "a host name's dots cannot reach a JetStream name: \(nats.consumerName)")
        #expect(Self.nats { $0.consumer = "wallboard-a" }.consumerName == "wallboard-a")
        #expect(nats.tokenFile == nil && nats.credsFile == nil && nats.tlsCAFile == nil)
        #expect(nats.tlsCertFile == nil && nats.tlsKeyFile == nil)
        #expect(nats.ackWait == .seconds(30) && nats.fetchBatch == 1000)
    }

    /// A `nats:` section's expected value: the defaults with `change` made.
    static func nats(_ change: (inout NATSConfig) -> Void) -> NATSConfig {
        var nats = NATSConfig()
        change(&nats)
        return nats
    }

    @Test("good nats: sections read as their typed values", arguments: [
        ("nats: { consume: true }", nats { $0.consume = true }),
        ("nats: { publish: true, consumer: \"\", shard: all, token_file: \"\" }", nats { $0.publish = true }),
        ("nats: { publish: true, consume: true, shards: 4, shard: 3 }", nats {
            $0.publish = true; $0.consume = true; $0.shards = 4; $0.shard = 3
        }),
        ("nats: { consume: true, replicas: 5, max_age: 7d, consumer: wallboard_A-1 }", nats {
            $0.consume = true; $0.replicas = 5; $0.maxAge = .seconds(604_800); $0.consumer = "wallboard_A-1"
        }),
        ("nats: { consume: true, consumer: \"\" }", nats { $0.consume = true; $0.consumer = "" }),
        ("nats: { consume: true, url: \"nats://10.0.0.1:4222, tls://nats-2.example.com:4443,10.0.0.3,nats://[::1]:4222\" }",
         nats { $0.consume = true; $0.url = "nats://10.0.0.1:4222, tls://nats-2.example.com:4443,10.0.0.3,nats://[::1]:4222" }),
        ("nats: { consume: true, stream: EVENTS_2, subject: cc.events-v2 }", nats {
            $0.consume = true; $0.stream = "EVENTS_2"; $0.subject = "cc.events-v2"
        }),
        ("nats: { consume: true, creds_file: /etc/callpulse/nats.creds, tls_ca_file: /etc/ca.pem }", nats {
            $0.consume = true; $0.credsFile = "/etc/callpulse/nats.creds"; $0.tlsCAFile = "/etc/ca.pem"
        }),
        ("nats: { consume: true, token_file: /t, tls_cert_file: /c.pem, tls_key_file: /k.pem }", nats {
            $0.consume = true; $0.tokenFile = "/t"; $0.tlsCertFile = "/c.pem"; $0.tlsKeyFile = "/k.pem"
        }),
    ])
    func goodNATS(text: String, expected: NATSConfig) throws {
        let config = try ConfigLoader.parse(text + "\n", file: "n.yml")
        #expect(config.nats == expected)
        var rest = config
        rest.nats = nil
        #expect(rest == Configuration())
    }

    @Test("a cluster's comma-separated servers, each with its host and port")
    func natsServers() throws {
        let config = try ConfigLoader.parse("""
            nats:
              url: "nats://10.0.0.1:4222, tls://nats-2.example.com:4443,10.0.0.3,,nats://[::1]:5222"
              publish: true
            """, file: "n.yml")
        let servers = config.nats?.servers ?? []
        #expect(servers == ["nats://10.0.0.1:4222", "tls://nats-2.example.com:4443", "10.0.0.3", "nats://[::1]:5222"])
        let addresses = servers.compactMap { NATSConfig.hostAndPort(of: $0) }.map { "\($0.host) \($0.port)" }
        #expect(addresses == ["10.0.0.1 4222", "nats-2.example.com 4443", "10.0.0.3 4222", "::1 5222"])
    }

    @Test("bad nats: sections and instance: each problem names its key and line", arguments: [
        ("nats: {}", ["bad.yml:1: nats: set publish, consume or both"]),
        ("nats: 5", ["bad.yml:1: nats must be a mapping of keys to values"]),
        ("nats: { publish: true, colour: red }", ["bad.yml:1: unknown key 'nats.colour'"]),
        ("nats: { consume: true, publish: yes please }", ["bad.yml:1: nats.publish must be true or false"]),
        ("nats: { publish: true, consume: 1 }", ["bad.yml:1: nats.consume must be true or false"]),
        ("nats: { publish: true, url: 4222 }", ["bad.yml:1: nats.url must be a string"]),
        ("nats: { publish: true, url: \" , \" }", ["bad.yml:1: nats.url must name a server, such as nats://127.0.0.1:4222"]),
        ("nats: { publish: true, url: \"nats://a:4222,http://b:4222\" }",
         ["bad.yml:1: nats.url: 'http://b:4222' is not a NATS server address such as nats://127.0.0.1:4222, "
          + "tls://nats.example.com:4222 or 10.0.0.5:4222 (several: comma-separated)"]),
        ("nats: { publish: true, url: \"nats://a:99999\" }",
         ["bad.yml:1: nats.url: 'nats://a:99999' is not a NATS server address such as nats://127.0.0.1:4222, "
          + "tls://nats.example.com:4222 or 10.0.0.5:4222 (several: comma-separated)"]),
        ("nats: { publish: true, replicas: 0 }", ["bad.yml:1: nats.replicas must be a whole number from 1 to 5"]),
        ("nats: { publish: true, replicas: 6 }", ["bad.yml:1: nats.replicas must be a whole number from 1 to 5"]),
        ("nats: { publish: true, replicas: three }", ["bad.yml:1: nats.replicas must be a whole number from 1 to 5"]),
        ("nats: { publish: true, max_age: 0 }",
         ["bad.yml:1: nats.max_age must be a duration such as 500ms, 30s, 5m or 1h30m, not '0'"]),
        ("nats: { publish: true, shards: 0 }", ["bad.yml:1: nats.shards must be a whole number above 0"]),
        ("nats: { consume: true, shards: 4, shard: 4 }",
         ["bad.yml:1: nats.shard must be all or a shard number from 0 to 3 (nats.shards is 4)"]),
        ("nats: { consume: true, shard: -1 }",
         ["bad.yml:1: nats.shard must be all or a shard number from 0 to 0 (nats.shards is 1)"]),
        ("nats: { consume: true, shard: some }", ["bad.yml:1: nats.shard must be all or a shard number, such as 0"]),
        ("nats: { consume: true, token_file: /t, creds_file: /c }",
         ["bad.yml:1: nats: token_file and creds_file are two ways to authenticate: set one"]),
        ("nats: { consume: true, tls_key_file: /k.pem }", ["bad.yml:1: nats: tls_cert_file and tls_key_file must be set together"]),
        ("nats: { consume: true, tls_ca_file: [a] }", ["bad.yml:1: nats.tls_ca_file must be a string"]),
        ("instance: 7", ["bad.yml:1: instance must be a string"]),
        ("instance: \" replica-a\"", ["bad.yml:1: instance: must be 1 to 256 bytes with no control characters or "
                                      + "surrounding white space (or \"\": the host name)"]),
    ])
    func badNATS(text: String, expected: [String]) {
        #expect(Self.problems(text + "\n") == expected)
    }

    @Test("stream and consumer names without '.', '*', '>', separators or white space; subjects without wildcards",
          arguments: ["A.B", "ALL*", "A>", "MY STREAM", "a/b", "tab\tbed"])
    func badNATSNames(name: String) {
        let shown = name.replacingOccurrences(of: "\t", with: "\\t")
        #expect(Self.problems("nats: { publish: true, stream: \"\(shown)\", consumer: \"\(shown)\" }\n") == [
            "bad.yml:1: nats.stream: '\(name)' must be a JetStream name, such as CALLPULSE: not empty, "
                + "no '.', '*', '>', '/', '\\', white space or control characters",
            "bad.yml:1: nats.consumer: '\(name)' must be a JetStream name: not empty, "
                + "no '.', '*', '>', '/', '\\', white space or control characters",
        ])
    }

    @Test("subjects with wildcards, white space or empty tokens", arguments: ["callpulse.*", "callpulse.>", ">", "a..b",
                                                                              ".a", "a.", "call pulse", ""])
    func badNATSSubjects(subject: String) {
        #expect(Self.problems("nats: { publish: true, subject: \"\(subject)\" }\n") == [
            "bad.yml:1: nats.subject: '\(subject)' must be a subject without wildcards ('*', '>'), white space or "
                + "empty tokens, such as callpulse.events",
        ])
    }

    @Test("a nats: section with many problems reports each at its own line, the section's own at nats:")
    func natsProblemsAtTheirLines() {
        #expect(Self.problems("""
            instance: replica-a
            nats:
              stream: CALL.PULSE
              subject: events.>
              replicas: 7
              shards: 2
              shard: 2
              consumer: ""
              tls_cert_file: /c.pem
            """) == [
            "bad.yml:2: nats: set publish, consume or both",
            "bad.yml:2: nats: tls_cert_file and tls_key_file must be set together",
            "bad.yml:3: nats.stream: 'CALL.PULSE' must be a JetStream name, such as CALLPULSE: not empty, "
                + "no '.', '*', '>', '/', '\\', white space or control characters",
            "bad.yml:4: nats.subject: 'events.>' must be a subject without wildcards ('*', '>'), white space or "
                + "empty tokens, such as callpulse.events",
            "bad.yml:5: nats.replicas must be a whole number from 1 to 5",
            "bad.yml:7: nats.shard must be all or a shard number from 0 to 1 (nats.shards is 2)",
        ])
    }
}
