import CallPulseCore
import CallPulseServer
import Foundation

// Throughput of the core on generated traffic, printed beside docs/spec/quality.md's targets.
// Figures are best of several runs on one thread; nothing here asserts on time.

let arguments = CommandLine.arguments
let eventCount = arguments.firstIndex(of: "--events").map { Int(arguments[$0 + 1])! } ?? 1_000_000
let runs = arguments.firstIndex(of: "--runs").map { Int(arguments[$0 + 1])! } ?? 3
/// Run one part only (for profiling): decode, apply or replay.
let only = arguments.firstIndex(of: "--only").map { arguments[$0 + 1] }
func enabled(_ part: String) -> Bool { only == nil || only == part }

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func best(_ body: () -> Void) -> Double { (0..<runs).map { _ in seconds(body) }.min()! }

/// The median of many runs, for what a client waits for on each request (a scrape, a read).
func median(_ body: () -> Void) -> Double {
    let times = (0..<max(runs, 21)).map { _ in seconds(body) }.sorted()
    return times[times.count / 2]
}

func peakRSSMiB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? "VmHWM: 0 kB"
    return Double(line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
}

func row(_ what: String, _ figure: String, _ target: String, met: Bool?) {
    let mark = met.map { $0 ? "yes" : "NO" } ?? "-"
    print(what.padding(toLength: 36, withPad: " ", startingAt: 0)
          + figure.padding(toLength: 28, withPad: " ", startingAt: 0)
          + target.padding(toLength: 20, withPad: " ", startingAt: 0) + mark)
}

func cpuModel() -> String {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    return info.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { String($0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)) } ?? "unknown"
}

if only == "intervals" {
    intervalFigures()
    exit(0)
}

print("CallPulse core benchmark: \(eventCount) generated events, best of \(runs) runs, one thread")
print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpuModel())")

// The input: the simulator's traffic in the connector's full envelope, as NDJSON.
var generator = TrafficGenerator(queues: 20, eventsPerSecond: 300, start: 1_795_507_200_000, seed: 42)
var ndjson: [UInt8] = []
ndjson.reserveCapacity(eventCount * 800)
for _ in 0..<eventCount {
    ndjson.append(contentsOf: generator.next().ndjson().utf8)
    ndjson.append(0x0A)
}
let text = JSONText(ndjson)
ndjson = []
let megabytes = Double(text.count) / 1e6
print(String(format: "input: %.1f MB, %.0f bytes per event", megabytes, Double(text.count) / Double(eventCount)))
print("")

let reader = EventReader()
var decoded: [CallEvent] = []
decoded.reserveCapacity(eventCount)
text.withContent { content in
    reader.forEachLine(content, startingAt: 0, line: 1) { range, _ in
        if case .event(let event) = reader.decodeValue(UnsafeBufferPointer(rebasing: content[range])) {
            decoded.append(event)
        }
    }
}

var settings = Settings()
settings.clock = .event

let decodeTime = !enabled("decode") ? 1 : best {
    var events = 0
    text.withContent { content in
        reader.forEachLine(content, startingAt: 0, line: 1) { range, _ in
            if case .event = reader.decodeValue(UnsafeBufferPointer(rebasing: content[range])) { events += 1 }
        }
    }
    precondition(events == decoded.count)
}

// A fresh engine each run: its tables grow as they would in a replay.
let applyTime = !enabled("apply") ? 1 : best {
    var engine = try! Engine(settings: settings)
    engine.apply(contentsOf: decoded, receivedAt: 0)
    precondition(engine.ingest.accepted > 0)
}

// Steady state: the first half warms the tables, the second half is timed.
let half = decoded.count / 2
var warmed = try! Engine(settings: settings)
warmed.apply(contentsOf: Array(decoded[..<half]), receivedAt: 0)
let secondHalf = Array(decoded[half...])
let steadyTime = !enabled("apply") ? 1 : best {
    var engine = warmed
    engine.apply(contentsOf: secondHalf, receivedAt: 0)
    precondition(engine.ingest.accepted > 0)
}

