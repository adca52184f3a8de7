import ArgumentParser

/// The release this build belongs to.
enum Version {
    static let string = "0.1.0"
}

/// `callpulse version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("callpulse \(Version.string)")
    }
}
