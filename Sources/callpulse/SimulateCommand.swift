import ArgumentParser
import CallPulseCore
import CallPulseServer
import CallPulseSupport
import Foundation

/// `callpulse simulate`: realistic, seeded call traffic as NDJSON.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Generate realistic call traffic in the connector's message format.",
        discussion: """
            With --output (the default, stdout), events are stamped on a simulated clock starting at --start and \
            written as NDJSON at once; the same --seed gives the same file. With --target, events are stamped with \
            the wall clock and posted in real time (every 100 ms) to a CallPulse daemon for --duration; batches \
            the target did not store are sent again.
            """
    )

    @Option(help: "Number of queues (their load differs).")
    var queues = 5

    @Option(help: "Events per second (of simulated time with --output, of real time with --target).")
    var rate: Double = 50

    @Option(help: "Simulated duration, e.g. 30s, 10m, 2h.")
    var duration = "10m"

    @Option(help: "Seed for the random generator.")
    var seed: UInt64 = 1

    @Option(help: "Simulated start time (RFC 3339).")
    var start = "2026-11-24T08:00:00Z"

    @Option(help: "Write NDJSON to this file ('-' for stdout).")
    var output: String?

    @Option(help: "Post events in real time to this CallPulse (e.g. http://127.0.0.1:9478).")
    var target: String?

    @Option(help: "With --target: a file holding the ingest token.")
    var tokenFile: String?

    @Option(help: "Stop after this many events (default: until --duration).")
    var count: Int?

    func validate() throws {
        if target != nil && output != nil { throw ValidationError("give --target or --output, not both") }
        if let target, !(target.hasPrefix("http://") || target.hasPrefix("https://")) {
            throw ValidationError("--target '\(target)' must be an http:// or https:// URL")
        }
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
        if let target { return try feed(target) }
        let output = self.output ?? "-"
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

    /// Real time against a daemon, with a progress line every 10 s.
    private func feed(_ target: String) throws {
        var token: String?
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                StandardError.write("callpulse: cannot read --token-file '\(tokenFile)'")
                throw ExitCode.failure
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var feeder = TargetFeeder(target: target, token: token)
        let begin = SystemClock.wallMillis()
        let end = begin + ValueParsers.duration(duration)!
        var pacer = LivePacer(generator: TrafficGenerator(queues: queues, eventsPerSecond: rate, start: begin, seed: seed))
        var lastReport = begin
        var fatal: ServerError?
        StandardError.write("callpulse: posting about \(Int(rate)) events/s for \(queues) queues to \(feeder.url) for \(duration)")
        pacer.run(clock: SystemClock.wallMillis, keepGoing: { fatal == nil && SystemClock.wallMillis() < end && count.map { feeder.totals.generated < $0 } ?? true }) { body, events, now in
            do throws(ServerError) {
                try feeder.send(body, count: events)
            } catch {
                fatal = error
            }
            if now - lastReport >= 10_000 {
                lastReport = now
                StandardError.write(Self.progress(feeder, seconds: Double(now - begin) / 1000))
            }
        }
        if let fatal {
            StandardError.write("callpulse: \(fatal.description)")
            throw ExitCode.failure
        }
        StandardError.write(Self.progress(feeder, seconds: Double(SystemClock.wallMillis() - begin) / 1000))
        if feeder.pending > 0 {
            StandardError.write("callpulse: \(feeder.pending) events were never stored by the target")
            throw ExitCode.failure
        }
    }

    private static func progress(_ feeder: TargetFeeder, seconds: Double) -> String {
        let t = feeder.totals
        var line = "callpulse: \(Int(seconds)) s: \(t.generated) events (\(Int(Double(t.generated) / max(seconds, 0.001)))/s), accepted \(t.accepted), ignored \(t.ignored), rejected \(t.rejected)"
        if t.failedPosts > 0 { line += ", \(t.failedPosts) posts failed (last: \(t.lastError ?? "?")), \(feeder.pending) held back" }
        return line
    }

}