// As `callpulse replay` does it: decode line by line, apply in batches of 16.
let replayTime = !enabled("replay") ? 1 : best {
    var engine = try! Engine(settings: settings)
    var batch: [DecodeOutcome] = []
    batch.reserveCapacity(16)
    reader.read(text) {
        batch.append($0.outcome)
        if batch.count == 16 {
            engine.process(contentsOf: batch, receivedAt: 0)
            batch.removeAll(keepingCapacity: true)
        }
    }
    engine.process(contentsOf: batch, receivedAt: 0)
    precondition(engine.ingest.accepted > 0)
}

var engine = try! Engine(settings: settings)
for event in decoded { engine.apply(event, receivedAt: 0) }
var snapshot = engine.snapshot(wallNow: 0)
let snapshotTime = best { snapshot = engine.snapshot(wallNow: 0) }
var rendered = ""
let renderTime = best { rendered = SnapshotJSON.render(snapshot) }

// GET /metrics and /api/v1/queues for 1,000 queues: snapshot under the lock, then render (medians).
var wide = try! Engine(settings: settings)
var wideGenerator = TrafficGenerator(queues: 1000, eventsPerSecond: 2000, start: 1_795_507_200_000, seed: 9)
for _ in 0..<300_000 {
    let line = JSONText(wideGenerator.next().ndjson())
    wide.process(line.withContent { reader.decodeValue($0) }, receivedAt: 0)
}
var wideSnapshot = wide.snapshot(wallNow: 0)
let wideSnapshotTime = median { wideSnapshot = wide.snapshot(wallNow: 0) }
let metricsRenderer = MetricsRenderer()
var exposition: [UInt8] = []
let metricsTime = median {
    exposition = metricsRenderer.render(wideSnapshot, stats: DaemonStats(), process: ProcessMetrics.read(), format: .text)
}
var wideJSON: [UInt8] = []
let queuesJSONTime = median { wideJSON = SnapshotJSON.renderBytes(wideSnapshot) }

let n = Double(eventCount)
row("what", "measured", "target", met: nil)
row("core: apply decoded events", String(format: "%.2fM events/s", n / applyTime / 1e6), "≥ 5M events/s",
    met: n / applyTime >= 5e6)
row("core: apply, steady state", String(format: "%.2fM events/s", Double(secondHalf.count) / steadyTime / 1e6),
    "≥ 5M events/s", met: Double(secondHalf.count) / steadyTime >= 5e6)
row("decode only (simdjson + rules)", String(format: "%.2fM events/s", n / decodeTime / 1e6), "", met: nil)
row("replay: decode + apply", String(format: "%.2fM/s, %.0f MB/s", n / replayTime / 1e6, megabytes / replayTime),
    "≥ 1M events/s", met: n / replayTime >= 1e6)
row("snapshot (\(snapshot.queues.count) queues)", String(format: "%.2f ms", snapshotTime * 1000), "", met: nil)
row("snapshot JSON render", String(format: "%.2f ms, %d KB", renderTime * 1000, rendered.utf8.count / 1000), "",
    met: nil)
row("snapshot, \(wideSnapshot.queues.count) queues (median)", String(format: "%.2f ms", wideSnapshotTime * 1000), "",
    met: nil)
row("/metrics render, \(wideSnapshot.queues.count) queues", String(format: "%.2f ms, %d KB", metricsTime * 1000, exposition.count / 1000),
    "≤ 10 ms", met: (wideSnapshotTime + metricsTime) <= 0.010)
row("/api/v1/queues render, \(wideSnapshot.queues.count) queues",
    String(format: "%.2f ms, %d KB", queuesJSONTime * 1000, wideJSON.count / 1000), "≤ 10 ms",
    met: (wideSnapshotTime + queuesJSONTime) <= 0.010)
row("peak RSS (input held in memory)", String(format: "%.0f MiB", peakRSSMiB()), "", met: nil)
print("")
print("active records at the end: \(engine.recordCount), queues: \(snapshot.queues.count)")

