import Foundation
import Testing
@testable import CallPulseCore

/// Erlang C (docs/spec/forecast.md, "Forecast") against a table computed with exact
/// arithmetic by Tests/Reference/erlang_table.py (rationals for C, 60-digit decimals for
/// the exponential; `python3 Tests/Reference/erlang_table.py` regenerates
/// Tests/Fixtures/erlang_c.tsv): tiny and zero loads, one agent, N just above A, heavy
/// staffing (N = 500 and 1000), and overloaded queues (N ≤ A).
struct ErlangCTests {
    /// One row of erlang_c.tsv.
    struct Row: Sendable, CustomTestStringConvertible {
        var line: Int
        var agents: Int
        var load: Double
        var targetSeconds: Double
        var handleSeconds: Double
        var target: Double
        var waitProbability: Double
        var serviceLevel: Double
        /// nil when overloaded (the table's "null").
        var meanWaitSeconds: Double?
        var requiredAgents: Int
        var text: String

        var testDescription: String { "line \(line): N=\(agents) A=\(text)" }
    }

    static let columns = ["agents", "load", "target_seconds", "handle_seconds", "sl_target", "wait_probability",
                          "service_level", "mean_wait_seconds", "required_agents"]

    /// The table's rows; empty when it cannot be read (`fixtureIsComplete` then fails).
    static let rows: [Row] = (try? load()) ?? []

