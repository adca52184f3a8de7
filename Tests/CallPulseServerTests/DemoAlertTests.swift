import CallPulseAlerting
import CallPulseCore
import Testing
@testable import CallPulseServer

/// `make run` as a new user sees it (docs/spec/forecast.md, "Spike rules"): the demo's
/// traffic under the demo's rules, second by second, over many seeds. Nothing may be pending
/// or firing before the simulated spike; the spike rule must fire on it, and no alert may
/// resolve and fire again while the spike passes (each firing is a page).
struct DemoAlertTests {
    struct Outcome {
        /// Alerts pending or firing before the spike, as "rule/queue at +seconds".
        var early: [String] = []
        /// Seconds from the spike's start to `MissedCallsSpike` firing on its queue.
        var spikeFiredAfter: Double?
        /// Firing notifications per "rule/queue", from the spike's start until two minutes
        /// after its end.
        var firings: [String: Int] = [:]
    }

    static func play(seed: UInt64) throws -> Outcome {
        let start: EpochMillis = 1_796_000_000_000 + EpochMillis(seed) * 7_919
        let spikeStart = start + DemoInput.spikeAfter
        var settings = Settings()
        settings.clock = .event
        var engine = try Engine(settings: settings)
        let rules = try RulesLoader.parse(DemoRules.yaml, file: DemoRules.source, windows: settings.windowMinutes)
        var evaluator = AlertEvaluator(rules: rules.rules)
        var generator = TrafficGenerator(queues: DemoInput.queues, eventsPerSecond: DemoInput.eventsPerSecond,
                                         start: start, seed: seed, firstSpikeAfter: DemoInput.spikeAfter)
        var outcome = Outcome()
        let reader = EventReader()
        var next = generator.next()
        // The live clock starts observing when the daemon starts, before the first event.
        engine.startObserving(at: start)
        // The spike lasts two minutes (TrafficGenerator); play two more after it.
        for second in stride(from: start + 1000, through: spikeStart + 240_000, by: 1000) {
            while next.time <= second {
                let text = JSONText(next.ndjson())
                engine.process(text.withContent { reader.decodeValue($0) }, receivedAt: next.time)
                next = generator.next()
            }
            let snapshot = engine.snapshot(wallNow: second)
            let events = evaluator.evaluate(snapshot.queues, now: second,
                                            context: EvaluationContext(observedSince: snapshot.observedSince))
            for case .firing(let alert) in events {
                outcome.firings["\(alert.rule)/\(alert.queue)", default: 0] += 1
            }
            for alert in evaluator.alerts {
                if second < spikeStart {
                    outcome.early.append("\(alert.rule)/\(alert.queue) \(alert.state) at +\((second - start) / 1000) s")
                } else if alert.rule == "MissedCallsSpike", alert.queue == "Billing", alert.state == .firing,
                          outcome.spikeFiredAfter == nil {
                    outcome.spikeFiredAfter = Double(second - spikeStart) / 1000
                }
            }
        }
        return outcome
    }

    @Test("the demo: no alert before the simulated spike, the spike alert within a minute of it, no alert fires twice",
          arguments: 1...12)
    func demo(seed: Int) throws {
        let outcome = try Self.play(seed: UInt64(seed) * 104_729)
        #expect(outcome.early.isEmpty, "\(outcome.early.prefix(5))")
        #expect(outcome.spikeFiredAfter.map { $0 <= 60 } == true, "fired after \(String(describing: outcome.spikeFiredAfter)) s")
        #expect(outcome.firings.values.allSatisfy { $0 == 1 }, "\(outcome.firings.sorted { $0.key < $1.key })")
    }
}
