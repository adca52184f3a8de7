import ArgumentParser
import CallPulseServer

/// `callpulse check config FILE`: every problem with its line; exit 0 valid, 1 invalid.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a config file or a rules file.",
        discussion: "Prints every problem as FILE:LINE: message; exits 0 when valid, 1 when not."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable { case config, rules }

    @Argument(help: "What to check: config or rules.")
    var kind: Kind

    @Argument(help: "The file to check.")
    var file: String

    func run() throws {
        do {
            switch kind {
            case .config:
                _ = try ConfigLoader.load(path: file)
            case .rules:
                let set = try RulesLoader.load(path: file)
                print("\(file): \(set.rules.count) rules, \(set.hooks.count) hooks")
            }
            print("\(file): valid")
        } catch {
            StandardError.write(error.description)
            throw ExitCode.failure
        }
    }
}
