import Foundation
import Testing
@testable import CallPulseCore

/// Interval bins and reports (docs/spec/intervals.md).
struct IntervalTests {
    private func instant(_ text: String) -> EpochMillis { Timestamp.parseRFC3339(text)! }

    private func settings(_ zone: String, length: Int = 15) -> Settings {
        var settings = Settings()
        settings.clock = .event
        settings.timezone = zone
        settings.intervals.lengthMinutes = length
        return settings
    }

    /// Steps of one local day (given by an instant inside it): local start times with offsets.
    private func day(_ zone: String, _ inside: String, step: Int) -> [String] {
        let calendar = BinCalendar(timeZone: zone)!
        let boundaries = calendar.boundaries(of: calendar.days.day(containing: instant(inside)), stepMinutes: step)
        return zip(boundaries.starts, boundaries.offsets).map { Timestamp.formatLocal($0, offsetSeconds: $1) }
    }

    @Test("bins per day, by zone and step: DST days have 92 and 100 quarter hours",
          arguments: [
              // zone, an instant in the day, step minutes, steps, first, last
              ("Europe/Paris", "2026-03-29T12:00:00+02:00", 15, 92, "2026-03-29T00:00:00+01:00", "2026-03-29T23:45:00+02:00"),
              ("Europe/Paris", "2026-03-29T12:00:00+02:00", 30, 46, "2026-03-29T00:00:00+01:00", "2026-03-29T23:30:00+02:00"),
              ("Europe/Paris", "2026-03-29T12:00:00+02:00", 60, 23, "2026-03-29T00:00:00+01:00", "2026-03-29T23:00:00+02:00"),
              ("Europe/Paris", "2026-10-25T12:00:00+01:00", 15, 100, "2026-10-25T00:00:00+02:00", "2026-10-25T23:45:00+01:00"),
              ("Europe/Paris", "2026-10-25T12:00:00+01:00", 30, 50, "2026-10-25T00:00:00+02:00", "2026-10-25T23:30:00+01:00"),
              ("Europe/Paris", "2026-10-25T12:00:00+01:00", 60, 25, "2026-10-25T00:00:00+02:00", "2026-10-25T23:00:00+01:00"),
              ("America/New_York", "2026-03-08T12:00:00-04:00", 15, 92, "2026-03-08T00:00:00-05:00", "2026-03-08T23:45:00-04:00"),
              ("America/New_York", "2026-11-01T12:00:00-05:00", 15, 100, "2026-11-01T00:00:00-04:00", "2026-11-01T23:45:00-05:00"),
              ("America/New_York", "2026-11-01T12:00:00-05:00", 60, 25, "2026-11-01T00:00:00-04:00", "2026-11-01T23:00:00-05:00"),
              ("Asia/Kathmandu", "2026-11-24T12:00:00+05:45", 15, 96, "2026-11-24T00:00:00+05:45", "2026-11-24T23:45:00+05:45"),
              ("Asia/Kathmandu", "2026-11-24T12:00:00+05:45", 60, 24, "2026-11-24T00:00:00+05:45", "2026-11-24T23:00:00+05:45"),
              ("Asia/Kolkata", "2026-11-24T12:00:00+05:30", 30, 48, "2026-11-24T00:00:00+05:30", "2026-11-24T23:30:00+05:30"),
              ("UTC", "2026-11-24T12:00:00Z", 15, 96, "2026-11-24T00:00:00+00:00", "2026-11-24T23:45:00+00:00"),
              ("Europe/Paris", "2026-03-29T12:00:00+02:00", 0, 1, "2026-03-29T00:00:00+01:00", "2026-03-29T00:00:00+01:00"),
          ])
    func binsPerDay(zone: String, inside: String, step: Int, count: Int, first: String, last: String) {
        let starts = day(zone, inside, step: step)
        #expect(starts.count == count)
        #expect(Set(starts).count == starts.count, "no duplicate keys")
        #expect(starts.first == first)
        #expect(starts.last == last)
    }

