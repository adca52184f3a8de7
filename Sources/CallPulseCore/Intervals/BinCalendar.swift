import Foundation

/// The boundaries of one local day for one step: sorted instants, the first the day's start,
/// each with the zone's offset in force there.
public struct DayBoundaries: Sendable {
    public let day: DayRange
    public let starts: [EpochMillis]
    /// Seconds east of UTC at each start.
    public let offsets: [Int32]

    /// The index of the bin holding `time` (which the day must contain).
    func slot(of time: EpochMillis) -> Int {
        var low = 0, high = starts.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if starts[middle] <= time { low = middle } else { high = middle }
        }
        return low
    }

    /// Where bin `slot` ends: the next start, or the day's end.
    func end(ofSlot slot: Int) -> EpochMillis { slot + 1 < starts.count ? starts[slot + 1] : day.end }
}

/// Finds interval boundaries in an IANA zone (docs/spec/intervals.md, "Bins"): the instants at
/// which the local wall-clock time is a whole multiple of the step after local midnight,
/// plus each day's start. A skipped hour has no bins; a repeated hour has its bins twice,
/// with different offsets.
public struct BinCalendar: Sendable {
    public let days: DayCalendar
    private let zone: TimeZone

    /// Nil when the time zone name is unknown.
    public init?(timeZone identifier: String) {
        guard let days = DayCalendar(timeZone: identifier), let zone = TimeZone(identifier: identifier) else { return nil }
        self.days = days
        self.zone = zone
    }

    /// Seconds east of UTC in force at `time`.
    public func offset(at time: EpochMillis) -> Int32 {
        Int32(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(floorDiv(time, 1000)))))
    }

    /// The boundaries of `day` for steps of `stepMinutes`; 0 means one step per day.
    public func boundaries(of day: DayRange, stepMinutes: Int) -> DayBoundaries {
        let firstOffset = offset(at: day.start)
        guard stepMinutes > 0 else { return DayBoundaries(day: day, starts: [day.start], offsets: [firstOffset]) }
        // The offsets in force during the day: sampled every 15 minutes, since zones change
        // offset at most a few times a year and never for less than that.
        var offsets: [Int32] = [firstOffset]
        var probe = day.start
        while probe < day.end {
            let value = offset(at: probe)
            if !offsets.contains(value) { offsets.append(value) }
            probe += 900_000
        }
        let last = offset(at: day.end - 1)
        if !offsets.contains(last) { offsets.append(last) }

        let step = Int64(stepMinutes) * 60_000
        let localMidnight = floorDiv(day.start + Int64(firstOffset) * 1000, 86_400_000) * 86_400_000
        var found: [(EpochMillis, Int32)] = [(day.start, firstOffset)]
        // A local day spans at most 27 hours of wall-clock readings (a 26-hour day plus a start after midnight).
        var local = localMidnight
        while local < localMidnight + 27 * 3_600_000 {
            for candidate in offsets {
                let instant = local - Int64(candidate) * 1000
                if instant > day.start && instant < day.end && offset(at: instant) == candidate {
                    found.append((instant, candidate))
                }
            }
            local += step
        }
        found.sort { $0.0 < $1.0 }
        var starts: [EpochMillis] = [], inForce: [Int32] = []
        for (instant, value) in found where starts.last != instant {
            starts.append(instant)
            inForce.append(value)
        }
        return DayBoundaries(day: day, starts: starts, offsets: inForce)
    }
}
