import CallPulseSupport

/// Lets each distinct message through at most once a `period`, counting the repeats held
/// back. libmicrohttpd logs one line per refused connection ("Server reached connection
/// limit"), so one client over its limit could otherwise fill the log.
struct RepeatedMessageLimiter: Sendable {
    let period: Duration
    private var lastShown: [String: (at: UInt64, held: Int)] = [:]

    init(period: Duration) { self.period = period }

    /// What to log for `message` at `now` (monotonic ns): the message, with how many times it
    /// was held back since last shown; nil to hold it back.
    mutating func admit(_ message: String, now: UInt64) -> String? {
        if let last = lastShown[message], now &- last.at < period.wholeNanoseconds {
            lastShown[message] = (last.at, last.held + 1)
            return nil
        }
        let held = lastShown[message]?.held ?? 0
        if lastShown.count > 256 { lastShown.removeAll() }  // bounded: messages carry few distinct texts
        lastShown[message] = (now, 0)
        return held == 0 ? message : "\(message) (and \(held) more like it in the last \(period))"
    }
}
