import CallPulseCore
import Testing
@testable import CallPulseServer

/// Checkpoints: an engine restored from its encoded state goes on exactly as the original.
struct StateRoundTripTests {
    static func outcomes(count: Int, seed: UInt64) -> [DecodeOutcome] {
        var generator = TrafficGenerator(queues: 4, eventsPerSecond: 40, start: 1_795_000_000_000, seed: seed)
        var body: [UInt8] = []
        for _ in 0..<count {
            body += generator.next().ndjson().utf8
            body.append(0x0A)
        }
        // A few faults, so ignored and rejected counts are part of the state too.
        body += Array("{\"message\": 1}\nnot json\n".utf8)
        var outcomes: [DecodeOutcome] = []
        EventReader().read(JSONText(body)) { outcomes.append($0.outcome) }
        return outcomes
    }

    @Test("restore(encode(state)) continues exactly like the original, at any split point", arguments: [1, 2_000, 7_777])
    func roundTrip(split: Int) throws {
        let outcomes = Self.outcomes(count: 12_000, seed: UInt64(split))
        var settings = Settings()
        settings.clock = .event
        settings.expiry.finished = 600_000
        var original = try Engine(settings: settings)
        for outcome in outcomes[..<split] { original.process(outcome, receivedAt: 0) }
        var restored = try Engine(settings: settings, restoring: original.encodeState())
        #expect(restored.recordCount == original.recordCount && restored.activeCalls == original.activeCalls)
        // The observed span and the busy-agent peaks (the forecast's `agents`) come back too.
        #expect(restored.observedSince == original.observedSince && original.observedSince != nil)
        #expect(SnapshotJSON.render(original.snapshot(wallNow: 0)) == SnapshotJSON.render(restored.snapshot(wallNow: 0)))
        for outcome in outcomes[split...] {
            #expect(original.process(outcome, receivedAt: 0) == restored.process(outcome, receivedAt: 0))
        }
        let now: EpochMillis = 1_795_000_000_000 + 3_600_000
        #expect(SnapshotJSON.render(original.snapshot(wallNow: now)) == SnapshotJSON.render(restored.snapshot(wallNow: now)))
        #expect(original.activeCalls > 0 && original.ingest.rejected.reduce(0, +) == 2)
    }

    @Test("the live clock's observed span survives a quick restart and starts again after an outage")
    func observedSpanAcrossRestarts() throws {
        let start: EpochMillis = 1_795_000_000_000
        var engine = try Engine(settings: Settings())
        engine.resumeObserving(at: start, tolerance: 360_000)
        for outcome in Self.outcomes(count: 500, seed: 5) { engine.process(outcome, receivedAt: start + 60_000) }
        let saved = engine.encodeState()
        var quick = try Engine(settings: Settings(), restoring: saved)
        #expect(quick.resumeObserving(at: start + 60_000 + 300_000, tolerance: 360_000) == nil)
        #expect(quick.observedSince == start)
        var late = try Engine(settings: Settings(), restoring: saved)
        let note = late.resumeObserving(at: start + 60_000 + 7_200_000, tolerance: 360_000)
        #expect(note?.contains("last alive 7200 s ago") == true)
        #expect(late.observedSince == start + 60_000 + 7_200_000)
    }

    @Test("a state written under other windows is refused with the reason; cut or bit-flipped bytes never crash")
    func refusals() throws {
        var engine = try Engine(settings: Settings())
        for outcome in Self.outcomes(count: 500, seed: 3) { engine.process(outcome, receivedAt: 1_795_000_000_000) }
        let bytes = engine.encodeState()
        var other = Settings()
        other.windowMinutes = [5, 60]
        let otherWindows = #expect(throws: CoreError.self) { try Engine(settings: other, restoring: bytes) }
        #expect(otherWindows?.code == "unreadable_state")
        #expect(otherWindows?.description.hasPrefix("the state was written with other settings") == true)
        for cut in [0, 8, 100, bytes.count / 2, bytes.count - 1] {
            let error = #expect(throws: CoreError.self) { try Engine(settings: Settings(), restoring: Array(bytes[..<cut])) }
            #expect(error?.kind == .unreadableState)
        }
        var longer = bytes
        longer.append(0)
        #expect(throws: CoreError(.unreadableState, "the state has bytes after its end")) {
            try Engine(settings: Settings(), restoring: longer)
        }
    }
}
