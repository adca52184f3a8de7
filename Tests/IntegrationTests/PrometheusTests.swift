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
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus"),
                "prometheus is missing: run scripts/bootstrap.sh test")
        let daemon = try DaemonProcess(["--clock", "event"])
        defer { _ = daemon.stop() }
        let lifecycles = try String(contentsOfFile: fixturePath("01_lifecycles.ndjson"), encoding: .utf8)
        #expect(try daemon.post("/api/v1/events", lifecycles).status == 200)
        let hostile = envelope("h", "connecting", "2026-11-24T10:05:00Z", queue: "Sa\"les ☎️")
        #expect(try daemon.post("/api/v1/events", hostile).status == 200)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-prom-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            global: { scrape_interval: 1s, scrape_timeout: 1s }
            scrape_configs:
              - job_name: callpulse
                static_configs: [{ targets: ["127.0.0.1:\(daemon.port)"] }]
            """.write(toFile: "\(directory)/prometheus.yml", atomically: true, encoding: .utf8)
        let port = try HTTPClient.freePort()
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        prometheus.arguments = ["--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                                "--web.listen-address=127.0.0.1:\(port)"]
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/null"))
        try prometheus.run()
        defer {
            kill(prometheus.processIdentifier, SIGTERM)
            prometheus.waitUntilExit()
        }

        func query(_ promql: String) -> [NSDictionary] {
            let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            guard let reply = try? HTTPClient.send(port: port, method: "GET", path: "/api/v1/query?query=\(encoded)"),
                  reply.status == 200, let body = try? reply.json(),
                  let data = body["data"] as? NSDictionary else { return [] }
            return data["result"] as? [NSDictionary] ?? []
        }
        func value(_ promql: String) -> String? {
            (query(promql).first?["value"] as? [Any])?.last as? String
        }

        var up: String?
        for _ in 0..<120 {  // bounded: at most 30 s for the first scrapes
            up = value(#"up{job="callpulse"}"#)
            if up == "1", value(#"callpulse_queue_offered_calls_total{queue="Billing"}"#) != nil { break }
            usleep(250_000)
        }
        #expect(up == "1")
        #expect(value(#"callpulse_queue_offered_calls_total{queue="Billing"}"#) == "4")
        #expect(value(#"callpulse_queue_answered_within_sl_calls_total{queue="Billing"}"#) == "1")
        #expect(value(#"callpulse_queue_talk_seconds_sum{queue="Billing"}"#) == "330")
        #expect(value(#"callpulse_queue_waiting_calls{queue="Sa\"les ☎️"}"#) == "1")
        #expect(value(#"callpulse_queue_wait_seconds_bucket{queue="Billing",le="20.0"}"#) == "1")
        #expect(value(#"histogram_quantile(0.5, callpulse_queue_wait_seconds_bucket{queue="Billing"})"#) != nil)
        #expect(value(#"scrape_samples_scraped{job="callpulse"}"#).flatMap(Int.init) ?? 0 > 100)
    }
}
