/// The largest busy-agent count a queue had after any change within a trailing window
/// (`agents` when none is configured, docs/spec/forecast.md): a monotonic queue of
/// (time, count) with counts strictly falling from front to back, so each record and each
/// query costs amortized O(1) however many events arrive.
struct BusyPeaks: Sendable, Equatable {
    private var times: [EpochMillis] = []
    private var counts: [Int32] = []
    /// Entries before `head` are gone (dropped in bulk to keep `record` cheap).
    private var head = 0

    /// Notes `count` busy agents after a change at `now`; drops what `window` no longer holds.
    @inline(__always)
    mutating func record(_ count: Int, at now: EpochMillis, window: EpochMillis) {
        let value = Int32(clamping: count)
        // A later equal or larger count outlives every smaller or equal one before it.
        while counts.count > head, counts[counts.count - 1] <= value {
            times.removeLast()
            counts.removeLast()
        }
        times.append(now)
        counts.append(value)
        while head < times.count - 1, now - times[head] > window { head += 1 }
        if head > 64 && head * 2 > times.count {
            times.removeFirst(head)
            counts.removeFirst(head)
            head = 0
        }
    }

    /// The largest count recorded within `window` of `now` (changes at most `window` ago).
    func peak(at now: EpochMillis, window: EpochMillis) -> Int {
        var index = head
        while index < times.count, now - times[index] > window { index += 1 }
        return index < counts.count ? Int(counts[index]) : 0
    }
}

extension BusyPeaks {
    func write(to out: inout StateWriter) {
        out.plain(Array(times[head...]))
        out.plain(Array(counts[head...]))
    }

    mutating func read(from input: inout StateReader) throws(CoreError) {
        times = try input.plain()
        counts = try input.plain(count: times.count)
        head = 0
    }
}
