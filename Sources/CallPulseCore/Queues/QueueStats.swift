/// Everything CallPulse keeps about one queue: gauges, counters, histograms, windows and `today`.
struct QueueStats {
    let name: ByteString
    let policy: QueuePolicy
    var totals = Counters()
    var expired = [Int64](repeating: 0, count: 3)  // by ExpiryClass: ringing, connected, acw
    var wait: Histogram
    var talk: Histogram
    var acw: Histogram
    var windows: RollingWindows
    var today = Counters()
    /// The day start `today` belongs to.
    var todayStart: EpochMillis = Int64.min
    /// The interval history (docs/spec/intervals.md).
    var bins = IntervalBins()
    /// Records by state, all call types.
    var stateCounts = [Int](repeating: 0, count: CallState.allCases.count)
    /// Slots of inbound records in `ringing` (`waiting`, `oldest_waiting_seconds`);
    /// each record knows its position, so removal is a swap.
    var ringingInbound: [Int32] = []
    var lastEventAt: EpochMillis?
    /// The busiest moments of the agents window (the forecast's estimated `agents`).
    var busyPeaks = BusyPeaks()

    init(name: ByteString, policy: QueuePolicy, settings: Settings) {
        self.name = name
        self.policy = policy
        wait = Histogram(bounds: settings.buckets.wait)
        talk = Histogram(bounds: settings.buckets.talk)
        acw = Histogram(bounds: settings.buckets.acw)
        windows = RollingWindows(minutes: settings.windowMinutes)
    }

    /// Agents busy with a call now, every call type: ringing, connected or in ACW
    /// (docs/spec/forecast.md: when calls wait, nobody is idle).
    var busyAgents: Int {
        stateCounts[Int(CallState.ringing.rawValue)] + stateCounts[Int(CallState.talking.rawValue)]
            + stateCounts[Int(CallState.held.rawValue)] + stateCounts[Int(CallState.acw.rawValue)]
    }

    /// Adds counted effects to totals, every window, `today` and the bin holding `time`
    /// (nil when retention keeps no bin that old), attributed at `time` ≤ `now`.
    mutating func count(_ delta: Counters, at time: EpochMillis, now: EpochMillis, day: DayRange, bin: BinPosition?) {
        totals.add(delta)
        windows.add(delta, at: time, now: now)
        if let bin { bins.add(delta, at: bin) }
        rollToday(day)
        if time >= day.start { today.add(delta) }
    }

    /// Starts `today` again from zero when the day holding `now` has changed.
    mutating func rollToday(_ day: DayRange) {
        if todayStart != day.start {
            todayStart = day.start
            today = .zero
        }
    }
}

extension QueueStats {
    func write(to out: inout StateWriter) {
        out.string(name.string)
        out.plain([totals, today])
        out.plain(expired)
        wait.write(to: &out)
        talk.write(to: &out)
        acw.write(to: &out)
        windows.write(to: &out)
        out.int(todayStart)
        out.plain(stateCounts)
        out.plain(ringingInbound)
        out.optional(lastEventAt)
    }

    /// Everything but the name (read first, to make the queue with its policy).
    mutating func read(from input: inout StateReader) throws(CoreError) {
        let counters: [Counters] = try input.plain(count: 2)
        totals = counters[0]
        today = counters[1]
        expired = try input.plain(count: expired.count)
        try wait.read(from: &input)
        try talk.read(from: &input)
        try acw.read(from: &input)
        try windows.read(from: &input)
        todayStart = try input.int()
        stateCounts = try input.plain(count: stateCounts.count)
        ringingInbound = try input.plain()
        lastEventAt = try input.optional()
    }
}
