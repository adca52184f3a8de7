import ArgumentParser
import CallPulseCore
import CallPulseServer
import CallPulseSupport
import Foundation

/// `callpulse report`: events from files or stdin, on the event clock, to interval history
/// as `GET /api/v1/intervals` answers it (docs/spec/intervals.md, "callpulse report").
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Replay events and print their interval history (15m, 30m, 1h or 1d steps) as CSV or JSON.",
        discussion: """
            Inputs are read in order under one event clock, as `replay` reads them. By default the \
            report runs from the start of the local day of the earliest effect to the end of the step \
            holding the event clock's now, in the config's time zone and interval length.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

    @Argument(help: "Event files; '-' or none reads stdin.")
    var files: [String] = []

    @Option(help: "The YAML config file (timezone, intervals.length).")
    var config: String?

    @Option(help: "Step: 15m, 30m, 1h or 1d (a whole multiple of the interval length). Default: the length.")
    var step: String?

    @Option(help: "Start, RFC 3339 (rounded down to a step boundary).")
    var from: String?

    @Option(help: "End, exclusive, RFC 3339 (rounded up to a step boundary).")
    var to: String?

    @Option(help: "Output format.")
    var format: Format = .csv

    func validate() throws {
        if let step, IntervalQuery.stepMinutes(named: step) == nil {
            throw ValidationError(IntervalQuery.stepProblem("--step", step))
        }
        for (flag, value) in [("--from", from), ("--to", to)] {
            if let value, IntervalQuery.parseTime(value) == nil {
                throw ValidationError(IntervalQuery.timeProblem(flag, value))
            }
        }
    }

    func run() throws {
        var engine = try ReplayInputs.replay(files, config: config).engine
        let now = SystemClock.wallMillis()
        let query = IntervalQuery(from: from.flatMap(IntervalQuery.parseTime) ?? engine.earliestEffectDay,
                                  to: to.flatMap(IntervalQuery.parseTime),
                                  stepMinutes: step.flatMap(IntervalQuery.stepMinutes(named:)))
        do {
            let report = try engine.intervals(query, wallNow: now, rowLimit: .max)
            if let dropped = engine.historyDroppedBefore, report.from < dropped {
                StandardError.write("""
                    callpulse: intervals.retention (\(engine.settings.intervals.retention / 86_400_000)d) dropped the \
                    intervals before \(engine.localTime(dropped)), which show as zeros; \
                    set a longer intervals.retention in --config to report them
                    """)
            }
            let bytes = format == .csv ? IntervalRendering.csv(report) : IntervalRendering.json(report)
            FileHandle.standardOutput.write(Data(bytes))
        } catch {
            StandardError.write("callpulse: \(error.description)")
            throw ExitCode.failure
        }
    }
}
