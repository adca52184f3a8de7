import ArgumentParser
import CallPulseServer

/// `callpulse check config FILE`: every problem with its line; exit 0 valid, 1 invalid.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a config file (rules files come with alerting).",
        discussion: "Prints every problem as FILE:LINE: message; exits 0 when valid, 1 when not."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable { case config }

    @Argument(help: "What to check: config.")
    var kind: Kind

    @Argument(help: "The file to check.")
    var file: String

    func run() throws {
        do {
            _ = try ConfigLoader.load(path: file)
            print("\(file): valid")
        } catch {
            StandardError.write(error.description)
            throw ExitCode.failure
        }
    }
}
