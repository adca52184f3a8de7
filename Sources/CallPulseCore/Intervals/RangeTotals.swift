extension Engine {
    /// The sum of a queue's whole bins whose starts lie in `[from, to)`: what a seasonal spike
    /// baseline reads for one period back (docs/spec/forecast.md, "Spike rules"). Nil when the
    /// range starts before `observedSince` or before what retention keeps at `now`: zeros
    /// there would mean "not seen", not "quiet".
    public mutating func rangeTotals(queue name: String, from: EpochMillis, to: EpochMillis,
                                     now: EpochMillis) -> Counters? {
        guard let since = observedSince, from >= since, from >= now - settings.intervals.retention else { return nil }
        guard let index = queueIndex[ByteString(name)] else { return .zero }
        var sum = Counters.zero
        for day in queues[Int(index)].bins.days where day.end > from && day.start < to {
            let starts = binLookup.boundaries(of: DayRange(start: day.start, end: day.end)).starts
            for slot in 0..<min(starts.count, day.slotCount) where starts[slot] >= from && starts[slot] < to {
                sum.add(day.counters(slot))
            }
        }
        return sum
    }
}
