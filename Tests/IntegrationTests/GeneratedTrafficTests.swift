import Foundation
import Testing

/// Generated traffic (`../shared/tools/gen.py`) through `callpulse replay` and through the
/// daemon, compared number by number with the independent model (Tests/Reference): JSON
/// snapshots, Prometheus series, per-body answers and every rejection's detail; plus the
/// hand-made edge cases, random event sequences and the spec's worked examples
/// (Tests/Reference/differential.py does the work; this test holds its figures).
///
/// `../shared` sits beside the repository in the workspace. The test runs whenever it exists
/// and is skipped, with the reason, where it does not (a clone on its own): it is input
/// data, not a tool `bootstrap.sh` could install, so `CI=true` does not turn its absence
/// into a failure.
struct GeneratedTrafficTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let generator = repository.deletingLastPathComponent()
        .appendingPathComponent("shared/tools/gen.py")
    static let driver = repository.appendingPathComponent("Tests/Reference/differential.py")
    static let sharedPresent = FileManager.default.fileExists(atPath: generator.path)

    @Test("replay and the daemon agree with the reference model on every number of 44 generated streams",
          .enabled(if: sharedPresent, "../shared/tools/gen.py is absent (a clone outside the workspace): skipped"))
    func generatedTraffic() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-gen-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let summaryPath = directory.appendingPathComponent("summary.json").path
        let result = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", Self.driver.path, "--binary", CLI.binary.path, "--gen", Self.generator.path,
            "--streams", "44", "--daemon-streams", "44", "--summary", summaryPath,
        ])
        let output = result.stdout + result.stderr
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("differential: 44 streams through replay, 44 through the daemon"), "\(output)")

        let data = try Data(contentsOf: URL(fileURLWithPath: summaryPath))
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(summary["differences"] as? Int == 0, "\(output)")
        #expect(summary["replay_streams"] as? Int == 44)
        #expect(summary["daemon_streams"] as? Int == 44)
        #expect(summary["edge_runs"] as? Int == 3)
        #expect(summary["chaos_runs"] as? Int == 6)
        #expect(summary["restarts"] as? Int ?? 0 >= 5, "daemon restarts with a state directory")
        #expect(summary["examples"] as? Int ?? 0 >= 4)
        #expect(summary["configs"] as? Int ?? 0 >= 7)
        #expect(summary["accepted"] as? Int ?? 0 > 10_000)

        // Not vacuous: every rejection and ignore reason occurred in the generated streams,
        // and the daemon received every body form.
        let rejected = try #require(summary["rejected"] as? [String: Int])
        let ignored = try #require(summary["ignored"] as? [String: Int])
        for reason in ["malformed_json", "not_an_object", "missing_call", "missing_id", "bad_id", "missing_event",
                       "unknown_event", "bad_call_type", "bad_queue", "bad_timestamp", "limit"] {
            #expect(rejected[reason] ?? 0 > 0, "no \(reason) rejection in the generated streams")
        }
        for reason in ["duplicate", "out_of_order", "too_late", "invalid_transition", "unknown_call"] {
            #expect(ignored[reason] ?? 0 > 0, "no \(reason) ignore in the generated streams")
        }
        let batches = try #require(summary["batches"] as? [String: Int])
        for form in ["ndjson", "array", "object", "gzip"] {
            #expect(batches[form] ?? 0 > 10, "few \(form) bodies posted: \(batches)")
        }
        #expect(batches["too_large"] ?? 0 > 0, "no body over max_body_bytes: \(batches)")
    }
}
