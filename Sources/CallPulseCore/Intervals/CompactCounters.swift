/// A bin's counters in 40 bytes instead of 128: counts as 16 bits, durations as 32-bit ms.
/// 35 days of 15-minute bins for 200 queues are 672,000 bins (docs/spec/intervals.md,
/// "Figures"); a day whose values do not fit is kept as full `Counters` instead.
struct CompactCounters: Sendable, Equatable {
    var offered: UInt16 = 0
    var answered: UInt16 = 0
    var answeredWithinSL: UInt16 = 0
    var missed: UInt16 = 0
    var rejected: UInt16 = 0
    var abandoned: UInt16 = 0
    var shortAbandoned: UInt16 = 0
    var abandonedWithinSL: UInt16 = 0
    var completed: UInt16 = 0
    var acwCompleted: UInt16 = 0
    var holds: UInt16 = 0
    var waitCount: UInt16 = 0
    var waitMillis: UInt32 = 0
    var talkMillis: UInt32 = 0
    var holdMillis: UInt32 = 0
    var acwMillis: UInt32 = 0

    static let zero = CompactCounters()

    /// Nil when a value is negative or too large for its field.
    init?(_ c: Counters) {
        guard let offered = UInt16(exactly: c.offered), let answered = UInt16(exactly: c.answered),
              let answeredWithinSL = UInt16(exactly: c.answeredWithinSL), let missed = UInt16(exactly: c.missed),
              let rejected = UInt16(exactly: c.rejected), let abandoned = UInt16(exactly: c.abandoned),
              let shortAbandoned = UInt16(exactly: c.shortAbandoned),
              let abandonedWithinSL = UInt16(exactly: c.abandonedWithinSL),
              let completed = UInt16(exactly: c.completed), let acwCompleted = UInt16(exactly: c.acwCompleted),
              let holds = UInt16(exactly: c.holds), let waitCount = UInt16(exactly: c.waitCount),
              let waitMillis = UInt32(exactly: c.waitMillis), let talkMillis = UInt32(exactly: c.talkMillis),
              let holdMillis = UInt32(exactly: c.holdMillis), let acwMillis = UInt32(exactly: c.acwMillis)
        else { return nil }
        self.offered = offered
        self.answered = answered
        self.answeredWithinSL = answeredWithinSL
        self.missed = missed
        self.rejected = rejected
        self.abandoned = abandoned
        self.shortAbandoned = shortAbandoned
        self.abandonedWithinSL = abandonedWithinSL
        self.completed = completed
        self.acwCompleted = acwCompleted
        self.holds = holds
        self.waitCount = waitCount
        self.waitMillis = waitMillis
        self.talkMillis = talkMillis
        self.holdMillis = holdMillis
        self.acwMillis = acwMillis
    }

    private init() {}

    var counters: Counters {
        var c = Counters()
        c.offered = Int64(offered)
        c.answered = Int64(answered)
        c.answeredWithinSL = Int64(answeredWithinSL)
        c.missed = Int64(missed)
        c.rejected = Int64(rejected)
        c.abandoned = Int64(abandoned)
        c.shortAbandoned = Int64(shortAbandoned)
        c.abandonedWithinSL = Int64(abandonedWithinSL)
        c.completed = Int64(completed)
        c.acwCompleted = Int64(acwCompleted)
        c.holds = Int64(holds)
        c.waitCount = Int64(waitCount)
        c.waitMillis = Int64(waitMillis)
        c.talkMillis = Int64(talkMillis)
        c.holdMillis = Int64(holdMillis)
        c.acwMillis = Int64(acwMillis)
        return c
    }
}
