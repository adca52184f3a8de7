import Testing
@testable import CallPulseHTTP

/// libmicrohttpd's messages reach the log at most once a minute each, with the count held back.
struct RepeatedMessageLimiterTests {
    @Test("a repeated message is shown once a period, then with how many were held back; others pass")
    func limits() {
        var limiter = RepeatedMessageLimiter(period: .seconds(60))
        let second: UInt64 = 1_000_000_000
        let full = "Server reached connection limit. Closing inbound connection."
        #expect(limiter.admit(full, now: 10 * second) == full)
        #expect(limiter.admit(full, now: 11 * second) == nil)
        #expect(limiter.admit(full, now: 69 * second) == nil)
        #expect(limiter.admit("other", now: 69 * second) == "other")
        #expect(limiter.admit(full, now: 70 * second) == full + " (and 2 more like it in the last 60.0 seconds)")
        #expect(limiter.admit(full, now: 131 * second) == full)
    }
}
