import Foundation
import Testing

/// The per-queue `forecast` of `callpulse replay` (docs/spec/forecast.md, "Forecast") held to
/// the spec and to the independent model (Tests/Reference/forecast_check.py does the work;
/// this test holds its figures): inputs (λ over the observed span, the handle time, busy
/// agents of every call type, configured or estimated agents with expiries inside the
/// agents window, the current interval and its S and D) against reference.py replayed event
/// by event; outputs (C, service level, estimated wait, required agents, the projection with
/// late and young ringing calls) recomputed with the checker's own Erlang C to 1e-9; the
/// null rules (observed span 0, no handle time, N = 0, overloaded).
///
/// The hand-made streams need only python3 (whose absence fails the test, under CI or not).
/// The generated traffic needs `../shared/tools/gen.py` beside the repository: it runs
/// whenever that exists and is skipped, with the reason, where it does not (a clone on its
/// own); it is input data, not a tool `bootstrap.sh` could install (as GeneratedTrafficTests).
struct ForecastReferenceTests {
    static let generator = ReferenceCheck.generator
    static let sharedPresent = ReferenceCheck.sharedPresent

    /// Runs forecast_check.py with `arguments`; returns its output and its summary.
    func check(_ arguments: [String]) throws -> (output: String, status: Int32, summary: [String: Any]) {
        try ReferenceCheck.run("forecast_check.py", arguments)
    }

    /// An observed span of 0; λ = 0 with an agent talking; N = 0; a busy peak inside the
    /// agents window and a larger one outside it; outbound calls keeping agents busy; one
    /// configured agent against 6.7 erlangs (overloaded) with late and young calls ringing;
    /// expiries inside the agents window; a handle time of 0; Asia/Kathmandu, 30m intervals.
    @Test("hand-made streams: every null rule, estimated and configured agents, overloaded, late and young calls")
    func handMadeStreams() throws {
        let (output, status, summary) = try check(["--only", "handmade"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("forecast: 4 streams (4 hand-made)"), "\(output)")
        #expect(summary["differences"] as? Int == 0, "\(output)")
        #expect(summary["queues"] as? Int ?? 0 >= 10, "\(output)")
        #expect(summary["values"] as? Int ?? 0 > 300, "\(output)")
        for key in ["span_zero", "n_zero", "rate_zero", "overloaded", "configured", "outbound_busy"] {
            #expect(summary[key] as? Int ?? 0 >= 1, "no queue with \(key): \(output)")
        }
        // The busy peak inside the window beats the count now; expiries inside the window
        // decide `agents` where the readings of the spec's sentence would differ.
        #expect(summary["estimated_peak_above_now"] as? Int ?? 0 >= 3, "\(output)")
        #expect(summary["agents_readings_differ"] as? Int ?? 0 >= 2, "\(output)")
        #expect(summary["young"] as? Int ?? 0 >= 3 && summary["late"] as? Int ?? 0 >= 3, "\(output)")
        #expect(summary["projected"] as? Int ?? 0 >= 3 && summary["projected_null"] as? Int ?? 0 >= 3, "\(output)")
        let zones = Set(summary["zones"] as? [String] ?? [])
        #expect(zones.contains("Asia/Kathmandu"), "\(zones)")
        #expect((summary["lengths"] as? [Int] ?? []).contains(30))
    }

    /// The checker is not vacuous: a forecast fabricated from the model with exact arithmetic
    /// passes, and each of its fields changed (a number by a millionth, null for a value, a
    /// value for null, the other source, another minute) is caught.
    @Test("the checker passes an exact forecast and catches every perturbed field")
    func checkerCatchesPerturbations() throws {
        let (output, status, summary) = try check(["--only", "handmade", "--self-test"])
        #expect(status == 0, "\(output)")
        #expect(summary["differences"] as? Int == 0, "\(output)")
        #expect(summary["perturbations_caught"] as? Int ?? 0 > 250, "\(output)")
    }

    /// gen.py (faults 0) with default and overriding configs, four zones, 15m/30m/1h intervals,
    /// other forecast windows, short expiry limits; most streams cut mid-interval.
    @Test("generated traffic: every queue's forecast equals the model's inputs and the spec's formulas",
          .enabled(if: sharedPresent, "../shared/tools/gen.py is absent (a clone outside the workspace): skipped"))
    func generatedTraffic() throws {
        let (output, status, summary) = try check(["--only", "streams", "--gen", Self.generator.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("forecast: 9 streams (0 hand-made)"), "\(output)")
        #expect(summary["differences"] as? Int == 0, "\(output)")
        #expect(summary["queues"] as? Int ?? 0 >= 30, "\(output)")
        #expect(summary["values"] as? Int ?? 0 > 1_000, "\(output)")
        // Not vacuous: projections made, overloaded and configured queues, calls ringing.
        #expect(summary["projected"] as? Int ?? 0 >= 25, "\(output)")
        #expect(summary["overloaded"] as? Int ?? 0 >= 3, "\(output)")
        #expect(summary["configured"] as? Int ?? 0 >= 3, "\(output)")
        #expect(summary["handle_null"] as? Int ?? 0 >= 1, "\(output)")
        let ringing = (summary["late"] as? Int ?? 0) + (summary["young"] as? Int ?? 0)
        #expect(ringing >= 5, "\(output)")
        #expect(summary["estimated_peak_above_now"] as? Int ?? 0 >= 10, "\(output)")
        #expect(summary["expiry_in_agents_window"] as? Int ?? 0 >= 1, "\(output)")
        let zones = Set(summary["zones"] as? [String] ?? [])
        #expect(zones.isSuperset(of: ["UTC", "Asia/Kolkata", "America/New_York"]), "\(zones)")
        #expect(Set(summary["lengths"] as? [Int] ?? []) == [15, 30, 60])
    }
}
