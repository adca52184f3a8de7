/// The per-queue counters that windows and `today` hold (all but `expired`); durations in ms.
public struct Counters: Sendable, Equatable {
    public var offered: Int64 = 0
    public var answered: Int64 = 0
    public var answeredWithinSL: Int64 = 0
    public var missed: Int64 = 0
    public var rejected: Int64 = 0
    public var abandoned: Int64 = 0
    public var shortAbandoned: Int64 = 0
    public var abandonedWithinSL: Int64 = 0
    public var completed: Int64 = 0
    public var acwCompleted: Int64 = 0
    public var holds: Int64 = 0
    public var waitCount: Int64 = 0
    public var waitMillis: Int64 = 0
    public var talkMillis: Int64 = 0
    public var holdMillis: Int64 = 0
    public var acwMillis: Int64 = 0

    public init() {}

    public static let zero = Counters()

    @inline(__always)
    public mutating func add(_ other: Counters) {
        offered &+= other.offered
        answered &+= other.answered
        answeredWithinSL &+= other.answeredWithinSL
        missed &+= other.missed
        rejected &+= other.rejected
        abandoned &+= other.abandoned
        shortAbandoned &+= other.shortAbandoned
        abandonedWithinSL &+= other.abandonedWithinSL
        completed &+= other.completed
        acwCompleted &+= other.acwCompleted
        holds &+= other.holds
        waitCount &+= other.waitCount
        waitMillis &+= other.waitMillis
        talkMillis &+= other.talkMillis
        holdMillis &+= other.holdMillis
        acwMillis &+= other.acwMillis
    }

    /// Calls `body` with each counter as (snapshot key, value, is a duration), in the spec's order.
    @inline(__always)
    public func forEachField(_ body: (StaticString, Int64, Bool) -> Void) {
        body("offered", offered, false)
        body("answered", answered, false)
        body("answered_within_sl", answeredWithinSL, false)
        body("missed", missed, false)
        body("rejected", rejected, false)
        body("abandoned", abandoned, false)
        body("short_abandoned", shortAbandoned, false)
        body("abandoned_within_sl", abandonedWithinSL, false)
        body("completed", completed, false)
        body("acw_completed", acwCompleted, false)
        body("holds", holds, false)
        body("wait_count", waitCount, false)
        body("wait_seconds_sum", waitMillis, true)
        body("talk_seconds_sum", talkMillis, true)
        body("hold_seconds_sum", holdMillis, true)
        body("acw_seconds_sum", acwMillis, true)
    }
}

extension Counters {
    /// The calls a service level counts as answered (or, by `removed_within`, removed) within
    /// the threshold.
    @inline(__always)
    public func serviceLevelNumerator(_ formula: ServiceLevelFormula) -> Int64 {
        switch formula {
        case .standard, .answered: answeredWithinSL
        case .removedWithin: answeredWithinSL + abandonedWithinSL
        }
    }

    /// The calls a service level is a share of; also the volume `min_volume` compares.
    @inline(__always)
    public func serviceLevelDenominator(_ formula: ServiceLevelFormula) -> Int64 {
        switch formula {
        case .standard: waitCount + abandoned - shortAbandoned
        case .answered: waitCount
        case .removedWithin: waitCount + abandoned
        }
    }

    /// Abandons that count against the queue: short abandons are left out.
    public var countedAbandons: Int64 { abandoned - shortAbandoned }

    /// The calls the abandon rate is a share of: answered ones and counted abandons.
    public var abandonRateDenominator: Int64 { answered + countedAbandons }
}

/// Values derived from counters (docs/spec/semantics.md, "Derived values"); nil when a denominator is 0.
public struct DerivedValues: Sendable, Equatable {
    public var serviceLevel: Double?
    public var abandonRate: Double?
    /// Averages in ms, rounded half away from zero.
    public var avgWaitMillis: Int64?
    public var avgTalkMillis: Int64?
    public var avgAcwMillis: Int64?
    public var avgHandleMillis: Int64?

    public init(_ c: Counters, formula: ServiceLevelFormula) {
        serviceLevel = ratio(c.serviceLevelNumerator(formula), c.serviceLevelDenominator(formula))
        abandonRate = ratio(c.countedAbandons, c.abandonRateDenominator)
        avgWaitMillis = roundedQuotient(c.waitMillis, c.waitCount)
        avgTalkMillis = roundedQuotient(c.talkMillis, c.completed)
        avgAcwMillis = roundedQuotient(c.acwMillis, c.acwCompleted)
        avgHandleMillis = roundedQuotient(c.talkMillis + c.holdMillis + c.acwMillis, c.completed)
    }
}

extension DerivedValues {
    /// A derived value as the snapshot writes it: a ratio, or milliseconds shown as seconds.
    public enum Field {
        case ratio(Double?)
        case seconds(Int64?)
    }

    /// Calls `body` with each derived value as (snapshot key, value), in the spec's order.
    @inline(__always)
    public func forEachField(_ body: (StaticString, Field) -> Void) {
        body("service_level", .ratio(serviceLevel))
        body("abandon_rate", .ratio(abandonRate))
        body("avg_wait_seconds", .seconds(avgWaitMillis))
        body("avg_talk_seconds", .seconds(avgTalkMillis))
        body("avg_acw_seconds", .seconds(avgAcwMillis))
        body("avg_handle_seconds", .seconds(avgHandleMillis))
    }
}

private func ratio(_ numerator: Int64, _ denominator: Int64) -> Double? {
    denominator == 0 ? nil : Double(numerator) / Double(denominator)
}

/// `numerator / denominator` rounded to the nearest integer, half away from zero.
func roundedQuotient(_ numerator: Int64, _ denominator: Int64) -> Int64? {
    guard denominator != 0 else { return nil }
    let negative = (numerator < 0) != (denominator < 0)
    let n = numerator.magnitude, d = denominator.magnitude
    let q = (2 * n + d) / (2 * d)
    return negative ? -Int64(q) : Int64(q)
}
