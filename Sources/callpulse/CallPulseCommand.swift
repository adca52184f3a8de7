import ArgumentParser

/// The `callpulse` command line.
@main
struct CallPulseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callpulse",
        abstract: "Real-time metrics and alerting for contact-center call queues.",
        version: Version.string,
        subcommands: [ReplayCommand.self, CheckCommand.self, SimulateCommand.self, VersionCommand.self]
    )
}
