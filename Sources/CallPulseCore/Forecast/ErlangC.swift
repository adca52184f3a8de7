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

    /// `1 − C·e^(−(N − A)·t / h)`: the chance that a caller who has `t` seconds left before the
    /// threshold is answered in time (t ≤ 0: only when nobody waits).
    public static func answeredWithin(_ c: Double, agents: Int, load: Double, seconds: Double,
                                      handleSeconds: Double) -> Double {
        // Nobody waits (no load, e.g. a handle time of 0): every caller is answered at once.
        guard c > 0 else { return 1 }
        return 1 - c * exp(-(Double(agents) - load) * seconds / handleSeconds)
    }

    /// What the forecast reads at `agents`, and the least staffing reaching `target`.
    public struct Staffing: Sendable, Equatable {
        /// C(N, A); 1 when overloaded.
        public var waitProbability: Double
        /// 0 when overloaded.
        public var serviceLevel: Double
        /// nil when overloaded.
        public var meanWaitSeconds: Double?
        public var requiredAgents: Int
    }

    /// `waitProbability`, `serviceLevel`, `meanWaitSeconds` and `requiredAgents` in one walk of
    /// the recurrence (the forecast of every queue on every snapshot: one pass, not four).
    public static func staffing(agents: Int, load: Double, targetSeconds: Double, handleSeconds: Double,
                                target: Double) -> Staffing {
        var result = Staffing(waitProbability: 1, serviceLevel: 0, meanWaitSeconds: nil, requiredAgents: 0)
        // Beyond any contact center (and beyond an Int): overloaded at any staffing we walk to.
        guard load < Double(maximumAgents) else {
            result.requiredAgents = maximumAgents
            return result
        }
        var (n, b) = warmStart(load)
        while n < agents || result.requiredAgents == 0 {
            n += 1
            b = next(b, n, load)
            if b == 0 && Double(n) > load {
                // B underflowed: C is 0 from here on, every caller is answered at once.
                if result.requiredAgents == 0 { result.requiredAgents = n }
                if agents >= n {
                    result = Staffing(waitProbability: 0, serviceLevel: 1, meanWaitSeconds: 0,
                                      requiredAgents: result.requiredAgents)
                }
                return result
            }
            // Below the load nothing is read; past the required staffing only N is.
            guard Double(n) > load, result.requiredAgents == 0 || n == agents else { continue }
            let c = waiting(agents: n, load: load, blocking: b)
            let level = answeredWithin(c, agents: n, load: load, seconds: targetSeconds, handleSeconds: handleSeconds)
            if result.requiredAgents == 0 && (level >= target || n >= maximumAgents) { result.requiredAgents = n }
            if n == agents {
                result.waitProbability = c
                result.serviceLevel = level
                result.meanWaitSeconds = c * handleSeconds / (Double(n) - load)
            }
        }
        return result
    }

    /// Where the walk may start for a load `A`: at `n₀ = A − 8√A − 10` (when above 0) with the
    /// fluid value `B = 1 − n₀/A`. Below `A` each step shrinks an error by about `n/A`, so by
    /// `n = A` the start's error is gone to rounding (ErlangCTests compares with the walk from
    /// 0 up to 60,000 erlangs): the cost is `8√A + (N − A)` steps, not `N`. Only `n > A`
    /// is ever read.
    static func warmStart(_ load: Double) -> (n: Int, b: Double) {
        let start = load - 8 * load.squareRoot() - 10
        guard start >= 1 else { return (0, 1) }
        let n = Int(start)
        return (n, 1 - Double(n) / load)
    }

    /// Where `requiredAgents` stops looking: beyond any contact center (a target of 1 is
    /// never met exactly, so the walk needs an end).
    public static let maximumAgents = 1_000_000
}
