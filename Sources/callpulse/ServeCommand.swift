import ArgumentParser
import CallPulseCore
import CallPulseServer
import Foundation
import Logging

/// `callpulse serve`: the daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: ingest events, serve /metrics, the JSON API and the landing page.",
        discussion: "Flags override the config file. SIGTERM or SIGINT stop it gracefully; SIGHUP reloads the rules file."
    )

    @Option(help: "The YAML config file.")
    var config: String?

    @Option(help: "Listen address HOST:PORT, e.g. 127.0.0.1:9478, :9478, [::1]:0 (port 0: any free port).")
    var listen: String?

    @Option(help: "Alert rules file (hooks and rules); SIGHUP or POST /-/reload reloads it.")
    var rules: String?

    @Option(help: "State directory: a journal of every acknowledged event and checkpoints; restored at start.")
    var stateDir: String?

    @Option(help: "live (wall clock) or event (backfills: the latest event time).")
    var clock: String?

    @Flag(help: "Also run the built-in simulator against this daemon.")
    var demo = false

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(help: "text or json.")
    var logFormat: String?

    func validate() throws {
        if let clock, ClockMode(rawValue: clock) == nil { throw ValidationError("--clock must be live or event, not '\(clock)'") }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let logFormat, !["text", "json"].contains(logFormat) { throw ValidationError("--log-format must be text or json") }
    }

    func run() async throws {
        var configuration = Configuration()
        if let config {
            do {
                configuration = try ConfigLoader.load(path: config)
            } catch {
                StandardError.write(error.description)
                throw ExitCode.failure
            }
        }
        if let listen { configuration.listen = listen }
        if let clock { configuration.core.clock = ClockMode(rawValue: clock)! }
        if let logLevel { configuration.logLevel = logLevel }
        if let logFormat { configuration.logFormat = logFormat }
        if let rules { configuration.rulesFile = rules }
        if let stateDir { configuration.stateDir = stateDir }

        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let json = configuration.logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "callpulse")
        var options = Daemon.Options(configuration: configuration)
        options.demo = demo
        options.version = Version.string
        do {
            let daemon = try Daemon(options: options, logger: logger)
            try await daemon.run()
        } catch {
            logger.critical("cannot start: \(error.description)")
            throw ExitCode.failure
        }
    }
}
