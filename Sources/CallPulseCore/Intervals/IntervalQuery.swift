/// What `GET /api/v1/intervals` and `callpulse report` ask for (docs/spec/intervals.md).
public struct IntervalQuery: Sendable, Equatable {
    /// Queues to list; nil lists every known queue. Unknown names give no rows.
    public var queues: [String]?
    /// Start of the range, rounded down to a step boundary; nil: the start of today.
    public var from: EpochMillis?
    /// End of the range (exclusive), rounded up to a step boundary; nil: the end of the step holding `now`.
    public var to: EpochMillis?
    /// Step in minutes, 0 for one local day; nil: the configured length.
    public var stepMinutes: Int?

    public init(queues: [String]? = nil, from: EpochMillis? = nil, to: EpochMillis? = nil, stepMinutes: Int? = nil) {
        self.queues = queues
        self.from = from
        self.to = to
        self.stepMinutes = stepMinutes
    }

    /// The steps a query may ask for, in minutes (0 is `1d`), with their names.
    public static let steps: [(name: String, minutes: Int)] = [("15m", 15), ("30m", 30), ("1h", 60), ("1d", 0)]

    /// `from` and `to`: RFC 3339 with its offset (`Z` or `±hh:mm`); without one, local time or
    /// UTC would be a guess. A `+` that arrived as a space (a query string not encoded) reads as `+`.
    public static func parseTime(_ text: String) -> EpochMillis? {
        var bytes = Array(text.utf8)
        if bytes.count == 25, bytes[19] == UInt8(ascii: " ") { bytes[19] = UInt8(ascii: "+") }
        guard let last = bytes.last else { return nil }
        let zulu = last == UInt8(ascii: "Z") || last == UInt8(ascii: "z")
        let offset = bytes.count >= 6 && [UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[bytes.count - 6])
            && bytes[bytes.count - 3] == UInt8(ascii: ":")
        guard zulu || offset else { return nil }
        return Timestamp.parseRFC3339(String(decoding: bytes, as: UTF8.self))
    }

    /// What a bad `from` or `to` is told.
    public static func timeProblem(_ name: String, _ text: String) -> String {
        "\(name) '\(text)' is not an RFC 3339 time with its offset, such as 2026-11-24T09:00:00+01:00 or "
            + "2026-11-24T08:00:00Z (in a URL, + is %2B)"
    }

    /// The minutes of a step named `15m`, `30m`, `1h` or `1d` (0); nil for any other name.
    public static func stepMinutes(named name: String) -> Int? {
        steps.first { $0.name == name }?.minutes
    }

    /// What a bad `step` is told.
    public static func stepProblem(_ name: String, _ text: String) -> String {
        "\(name) '\(text)' must be one of 15m, 30m, 1h, 1d"
    }

    /// The name of a step: `15m`, `30m`, `1h`, `1d`.
    public static func stepName(_ minutes: Int) -> String {
        steps.first { $0.minutes == minutes }?.name ?? canonicalWindowName(minutes: minutes)
    }

    /// The most rows one answer of the endpoint holds (queues × steps), about 180 MB of JSON:
    /// a bigger range asks for a longer step. `callpulse report` has no limit.
    public static let maxRows = 250_000
}

/// One interval of one queue.
public struct IntervalRow: Sendable {
    public var queue: ByteString
    public var start: EpochMillis
    public var startOffset: Int32
    public var end: EpochMillis
    public var endOffset: Int32
    /// `now ≥ end`: the interval's time is over (a late event may still land in it).
    public var complete: Bool
    public var counters: Counters
    public var formula: ServiceLevelFormula
}

/// An answer: every step of the range for every selected queue, by queue then start.
public struct IntervalReport: Sendable {
    public var timezone: String
    public var step: String
    public var from: EpochMillis
    public var fromOffset: Int32
    public var to: EpochMillis
    public var toOffset: Int32
    public var rows: [IntervalRow]
}

