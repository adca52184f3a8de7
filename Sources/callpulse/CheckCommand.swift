import ArgumentParser
import CallPulseCore
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

    @Option(help: "With rules: the config the daemon runs with (its windows and intervals.length decide which rules hold).")
    var config: String?

    func validate() throws {
        if config != nil && kind == .config { throw ValidationError("--config goes with check rules; check config takes the file itself") }
    }

    func run() throws {
        do {
            switch kind {
            case .config:
                _ = try ConfigLoader.load(path: file)
            case .rules:
                var core = Settings()
                if let config { core = try ConfigLoader.load(path: config).core }
                let set = try RulesLoader.load(path: file, windows: core.windowMinutes,
                                               intervalMinutes: core.intervals.lengthMinutes)
                print("\(file): \(set.rules.count) rules, \(set.hooks.count) hooks")
            }
            print("\(file): valid")
        } catch {
            StandardError.write(error.description)
            throw ExitCode.failure
        }
    }
}