// One machine-readable line for scripts/bench.py.
let figures: [String: Double] = [
    "apply_per_s": n / applyTime, "apply_steady_per_s": Double(secondHalf.count) / steadyTime,
    "decode_per_s": n / decodeTime, "replay_per_s": n / replayTime, "replay_mb_per_s": megabytes / replayTime,
    "snapshot_1000_ms": wideSnapshotTime * 1000, "metrics_render_1000_ms": metricsTime * 1000,
    "queues_render_1000_ms": queuesJSONTime * 1000, "metrics_bytes_1000": Double(exposition.count),
]
print("FIGURES " + figures.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))

// MARK: Interval history (docs/spec/intervals.md, "Figures")

/// 200 queues × 35 days of 15-minute bins, each bin with one answered call: the process's
/// RSS once they are held, and one day for 200 queues rendered as JSON and as CSV. Run in
/// a process of its own (`--only intervals`) so the RSS is the history's, not the input's.
func intervalFigures() {
    let queueCount = 200, days = 35
    var settings = Settings()
    settings.clock = .event
    settings.timezone = "Europe/Paris"
    var engine = try! Engine(settings: settings)
    let reader = EventReader()
    let start: EpochMillis = 1_792_447_200_000  // 2026-10-20T00:00:00+02:00: the range holds a DST change
    let baseline = residentMiB()
    var events = 0
    for bin in 0..<(days * 96) {
        let time = start + EpochMillis(bin) * 900_000
        for queue in 0..<queueCount {
            let id = "q\(queue)-b\(bin)"
            for (name, offset) in [("connecting", 0), ("connected", 12_000), ("Dropped", 200_000)] {
                let line = #"{"call":{"id":"\#(id)","event":"\#(name)","ResponseFields":{"CurrentStateTime":\#(time + EpochMillis(offset) + EpochMillis(queue)),"MediaProperties":{"queueName":"Queue \#(queue)"}}}}"#
                engine.process(JSONText(line).withContent { reader.decodeValue($0) }, receivedAt: 0)
                events += 1
            }
        }
    }
    precondition(engine.ingest.accepted == events, "every generated event is accepted")
    let held = residentMiB()
    let now = engine.eventClockNow!
    let day = DayCalendar(timeZone: settings.timezone)!.day(containing: now - 3 * 86_400_000)
    let oneDay = IntervalQuery(from: day.start, to: day.end)
    var report = try! engine.intervals(oneDay, wallNow: 0)
    precondition(report.rows.count == queueCount * 96 && report.rows.allSatisfy { $0.counters.answered == 1 })
    var bytes: [UInt8] = []
    let jsonTime = median {
        report = try! engine.intervals(oneDay, wallNow: 0)
        bytes = IntervalRendering.json(report)
    }
    let jsonBytes = bytes.count
    let csvTime = median {
        report = try! engine.intervals(oneDay, wallNow: 0)
        bytes = IntervalRendering.csv(report)
    }
    print("interval history: \(queueCount) queues × \(days) days of 15-minute bins (\(events) events, Europe/Paris)")
    row("what", "measured", "target", met: nil)
    row("RSS with the history held", String(format: "%.1f MiB (%.1f before)", held, baseline), "≤ 64 MiB", met: held <= 64)
    row("one day, 200 queues, JSON (median)", String(format: "%.2f ms, %d KB", jsonTime * 1000, jsonBytes / 1000), "≤ 50 ms",
        met: jsonTime <= 0.050)
    row("one day, 200 queues, CSV (median)", String(format: "%.2f ms, %d KB", csvTime * 1000, bytes.count / 1000), "≤ 50 ms",
        met: csvTime <= 0.050)
    print("FIGURES intervals_rss_mib=\(held) intervals_day_json_ms=\(jsonTime * 1000) intervals_day_csv_ms=\(csvTime * 1000)")
}

func residentMiB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? "VmRSS: 0 kB"
    return Double(line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
}
