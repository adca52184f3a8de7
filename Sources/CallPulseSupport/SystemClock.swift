#if canImport(Glibc)
import Glibc
#endif

/// The process's clocks. The pure core never reads them: the daemon passes `wallMillis()`
/// in as "now" (docs/architecture.md, "Clocks").
public enum SystemClock {
    /// Wall-clock time in milliseconds since the Unix epoch: the live clock's now.
    public static func wallMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec / 1_000_000)
    }

    /// Monotonic nanoseconds: for measuring durations and deadlines, never for event time.
    public static func monotonicNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

extension Duration {
    /// Whole nanoseconds, 0 for a negative duration: what monotonic deadlines add to now.
    public var wholeNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return seconds < 0 || attoseconds < 0 ? 0 : UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
