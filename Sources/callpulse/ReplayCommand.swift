import ArgumentParser
import CallPulseCore
import CallPulseServer
import CallPulseSupport
import Foundation

/// `callpulse replay`: events from files or stdin, on the event clock, to a final snapshot.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay events (NDJSON, a JSON array or single objects) and print the final snapshot.",
        discussion: "Inputs are read in order under one event clock. Rejected events go to stderr as FILE:LINE: REASON: detail."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, prometheus }

    @Argument(help: "Event files; '-' or none reads stdin.")
    var files: [String] = []

    @Option(help: "The YAML config file.")
    var config: String?

    @Option(help: "Output format.")
    var format: Format = .json

    @Flag(help: "Exit 1 when any event is rejected.")
    var strict = false

    func run() throws {
        var session = try ReplayInputs.replay(files, config: config)
        let snapshot = session.snapshot(wallNow: SystemClock.wallMillis())
        switch format {
        case .json:
            FileHandle.standardOutput.write(Data(SnapshotJSON.renderBytes(snapshot)))
        case .prometheus:
            let renderer = MetricsRenderer(version: Version.string)
            FileHandle.standardOutput.write(Data(renderer.render(snapshot, stats: nil, process: nil, format: .text)))
        }
        if strict && session.rejections > 0 { throw ExitCode.failure }
    }
}

/// What `replay` and `report` share: the config's settings and the inputs replayed in order.
enum ReplayInputs {
    /// Replays `files` ('-' or none: stdin) under `config`'s settings on the event clock;
    /// rejected events go to stderr as FILE:LINE: REASON: detail.
    static func replay(_ files: [String], config: String?) throws -> ReplaySession {
        var settings = Settings()
        if let config {
            do {
                settings = try ConfigLoader.load(path: config).core
            } catch {
                StandardError.write(error.description)
                throw ExitCode.failure
            }
        }
        var session: ReplaySession
        do {
            session = try ReplaySession(settings: settings)
        } catch {
            StandardError.write("callpulse: \(error.description)")
            throw ExitCode.failure
        }
        for name in files.isEmpty ? ["-"] : files {
            let fd = name == "-" ? STDIN_FILENO : open(name, O_RDONLY)
            guard fd >= 0 else {
                StandardError.write("callpulse: cannot open input file '\(name)': \(String(cString: strerror(errno)))")
                throw ExitCode.failure
            }
            defer { if fd != STDIN_FILENO { close(fd) } }
            do {
                try session.replay(fd: fd, name: name) { StandardError.write($0) }
            } catch {
                StandardError.write("callpulse: reading '\(name)' failed: \(error)")
                throw ExitCode.failure
            }
        }
        return session
    }
}
