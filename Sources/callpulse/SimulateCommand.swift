import ArgumentParser
import CallPulseCore
import CallPulseServer
import Foundation

/// `callpulse simulate`: realistic, seeded call traffic as NDJSON.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Generate realistic call traffic in the connector's message format.",
        discussion: "With --output, events are stamped on a simulated clock starting at --start and written as NDJSON; the same --seed gives the same file."
    )

    @Option(help: "Number of queues (their load differs).")
    var queues = 5

    @Option(help: "Events per second of simulated time.")
    var rate: Double = 50

    @Option(help: "Simulated duration, e.g. 30s, 10m, 2h.")
    var duration = "10m"

    @Option(help: "Seed for the random generator.")
    var seed: UInt64 = 1

    @Option(help: "Simulated start time (RFC 3339).")
    var start = "2026-11-24T08:00:00Z"

    @Option(help: "Write NDJSON to this file ('-' for stdout).")
    var output: String = "-"

    @Option(help: "Stop after this many events (default: until --duration).")
    var count: Int?

    func validate() throws {
        guard queues >= 1 else { throw ValidationError("--queues must be at least 1") }
        guard rate > 0 else { throw ValidationError("--rate must be above 0") }
        guard ValueParsers.duration(duration) != nil else {
            throw ValidationError("--duration '\(duration)' is not a duration such as 30s, 10m or 2h")
        }
        guard Self.parseStart(start) != nil else {
            throw ValidationError("--start '\(start)' is not an RFC 3339 time such as 2026-11-24T08:00:00Z")
        }
    }

    static func parseStart(_ text: String) -> EpochMillis? {
        Array(text.utf8).withUnsafeBufferPointer { Timestamp.parse($0) }
    }

    func run() throws {
        let startMillis = Self.parseStart(start)!
        let end = startMillis + ValueParsers.duration(duration)!
        var generator = TrafficGenerator(queues: queues, eventsPerSecond: rate, start: startMillis, seed: seed)
        let handle: FileHandle
        if output == "-" {
            handle = .standardOutput
        } else {
            guard FileManager.default.createFile(atPath: output, contents: nil),
                  let opened = FileHandle(forWritingAtPath: output) else {
                StandardError.write("callpulse: cannot write output file '\(output)'")
                throw ExitCode.failure
            }
            handle = opened
        }
        var chunk = ""
        var written = 0
        while count.map({ written < $0 }) ?? true {
            let event = generator.next()
            if count == nil && event.time >= end { break }
            chunk += event.ndjson()
            chunk += "\n"
            written += 1
            if chunk.utf8.count > 1 << 20 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        handle.write(Data(chunk.utf8))
        if output != "-" { StandardError.write("callpulse: wrote \(written) events to \(output)") }
    }
}
