/// A consistent, immutable view of every queue at one instant: what the JSON API,
/// `replay` and the Prometheus exposition render.
public struct Snapshot: Sendable {
    public var generatedAt: EpochMillis
    public var clock: ClockMode
    public var timezone: String
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

    public var expiredTotal: Int64 { expired.reduce(0, +) }

    public init(name: ByteString, waiting: Int, waitingOverSL: Int, oldestWaitingMillis: EpochMillis, connected: Int,
                onHold: Int, inAcw: Int, lastEventAt: EpochMillis?, policy: QueuePolicy, totals: Counters,
                expired: [Int64], windows: [(name: String, counters: Counters)], today: Counters,
                wait: Histogram, talk: Histogram, acw: Histogram) {
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
        queues.withUnsafeBufferPointer { queues in
            for index in order {
                for (state, count) in queues[index].stateCounts.enumerated() { byState[state] += count }
                queueSnapshots.append(snapshot(of: queues[index], now: now, day: calendarDay))
            }
        }
        return Snapshot(generatedAt: now, clock: settings.clock, timezone: settings.timezone, queues: queueSnapshots,
                        ingest: ingest, activeCallsByState: byState)
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
