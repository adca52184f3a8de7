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
        let days = queues[Int(index)].bins.days
        // Days are in order: start at the first that ends after `from` (a range spans one or two).
        var low = 0, high = days.count
        while low < high {
            let middle = (low + high) / 2
            if days[middle].end > from { high = middle } else { low = middle + 1 }
        }
        for day in days[low...] {
            guard day.start < to else { break }
            let starts = binLookup.boundaries(of: DayRange(start: day.start, end: day.end)).starts
            for slot in 0..<min(starts.count, day.slotCount) where starts[slot] >= from && starts[slot] < to {
                sum.add(day.counters(slot))
            }
        }
        return sum
    }
}
