import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus (Debian's `prometheus`) on a loopback port, scraping one CallPulse
/// every second, with its query API.
final class PrometheusServer {
    static let binary = "/usr/bin/prometheus"
    let process = Process()
    let port: Int
    private let directory: String

    init(scraping target: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-prom-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            global: { scrape_interval: 1s, scrape_timeout: 1s }
            scrape_configs:
              - job_name: callpulse
                static_configs: [{ targets: ["127.0.0.1:\(target)"] }]
            """.write(toFile: "\(directory)/prometheus.yml", atomically: true, encoding: .utf8)
        port = try HTTPClient.freePort()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                             "--web.listen-address=127.0.0.1:\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// An instant query: the result vector, or the error Prometheus gave.
    func query(_ promql: String) -> (result: [NSDictionary], error: String?) {
        let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        guard let reply = try? HTTPClient.send(port: port, method: "GET", path: "/api/v1/query?query=\(encoded)"),
              let body = try? reply.json() else { return ([], "no answer from Prometheus") }
        if let error = body["error"] as? String { return ([], error) }
        let data = body["data"] as? NSDictionary
        return (data?["result"] as? [NSDictionary] ?? [], nil)
    }

    /// The first sample's value of an instant query.
    func value(_ promql: String) -> String? {
        (query(promql).result.first?["value"] as? [Any])?.last as? String
    }

    /// Waits (bounded by `seconds`) until `ready` holds.
    func wait(seconds: Double = patience, until ready: () -> Bool) -> Bool {
        waitUntil(seconds, ready)
    }
}
