import CallPulseAlerting
import CallPulseCore
import Foundation
import Logging
import Testing
@testable import CallPulseServer

/// The durable store in process, on a temporary directory (README.md, "The daemon": durable
/// state): what the pipeline journals comes back on recovery, from the journal alone or from
/// the final checkpoint, and a torn tail loses only what was never acknowledged.
struct DurableStoreTests {
    /// One state directory, with the engine host, store and pipeline of one "process life".
    final class Life {
        let directory: String
        let settings: Settings
        let host: EngineHost
        let store: DurableStore
        let pipeline: IngestPipeline
        let restoredAlerts: [Alert]

        init(directory: String) throws {
            self.directory = directory
            var settings = Settings()
            settings.clock = .event
            self.settings = settings
            host = try EngineHost(settings: settings)
            store = DurableStore(directory: directory, checkpointInterval: 3_600_000, logger: Logger(label: "test"))
            let (engine, alerts) = try store.recover(settings: settings) { engine, outcomes, receivedAt in
                engine.process(contentsOf: outcomes, receivedAt: receivedAt) { _ in }
            }
            restoredAlerts = alerts
            host.replaceEngine(with: engine)
            let host = self.host
            store.setCapture { (host.copyEngine(), []) }
            pipeline = IngestPipeline(engine: host, journal: store)
            pipeline.open()
        }

        /// Starts the journal writer; `crash`: it ends without its last commit and checkpoint.
        func startWriter(crash: Bool = false) {
            let store = self.store
            store.worker.run(step: { store.writerStep() }, finally: { if !crash { store.writerFinish() } },
                             whenFinished: {})
        }

        func stopWriter() {
            store.worker.requestStop()
            store.worker.waitUntilFinished()
        }

        func ingest(_ body: String) -> Int? {
            guard case .processed(let report) = pipeline.ingest(Array(body.utf8), receivedAt: 1_700_000_000_000) else { return nil }
            return report.accepted
        }

        /// The snapshot's JSON at a fixed "now": equal JSON, equal state.
        var state: String { String(decoding: SnapshotJSON.renderBytes(host.snapshot(now: 1_700_000_000_000)), as: UTF8.self) }

        /// Today's interval history as JSON (docs/spec/intervals.md).
        var intervals: String {
            String(decoding: IntervalRendering.json(try! host.intervals(IntervalQuery(), now: 1_700_000_000_000)), as: UTF8.self)
        }