    @Test("the repeated hour has its bins twice with different offsets; the skipped hour has none")
    func repeatedAndSkippedHours() {
        let fall = day("Europe/Paris", "2026-10-25T12:00:00+01:00", step: 15)
        #expect(fall[8...15] == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:15:00+02:00", "2026-10-25T02:30:00+02:00",
                                 "2026-10-25T02:45:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:15:00+01:00",
                                 "2026-10-25T02:30:00+01:00", "2026-10-25T02:45:00+01:00"])
        let spring = day("Europe/Paris", "2026-03-29T12:00:00+02:00", step: 15)
        #expect(spring[7...8] == ["2026-03-29T01:45:00+01:00", "2026-03-29T03:00:00+02:00"])
        // Kathmandu's quarter hours are at local :00, :15, :30, :45, which are :15, :30, :45, :00 in UTC.
        let kathmandu = day("Asia/Kathmandu", "2026-11-24T12:00:00+05:45", step: 15)
        #expect(kathmandu.allSatisfy { ["00", "15", "30", "45"].contains($0.dropFirst(14).prefix(2)) })
    }

    /// Calls answered every 7 minutes across a local midnight, and an event clock moved on.
    private func traffic(from start: EpochMillis, calls: Int) -> [String] {
        var lines: [String] = []
        for n in 0..<calls {
            let base = Double(start - t0) / 1000 + Double(n) * 420
            lines += [eventLine("c\(n)", "connecting", base), eventLine("c\(n)", "connected", base + 15),
                      eventLine("c\(n)", "Dropped", base + 200)]
        }
        return lines
    }

    @Test("bins of the current day sum to today; all bins to totals; each effect in the bin of its time")
    func binsSumToTodayAndTotals() throws {
        for zone in ["Europe/Paris", "Asia/Kathmandu", "America/New_York"] {
            let settings = settings(zone)
            var engine = run(traffic(from: instant("2026-11-24T17:30:00Z"), calls: 110), settings: settings).engine
            let snapshot = engine.snapshot(wallNow: 0)
            let queue = try #require(snapshot.queues.first)
            let today = try engine.intervals(IntervalQuery(), wallNow: 0)
            let all = try engine.intervals(IntervalQuery(from: instant("2026-11-20T00:00:00Z"), to: snapshot.generatedAt + 1),
                                           wallNow: 0)
            var todaySum = Counters(), allSum = Counters()
            for row in today.rows { todaySum.add(row.counters) }
            for row in all.rows { allSum.add(row.counters) }
            #expect(todaySum == queue.today, "\(zone)")
            #expect(allSum == queue.totals, "\(zone)")
            #expect(todaySum.offered > 0 && todaySum != allSum, "\(zone): the traffic crosses a local midnight")
            // Offered at each call's own time: one per 7 minutes, so two or three per quarter hour.
            #expect(all.rows.filter { $0.start >= instant("2026-11-24T20:15:00Z") && $0.end <= instant("2026-11-24T23:00:00Z") }
                .allSatisfy { (2...3).contains($0.counters.offered) }, "\(zone)")
            #expect(today.rows.last?.complete == false && today.rows.dropLast().allSatisfy(\.complete))
        }
    }

    @Test("a late event lands in the bin of its own time, not the current one")
    func lateEffectsLandInTheirOwnBin() throws {
        let lines = [eventLine("a", "connecting", 0), eventLine("b", "connecting", 1800),
                     eventLine("a", "connected", 20)]  // a's own time is in 10:00–10:15, now is 10:30
        var engine = run(lines, settings: settings("UTC")).engine
        let report = try engine.intervals(IntervalQuery(from: at(0), to: at(2700)), wallNow: 0)
        #expect(report.rows.map(\.counters.offered) == [1, 0, 1])
        #expect(report.rows.map(\.counters.answered) == [1, 0, 0])
        #expect(report.rows.map(\.complete) == [true, true, false])
    }

    @Test("steps roll base bins up; from is rounded down and to up; every step listed with zeros")
    func rollUpsAndRounding() throws {
        var engine = run(traffic(from: instant("2026-11-24T08:00:00Z"), calls: 40), settings: settings("UTC")).engine
        let base = try engine.intervals(IntervalQuery(from: instant("2026-11-24T07:50:00Z"), to: instant("2026-11-24T12:05:00Z")),
                                        wallNow: 0)
        #expect(base.rows.count == 18)
        #expect(Timestamp.formatLocal(base.from, offsetSeconds: base.fromOffset) == "2026-11-24T07:45:00+00:00")
        #expect(Timestamp.formatLocal(base.to, offsetSeconds: base.toOffset) == "2026-11-24T12:15:00+00:00")
        #expect(base.rows.first?.counters == .zero)
        for (step, width) in [(30, 2), (60, 4)] {
            let rolled = try engine.intervals(IntervalQuery(from: instant("2026-11-24T08:00:00Z"), to: instant("2026-11-24T12:00:00Z"),
                                                            stepMinutes: step), wallNow: 0)
            let quarters = base.rows.dropFirst().prefix(16).map(\.counters.offered)
            #expect(rolled.rows.map(\.counters.offered)
                    == stride(from: 0, to: 16, by: width).map { quarters[$0..<($0 + width)].reduce(0, +) })
        }
        let day = try engine.intervals(IntervalQuery(stepMinutes: 0), wallNow: 0)
        #expect(day.rows.count == 1 && day.rows[0].counters.offered == 40 && day.step == "1d")
        #expect(try engine.intervals(IntervalQuery(queues: ["nobody"]), wallNow: 0).rows.isEmpty)
    }

    @Test("bad queries name their parameter")
    func badQueries() throws {
        var thirty = settings("UTC", length: 30)
        thirty.clock = .event
        var engine = run(traffic(from: t0, calls: 2), settings: thirty).engine
        #expect(throws: CoreError(.badStep, "step '15m' must be a whole multiple of the interval length 30m (or 1d)")) {
            try engine.intervals(IntervalQuery(stepMinutes: 15), wallNow: 0)
        }
        #expect(throws: CoreError(.badFrom, "from 2026-11-25T00:00:00+00:00 is after to 2026-11-24T00:00:00+00:00")) {
            try engine.intervals(IntervalQuery(from: instant("2026-11-25T00:00:00Z"), to: instant("2026-11-24T00:00:00Z")),
                                 wallNow: 0)
        }
        #expect(throws: CoreError(.badTo,
                                  "to 2026-11-23T00:00:00+00:00 is before from, the start of today (2026-11-24T00:00:00+00:00)")) {
            try engine.intervals(IntervalQuery(to: instant("2026-11-23T00:00:00Z")), wallNow: 0)
        }
        do {
            _ = try engine.intervals(IntervalQuery(from: 0, to: instant("2100-01-01T00:00:00Z"), stepMinutes: 30), wallNow: 0)
            Issue.record("a 130-year range in half hours was answered")
        } catch {
            #expect(error.kind == .tooManyRows)
        }
        // The limit is the caller's: `callpulse report` passes none.
        let week = IntervalQuery(from: instant("2026-11-18T00:00:00Z"), to: instant("2026-11-25T00:00:00Z"))
        #expect(throws: CoreError.self) { try engine.intervals(week, wallNow: 0, rowLimit: 300) }
        #expect(try engine.intervals(week, wallNow: 0, rowLimit: .max).rows.count == 336)
    }

    @Test("retention: bins older than it are gone from answers and from memory")
    func retention() throws {
        var short = settings("UTC")
        short.intervals.retention = 86_400_000
        let lines = traffic(from: t0, calls: 3) + [eventLine("late", "connecting", 3 * 86_400)]
        var engine = run(lines, settings: short).engine
        let report = try engine.intervals(IntervalQuery(from: t0 - 3_600_000, stepMinutes: 0), wallNow: 0)
        #expect(report.rows.map(\.counters.offered) == [0, 0, 0, 1])
        #expect(engine.queues[0].bins.days.count == 1)
    }

    @Test("a bin too large for the compact form is kept exactly")
    func wideBins() {
        var bins = IntervalBins()
        let position = BinPosition(dayStart: 0, dayEnd: 86_400_000, slot: 3, slotCount: 96, start: 2_700_000, end: 3_600_000)
        var big = Counters()
        big.talkMillis = Int64(UInt32.max) - 5
        big.completed = 1
        bins.add(big, at: position)
        bins.add(big, at: position)
        var twice = big
        twice.add(big)
        #expect(bins.days[0].counters(3) == twice)
        #expect(bins.days[0].counters(2) == .zero)
        var many = Counters()
        many.offered = 70_000
        bins.add(many, at: BinPosition(dayStart: 86_400_000, dayEnd: 172_800_000, slot: 0, slotCount: 96, start: 86_400_000,
                                       end: 87_300_000))
        #expect(bins.days.map { $0.counters($0.start == 0 ? 3 : 0).offered } == [0, 70_000])
    }

    @Test("a checkpoint keeps every bin")
    func checkpointRoundTrip() throws {
        let settings = settings("Europe/Paris")
        var engine = run(traffic(from: instant("2026-11-24T20:00:00Z"), calls: 60), settings: settings).engine
        var restored = try Engine(settings: settings, restoring: engine.encodeState())
        let query = IntervalQuery(from: instant("2026-11-24T00:00:00Z"), to: instant("2026-11-26T00:00:00Z"))
        let before = IntervalRendering.json(try engine.intervals(query, wallNow: 0))
        let after = IntervalRendering.json(try restored.intervals(query, wallNow: 0))
        #expect(before == after)
    }

    @Test("CSV: RFC 4180 quoting, CRLF, the JSON key order, null as an empty field")
    func csvShape() throws {
        let lines = [eventLine("a", "connecting", 0, queue: #"Sales, \"EU\""#), eventLine("a", "connected", 12, queue: #"Sales, \"EU\""#)]
        var engine = run(lines, settings: settings("UTC")).engine
        let csv = String(decoding: IntervalRendering.csv(try engine.intervals(IntervalQuery(from: t0, to: t0 + 1), wallNow: 0)),
                         as: UTF8.self)
        let rows = csv.components(separatedBy: "\r\n")
        #expect(rows.count == 3 && rows[2].isEmpty)
        #expect(rows[0] == "queue,start,end,complete,offered,answered,answered_within_sl,missed,rejected,abandoned,"
                + "short_abandoned,abandoned_within_sl,completed,acw_completed,holds,wait_count,wait_seconds_sum,"
                + "talk_seconds_sum,hold_seconds_sum,acw_seconds_sum,service_level,abandon_rate,avg_wait_seconds,"
                + "avg_talk_seconds,avg_acw_seconds,avg_handle_seconds")
        #expect(rows[1] == "\"Sales, \"\"EU\"\"\",2026-11-24T10:00:00+00:00,2026-11-24T10:15:00+00:00,false,"
                + "1,1,1,0,0,0,0,0,0,0,0,1,12.0,0.0,0.0,0.0,1.0,0.0,12.0,,,")
    }

    @Test("from and to need their offset; a + sent unencoded (a space) still reads as +")
    func timesNeedTheirOffset() {
        #expect(IntervalQuery.parseTime("2026-11-24T09:00:00+01:00") == instant("2026-11-24T08:00:00Z"))
        #expect(IntervalQuery.parseTime("2026-11-24T09:00:00 01:00") == instant("2026-11-24T08:00:00Z"))
        #expect(IntervalQuery.parseTime("2026-11-24T08:00:00Z") == instant("2026-11-24T08:00:00Z"))
        #expect(IntervalQuery.parseTime("2026-11-24T08:00:00.5-05:00") == instant("2026-11-24T13:00:00.5Z"))
        for text in ["2026-11-24T09:00:00", "2026-11-24", "2026-11-24T09:00:00+0100", "1795514400000", "", "today"] {
            #expect(IntervalQuery.parseTime(text) == nil, "\(text)")
        }
    }

    @Test("live clock: an effect stamped in the future lands in the bin of now; retention counts from the wall clock")
    func liveClock() throws {
        var settings = Settings()
        settings.timezone = "Europe/Paris"
        var engine = try Engine(settings: settings)
        let received = instant("2026-11-24T10:07:00Z")
        for line in [eventLine("a", "connecting", 1800), eventLine("b", "connecting", 60)] {  // 10:30Z is ahead of now
            EventReader().read(JSONText(line)) { engine.process($0.outcome, receivedAt: received) }
        }
        let report = try engine.intervals(IntervalQuery(from: instant("2026-11-24T10:00:00Z"), to: instant("2026-11-24T10:45:00Z")),
                                          wallNow: received + 60_000)
        #expect(report.rows.map(\.counters.offered) == [2, 0, 0], "both in the bin holding now (11:00+01:00)")
        #expect(report.rows.map(\.complete) == [false, false, false])
        let later = received + 36 * 86_400_000
        let gone = try engine.intervals(IntervalQuery(from: instant("2026-11-24T10:00:00Z"), to: instant("2026-11-24T10:15:00Z")),
                                        wallNow: later)
        #expect(gone.rows.map(\.counters.offered) == [0] && gone.rows.map(\.complete) == [true])
    }

    @Test("a restore under another interval length keeps everything but the history, and says so")
    func otherLengthRestore() throws {
        let fifteen = settings("UTC")
        var engine = run(traffic(from: t0, calls: 5), settings: fifteen).engine
        var thirty = fifteen
        thirty.intervals.lengthMinutes = 30
        var restored = try Engine(settings: thirty, restoring: engine.encodeState())
        #expect(restored.restoreNote == "the interval history starts empty: the state was written with intervals.length 15m, now 30m")
        #expect(restored.snapshot(wallNow: 0).queues.first?.totals == engine.snapshot(wallNow: 0).queues.first?.totals)
        #expect(try restored.intervals(IntervalQuery(stepMinutes: 0), wallNow: 0).rows.first?.counters == .zero)
        #expect(try Engine(settings: fifteen, restoring: engine.encodeState()).restoreNote == nil)
    }

    @Test("retention 2d (the least allowed) keeps every bin of a 25-hour day while it is today")
    func shortestRetentionOnALongDay() throws {
        var paris = settings("Europe/Paris")
        paris.intervals.retention = 2 * 86_400_000
        let lines = [eventLine("a", "connecting", Double(instant("2026-10-25T00:05:00+02:00") - t0) / 1000),
                     eventLine("b", "connecting", Double(instant("2026-10-25T23:50:00+01:00") - t0) / 1000)]
        var engine = run(lines, settings: paris).engine
        let today = engine.snapshot(wallNow: 0).queues[0].today
        let day = try engine.intervals(IntervalQuery(stepMinutes: 0), wallNow: 0)
        #expect(today.offered == 2 && day.rows.map(\.counters.offered) == [2])
    }
}
