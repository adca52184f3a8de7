import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus (Debian's `prometheus`) scrapes the daemon; the values are read back
/// through Prometheus's own query API.
@Suite(.serialized)
struct PrometheusTests {
    @Test("Prometheus scrapes /metrics and answers queries with the expected per-queue values")
    func realPrometheus() throws {
        #expect(FileManager.default.isExecutableFile(atPath: PrometheusServer.binary),
                "prometheus is missing: run scripts/bootstrap.sh test")
        let daemon = try DaemonProcess(["--clock", "event"])
        defer { _ = daemon.stop() }
        let lifecycles = try String(contentsOfFile: fixturePath("01_lifecycles.ndjson"), encoding: .utf8)
        #expect(try daemon.post("/api/v1/events", lifecycles).status == 200)
        let hostile = envelope("h", "connecting", "2026-11-24T10:05:00Z", queue: "Sa\"les ☎️")
        #expect(try daemon.post("/api/v1/events", hostile).status == 200)

        let prometheus = try PrometheusServer(scraping: daemon.port)
        let value = prometheus.value
        var up: String?
        _ = prometheus.wait {  // bounded by `patience` for the first scrapes
            up = value(#"up{job="callpulse"}"#)
            return up == "1" && value(#"callpulse_queue_offered_calls_total{queue="Billing"}"#) != nil
        }
        #expect(up == "1")
        #expect(value(#"callpulse_queue_offered_calls_total{queue="Billing"}"#) == "4")
        #expect(value(#"callpulse_queue_answered_within_sl_calls_total{queue="Billing"}"#) == "1")
        #expect(value(#"callpulse_queue_talk_seconds_sum{queue="Billing"}"#) == "330")
        #expect(value(#"callpulse_queue_waiting_calls{queue="Sa\"les ☎️"}"#) == "1")
        #expect(value(#"callpulse_queue_wait_seconds_bucket{queue="Billing",le="20.0"}"#) == "1")
        // Billing's two waits fall in (15, 20] and (30, 45]: Prometheus interpolates linearly in the bucket.
        #expect(value(#"histogram_quantile(0.5, callpulse_queue_wait_seconds_bucket{queue="Billing"})"#) == "20")
        #expect(value(#"histogram_quantile(0.9, callpulse_queue_wait_seconds_bucket{queue="Billing"})"#) == "42")
        #expect(value(#"scrape_samples_scraped{job="callpulse"}"#).flatMap(Int.init) ?? 0 > 100)
    }
}
