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
        discussion: "Flags override the config file. SIGTERM or SIGINT stop it gracefully; SIGHUP reloads the rules file, the token files and the TLS certificate."
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

    /// The flags that override the config file, read by the config layer's rules.
    func overrides() throws(ServerError) -> ConfigOverrides {
        try ConfigOverrides(listen: listen, clock: clock, logLevel: logLevel, logFormat: logFormat,
                            rulesFile: rules, stateDir: stateDir)
    }

    /// A bad `--clock`, `--log-level` or `--log-format` is a usage error (exit 2); a bad
    /// `--listen` stays a failure to start (exit 1), as it always was.
    func validate() throws {
        do {
            _ = try ConfigOverrides(clock: clock, logLevel: logLevel, logFormat: logFormat)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        // The file with the flags over it, checked as one (a problem exits 1).
        let configuration: Configuration
        do {
            configuration = try ConfigLoader.load(path: config, overrides: try overrides())
        } catch {
            StandardError.write(error.description)
            throw ExitCode.failure
        }

        let level = configuration.logLevel
        let json = configuration.logFormat == .json
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
