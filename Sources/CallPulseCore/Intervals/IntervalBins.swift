/// Where an effect lands: bin `slot` of the local day starting at `dayStart`.
struct BinPosition: Sendable, Equatable {
    var dayStart: EpochMillis
    var dayEnd: EpochMillis
    var slot: Int
    var slotCount: Int
    /// The bin's own range, for the next lookup's fast path.
    var start: EpochMillis
    var end: EpochMillis
}

/// One queue's bins of one local day. Kept compact until a value outgrows `CompactCounters`,
/// then the whole day is kept wide: exact either way.
struct DayBins: Sendable {
    let start: EpochMillis
    let end: EpochMillis
    private(set) var compact: [CompactCounters]
    /// Empty unless the day was widened.
    private(set) var wide: [Counters] = []

    init(start: EpochMillis, end: EpochMillis, slotCount: Int) {
        self.start = start
        self.end = end
        compact = [CompactCounters](repeating: .zero, count: slotCount)
    }

    var slotCount: Int { wide.isEmpty ? compact.count : wide.count }

    func counters(_ slot: Int) -> Counters { wide.isEmpty ? compact[slot].counters : wide[slot] }

    mutating func add(_ delta: Counters, slot: Int) {
        if wide.isEmpty {
            var sum = compact[slot].counters
            sum.add(delta)
            if let fits = CompactCounters(sum) {
                compact[slot] = fits
                return
            }
            wide = compact.map(\.counters)
            compact = []
        }
        wide[slot].add(delta)
    }
}

/// A queue's interval history (docs/spec/intervals.md): the days with any effect, oldest first.
struct IntervalBins: Sendable {
    private(set) var days: [DayBins] = []

    mutating func add(_ delta: Counters, at position: BinPosition) {
        // Effects land mostly in the newest day: search from the end.
        var index = days.count
        while index > 0 && days[index - 1].start > position.dayStart { index -= 1 }
        if index == 0 || days[index - 1].start != position.dayStart {
            days.insert(DayBins(start: position.dayStart, end: position.dayEnd, slotCount: position.slotCount), at: index)
            index += 1
        }
        days[index - 1].add(delta, slot: position.slot)
    }

    /// Drops the days that ended at or before `cutoff`; returns the end of the latest one dropped.
    @discardableResult
    mutating func prune(endingBy cutoff: EpochMillis) -> EpochMillis? {
        let kept = days.firstIndex { $0.end > cutoff } ?? days.count
        guard kept > 0 else { return nil }
        let end = days[kept - 1].end
        days.removeFirst(kept)
        return end
    }

    /// Keeps only the days `isValid` accepts.
    mutating func keepDays(where isValid: (DayBins) -> Bool) {
        days.removeAll { !isValid($0) }
    }

    /// The day starting at `start`, if it has any effect.
    func day(startingAt start: EpochMillis) -> DayBins? {
        var index = days.count
        while index > 0 && days[index - 1].start > start { index -= 1 }
        return index > 0 && days[index - 1].start == start ? days[index - 1] : nil
    }
}

extension IntervalBins {
    func write(to out: inout StateWriter) {
        out.int(days.count)
        for day in days {
            out.int(day.start)
            out.int(day.end)
            out.plain(day.compact)
            out.plain(day.wide)
        }
    }

    mutating func read(from input: inout StateReader) throws(CoreError) {
        days = []
        for _ in 0..<(try input.count(max: 1_000_000)) {
            let start = try input.int(), end = try input.int()
            let compact: [CompactCounters] = try input.plain()
            let wide: [Counters] = try input.plain()
            guard compact.isEmpty != wide.isEmpty, end > start, days.last.map({ $0.start < start }) ?? true else {
                throw CoreError(.unreadableState, "the interval history of a queue is malformed")
            }
            days.append(DayBins(start: start, end: end, compact: compact, wide: wide))
        }
    }
}

extension DayBins {
    fileprivate init(start: EpochMillis, end: EpochMillis, compact: [CompactCounters], wide: [Counters]) {
        self.start = start
        self.end = end
        self.compact = compact
        self.wide = wide
    }
}