/// One step of a range: `[start, end)` with the offsets in force at each end.
struct IntervalStep {
    var start: EpochMillis
    var startOffset: Int32
    var end: EpochMillis
    var endOffset: Int32
}

extension Engine {
    /// Drops restored days whose range or bin count today's time-zone rules do not give (the
    /// system's tzdata changed since they were written): their bins could not be placed.
    mutating func dropBinsOfOtherZoneRules() {
        var valid: [EpochMillis: Bool] = [:]
        for index in queues.indices {
            queues[index].bins.keepDays { day in
                if let known = valid[day.start] { return known }
                let range = binLookup.calendar.days.day(containing: day.start)
                let fits = range.start == day.start && range.end == day.end
                    && binLookup.boundaries(of: range).starts.count == day.slotCount
                valid[day.start] = fits
                return fits
            }
        }
    }

    /// `time` as local time with its offset in the configured zone (`2026-11-24T09:00:00+01:00`).
    public func localTime(_ time: EpochMillis) -> String {
        Timestamp.formatLocal(time, offsetSeconds: binLookup.calendar.offset(at: time))
    }

    /// The start of the local day of the earliest effect, even one retention has dropped;
    /// nil before any effect.
    public var earliestEffectDay: EpochMillis? {
        earliestEffect.map { binLookup.calendar.days.day(containing: $0).start }
    }

    /// Answers `query` at `wallNow` (the live clock's `now`; the event clock uses its own).
    public mutating func intervals(_ query: IntervalQuery, wallNow: EpochMillis,
                                   rowLimit: Int = IntervalQuery.maxRows) throws(CoreError) -> IntervalReport {
        var source = try intervalSource(query, wallNow: wallNow, rowLimit: rowLimit)
        return source.report()
    }

    /// What answering `query` needs from the engine, checked: the clock, the range and copies
    /// of the selected queues' bins. Cheap (copy-on-write), so the daemon takes it under the
    /// engine's lock and computes the answer after.
    public mutating func intervalSource(_ query: IntervalQuery, wallNow: EpochMillis,
                                        rowLimit: Int = IntervalQuery.maxRows) throws(CoreError) -> IntervalSource {
        let now = advance(to: wallNow)
        let length = settings.intervals.lengthMinutes
        let step = query.stepMinutes ?? length
        guard step == 0 || (step >= length && step % length == 0) else {
            throw CoreError(.badStep,
                "step '\(IntervalQuery.stepName(step))' must be a whole multiple of the interval length "
                + "\(IntervalQuery.stepName(length)) (or 1d)")
        }
        let from = query.from ?? dayHolding(now).start
        var source = IntervalSource(timezone: settings.timezone, lengthMinutes: length, stepMinutes: step, now: now,
                                    from: from, to: from, keptAfter: now - settings.intervals.retention, queues: [],
                                    lookup: binLookup)
        let to = query.to ?? source.stepHolding(now).end
        source.to = to
        guard from <= to else {
            throw query.from == nil
                ? CoreError(.badTo, "to \(localTime(to)) is before from, the start of today (\(localTime(from)))")
                : CoreError(.badFrom, "from \(localTime(from)) is after to \(localTime(to))")
        }
        let selected = sortedQueueIndices().filter { query.queues?.contains(queues[$0].name.string) ?? true }
        let stepLength: Int64 = step == 0 ? 86_400_000 : Int64(step) * 60_000
        let estimate = (to - from) / stepLength + 2
        guard estimate.multipliedReportingOverflow(by: Int64(max(selected.count, 1))).partialValue <= rowLimit,
              estimate <= rowLimit else {
            throw CoreError(.tooManyRows,
                "from \(localTime(from)) to \(localTime(to)) in steps of \(IntervalQuery.stepName(step)) is about \(estimate) "
                + "rows per queue for \(selected.count) queues, over \(rowLimit); ask for a shorter range, fewer queues "
                + "or a longer step")
        }
        source.queues = selected.map { (queues[$0].name, queues[$0].policy.formula, queues[$0].bins) }
        return source
    }
}

