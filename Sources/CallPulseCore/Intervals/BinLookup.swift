/// Finds the bin of an instant. Remembers the last two bins (effects arrive near `now`, a
/// few just before a boundary) and the boundaries of recent days, since computing a day's
/// boundaries takes a hundred time-zone lookups.
struct BinLookup: Sendable {
    let calendar: BinCalendar
    let lengthMinutes: Int
    private var last: BinPosition?
    private var previous: BinPosition?
    private var boundariesByDay: [EpochMillis: DayBoundaries] = [:]

    init(calendar: BinCalendar, lengthMinutes: Int) {
        self.calendar = calendar
        self.lengthMinutes = lengthMinutes
    }

    @inline(__always)
    mutating func position(of time: EpochMillis) -> BinPosition {
        if let last, time >= last.start && time < last.end { return last }
        if let previous, time >= previous.start && time < previous.end {
            swap(&self.last, &self.previous)
            return previous
        }
        let day = calendar.days.day(containing: time)
        let boundaries = self.boundaries(of: day)
        let slot = boundaries.slot(of: time)
        let found = BinPosition(dayStart: day.start, dayEnd: day.end, slot: slot, slotCount: boundaries.starts.count,
                                start: boundaries.starts[slot], end: boundaries.end(ofSlot: slot))
        previous = last
        last = found
        return found
    }

    /// The base bins' boundaries of `day`.
    mutating func boundaries(of day: DayRange) -> DayBoundaries {
        if let cached = boundariesByDay[day.start] { return cached }
        if boundariesByDay.count >= 512 { boundariesByDay.removeAll(keepingCapacity: true) }
        let computed = calendar.boundaries(of: day, stepMinutes: lengthMinutes)
        boundariesByDay[day.start] = computed
        return computed
    }
}
