import Foundation

/// Erlang C (M/M/N) for one queue: `agents` servers, offered load `load` in erlangs
/// (docs/spec/forecast.md, "Forecast"). Computed through the Erlang B recurrence, which
/// never forms a factorial or a power, so it stays exact to rounding for any staffing.
public enum ErlangC {
    /// Erlang B, B(n, A): `B₀ = 1`, `Bₖ = A·Bₖ₋₁ / (k + A·Bₖ₋₁)`.
    public static func blocking(agents: Int, load: Double) -> Double {
        var b = 1.0
        if agents > 0 {
            for k in 1...agents { b = next(b, k, load) }
        }
        return b
    }

    /// One step of the recurrence: B(k) from B(k − 1).
    @inline(__always)
    static func next(_ previous: Double, _ k: Int, _ load: Double) -> Double {
        let ab = load * previous
        return ab / (Double(k) + ab)
    }

    /// C(N, A) from B(N, A): `N·B / (N − A·(1 − B))`; only for `N > A`.
    @inline(__always)
    static func waiting(agents: Int, load: Double, blocking b: Double) -> Double {
        let n = Double(agents)
        return n * b / (n - load * (1 - b))
    }

    /// The probability that a caller waits, C(N, A); 1 when `agents ≤ load` (overloaded).
    public static func waitProbability(agents: Int, load: Double) -> Double {
        guard Double(agents) > load else { return 1 }
        return waiting(agents: agents, load: load, blocking: blocking(agents: agents, load: load))
    }

    /// The share of callers answered within `targetSeconds`: `1 − C·e^(−(N − A)·T / h)`;
    /// 0 when overloaded.
    public static func serviceLevel(agents: Int, load: Double, targetSeconds: Double, handleSeconds: Double) -> Double {
        guard Double(agents) > load else { return 0 }
        let c = waitProbability(agents: agents, load: load)
        return answeredWithin(c, agents: agents, load: load, seconds: targetSeconds, handleSeconds: handleSeconds)
    }

    /// `1 − C·e^(−(N − A)·t / h)`: the chance that a caller who has `t` seconds left before the
    /// threshold is answered in time (t ≤ 0: only when nobody waits).
    public static func answeredWithin(_ c: Double, agents: Int, load: Double, seconds: Double,
                                      handleSeconds: Double) -> Double {
        // Nobody waits (no load, e.g. a handle time of 0): every caller is answered at once.
        guard c > 0 else { return 1 }
        return 1 - c * exp(-(Double(agents) - load) * seconds / handleSeconds)
    }

    /// The mean wait of a caller arriving now, `C·h / (N − A)`; nil when overloaded.
    public static func meanWaitSeconds(agents: Int, load: Double, handleSeconds: Double) -> Double? {
        guard Double(agents) > load else { return nil }
        return waitProbability(agents: agents, load: load) * handleSeconds / (Double(agents) - load)
    }

    /// The least whole `n > A` whose service level reaches `target` (0 < target < 1).
    public static func requiredAgents(load: Double, targetSeconds: Double, handleSeconds: Double,
                                      target: Double) -> Int {
        // Walk the recurrence from 0 so each candidate costs one step, not a fresh sum.
        var b = 1.0
        var n = 0
        while true {
            n += 1
            b = next(b, n, load)
            guard Double(n) > load else { continue }
            let c = waiting(agents: n, load: load, blocking: b)
            if answeredWithin(c, agents: n, load: load, seconds: targetSeconds, handleSeconds: handleSeconds) >= target
                || n >= Self.maximumAgents { return n }
        }
    }

    /// Where `requiredAgents` stops looking: beyond any contact center (a target of 1 is
    /// never met exactly, so the walk needs an end).
    public static let maximumAgents = 1_000_000
}
