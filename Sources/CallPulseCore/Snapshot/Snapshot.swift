/// A consistent, immutable view of every queue at one instant: what the JSON API,
/// `replay` and the Prometheus exposition render.
public struct Snapshot: Sendable {
    public var generatedAt: EpochMillis
    public var clock: ClockMode
    public var timezone: String
    /// The engine's `observedSince` (docs/spec/forecast.md, "Observed span").
    public var observedSince: EpochMillis?
    /// Sorted by name in UTF-8 byte order.
    public var queues: [QueueSnapshot]
    public var ingest: IngestCounts
    /// Records by state, all queues.
    public var activeCallsByState: [Int]
}

/// One queue in a snapshot.
public struct QueueSnapshot: Sendable {
    public var name: ByteString
    public var waiting: Int
    public var waitingOverSL: Int
    public var oldestWaitingMillis: EpochMillis
    public var connected: Int
    public var onHold: Int
    public var inAcw: Int
    public var lastEventAt: EpochMillis?
    public var policy: QueuePolicy
    public var totals: Counters
    /// Expired records by `ExpiryClass` (ringing, connected, acw).
    public var expired: [Int64]
    public var windows: [(name: String, counters: Counters)]
    public var today: Counters
    public var wait: Histogram
    public var talk: Histogram
    public var acw: Histogram
    /// Always set in an engine's snapshot (nil only in hand-built ones).
    public var forecast: QueueForecast?

    public var expiredTotal: Int64 { expired.reduce(0, +) }

    public init(name: ByteString, waiting: Int, waitingOverSL: Int, oldestWaitingMillis: EpochMillis, connected: Int,
                onHold: Int, inAcw: Int, lastEventAt: EpochMillis?, policy: QueuePolicy, totals: Counters,
                expired: [Int64], windows: [(name: String, counters: Counters)], today: Counters,
                wait: Histogram, talk: Histogram, acw: Histogram, forecast: QueueForecast? = nil) {
        self.name = name
        self.waiting = waiting
        self.waitingOverSL = waitingOverSL
        self.oldestWaitingMillis = oldestWaitingMillis
        self.connected = connected
        self.onHold = onHold
        self.inAcw = inAcw
        self.lastEventAt = lastEventAt
        self.policy = policy
        self.totals = totals
        self.expired = expired
        self.windows = windows
        self.today = today
        self.wait = wait
        self.talk = talk
        self.acw = acw
        self.forecast = forecast
    }
}

extension Engine {
    /// Takes a snapshot at `wallNow` (the live clock's `now`; the event clock uses its own).
    public mutating func snapshot(wallNow: EpochMillis) -> Snapshot {
        let now = advance(to: wallNow)
        let calendarDay = dayHolding(now)
        var queueSnapshots: [QueueSnapshot] = []
        queueSnapshots.reserveCapacity(queues.count)
        var byState = [Int](repeating: 0, count: CallState.allCases.count)
        let order = sortedQueueIndices()
        for index in queues.indices { queues[index].windows.refresh(at: now) }
        let interval = binLookup.position(of: now)
        let offsets = (binLookup.calendar.offset(at: interval.start), binLookup.calendar.offset(at: interval.end))
        queues.withUnsafeBufferPointer { queues in
            for index in order {
                for (state, count) in queues[index].stateCounts.enumerated() { byState[state] += count }
                var queue = snapshot(of: queues[index], now: now, day: calendarDay)
                queue.forecast = forecast(of: queues[index], now: now, interval: interval)
                queue.forecast?.intervalOffsets = offsets
                queueSnapshots.append(queue)
            }
        }
        return Snapshot(generatedAt: now, clock: settings.clock, timezone: settings.timezone,
                        observedSince: observedSince, queues: queueSnapshots, ingest: ingest, activeCallsByState: byState)
    }

    /// The queue's forecast at `now`, in the interval at `interval` (docs/spec/forecast.md).
    private func forecast(of queue: borrowing QueueStats, now: EpochMillis, interval: BinPosition) -> QueueForecast {
        let forecastSettings = settings.forecast
        let observed = max(0, now - (observedSince ?? now))
        var offered: Int64 = 0
        var arrivalSpan: Int64 = 0
        if let index = settings.windowMinutes.firstIndex(of: forecastSettings.arrivalWindowMinutes) {
            offered = queue.windows.value(index).offered
            arrivalSpan = min(Int64(forecastSettings.arrivalWindowMinutes) * 60_000, observed)
        }
        let handle = settings.windowMinutes.firstIndex(of: forecastSettings.handleWindowMinutes).flatMap { index in
            DerivedValues(queue.windows.value(index), formula: queue.policy.formula).avgHandleMillis
        }
        let busy = queue.busyAgents
        let agents = queue.policy.agents ?? max(busy, queue.busyPeaks.peak(at: now, window: forecastSettings.agentsWindow))
        let current = queue.bins.day(startingAt: interval.dayStart).map { $0.counters(interval.slot) } ?? .zero
        var ages: [Int64] = []
        ages.reserveCapacity(queue.ringingInbound.count)
        for slot in queue.ringingInbound { ages.append(max(0, now - calls[Int(slot)].queueEntry)) }
        var forecast = QueueForecast(ForecastInputs(
            offered: offered, arrivalSpanMillis: arrivalSpan, handleMillis: handle, busyAgents: busy, agents: agents,
            agentsConfigured: queue.policy.agents != nil, serviceLevelTarget: queue.policy.serviceLevelTarget,
            serviceLevelMillis: queue.policy.serviceLevel,
            intervalMet: current.serviceLevelNumerator(queue.policy.formula),
            intervalCounted: current.serviceLevelDenominator(queue.policy.formula),
            ringingAges: ages, now: now, intervalStart: interval.start, intervalEnd: interval.end))
        forecast.settled = observed >= Int64(forecastSettings.handleWindowMinutes) * 60_000
        return forecast
    }

    private func windowValues(_ windows: borrowing RollingWindows) -> [(name: String, counters: Counters)] {
        var values: [(name: String, counters: Counters)] = []
        values.reserveCapacity(windows.minutes.count)
        for index in windows.minutes.indices {
            values.append((windows.names[index], windows.value(index)))
        }
        return values
    }

    private func snapshot(of queue: borrowing QueueStats, now: EpochMillis, day: DayRange) -> QueueSnapshot {
        var overSL = 0
        var oldest: EpochMillis = 0
        for slot in queue.ringingInbound {
            let entry = calls[Int(slot)].queueEntry
            oldest = max(oldest, max(0, now - entry))
            if now - entry > queue.policy.serviceLevel { overSL += 1 }
        }
        let counts = queue.stateCounts
        return QueueSnapshot(
            name: queue.name,
            waiting: queue.ringingInbound.count,
            waitingOverSL: overSL,
            oldestWaitingMillis: oldest,
            connected: counts[Int(CallState.talking.rawValue)] + counts[Int(CallState.held.rawValue)],
            onHold: counts[Int(CallState.held.rawValue)],
            inAcw: counts[Int(CallState.acw.rawValue)],
            lastEventAt: queue.lastEventAt,
            policy: queue.policy,
            totals: queue.totals,
            expired: queue.expired,
            windows: windowValues(queue.windows),
            today: queue.todayStart == day.start ? queue.today : .zero,
            wait: queue.wait, talk: queue.talk, acw: queue.acw)
    }
}
