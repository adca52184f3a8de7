import CallPulseCore
import Testing
@testable import CallPulseServer

/// The demo's pieces: built-in rules, the live pacer, spikes placed for the demo.
struct SimulationTests {
    @Test("the demo's built-in rules load with the default windows")
    func demoRules() throws {
        let set = try RulesLoader.parse(DemoRules.yaml, file: DemoRules.source, windows: Settings().windowMinutes)
        #expect(set.rules.map(\.alert) == ["MissedCallsSpike", "LongestWaitHigh", "ServiceLevelLow", "ServiceLevelAtRisk"])
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

/// `simulate --agents`: M/M/N traffic with impatient callers (docs/spec/forecast.md, "Accuracy, measured").
struct StaffedTrafficTests {
    static let start: EpochMillis = 1_795_000_000_000

    /// The events of the first `hours` of simulated time.
    static func events(_ traffic: StaffedTraffic, hours: Double, seed: UInt64 = 7) -> [TrafficGenerator.Event] {
        var generator = StaffedTrafficGenerator(traffic: traffic, start: start, seed: seed)
        var events: [TrafficGenerator.Event] = []
        while true {
            let event = generator.next()
            if event.time >= start + EpochMillis(hours * 3_600_000) { return events }
            events.append(event)
        }
    }

    /// One call as its events tell it, in the order calls arrived.
    struct Call {
        var queue: String
        var arrival: EpochMillis
        var names: [String] = []
        var times: [EpochMillis] = []
        var answeredAt: EpochMillis? { names.count > 2 ? times[1] : nil }
        var abandonedAt: EpochMillis? { names.count == 2 ? times[1] : nil }
    }

    static func calls(_ events: [TrafficGenerator.Event]) -> [Call] {
        var order: [String] = []
        var calls: [String: Call] = [:]
        for event in events {
            if calls[event.callID] == nil {
                order.append(event.callID)
                calls[event.callID] = Call(queue: event.queue, arrival: event.time)
            }
            calls[event.callID]!.names.append(event.name)
            calls[event.callID]!.times.append(event.time)
        }
        return order.map { calls[$0]! }
    }

    static let billingAndSales = StaffedTraffic(queues: [
        .init(name: "Billing", agents: 12, callsPerHour: 160), .init(name: "Sales", agents: 3, callsPerHour: 50),
    ])

    @Test("events in time order, each call a whole lifecycle with its queue entry at arrival, the same for a seed")
    func lifecycles() {
        let events = Self.events(Self.billingAndSales, hours: 6)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.time <= $1.time })
        #expect(events.allSatisfy { $0.callType == .inbound })
        let abandoned = ["connecting", "Dropped"]
        let answered = ["connecting", "connected", "Dropped", "ACW", "Dropped"]
        let held = ["connecting", "connected", "hold", "connected", "Dropped", "ACW", "Dropped"]
        // The last hour's calls may still be under way when the events stop.
        let finished = Self.calls(events).filter { $0.arrival < Self.start + 5 * 3_600_000 }
        for call in finished {
            #expect([abandoned, answered, held].contains(call.names), "\(call.names)")
            #expect(zip(call.times, call.times.dropFirst()).allSatisfy { $0 <= $1 })
        }
        var arrivals: [String: EpochMillis] = [:]
        for event in events {
            #expect(event.queueEntry == arrivals[event.callID, default: event.time])
            arrivals[event.callID] = event.queueEntry
        }
        #expect(finished.contains { $0.names == held } && finished.contains { $0.names == abandoned })
        let again = Self.events(Self.billingAndSales, hours: 6).map { $0.ndjson() }
        #expect(again == events.map { $0.ndjson() })
        #expect(Self.events(Self.billingAndSales, hours: 6, seed: 8).map { $0.ndjson() } != again)
    }

    @Test("never more calls talking, on hold or in ACW than a queue has agents, and all of them at times")
    func agentsLimitWork() {
        let events = Self.events(Self.billingAndSales, hours: 6)
        var lastName: [String: String] = [:]
        var busy: [String: Int] = [:]
        var mostBusy: [String: Int] = [:]
        for event in events {
            defer { lastName[event.callID] = event.name }
            if event.name == "connected" && lastName[event.callID] == "connecting" { busy[event.queue, default: 0] += 1 }
            if event.name == "Dropped" && lastName[event.callID] == "ACW" { busy[event.queue, default: 0] -= 1 }
            mostBusy[event.queue] = max(mostBusy[event.queue] ?? 0, busy[event.queue] ?? 0)
        }
        #expect(mostBusy == ["Billing": 12, "Sales": 3])
    }

    @Test("first come, first served: nobody is answered while an earlier caller of the queue still waits")
    func firstComeFirstServed() {
        let calls = Self.calls(Self.events(Self.billingAndSales, hours: 6))
        var waitEnds: [String: EpochMillis] = [:]
        var waited = 0
        for call in calls {
            guard let end = call.answeredAt ?? call.abandonedAt else { continue }
            if let answered = call.answeredAt {
                #expect(waitEnds[call.queue, default: 0] <= answered)
                if answered > call.arrival { waited += 1 }
            }
            waitEnds[call.queue] = max(waitEnds[call.queue, default: 0], end)
        }
        #expect(waited > 50)
    }

