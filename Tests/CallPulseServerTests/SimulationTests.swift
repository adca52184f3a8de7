import CallPulseCore
import Testing
@testable import CallPulseServer

/// The demo's pieces: built-in rules, the live pacer, spikes placed for the demo.
struct SimulationTests {
    @Test("the demo's built-in rules load with the default windows")
    func demoRules() throws {
        let set = try RulesLoader.parse(DemoRules.yaml, file: DemoRules.source, windows: Settings().windowMinutes)
        #expect(set.rules.map(\.alert) == ["MissedCallsSpike", "LongestWaitHigh", "ServiceLevelLow"])
        #expect(set.hooks.isEmpty)
    }

    @Test("the pacer hands out exactly the events due, in time order, once each")
    func pacer() {
        let start: EpochMillis = 1_795_000_000_000
        var reference = TrafficGenerator(queues: 3, eventsPerSecond: 50, start: start, seed: 9)
        var pacer = LivePacer(generator: TrafficGenerator(queues: 3, eventsPerSecond: 50, start: start, seed: 9))
        var expected: [String] = []
        var event = reference.next()
        while event.time <= start + 20_000 {
            expected.append(event.ndjson())
            event = reference.next()
        }
        var got: [String] = []
        for step in stride(from: start, through: start + 20_000, by: 700) {
            let batch = pacer.due(at: step)
            let lines = String(decoding: batch.body, as: UTF8.self).split(separator: "\n").map(String.init)
            #expect(lines.count == batch.count)
            got += lines
        }
        got += String(decoding: pacer.due(at: start + 20_000).body, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(got == expected)
        #expect(got.count > 200)
    }

    @Test("firstSpikeAfter puts the first queue's spike there: more calls per minute than before it")
    func demoSpike() {
        let start: EpochMillis = 1_795_000_000_000
        var generator = TrafficGenerator(queues: 1, eventsPerSecond: 60, start: start, seed: 3, firstSpikeAfter: 120_000)
        var connectsBefore = 0, connectsDuring = 0
        while true {
            let event = generator.next()
            if event.time >= start + 240_000 { break }
            guard event.name == "connecting", event.queueEntry <= event.time else { continue }
            if event.time < start + 120_000 { connectsBefore += 1 } else { connectsDuring += 1 }
        }
        #expect(connectsDuring > 2 * connectsBefore, "\(connectsBefore) → \(connectsDuring)")
    }
}