        func files(_ prefix: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(prefix) }.sorted()
        }
    }

    static func fixture(_ name: String) throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name)")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-store-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a fresh directory restores an empty state; a graceful stop leaves a checkpoint that restores the same state")
    func checkpointRoundTrip() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = try Self.fixture("01_lifecycles.ndjson")
        let first = try Life(directory: directory)
        #expect(first.restoredAlerts.isEmpty)
        let empty = first.state
        first.startWriter()
        var accepted = 0
        for line in lines { accepted += first.ingest(line) ?? -1_000_000 }
        #expect(accepted > 0)
        let before = first.state
        #expect(before != empty)
        first.stopWriter()
        #expect(try first.files("checkpoint-").count == 1)
        // Refused once the writer has stopped: nothing is applied without a journal behind it.
        #expect(first.pipeline.ingest(Array(lines[0].utf8), receivedAt: 1_700_000_000_000).isNotStored)

        let second = try Life(directory: directory)
        #expect(second.state == before)
        #expect(second.intervals == first.intervals)
        #expect(second.intervals.contains(#/"offered": [1-9]/#), "the history holds the fixture's calls")
    }

    @Test("a checkpoint written before interval history (format version 1) still loads, with the history empty")
    func versionOneCheckpoint() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let saved = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/state-v1")
        for name in ["checkpoint-00000000000000000001.state", "journal-00000000000000000001.log"] {
            try FileManager.default.copyItem(atPath: saved.appendingPathComponent(name).path, toPath: directory + "/" + name)
        }
        let life = try Life(directory: directory)
        // Written by the build before this change from Tests/Fixtures/01_lifecycles.ndjson (GET /api/v1/queues).
        let expected = try String(contentsOf: saved.appendingPathComponent("queues.expected.json"), encoding: .utf8)
        #expect(SnapshotJSON.withoutForecast(life.state) == SnapshotJSON.withoutForecast(expected))
        #expect(life.intervals.contains("\"queue\": \"Billing\""))
        #expect(!life.intervals.contains(#/"offered": [1-9]/#), "no history before the upgrade")
        life.startWriter()
        #expect(life.ingest(try Self.fixture("01_lifecycles.ndjson").last!) != nil)
        life.stopWriter()
        #expect(try Life(directory: directory).state == life.state)
    }

    @Test("after a crash (no final checkpoint), the journal alone restores every acknowledged batch; a torn tail is cut")
    func journalReplayAndTornTail() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = try Self.fixture("01_lifecycles.ndjson")
        let first = try Life(directory: directory)
        first.startWriter(crash: true)
        for line in lines { #expect(first.ingest(line) != nil) }
        let before = first.state
        first.stopWriter()
        #expect(try first.files("checkpoint-").isEmpty)
        let journals = try first.files("journal-")
        #expect(journals.count == 1)

        // Half a record at the end, as a crash in the middle of a write leaves it.
        let path = directory + "/" + journals[0]
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0x40, 0, 0, 0, 1, 2, 3]))
        try handle.close()

        let second = try Life(directory: directory)
        #expect(second.state == before)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int == size)
    }

    /// Stream messages (docs/spec/scale-out.md, "Consume"): `count` lines of the fixture, one
    /// message each from stream sequence `from`, published a few per millisecond.
    static func streamBatch(_ lines: ArraySlice<String>, from: UInt64) -> StreamBatch {
        var batch = StreamBatch(stream: "CALLPULSE@1")
        let reader = EventReader()
        var text = JSONText()
        for (offset, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            bytes.withUnsafeBytes { body in
                batch.append(body, receivedAt: 1_700_000_000_000 + EpochMillis(offset / 3), sequence: from + UInt64(offset),
                             reader: reader, text: &text)
            }
        }
        return batch
    }

    @Test("stream batches: journaled with each message's publish time and the position they reach; a crash or a checkpoint brings both back")
    func streamBatchesRoundTrip() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = try Self.fixture("01_lifecycles.ndjson").flatMap { $0.split(separator: "\n").map(String.init) }
        #expect(lines.count > 20)
        let half = lines.count / 2
        let first = try Life(directory: directory)
        first.startWriter(crash: true)
        let reference = try EngineHost(settings: first.settings)
        for (slice, from) in [(lines[..<half], UInt64(7)), (lines[half...], UInt64(7 + half))] {
            let batch = Self.streamBatch(slice, from: from)
            guard case .applied(let report, let taken) = first.pipeline.ingest(stream: batch) else {
                Issue.record("the batch was refused")
                return
            }
            #expect(taken.count == slice.count)
            #expect(report.total == slice.count)
            _ = reference.apply(batch)
        }
        let expected = UInt64(7 + lines.count - 1)
        #expect(first.host.sourcePosition == (expected, "CALLPULSE@1"))
        let state = String(decoding: SnapshotJSON.renderBytes(reference.snapshot(now: 1_700_000_000_000)), as: UTF8.self)
        #expect(first.state == state)
        first.stopWriter()

        let afterCrash = try Life(directory: directory)
        #expect(afterCrash.host.sourcePosition == (expected, "CALLPULSE@1"))
        #expect(afterCrash.state == state)
        afterCrash.startWriter()
        afterCrash.stopWriter()  // a graceful stop: a checkpoint holds it all
        #expect(try !afterCrash.files("checkpoint-").isEmpty)
        let afterCheckpoint = try Life(directory: directory)
        #expect(afterCheckpoint.host.sourcePosition == (expected, "CALLPULSE@1"))
        #expect(afterCheckpoint.state == state)
    }
}

extension IngestPipeline.Outcome {
    var isNotStored: Bool {
        if case .notStored = self { return true }
        return false
    }
}