/// Everything one interval answer needs, taken from the engine (`Engine.intervalSource`):
/// `report()` reads no engine state.
public struct IntervalSource: Sendable {
    let timezone: String
    let lengthMinutes: Int
    let stepMinutes: Int
    let now: EpochMillis
    let from: EpochMillis
    var to: EpochMillis
    /// Bins ending at or before this are past the retention: they count as zero.
    let keptAfter: EpochMillis
    var queues: [(name: ByteString, formula: ServiceLevelFormula, bins: IntervalBins)]
    var lookup: BinLookup

    /// Every step of the range for every queue, by queue then start.
    public mutating func report() -> IntervalReport {
        let steps = self.steps()
        var rows: [IntervalRow] = []
        rows.reserveCapacity(steps.count * queues.count)
        for queue in queues {
            let sums = stepSums(of: queue.bins, steps: steps)
            for (position, range) in steps.enumerated() {
                rows.append(IntervalRow(queue: queue.name, start: range.start, startOffset: range.startOffset,
                                        end: range.end, endOffset: range.endOffset, complete: now >= range.end,
                                        counters: sums[position], formula: queue.formula))
            }
        }
        let first = steps.first, last = steps.last
        return IntervalReport(timezone: timezone, step: IntervalQuery.stepName(stepMinutes),
                              from: first?.start ?? from, fromOffset: first?.startOffset ?? lookup.calendar.offset(at: from),
                              to: last?.end ?? to, toOffset: last?.endOffset ?? lookup.calendar.offset(at: to),
                              rows: rows)
    }

    /// The step holding `time`.
    mutating func stepHolding(_ time: EpochMillis) -> IntervalStep {
        let boundaries = self.boundaries(of: lookup.calendar.days.day(containing: time))
        return step(boundaries.slot(of: time), of: boundaries)
    }

    /// Every step that overlaps `[from, to)`, in order: `from` is rounded down and `to` up.
    mutating func steps() -> [IntervalStep] {
        var steps: [IntervalStep] = []
        var day = lookup.calendar.days.day(containing: from)
        while day.start < to {
            let boundaries = self.boundaries(of: day)
            for slot in boundaries.starts.indices {
                let range = step(slot, of: boundaries)
                if range.start < to && range.end > from { steps.append(range) }
            }
            day = lookup.calendar.days.day(containing: day.end)
        }
        return steps
    }

    private mutating func boundaries(of day: DayRange) -> DayBoundaries {
        stepMinutes == lengthMinutes ? lookup.boundaries(of: day) : lookup.calendar.boundaries(of: day, stepMinutes: stepMinutes)
    }

    private func step(_ slot: Int, of boundaries: DayBoundaries) -> IntervalStep {
        let end = boundaries.end(ofSlot: slot)
        let endOffset = slot + 1 < boundaries.starts.count ? boundaries.offsets[slot + 1] : lookup.calendar.offset(at: end)
        return IntervalStep(start: boundaries.starts[slot], startOffset: boundaries.offsets[slot], end: end,
                            endOffset: endOffset)
    }

    /// Per step, the sum of the base bins whose start falls in it and which retention keeps.
    private mutating func stepSums(of bins: IntervalBins, steps: [IntervalStep]) -> [Counters] {
        var sums = [Counters](repeating: .zero, count: steps.count)
        guard let first = steps.first, let last = steps.last else { return sums }
        var position = 0
        for day in bins.days where day.end > first.start && day.start < last.end {
            let boundaries = lookup.boundaries(of: DayRange(start: day.start, end: day.end))
            // A day recorded under other time-zone rules (tzdata changed since) has no bins today's rules can place.
            guard boundaries.starts.count == day.slotCount else { continue }
            for slot in 0..<day.slotCount {
                let start = boundaries.starts[slot]
                guard start >= first.start, start < last.end, boundaries.end(ofSlot: slot) > keptAfter else { continue }
                while steps[position].end <= start { position += 1 }
                if steps[position].start <= start { sums[position].add(day.counters(slot)) }
            }
        }
        return sums
    }
}