    @Test("arrivals and handle time follow the model: calls an hour, mean handle, ACW freeing the agent")
    func rates() {
        let traffic = StaffedTraffic(queues: [.init(name: "Billing", agents: 30, callsPerHour: 300)])
        let calls = Self.calls(Self.events(traffic, hours: 10)).filter { $0.arrival < Self.start + 9 * 3_600_000 }
        #expect(abs(Double(calls.count) / 9 - 300) < 30, "\(calls.count) calls in 9 h")
        let handles = calls.compactMap { call in call.answeredAt.map { Double(call.times.last! - $0) / 1000 } }
        let meanHandle = handles.reduce(0, +) / Double(handles.count)
        #expect(abs(meanHandle - 240) < 24, "mean handle \(meanHandle) s")
    }

    @Test("with a second of patience most callers of an under-staffed queue hang up; with an hour, few of a staffed one")
    func patience() {
        func abandonShare(agents: Int, callsPerHour: Double, patience: Double) -> Double {
            let traffic = StaffedTraffic(queues: [.init(name: "Support", agents: agents, callsPerHour: callsPerHour)],
                                         meanPatienceMillis: patience)
            let calls = Self.calls(Self.events(traffic, hours: 8))
            return Double(calls.filter { $0.abandonedAt != nil }.count) / Double(calls.count)
        }
        #expect(abandonShare(agents: 2, callsPerHour: 90, patience: 1_000) > 0.5)
        #expect(abandonShare(agents: 4, callsPerHour: 30, patience: 3_600_000) < 0.1)
    }

    @Test("a surge multiplies every queue's arrivals for its length, then they fall back")
    func surge() {
        let traffic = StaffedTraffic(queues: [.init(name: "Claims", agents: 200, callsPerHour: 600)],
                                     surges: [.init(offset: 3_600_000, length: 1_800_000, factor: 3)])
        let arrivals = Self.calls(Self.events(traffic, hours: 2.5)).map { Double($0.arrival - Self.start) / 3_600_000 }
        func perHour(_ range: Range<Double>) -> Double {
            Double(arrivals.filter { range.contains($0) }.count) / (range.upperBound - range.lowerBound)
        }
        #expect(perHour(1.0..<1.5) > 2.4 * perHour(0..<1))
        #expect(perHour(1.5..<2.5) < 1.3 * perHour(0..<1))
    }

    @Test("the flags: a number or a list of agents, calls an hour, durations and surges; errors name their flag")
    func options() throws {
        let every = try StaffedTraffic.parse(agents: "12", callsPerHour: nil, patience: nil, handle: nil, surges: [],
                                             queueCount: 3)
        #expect(every.queues == ["Billing", "Support", "Sales"].map { .init(name: $0, agents: 12, callsPerHour: 0.85 * 12 * 15) })
        let named = try StaffedTraffic.parse(agents: "Billing=12,Sales=8", callsPerHour: "Sales=100", patience: "30s",
                                             handle: "5m", surges: ["1h:30m:1.6", "0:1m:0.5"], queueCount: 5)
        let billingDefault = StaffedTraffic.defaultCallsPerHour(agents: 12, meanHandleMillis: 300_000)
        #expect(abs(billingDefault - 0.85 * 12 * 12) < 1e-9)
        #expect(named.queues == [.init(name: "Billing", agents: 12, callsPerHour: billingDefault),
                                 .init(name: "Sales", agents: 8, callsPerHour: 100)])
        #expect(named.meanPatienceMillis == 30_000 && named.meanHandleMillis == 300_000)
        #expect(named.surges == [.init(offset: 3_600_000, length: 1_800_000, factor: 1.6), .init(offset: 0, length: 60_000, factor: 0.5)])
        let bad: [(agents: String, calls: String?, patience: String?, handle: String?, surge: String?, flag: String)] = [
            ("0", nil, nil, nil, nil, "--agents"), ("Billing=x", nil, nil, nil, nil, "--agents"),
            ("Billing=2,Billing=3", nil, nil, nil, nil, "--agents"), ("Bil\"ling=3", nil, nil, nil, nil, "--agents"),
            ("Billing=2", "Sales=3", nil, nil, nil, "--calls-per-hour"), ("2", "-1", nil, nil, nil, "--calls-per-hour"),
            ("2", "0", nil, nil, nil, "--calls-per-hour"), ("2", nil, "soon", nil, nil, "--patience"),
            ("2", nil, nil, "0", nil, "--handle"), ("2", nil, nil, nil, "1h:30m", "--surge"),
            ("2", nil, nil, nil, "1h:0s:2", "--surge"), ("2", nil, nil, nil, "1h:30m:0", "--surge"),
        ]
        for (agents, calls, patience, handle, surge, flag) in bad {
            do throws(StaffedTraffic.OptionError) {
                _ = try StaffedTraffic.parse(agents: agents, callsPerHour: calls, patience: patience, handle: handle,
                                             surges: surge.map { [$0] } ?? [], queueCount: 2)
                Issue.record("accepted: --agents \(agents) \(calls ?? "") \(surge ?? "")")
            } catch {
                #expect(error.description.hasPrefix(flag), "\(error.description)")
            }
        }
    }
}
