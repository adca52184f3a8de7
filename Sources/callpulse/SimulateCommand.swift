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

            With --agents, the traffic is M/M/N with impatient callers instead, so a forecast can be checked \
            against what then happens: each queue has its agents (--agents 12 for each of --queues queues, or \
            --agents Billing=12,Sales=8) and Poisson arrivals (--calls-per-hour; by default 85 % occupancy, \
            0.85 × agents × 1 h / --handle). Every caller rings at once (connecting, queue entry = arrival) and \
            waits first-come first-served for a free agent; one whose patience (exponential, mean --patience) \
            runs out first hangs up (abandoned). Answered calls talk, a fifth with a hold, then get after-call \
            work; talk + hold + ACW is exponential with mean --handle, and the agent is free again only when ACW \
            ends. --surge START:LENGTH:FACTOR multiplies every queue's arrivals for a while (repeatable). --rate \
            is not used with --agents.
            """
    )

    @Option(help: "Number of queues (their load differs; with --agents N, each has N agents).")
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

    @Option(help: ArgumentHelp("M/M/N traffic: N agents in each queue, or named queues with their agents.",
                               valueName: "N|Billing=12,Sales=8"))
    var agents: String?

    @Option(help: ArgumentHelp("With --agents: arrivals an hour for every queue, or per queue (default: 85 % occupancy).",
                               valueName: "N|Billing=150,Sales=90"))
    var callsPerHour: String?

    @Option(help: "With --agents: callers' mean patience before they hang up (default: 60s).")
    var patience: String?

    @Option(help: "With --agents: mean handle time, talk + hold + after-call work (default: 4m).")
    var handle: String?

    @Option(help: ArgumentHelp("With --agents: from START after --start, for LENGTH, arrivals × FACTOR, e.g. 1h:30m:1.6 (repeatable).",
                               valueName: "START:LENGTH:FACTOR"))
    var surge: [String] = []

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
        if agents == nil {
            let needAgents = [("--calls-per-hour", callsPerHour != nil), ("--patience", patience != nil),
                              ("--handle", handle != nil), ("--surge", !surge.isEmpty)]
            if let (flag, _) = needAgents.first(where: { $0.1 }) {
                throw ValidationError("\(flag) needs --agents (it shapes the M/M/N traffic only)")
            }
        }
        do throws(StaffedTraffic.OptionError) {
            _ = try staffedTraffic()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The M/M/N model of --agents and its flags; nil without --agents.
    private func staffedTraffic() throws(StaffedTraffic.OptionError) -> StaffedTraffic? {
        guard let agents else { return nil }
        return try StaffedTraffic.parse(agents: agents, callsPerHour: callsPerHour, patience: patience, handle: handle,
                                        surges: surge, queueCount: queues)
    }

    /// The generator the flags ask for, its events stamped from `start`.
    private func makeGenerator(start: EpochMillis) -> any TrafficSource {
        if let traffic = try? staffedTraffic() {
            return StaffedTrafficGenerator(traffic: traffic, start: start, seed: seed)
        }
        return TrafficGenerator(queues: queues, eventsPerSecond: rate, start: start, seed: seed)
    }

    static func parseStart(_ text: String) -> EpochMillis? {
        Array(text.utf8).withUnsafeBufferPointer { Timestamp.parse($0) }
    }

    func run() throws {
        if let target { return try feed(target) }
        let output = self.output ?? "-"
        let startMillis = Self.parseStart(start)!
        let end = startMillis + ValueParsers.duration(duration)!
        var generator = makeGenerator(start: startMillis)
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
        var pacer = LivePacer(generator: makeGenerator(start: begin))
        var lastReport = begin
        var fatal: ServerError?
        StandardError.write("callpulse: posting \(trafficSummary) to \(feeder.url) for \(duration)")
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

    /// What --target posts, for its first line.
    private var trafficSummary: String {
        guard let traffic = try? staffedTraffic() else { return "about \(Int(rate)) events/s for \(queues) queues" }
        let queues = traffic.queues.map { "\($0.name) \($0.agents) agents, \(Int($0.callsPerHour.rounded())) calls/h" }
        return "M/M/N traffic (\(queues.joined(separator: "; ")))"
    }

    private static func progress(_ feeder: TargetFeeder, seconds: Double) -> String {
        let t = feeder.totals
        var line = "callpulse: \(Int(seconds)) s: \(t.generated) events (\(Int(Double(t.generated) / max(seconds, 0.001)))/s), accepted \(t.accepted), ignored \(t.ignored), rejected \(t.rejected)"
        if t.failedPosts > 0 { line += ", \(t.failedPosts) posts failed (last: \(t.lastError ?? "?")), \(feeder.pending) held back" }
        return line
    }

}
