import CallPulseCore
import CallPulseHTTP
import Logging

/// The `serve` flags that override the config file (README, "The daemon"), read with the
/// file's own rules; nil leaves the file's value.
public struct ConfigOverrides: Sendable, Equatable {
    /// `--listen`, over `listen`.
    public var listen: SocketAddress?
    /// `--clock`, over `clock`.
    public var clock: ClockMode?
    /// `--log-level`, over `log.level`.
    public var logLevel: Logger.Level?
    /// `--log-format`, over `log.format`.
    public var logFormat: LogFormat?
    /// `--rules`, over `rules_file`; `""` unsets it.
    public var rulesFile: String?
    /// `--state-dir`, over `state_dir`; `""` unsets it.
    public var stateDir: String?

    public init() {}

    /// Reads the flags as given on the command line; throws `invalidFlag` with every problem,
    /// each naming its flag.
    public init(listen: String? = nil, clock: String? = nil, logLevel: String? = nil, logFormat: String? = nil,
                rulesFile: String? = nil, stateDir: String? = nil) throws(ServerError) {
        var problems: [String] = []
        if let listen {
            self.listen = SocketAddress(parsing: listen)
            if self.listen == nil { problems.append("--listen: " + Configuration.listenProblem(listen)) }
        }
        if let clock {
            self.clock = ClockMode(rawValue: clock)
            if self.clock == nil { problems.append("--clock must be live or event, not '\(clock)'") }
        }
        if let logLevel {
            self.logLevel = Logger.Level(rawValue: logLevel)
            if self.logLevel == nil {
                problems.append("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let logFormat {
            self.logFormat = LogFormat(rawValue: logFormat)
            if self.logFormat == nil { problems.append("--log-format must be text or json") }
        }
        self.rulesFile = rulesFile
        self.stateDir = stateDir
        if !problems.isEmpty { throw ServerError(.invalidFlag, problems: problems) }
    }

    /// Sets each given flag's key in `configuration`; `set(key, flag)` learns which key each
    /// flag set, so a later problem with it names the flag.
    func apply(to configuration: inout Configuration, set: (_ key: String, _ flag: String) -> Void) {
        if let listen {
            configuration.listen = listen
            set("listen", "--listen")
        }
        if let clock {
            configuration.core.clock = clock
            set("clock", "--clock")
        }
        if let logLevel {
            configuration.logLevel = logLevel
            set("log.level", "--log-level")
        }
        if let logFormat {
            configuration.logFormat = logFormat
            set("log.format", "--log-format")
        }
        if let rulesFile {
            configuration.rulesFile = rulesFile.isEmpty ? nil : rulesFile
            set("rules_file", "--rules")
        }
        if let stateDir {
            configuration.stateDir = stateDir.isEmpty ? nil : stateDir
            set("state_dir", "--state-dir")
        }
    }
}
