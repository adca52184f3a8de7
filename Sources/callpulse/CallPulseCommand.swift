import ArgumentParser
import Foundation

/// The `callpulse` command line.
@main
struct CallPulseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callpulse",
        abstract: "Real-time metrics and alerting for contact-center call queues.",
        version: Version.string,
        subcommands: [ServeCommand.self, ReplayCommand.self, ReportCommand.self, CheckCommand.self, SimulateCommand.self, VersionCommand.self]
    )

    /// Exit codes are the product's contract: 0 success, 1 failure, 2 usage error
    /// (ArgumentParser's own usage code is 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                StandardError.write(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
