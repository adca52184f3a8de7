import Testing
@testable import CallPulseCore

/// docs/spec/semantics.md beyond the table: ignore reasons, gauges, the clock, expiry and limits.
struct EngineTests {
    @Test("each ignore reason")
    func ignoreReasons() {
        let lines = [
            eventLine("a", "connecting", 0),
            eventLine("a", "Connecting", 0),  // duplicate: same name after normalisation, same time
            eventLine("a", "missed", -1),  // out_of_order
            eventLine("a", "acw", 1),  // invalid_transition
            eventLine("b", "dropped", 2),  // unknown_call
            eventLine("c", "connecting", 10_000),  // moves now to 10,000 s
            eventLine("d", "connecting", 10_000 - 3_600.001),  // too_late: more than 1 h before now
            eventLine("e", "connecting", 10_000 - 3_600),  // exactly 1 h: still accepted
        ]
        let results = run(lines).results
        #expect(results == [.accepted, .ignored(.duplicate), .ignored(.outOfOrder), .ignored(.invalidTransition),
                            .ignored(.unknownCall), .accepted, .ignored(.tooLate), .accepted])
    }

    @Test("same time, another name: applied, and both names then count as duplicates")
    func namesAtLatestTime() {
        let results = run([
            eventLine("a", "connecting", 0), eventLine("a", "connected", 5), eventLine("a", "hold", 5),
            eventLine("a", "connected", 5), eventLine("a", "hold", 5), eventLine("a", "dropped", 9),
        ]).results
        #expect(results == [.accepted, .accepted, .accepted, .ignored(.duplicate), .ignored(.duplicate), .accepted])
    }

    @Test("ignored events never create queues")
    func ignoredCreatesNothing() {
        var engine = run([eventLine("x", "dropped", 0, queue: "Ghost")]).engine
        #expect(engine.snapshot(wallNow: 0).queues.isEmpty)
    }

    @Test("a call keeps its first queue and type")
    func callKeepsQueue() {
        var engine = run([
            eventLine("a", "connecting", 0, queue: "One"), eventLine("a", "connected", 5, queue: "Two", type: "outbound"),
        ]).engine
        let snapshot = engine.snapshot(wallNow: 0)
        #expect(snapshot.queues.map(\.name.string) == ["One"])
        #expect(snapshot.queues[0].totals.answered == 1)
    }

    @Test("an event with no queue goes to the call's queue, else to the default queue")
    func defaultQueue() {
        var engine = run([eventLine("a", "connecting", 0, queue: nil), eventLine("b", "connecting", 1, queue: "B"),
                          eventLine("b", "connected", 2, queue: nil)]).engine
        let queues = engine.snapshot(wallNow: 0).queues
        #expect(queues.map(\.name.string) == ["B", "unassigned"])
        #expect(queues[0].totals.answered == 1)
    }

    @Test("the event clock: untimed events take now, or are rejected before any time")
    func eventClock() {
        let untimed = eventLine("a", "connecting", nil)
        let results = run([untimed, eventLine("b", "connecting", 30), eventLine("c", "connecting", nil),
                           eventLine("d", "connecting", 10)]).results
        #expect(results.first == .rejected(Rejection(.badTimestamp,
            "ResponseFields.CurrentStateTime is missing and the event clock has no time yet")))
        var engine = run([eventLine("b", "connecting", 30), eventLine("c", "connecting", nil),
                          eventLine("d", "connecting", 10)]).engine
        #expect(engine.eventClockNow == at(30))
        let snapshot = engine.snapshot(wallNow: 0)
        #expect(snapshot.generatedAt == at(30))
        #expect(snapshot.queues[0].waiting == 3)
        #expect(snapshot.queues[0].oldestWaitingMillis == 20_000)  // d entered at 10 s
    }

    @Test("live clock: untimed events take the receive time; effects attributed at min(t, now)")
    func liveClock() {
        var settings = Settings()
        settings.clock = .live
        var engine = try! Engine(settings: settings)
        let reader = EventReader()
        func send(_ line: String, receivedAt: EpochMillis) -> EventResult {
            let text = JSONText(line)
            return engine.process(text.withContent { reader.decodeValue($0) }, receivedAt: receivedAt)
        }
        // Stamped 30 s in the future: counted in the bucket of now, not of t.
        #expect(send(eventLine("a", "missed", 90), receivedAt: at(60)) == .accepted)
        #expect(send(eventLine("b", "connecting", nil), receivedAt: at(61)) == .accepted)
        var snapshot = engine.snapshot(wallNow: at(61))
        let oneMinute = snapshot.queues[0].windows[0]
        #expect(oneMinute.name == "1m")
        #expect(oneMinute.counters.missed == 1)
        #expect(snapshot.queues[0].waiting == 1)
        #expect(snapshot.queues[0].lastEventAt == at(90))
        // 60 s later the 1m window no longer holds the missed call attributed at 60 s.
        snapshot = engine.snapshot(wallNow: at(120))
        #expect(snapshot.queues[0].windows[0].counters.missed == 0)
        #expect(snapshot.queues[0].windows[1].counters.missed == 1)
        #expect(snapshot.queues[0].waitingOverSL == 1)
        #expect(snapshot.queues[0].oldestWaitingMillis == 59_000)
    }

    @Test("gauges: waiting over SL is strictly over the threshold")
    func waitingOverSL() {
        var engine = run([eventLine("a", "connecting", 0), eventLine("b", "connecting", 10),
                          eventLine("c", "connecting", 20, type: "outbound"), eventLine("z", "hold", 20, queue: "Other")]).engine
        let q = engine.snapshot(wallNow: 0).queues.first { $0.name.string == "Q" }!
        #expect(q.waiting == 2)  // outbound ringing calls are not waiting
        #expect(q.waitingOverSL == 0)  // a has waited exactly 20 s
        #expect(q.oldestWaitingMillis == 20_000)
    }
}

