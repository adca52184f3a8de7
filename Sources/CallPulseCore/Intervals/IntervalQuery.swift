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

    /// The name of a step: `15m`, `30m`, `1h`, `1d`.
    public static func stepName(_ minutes: Int) -> String {
        steps.first { $0.minutes == minutes }?.name ?? canonicalWindowName(minutes: minutes)
    }

    /// The most rows one answer holds (queues × steps): a bigger range asks for a longer step.
    public static let maxRows = 1_000_000
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
    /// The start of the local day of the earliest effect, even one retention has dropped;
    /// nil before any effect.
    public var earliestEffectDay: EpochMillis? {
        earliestEffect.map { binLookup.calendar.days.day(containing: $0).start }
    }

    /// Answers `query` at `wallNow` (the live clock's `now`; the event clock uses its own).
    public mutating func intervals(_ query: IntervalQuery, wallNow: EpochMillis) throws(CoreError) -> IntervalReport {
        let now = advance(to: wallNow)
        let length = settings.intervals.lengthMinutes
        let step = query.stepMinutes ?? length
        guard step == 0 || (step >= length && step % length == 0) else {
            throw CoreError(.badStep,
                "step '\(IntervalQuery.stepName(step))' must be a whole multiple of the interval length "
                + "\(IntervalQuery.stepName(length)) (or 1d)")
        }
        let from = query.from ?? dayHolding(now).start
        let to = query.to ?? stepHolding(now, stepMinutes: step).end
        guard from <= to else {
            throw CoreError(.badFrom,
                "from \(Timestamp.format(from)) is after to \(Timestamp.format(to))")
        }
        let selected = sortedQueueIndices().filter { query.queues?.contains(queues[$0].name.string) ?? true }
        let stepLength: Int64 = step == 0 ? 86_400_000 : Int64(step) * 60_000
        let estimate = (to - from) / stepLength + 2
        guard estimate * Int64(max(selected.count, 1)) <= IntervalQuery.maxRows else {
            throw CoreError(.badTo,
                "from \(Timestamp.format(from)) to \(Timestamp.format(to)) in steps of \(IntervalQuery.stepName(step)) "
                + "is about \(estimate) rows per queue for \(selected.count) queues, over \(IntervalQuery.maxRows); "
                + "ask for a shorter range, fewer queues or a longer step")
        }
        let steps = self.steps(from: from, to: to, stepMinutes: step)
        let kept = now - settings.intervals.retention
        var rows: [IntervalRow] = []
        rows.reserveCapacity(steps.count * selected.count)
        for index in selected {
            let sums = stepSums(of: queues[index].bins, steps: steps, keptAfter: kept)
            for (position, range) in steps.enumerated() {
                rows.append(IntervalRow(queue: queues[index].name, start: range.start, startOffset: range.startOffset,
                                        end: range.end, endOffset: range.endOffset, complete: now >= range.end,
                                        counters: sums[position], formula: queues[index].policy.formula))
            }
        }
        let first = steps.first, last = steps.last
        return IntervalReport(timezone: settings.timezone, step: IntervalQuery.stepName(step),
                              from: first?.start ?? from, fromOffset: first?.startOffset ?? binLookup.calendar.offset(at: from),
                              to: last?.end ?? to, toOffset: last?.endOffset ?? binLookup.calendar.offset(at: to),
                              rows: rows)
    }

    /// The step holding `time`.
    mutating func stepHolding(_ time: EpochMillis, stepMinutes: Int) -> IntervalStep {
        let day = binLookup.calendar.days.day(containing: time)
        let boundaries = self.boundaries(of: day, stepMinutes: stepMinutes)
        return step(boundaries.slot(of: time), of: boundaries)
    }

    /// Every step that overlaps `[from, to)`, in order: `from` is rounded down and `to` up.
    mutating func steps(from: EpochMillis, to: EpochMillis, stepMinutes: Int) -> [IntervalStep] {
        var steps: [IntervalStep] = []
        var day = binLookup.calendar.days.day(containing: from)
        while day.start < to {
            let boundaries = self.boundaries(of: day, stepMinutes: stepMinutes)
            for slot in boundaries.starts.indices {
                let range = step(slot, of: boundaries)
                if range.start < to && range.end > from { steps.append(range) }
            }
            day = binLookup.calendar.days.day(containing: day.end)
        }
        return steps
    }

    private mutating func boundaries(of day: DayRange, stepMinutes: Int) -> DayBoundaries {
        stepMinutes == settings.intervals.lengthMinutes
            ? binLookup.boundaries(of: day) : binLookup.calendar.boundaries(of: day, stepMinutes: stepMinutes)
    }

    private func step(_ slot: Int, of boundaries: DayBoundaries) -> IntervalStep {
        let end = boundaries.end(ofSlot: slot)
        let endOffset = slot + 1 < boundaries.starts.count
            ? boundaries.offsets[slot + 1] : binLookup.calendar.offset(at: end)
        return IntervalStep(start: boundaries.starts[slot], startOffset: boundaries.offsets[slot], end: end,
                            endOffset: endOffset)
    }

    /// Per step, the sum of the base bins whose start falls in it and whose end is after `keptAfter`.
    private mutating func stepSums(of bins: IntervalBins, steps: [IntervalStep], keptAfter: EpochMillis) -> [Counters] {
        var sums = [Counters](repeating: .zero, count: steps.count)
        guard let first = steps.first, let last = steps.last else { return sums }
        var position = 0
        for day in bins.days where day.end > first.start && day.start < last.end {
            let boundaries = binLookup.boundaries(of: DayRange(start: day.start, end: day.end))
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
