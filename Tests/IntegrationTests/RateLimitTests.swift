import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// docs/spec/security.md, "Rate limits", through the built daemon: over `limits.ingest_rate`
/// an ingest answers 429 with `Retry-After` and applies nothing; after that wait it passes.
struct RateLimitTests {
    @Test("a batch over the burst passes on a full bucket; the next one gets 429 + Retry-After, nothing applied, counted; after the wait it passes")
    func rateLimit() throws {
        // 1 event a second, bursts of 3: slow enough that the test's own pace refills little.
        let daemon = try DaemonProcess(["--clock", "event"], config: "limits: { ingest_rate: 1, ingest_burst: 3 }\n")
        defer { _ = daemon.stop() }
        func events(_ ids: ClosedRange<Int>) -> String {
            ids.map { envelope("r\($0)", "connecting", "2026-11-24T10:00:\(10 + $0)Z") }.joined(separator: "\n")
        }
        // Five events on a full bucket of three: taken whole, the bucket in debt by two.
        var reply = try daemon.post("/api/v1/events", events(1...5))
        #expect(reply.status == 200)
        let before = try daemon.get("/api/v1/queues").json()

        reply = try daemon.post("/api/v1/events", events(6...7))
        #expect(reply.status == 429)
        #expect(try reply.json()["reason"] as? String == "rate_limited")
        // Two events need four tokens from a debt of two at one a second: at most 4 s.
        let retryAfter = try #require(reply.headers["retry-after"].flatMap { Int($0) }, "\(reply.headers)")
        #expect((1...4).contains(retryAfter))
        let after = try daemon.get("/api/v1/queues").json()
        #expect(after["ingest"] as? NSDictionary == before["ingest"] as? NSDictionary)
        #expect(after["queues"] as? NSArray == before["queues"] as? NSArray)
        let metrics = try daemon.get("/metrics").text
        #expect(metrics.contains("\ncallpulse_http_rate_limited_total 1\n"))
        #expect(metrics.contains("\ncallpulse_http_rate_limited_events_total 2\n"))
        #expect(metrics.contains(#"callpulse_http_requests_total{handler="/api/v1/events",code="429"} 1"#))

        // Waiting as told is enough (never an assertion on how long anything took).
        sleep(UInt32(retryAfter))
        reply = try daemon.post("/api/v1/events", events(6...7))
        #expect(reply.status == 200)
        #expect(try reply.json()["accepted"] as? Int == 2)
    }
}