/// Expiry exactly at the limit and 1 ms past, for every state class.
struct ExpiryTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var state: String
        var setup: [(String, Double)]
        /// Seconds of silence allowed.
        var limit: Double
        var expiredLabel: String?
        var testDescription: String { state }
    }

    static let cases: [Case] = [
        Case(state: "ringing", setup: [("connecting", 0)], limit: 3600, expiredLabel: "ringing"),
        Case(state: "talking", setup: [("connected", 0)], limit: 14_400, expiredLabel: "connected"),
        Case(state: "held", setup: [("hold", 0)], limit: 14_400, expiredLabel: "connected"),
        Case(state: "acw", setup: [("connected", -10), ("acw", 0)], limit: 3600, expiredLabel: "acw"),
        Case(state: "unanswered", setup: [("missed", 0)], limit: 3600, expiredLabel: nil),
        Case(state: "ended", setup: [("connected", -10), ("dropped", 0)], limit: 3600, expiredLabel: nil),
        Case(state: "closed", setup: [("connecting", -10), ("dropped", 0)], limit: 3600, expiredLabel: nil),
    ]

    @Test("kept at exactly the limit, gone 1 ms later", arguments: cases)
    func expiry(_ c: Case) {
        let setup = c.setup.map { eventLine("c", $0.0, $0.1) }
        let atLimit = run(setup + [eventLine("clock", "acw", c.limit, queue: "Clock")])
        #expect(atLimit.engine.calls.find(CallID("c")) != nil)
        var past = run(setup + [eventLine("clock", "acw", c.limit + 0.001, queue: "Clock")])
        #expect(past.engine.calls.find(CallID("c")) == nil)
        let q = past.engine.snapshot(wallNow: 0).queues.first { $0.name.string == "Q" }!
        let expected: [Int64] = ["ringing", "connected", "acw"].map { $0 == c.expiredLabel ? 1 : 0 }
        #expect(q.expired == expected)
        #expect(q.waiting == 0 && q.connected == 0 && q.onHold == 0 && q.inAcw == 0)
        #expect(past.engine.activeCalls == 1)  // only the call that moved the clock
    }

    @Test("a call that keeps sending events stays alive; an expired id starts a new record")
    func refreshAndRestart() {
        var lines = [eventLine("c", "connecting", 0)]
        lines += [eventLine("c", "connecting", 3000), eventLine("clock", "acw", 6000, queue: "Clock")]
        #expect(run(lines).engine.calls.find(CallID("c")) != nil)
        lines += [eventLine("clock", "dropped", 6601, queue: "Clock"), eventLine("c", "connecting", 6602)]
        var engine = run(lines).engine
        let q = engine.snapshot(wallNow: 0).queues.first { $0.name.string == "Q" }!
        #expect(q.expired == [1, 0, 0])
        #expect(q.totals.offered == 2)
        #expect(q.expiredTotal == 1)
    }
}

/// docs/spec/semantics.md, "Queues and limits".
struct LimitTests {
    @Test func maxQueuesAndActiveCalls() {
        var settings = Settings()
        settings.maxQueues = 2
        settings.maxActiveCalls = 2
        settings.queues = ["Preset"]
        let results = run([
            eventLine("a", "connecting", 0, queue: "A"),
            eventLine("b", "connecting", 1, queue: "B"),  // a third queue
            eventLine("c", "connecting", 2, queue: "A"),
            eventLine("d", "connecting", 3, queue: "A"),  // a third active call
            eventLine("a", "dropped", 4, queue: "A"),  // a closes: room for one more
            eventLine("d", "connecting", 5, queue: "A"),
        ], settings: settings).results
        #expect(results[0] == .accepted)
        guard case .rejected(let queueLimit) = results[1] else { Issue.record("not rejected"); return }
        #expect(queueLimit.reason == .limit)
        #expect(queueLimit.detail.contains("max_queues (2)"))
        #expect(results[2] == .accepted)
        guard case .rejected(let callLimit) = results[3] else { Issue.record("not rejected"); return }
        #expect(callLimit.detail.contains("max_active_calls (2)"))
        #expect(results[4] == .accepted && results[5] == .accepted)
    }

    @Test func configuredQueuesShowWithZeros() {
        var settings = Settings()
        settings.queues = ["Zeta", "Alpha"]
        var engine = try! Engine(settings: settings)
        let snapshot = engine.snapshot(wallNow: t0)
        #expect(snapshot.queues.map(\.name.string) == ["Alpha", "Zeta"])
        #expect(snapshot.queues[0].totals == .zero && snapshot.queues[0].lastEventAt == nil)
    }
}
