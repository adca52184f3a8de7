import CallPulseSupport

/// Lets each distinct message through at most once a `period`, counting the repeats held
/// back. libmicrohttpd logs one line per refused connection ("Server reached connection
/// limit"), so one client over its limit could otherwise fill the log.
struct RepeatedMessageLimiter: Sendable {
    /// Messages carry few distinct texts: 256 is far more than libmicrohttpd has.
    private var shown: OncePerPeriod

    init(period: Duration) { shown = OncePerPeriod(period: period, capacity: 256) }

    /// What to log for `message` at `now` (monotonic ns): the message, with how many times it
    /// was held back since last shown; nil to hold it back.
    mutating func admit(_ message: String, now: UInt64) -> String? {
        shown.admit(message, now: now).map { held in
            held == 0 ? message : "\(message) (and \(held) more like it in the last \(shown.period))"
        }
    }
}
