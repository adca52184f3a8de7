import Foundation
import Testing

/// Interval reports (docs/spec/intervals.md) through `callpulse report` and the daemon's
/// `GET /api/v1/intervals`, held to the spec and to the independent model
/// (Tests/Reference/intervals_check.py does the work; this test holds its figures):
/// bin counts and offsets on the days the clocks change, zones at +05:45 and +05:30, bins
/// summing to `today` and to `totals` less `expired`, each bin against the model, roll-ups,
/// CSV against JSON, retention, and every bin kept across SIGTERM and `kill -9` restarts
/// of `serve --state-dir`.
///
/// The hand-made days need only python3 (whose absence fails the test, under CI or not).
/// The generated traffic needs `../shared/tools/gen.py` beside the repository: it runs
/// whenever that exists and is skipped, with the reason, where it does not (a clone on its
/// own); it is input data, not a tool `bootstrap.sh` could install (as GeneratedTrafficTests).
struct IntervalReportTests {
    static let generator = ReferenceCheck.generator
    static let sharedPresent = ReferenceCheck.sharedPresent

    /// Runs intervals_check.py with `arguments`; returns its output and its summary.
    func check(_ arguments: [String]) throws -> (output: String, status: Int32, summary: [String: Any]) {
        try ReferenceCheck.run("intervals_check.py", arguments)
    }

    /// 92 or 100 fifteen-minute bins (46/50, 23/25, one day) on the days the clocks change,
    /// each start with the offset in force; a late call lands in its own, complete, bin; the
    /// daemon keeps the repeated hour across SIGTERM and kill -9.
    @Test("clock-change days: 92/100 bins, offsets in force (never Z); +05:45 and +05:30 bins at :00/:15/:30/:45")
    func handMadeDays() throws {
        let (output, status, summary) = try check(["--only", "days"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("intervals: 0 generated streams and 10 hand-made days"), "\(output)")
        #expect(summary["differences"] as? Int == 0, "\(output)")
        #expect(summary["days"] as? Int == 10)
        // 10 days x (4 steps over the whole day + 4 over the default range) reports.
        #expect(summary["reports"] as? Int ?? 0 >= 80, "\(output)")
        #expect(summary["rows"] as? Int ?? 0 > 5_000, "\(output)")
        #expect(summary["nonzero_bins"] as? Int ?? 0 > 300, "\(output)")
        #expect(summary["model_bins"] as? Int ?? 0 > 1_500, "\(output)")
        // Every day but the one with a late call is in order: checked by the model's totals too.
        #expect(summary["totals_model_streams"] as? Int == 9, "\(output)")
        #expect(summary["effects_model_streams"] as? Int == 10, "\(output)")
        #expect(summary["csv_rows"] as? Int ?? 0 > 1_000, "\(output)")
        let zones = Set(summary["zones"] as? [String] ?? [])
        #expect(zones.isSuperset(of: ["Europe/Paris", "America/New_York", "Asia/Kathmandu", "Asia/Kolkata",
                                      "America/Santiago", "Australia/Lord_Howe", "UTC"]), "\(zones)")
        let restarts = try #require(summary["restarts"] as? [String: Int])
        #expect(restarts["sigterm"] == 1 && restarts["kill9"] == 1, "\(restarts)")
    }

    /// gen.py across midnight in four zones, with and without faults, and across clock changes.
    @Test("generated traffic: bins sum to today and totals less expired, equal the model, roll up, survive kill -9",
          .enabled(if: sharedPresent, "../shared/tools/gen.py is absent (a clone outside the workspace): skipped"))
    func generatedTraffic() throws {
        let (output, status, summary) = try check(["--only", "streams", "--gen", Self.generator.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("intervals: 11 generated streams"), "\(output)")
        #expect(summary["differences"] as? Int == 0, "\(output)")
        #expect(summary["streams"] as? Int == 11)
        // Not vacuous: the fault-free streams were checked by the model's totals at the bin
        // edges, hanging calls expired, roll-ups, CSV and retention were exercised.
        #expect(summary["totals_model_streams"] as? Int ?? 0 >= 6, "\(output)")
        #expect(summary["effects_model_streams"] as? Int == 11, "\(output)")
        #expect(summary["model_bins"] as? Int ?? 0 > 3_000, "\(output)")
        #expect(summary["nonzero_bins"] as? Int ?? 0 > 500, "\(output)")
        #expect(summary["expired"] as? Int ?? 0 > 0, "no call expired: `totals` less `expired` untested")
        #expect(summary["day_sums"] as? Int ?? 0 >= 30, "\(output)")
        #expect(summary["rollup_rows"] as? Int ?? 0 > 1_000, "\(output)")
        #expect(summary["csv_rows"] as? Int ?? 0 > 1_000, "\(output)")
        #expect(summary["retention_dropped"] as? Int ?? 0 > 0, "retention dropped no bin")
        let zones = Set(summary["zones"] as? [String] ?? [])
        #expect(zones.isSuperset(of: ["Europe/Paris", "America/New_York", "Asia/Kathmandu", "Asia/Kolkata"]),
                "\(zones)")
        let restarts = try #require(summary["restarts"] as? [String: Int])
        #expect(restarts["sigterm"] ?? 0 >= 4 && restarts["kill9"] ?? 0 >= 4, "\(restarts)")
    }
}
