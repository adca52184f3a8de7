/// Lets each key through at most once a `period`, counting what it held back since: what keeps a
/// repeated log line (a libmicrohttpd message, a client's failed authentications) from filling
/// the log. Pure: the caller passes the time (monotonic nanoseconds).
public struct OncePerPeriod: Sendable {
    public let period: Duration
    /// Keys remembered at most. Past it, keys whose period is over are forgotten; if all are
    /// recent, a new key is held back until one ends.
    public let capacity: Int
    private var keys: [String: (shownAt: UInt64, heldBack: Int)] = [:]

    public init(period: Duration, capacity: Int) {
        self.period = period
        self.capacity = capacity
    }

    /// nil to hold this one back; else let it through, with how many were held back since the
    /// key last went through.
    public mutating func admit(_ key: String, now: UInt64) -> Int? {
        let period = self.period.wholeNanoseconds
        if let last = keys[key] {
            if now &- last.shownAt < period {
                keys[key] = (last.shownAt, last.heldBack + 1)
                return nil
            }
            keys[key] = (now, 0)
            return last.heldBack
        }
        if keys.count >= capacity {
            keys = keys.filter { now &- $0.value.shownAt < period }
            if keys.count >= capacity { return nil }
        }
        keys[key] = (now, 0)
        return 0
    }

    /// How many keys are remembered now.
    public var remembered: Int { keys.count }
}
