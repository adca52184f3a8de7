import CallPulseSupport

/// Which failed authentications to log (docs/spec/security.md, "Tokens"): at most one line a
/// `period` per client address, with how many were held back since its last line, so a
/// client guessing tokens cannot fill the log (`callpulse_http_auth_failures_total` counts
/// every one). Pure: the caller passes the time (monotonic nanoseconds).
struct AuthFailureLog: Sendable {
    let period: UInt64
    /// Addresses remembered at most. Past it, addresses whose period is over are forgotten;
    /// if all are recent, a new address's failures go unlogged (still counted) until one ends.
    let capacity: Int
    private var clients: [String: (shownAt: UInt64, heldBack: Int)] = [:]

    init(period: Duration = .seconds(60), capacity: Int = 4096) {
        self.period = period.wholeNanoseconds
        self.capacity = capacity
    }

    /// nil to hold this failure back; else log it, with the number held back since this
    /// address's last line.
    mutating func admit(_ client: String, now: UInt64) -> Int? {
        if let last = clients[client] {
            if now &- last.shownAt < period {
                clients[client] = (last.shownAt, last.heldBack + 1)
                return nil
            }
            clients[client] = (now, 0)
            return last.heldBack
        }
        if clients.count >= capacity {
            clients = clients.filter { now &- $0.value.shownAt < period }
            if clients.count >= capacity { return nil }
        }
        clients[client] = (now, 0)
        return 0
    }

    var remembered: Int { clients.count }
}
