import Foundation
import Testing
@testable import CallPulseCore

/// Windows, today, derived values and the shared worked examples.
struct StatisticsTests {
    @Test("window bucket edges: last millisecond of a bucket and first of the next")
    func windowEdges() {
        // now = 3630.5 s after T0 (a whole hour); Tests/Fixtures/02_window_edges.ndjson is the same example end to end.
        let cases: [(Double, [Int64])] = [
            (3571.000, [1, 1, 1, 1]), (3570.999, [0, 1, 1, 1]), (3335.000, [0, 1, 1, 1]), (3334.999, [0, 0, 1, 1]),
            (2745.000, [0, 0, 1, 1]), (2744.999, [0, 0, 0, 1]), (60.000, [0, 0, 0, 1]), (59.999, [0, 0, 0, 0]),
        ]
        for (time, expected) in cases {
            let q = queueAfter([eventLine("e", "missed", time), eventLine("clock", "acw", 3630.5)])!
            #expect(q.windows.map(\.counters.missed) == expected, "missed at \(time)")
            #expect(q.windows.map(\.name) == ["1m", "5m", "15m", "1h"])
        }
    }

    @Test("configured windows and canonical names")
    func windowNames() {
        #expect([1, 5, 15, 60, 90, 1440, 61].map { canonicalWindowName(minutes: $0) }
                == ["1m", "5m", "15m", "1h", "1h30m", "24h", "1h1m"])
        var settings = Settings()
        settings.windowMinutes = [90]
        let q = queueAfter([eventLine("e", "missed", 0), eventLine("clock", "acw", 5399)], settings: settings)!
        #expect(q.windows.map(\.name) == ["1h30m"])
        #expect(q.windows[0].counters.missed == 1)
    }

    @Test("today restarts at local midnight in a non-UTC zone")
    func todayAcrossMidnight() {
        var settings = Settings()
        settings.timezone = "Europe/Paris"  // UTC+1 in November: midnight is 23:00Z
        // T0 is 10:00Z; 46,799.999 s later is 22:59:59.999Z, 46,800 s is local midnight.
        let before = [eventLine("a", "missed", 46_799.999)]
        var q = queueAfter(before, settings: settings)!
        #expect(q.today.missed == 1)
        q = queueAfter(before + [eventLine("b", "missed", 46_800)], settings: settings)!
        #expect(q.today.missed == 1 && q.totals.missed == 2)
        // An effect attributed before today's start is not in today, even when it arrives after.
        q = queueAfter([eventLine("b", "missed", 46_800), eventLine("a", "missed", 46_799.999)], settings: settings)!
        #expect(q.today.missed == 1 && q.totals.missed == 2)
    }

    @Test("a day that skips midnight starts at its first instant")
    func skippedMidnight() {
        // São Paulo, 2018-11-04: clocks went from 00:00 to 01:00 (UTC−3 → UTC−2), so the day starts 01:00 local = 03:00Z.
        let calendar = DayCalendar(timeZone: "America/Sao_Paulo")!
        let noon = EpochMillis(1_541_340_000_000)  // 2018-11-04T14:00:00Z
        let day = calendar.day(containing: noon)
        #expect(day.start == 1_541_300_400_000)  // 2018-11-04T03:00:00Z
        #expect(day.end == 1_541_383_200_000)  // 2018-11-05T02:00:00Z
    }

    @Test("the service-level formulas on the ICMI worked example")
    func formulas() {
        var c = Counters()
        c.answered = 1000; c.waitCount = 1000; c.answeredWithinSL = 860
        c.abandoned = 60; c.abandonedWithinSL = 20
        #expect(DerivedValues(c, formula: .standard).serviceLevel == 860.0 / 1060.0)
        #expect(DerivedValues(c, formula: .answered).serviceLevel == 0.86)
        #expect(DerivedValues(c, formula: .removedWithin).serviceLevel == 880.0 / 1060.0)
        c.shortAbandoned = 10
        #expect(DerivedValues(c, formula: .standard).serviceLevel == 860.0 / 1050.0)
        #expect(DerivedValues(c, formula: .standard).abandonRate == 50.0 / 1050.0)
        #expect(DerivedValues(.zero, formula: .standard) == DerivedValues(.zero, formula: .answered))
        #expect(DerivedValues(.zero, formula: .standard).serviceLevel == nil)
    }

    @Test("averages round half away from zero to the millisecond")
    func rounding() {
        #expect(roundedQuotient(172_001, 10) == 17_200)
        #expect(roundedQuotient(5, 2) == 3)
        #expect(roundedQuotient(-5, 2) == -3)
        #expect(roundedQuotient(1, 3) == 0)
        #expect(roundedQuotient(2, 3) == 1)
        #expect(JSONWriter.seconds(17_200) == "17.2")
        #expect(JSONWriter.seconds(330_000) == "330.0")
        #expect(JSONWriter.seconds(5) == "0.005")
    }

    @Test("overrides: the first matching glob wins as a whole")
    func overrides() {
        var settings = Settings()
        settings.overrides = [QueueOverride(patterns: ["VIP*"], serviceLevel: 10_000),
                              QueueOverride(patterns: ["*"], shortAbandon: 3_000, formula: .answered)]
        #expect(settings.policy(forQueue: "VIP-1") == QueuePolicy(serviceLevel: 10_000))
        #expect(settings.policy(forQueue: "Sales") == QueuePolicy(serviceLevel: 20_000, shortAbandon: 3_000, formula: .answered))
        #expect(Glob.matches("Form*", "Formula") && !Glob.matches("form*", "Formula"))
        #expect(Glob.matches("Q[0-9]?", "Q1x") && !Glob.matches("Q[!0-9]", "Q1") && Glob.matches("a*b*c", "aXbYbc"))
    }

    @Test("the sample lifecycle gives the numbers its README states")
    func sampleLifecycle() throws {
        let text = try String(contentsOf: fixture("one-call-lifecycle.ndjson"), encoding: .utf8)
        var engine = run(text.split(separator: "\n").map(String.init)).engine
        let q = engine.snapshot(wallNow: 0).queues[0]
        #expect(q.name.string == "Billing")
        #expect(q.totals.offered == 1 && q.totals.answered == 1 && q.totals.answeredWithinSL == 1)
        #expect(q.totals.waitMillis == 11_900)
        #expect(q.totals.holdMillis == 40_500 && q.totals.holds == 1)
        #expect(q.totals.talkMillis == 305_480 && q.totals.completed == 1)
        #expect(q.totals.acwMillis == 45_000 && q.totals.acwCompleted == 1)
    }

    @Test("sl formulas example with each formula, and with a per-queue override",
          arguments: [("standard", 8.0 / 13.0), ("answered", 0.8), ("removed_within", 10.0 / 14.0)])
    func slExample(_ formula: String, _ expected: Double) throws {
        let text = try String(contentsOf: fixture("12_sl_formulas.ndjson"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        var settings = Settings()
        settings.policy.formula = ServiceLevelFormula(rawValue: formula)!
        var q = queueAfter(lines, "Formula", settings: settings)!
        #expect(DerivedValues(q.totals, formula: q.policy.formula).serviceLevel == expected)
        settings = Settings()
        settings.overrides = [QueueOverride(patterns: ["Form*"], formula: ServiceLevelFormula(rawValue: formula)!)]
        q = queueAfter(lines, "Formula", settings: settings)!
        #expect(q.policy.formula.rawValue == formula)
        #expect(DerivedValues(q.totals, formula: q.policy.formula).serviceLevel == expected)
        #expect(DerivedValues(q.totals, formula: q.policy.formula).abandonRate == 3.0 / 14.0)
    }

    @Test("the worked examples match their expected snapshots exactly",
          arguments: ["01_lifecycles", "02_window_edges", "04_dedupe_order", "12_sl_formulas"])
    func workedExamples(_ name: String) throws {
        let input = try Data(contentsOf: fixture(name + ".ndjson"))
        var engine = run([String(decoding: input, as: UTF8.self)]).engine
        let rendered = SnapshotJSON.withoutForecast(SnapshotJSON.render(engine.snapshot(wallNow: 0)))
        let expected = try String(contentsOf: fixture(name + ".expected.json"), encoding: .utf8)
        #expect(rendered == expected)
    }
}