    static func load() throws -> [Row] {
        let text = try String(contentsOf: fixture("erlang_c.tsv"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard lines.first?.split(separator: "\t").map(String.init) == columns else { return [] }
        lines.removeFirst()
        return lines.enumerated().compactMap { index, line in
            let f = line.split(separator: "\t").map(String.init)
            guard f.count == columns.count, let agents = Int(f[0]), let load = Double(f[1]),
                  let targetSeconds = Double(f[2]), let handleSeconds = Double(f[3]), let target = Double(f[4]),
                  let c = Double(f[5]), let level = Double(f[6]), let required = Int(f[8]) else { return nil }
            let wait: Double?
            if f[7] == "null" {
                wait = nil
            } else if let value = Double(f[7]) {
                wait = value
            } else {
                return nil
            }
            return Row(line: index + 2, agents: agents, load: load, targetSeconds: targetSeconds,
                       handleSeconds: handleSeconds, target: target, waitProbability: c, serviceLevel: level,
                       meanWaitSeconds: wait, requiredAgents: required, text: f[1])
        }
    }

    /// `|actual − expected| ≤ 1e-9`, relative to `expected` when it exceeds 1.
    static func close(_ actual: Double, _ expected: Double) -> Bool {
        abs(actual - expected) <= 1e-9 * max(1, abs(expected))
    }

    @Test("the exact table is present and whole: every row parsed, every kind of case there")
    func fixtureIsComplete() throws {
        let text = try String(contentsOf: fixture("erlang_c.tsv"), encoding: .utf8)
        let dataLines = text.split(separator: "\n", omittingEmptySubsequences: true).count - 1
        #expect(Self.rows.count == dataLines, "a row of erlang_c.tsv did not parse")
        #expect(Self.rows.count >= 40)
        #expect(Self.rows.contains { $0.load == 0 })
        #expect(Self.rows.contains { $0.load > 0 && $0.load < 0.01 })
        #expect(Self.rows.contains { $0.agents == 1 && $0.meanWaitSeconds != nil })
        #expect(Self.rows.contains { $0.agents >= 1000 })
        #expect(Self.rows.contains { $0.meanWaitSeconds == nil }, "no overloaded row")
        #expect(Self.rows.contains { Double($0.agents) > $0.load && Double($0.agents) - $0.load < 0.01 })
    }

    static func staffing(_ row: Row, agents: Int? = nil) -> ErlangC.Staffing {
        ErlangC.staffing(agents: agents ?? row.agents, load: row.load, targetSeconds: row.targetSeconds,
                         handleSeconds: row.handleSeconds, target: row.target)
    }

    @Test("C(N, A), the service level, the mean wait and the required agents equal the exact values",
          arguments: rows)
    func agreesWithExactTable(_ row: Row) {
        let staffing = Self.staffing(row)
        let c = staffing.waitProbability, level = staffing.serviceLevel, wait = staffing.meanWaitSeconds
        #expect(Self.close(c, row.waitProbability), "wait_probability \(c), exact \(row.waitProbability)")
        #expect(Self.close(level, row.serviceLevel), "service_level \(level), exact \(row.serviceLevel)")
        if let expected = row.meanWaitSeconds {
            if let wait {
                #expect(Self.close(wait, expected), "mean wait \(wait), exact \(expected)")
            } else {
                Issue.record("mean wait nil, exact \(expected)")
            }
        } else {
            #expect(wait == nil, "overloaded: mean wait \(String(describing: wait)), want nil")
            #expect(c == 1 && level == 0, "overloaded: C \(c) (want 1), service level \(level) (want 0)")
        }
        #expect(staffing.requiredAgents == row.requiredAgents,
                "required_agents \(staffing.requiredAgents), exact \(row.requiredAgents)")
        // Erlang B through the same recurrence: C = N·B / (N − A·(1 − B)) where N > A.
        if Double(row.agents) > row.load {
            let b = ErlangC.blocking(agents: row.agents, load: row.load)
            let n = Double(row.agents)
            #expect(Self.close(n * b / (n - row.load * (1 - b)), row.waitProbability))
        }
    }

    @Test("required agents is the least n > A meeting the target, by the API's own service level",
          arguments: rows)
    func requiredIsLeast(_ row: Row) {
        let required = Self.staffing(row).requiredAgents
        #expect(Double(required) > row.load)
        #expect(Self.staffing(row, agents: required).serviceLevel >= row.target)
        if Double(required - 1) > row.load {
            #expect(Self.staffing(row, agents: required - 1).serviceLevel < row.target)
        }
    }

    @Test("the warm start of the walk gives the walk from 0, to rounding, for loads up to 60,000 erlangs",
          arguments: [0.5, 9.9, 100.5, 990.5, 5000.3, 19_000, 60_000])
    func warmStart(load: Double) {
        for agents in [Int(load) + 1, Int(load + load.squareRoot()) + 1, Int(load + 3 * load.squareRoot()) + 1] {
            let n = Double(agents)
            let b = ErlangC.blocking(agents: agents, load: load)
            let exact = n * b / (n - load * (1 - b))
            let warm = ErlangC.staffing(agents: agents, load: load, targetSeconds: 20, handleSeconds: 300, target: 0.8)
            #expect(abs(warm.waitProbability - exact) <= 1e-12 * exact, "A \(load), N \(agents): \(warm.waitProbability) vs \(exact)")
        }
    }

    @Test("agents a few ulps above the load: no trap, a wait too long to count is null; loads beyond any team")
    func edgeOfOverload() {
        // 65 offers over 15 minutes × 180 s = 12.999999999999998 erlangs against 13 agents.
        let forecast = QueueForecast(ForecastInputs(
            offered: 65, arrivalSpanMillis: 900_000, handleMillis: 180_000, busyAgents: 13, agents: 13,
            agentsConfigured: true, serviceLevelTarget: 0.8, serviceLevelMillis: 20_000, intervalMet: 0,
            intervalCounted: 0, ringingAges: [1_000, 30_000], now: 0, intervalStart: 0, intervalEnd: 900_000))
        if forecast.overloaded == false {
            #expect(forecast.estimatedWaitMillis.map { $0 > 0 } ?? true)
            #expect(forecast.projectedServiceLevel.map { $0 >= 0 && $0 <= 1 } == true)
        }
        let huge = ErlangC.staffing(agents: 10, load: 1e300, targetSeconds: 20, handleSeconds: 300, target: 0.8)
        #expect(huge.requiredAgents == ErlangC.maximumAgents && huge.waitProbability == 1 && huge.meanWaitSeconds == nil)
        // Far more agents than load: the walk ends where Erlang B underflows, every caller answered at once.
        let idle = ErlangC.staffing(agents: 1_000_000, load: 2, targetSeconds: 20, handleSeconds: 300, target: 0.8)
        #expect(idle.waitProbability == 0 && idle.serviceLevel == 1 && idle.meanWaitSeconds == 0 && idle.requiredAgents == 4)
    }
}
