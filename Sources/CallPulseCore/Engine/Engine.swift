/// The state of every call and queue, driven one event at a time (docs/spec/semantics.md).
/// A value type with one owner; every time it needs is passed in.
public struct Engine: Sendable {
    public let settings: Settings
    /// The event clock's `now`; nil before any timed event (and always nil on the live clock).
    public private(set) var eventClockNow: EpochMillis?
    public private(set) var ingest = IngestCounts()
    /// The first instant the clock had a value (docs/spec/forecast.md, "Observed span"): what
    /// spike baselines and the arrival rate count as seen. Kept in checkpoints.
    public private(set) var observedSince: EpochMillis?
    /// The live clock's latest `now` (kept in checkpoints): a restart long after it was down,
    /// and saw nothing, so its observed span starts again (`resumeObserving`).
    public private(set) var lastObservedAt: EpochMillis?
    /// The sequence of the last message of a stream applied (docs/spec/scale-out.md,
    /// "Consume"): a consumer skips what is at or below it. 0: none. Kept in checkpoints.
    public private(set) var sourcePosition: UInt64 = 0
    /// Which stream `sourcePosition` counts in (its name and creation time): a stream made
    /// again under the same name starts from 1. "" before any. Kept in checkpoints.
    public private(set) var sourceStream = ""

    private let calendar: DayCalendar
    var binLookup: BinLookup
    private var day = DayRange(start: Int64.min, end: Int64.min)
    /// The time of the earliest counted effect: where `callpulse report` starts by default.
    private(set) var earliestEffect: EpochMillis?
    /// The end of the latest interval retention dropped with effects in it (not kept in
    /// checkpoints): `callpulse report` says so rather than print zeros silently.
    public private(set) var historyDroppedBefore: EpochMillis?
    /// What a restore could not bring back, for the log (nil when everything came back).
    public private(set) var restoreNote: String?
    var queues: [QueueStats] = []
    /// Queue indices in UTF-8 byte order of their names; rebuilt when a queue is added.
    private var queueOrder: [Int] = []
    var queueIndex: [ByteString: Int32] = [:]
    var calls = CallStore()
    private var expiryHeap = MinHeap<ExpiryEntry>()
    /// Records not `closed`: what `max_active_calls` limits.
    public private(set) var activeCalls = 0
    /// Live records, `closed` included.
    public var recordCount: Int { calls.count }
    private let defaultQueue: ByteString
    private let expiryLimits: [EpochMillis]
    /// Keeps `CallStore.warm`'s loads observable.
    private var warmSink: UInt64 = 0

    public init(settings: Settings) throws(CoreError) {
        guard let calendar = BinCalendar(timeZone: settings.timezone) else {
            throw CoreError(.unknownTimeZone, "timezone '\(settings.timezone)' is not a known IANA time zone")
        }
        self.settings = settings
        self.calendar = calendar.days
        self.binLookup = BinLookup(calendar: calendar, lengthMinutes: settings.intervals.lengthMinutes)
        self.defaultQueue = ByteString(settings.defaultQueue)
        let expiry = settings.expiry
        self.expiryLimits = [expiry.ringing, expiry.connected, expiry.acw, expiry.finished]
        for name in settings.queues where queueIndex[ByteString(name)] == nil {
            _ = createQueue(ByteString(name))
        }
    }

    // MARK: Processing

    /// Counts a decode outcome: applies an event or records its rejection.
    @discardableResult
    public mutating func process(_ outcome: DecodeOutcome, receivedAt: EpochMillis) -> EventResult {
        switch outcome {
        case .event(let event):
            return apply(event, receivedAt: receivedAt)
        case .rejected(let rejection):
            ingest.count(.rejected(rejection), event: nil)
            return .rejected(rejection)
        }
    }

    /// Processes decode outcomes in order, warming the call table a batch ahead.
    public mutating func process(contentsOf outcomes: [DecodeOutcome], receivedAt: EpochMillis,
                                 _ result: (EventResult) -> Void = { _ in }) {
        process(contentsOf: outcomes[...], receivedAt: receivedAt, result)
    }

    /// Processes part of a batch in order (a stream's messages with one publish time each).
    public mutating func process(contentsOf outcomes: ArraySlice<DecodeOutcome>, receivedAt: EpochMillis,
                                 _ result: (EventResult) -> Void = { _ in }) {
        for batch in stride(from: outcomes.startIndex, to: outcomes.endIndex, by: Self.warmBatch) {
            let end = min(batch + Self.warmBatch, outcomes.endIndex)
            var keys = WarmKeys()
            for index in batch..<end { if case .event(let event) = outcomes[index] { keys.append(event.id.key) } }
            warmSink &+= calls.warm(keys)
            for index in batch..<end { result(process(outcomes[index], receivedAt: receivedAt)) }
        }
    }

    /// Applies valid events in order, warming the call table a batch ahead.
    public mutating func apply(contentsOf events: [CallEvent], receivedAt: EpochMillis) {
        for batch in stride(from: 0, to: events.count, by: Self.warmBatch) {
            let end = min(batch + Self.warmBatch, events.count)
            var keys = WarmKeys()
            for index in batch..<end { keys.append(events[index].id.key) }
            warmSink &+= calls.warm(keys)
            for index in batch..<end { apply(events[index], receivedAt: receivedAt) }
        }
    }

    /// How many lookups `CallStore.warm` overlaps.
    static let warmBatch = WarmKeys.capacity

    /// Processes one valid event received at `receivedAt` (the live clock's `now`).
    @discardableResult
    public mutating func apply(_ event: CallEvent, receivedAt: EpochMillis) -> EventResult {
        let result = applyUncounted(event, receivedAt: receivedAt)
        ingest.count(result, event: event.name)
        return result
    }

    private mutating func applyUncounted(_ event: CallEvent, receivedAt: EpochMillis) -> EventResult {
        // Steps 2–3: the event's time and the clock.
        let time: EpochMillis
        let now: EpochMillis
        switch settings.clock {
        case .live:
            time = event.stateTime ?? receivedAt
            now = receivedAt
            startObserving(at: now)
            lastObservedAt = max(lastObservedAt ?? now, now)
        case .event:
            guard let stamped = event.stateTime ?? eventClockNow else {
                return .rejected(Rejection(.badTimestamp,
                    "ResponseFields.CurrentStateTime is missing and the event clock has no time yet"))
            }
            time = stamped
            now = max(eventClockNow ?? time, time)
            eventClockNow = now
            startObserving(at: now)
        }
        // Step 4: expiry.
        expire(at: now)
        // Step 5: duplicate, out of order, too late.
        let existing = calls.find(event.id)
        if let slot = existing {
            let lastTime = calls[slot].lastTime
            if time == lastTime && calls[slot].namesAtLast & event.name.bit != 0 { return .ignored(.duplicate) }
            if time < lastTime { return .ignored(.outOfOrder) }
        } else if now - time > settings.expiry.shortest {
            return .ignored(.tooLate)
        }
        let transition = TransitionTable.transition(from: existing.map { calls[$0].state }, on: event.name)
        switch transition {
        case .invalid:
            return .ignored(.invalidTransition)
        case .unknownCall:
            return .ignored(.unknownCall)
        case .same:
            let slot = existing!
            touch(slot, time: time, event: event.name)
            updateLastEvent(Int(calls[slot].queue), time)
            noteBusy(Int(calls[slot].queue), at: now)
            return .accepted
        case .to(let next, let effects):
            let slot: Int
            if let existing {
                slot = existing
            } else {
                // Step 6: limits, before anything is created.
                switch createRecord(for: event, time: time) {
                case .success(let created): slot = created
                case .failure(let rejection): return .rejected(rejection)
                }
            }
            transitionRecord(slot, isNew: existing == nil, to: next, effects: effects, time: time, now: now,
                             event: event.name)
            noteBusy(Int(calls[slot].queue), at: now)
            return .accepted
        }
    }

    private mutating func createRecord(for event: CallEvent, time: EpochMillis) -> Result<Int, Rejection> {
        let queueName = event.queue ?? defaultQueue
        var queue = queueIndex[queueName]
        if queue == nil && queues.count >= settings.maxQueues {
            return .failure(Rejection(.limit,
                "queue \(FieldRules.shown(queueName)) would exceed max_queues (\(settings.maxQueues))"))
        }
        if activeCalls >= settings.maxActiveCalls {
            return .failure(Rejection(.limit,
                "call \(FieldRules.shown(ByteString(event.id.string))) would exceed max_active_calls (\(settings.maxActiveCalls))"))
        }
        if queue == nil { queue = createQueue(queueName) }
        let entryKnown = event.queueEntry != nil || event.name == .connecting || event.name == .missed
            || event.name == .rejected
        let record = CallRecord(key: event.id.key, queueEntry: event.queueEntry ?? time, lastTime: time,
                                queue: queue!, callType: event.callType, state: .closed, entryKnown: entryKnown)
        return .success(calls.insert(record, id: event.id))
    }

    /// Queue indices sorted by name (UTF-8 byte order), cached between snapshots.
    mutating func sortedQueueIndices() -> [Int] {
        if queueOrder.count != queues.count {
            queueOrder = queues.indices.sorted { queues[$0].name < queues[$1].name }
        }
        return queueOrder
    }

    private mutating func createQueue(_ name: ByteString) -> Int32 {
        let index = Int32(queues.count)
        queues.append(QueueStats(name: name, policy: settings.policy(forQueue: name.string), settings: settings))
        queueIndex[name] = index
        return index
    }

    /// Moves the latest state time (and the names applied at it) forward.
    private mutating func touch(_ slot: Int, time: EpochMillis, event: EventName) {
        if time > calls[slot].lastTime {
            calls[slot].lastTime = time
            calls[slot].namesAtLast = event.bit
            scheduleExpiry(slot)
        } else {
            calls[slot].namesAtLast |= event.bit
        }
    }

    private mutating func transitionRecord(_ slot: Int, isNew: Bool, to next: CallState, effects: Effects,
                                           time: EpochMillis, now: EpochMillis, event: EventName) {
        var record = calls[slot]
        let queueSlot = Int(record.queue)
        let policy = queues[queueSlot].policy
        let previous = isNew ? nil : record.state
        let inbound = record.callType == .inbound
        var delta = Counters()
        var counted = effects.contains(.holds) || effects.contains(.holdEnds) || effects.contains(.talkEnds)
            || effects.contains(.acwEnds)

        if inbound {
            counted = counted || !effects.isEmpty
            if effects.contains(.offered) { delta.offered = 1 }
            if effects.contains(.missed) { delta.missed = 1 }
            if effects.contains(.rejected) { delta.rejected = 1 }
            if effects.contains(.answered) {
                delta.answered = 1
                if record.entryKnown {
                    let wait = max(0, time - record.queueEntry)
                    delta.waitCount = 1
                    delta.waitMillis = wait
                    if wait <= policy.serviceLevel { delta.answeredWithinSL = 1 }
                    queues[queueSlot].wait.observe(wait)
                }
            }
            if effects.contains(.abandoned) {
                delta.abandoned = 1
                let abandonedAfter = time - record.queueEntry
                if abandonedAfter < policy.shortAbandon { delta.shortAbandoned = 1 }
                if abandonedAfter <= policy.serviceLevel { delta.abandonedWithinSL = 1 }
            }
        }
        if effects.contains(.holds) { delta.holds = 1 }
        if effects.contains(.holdEnds) {
            let hold = time - record.holdSince
            record.holdAccum += hold
            delta.holdMillis = hold
        }
        if effects.contains(.talkEnds) {
            let talk = time - record.talkSince - record.holdAccum
            delta.talkMillis = talk
            delta.completed = 1
            queues[queueSlot].talk.observe(talk)
        }
        if effects.contains(.acwEnds) {
            let acw = time - record.acwSince
            delta.acwMillis = acw
            delta.acwCompleted = 1
            queues[queueSlot].acw.observe(acw)
        }
        let wasConnected = previous?.isConnected ?? false
        if next.isConnected && !wasConnected {
            record.talkSince = time
            record.holdAccum = 0
        }
        if next == .held && previous != .held { record.holdSince = time }
        if next == .acw && previous != .acw { record.acwSince = time }

        // Gauges: move the record between state tallies.
        if let previous { queues[queueSlot].stateCounts[Int(previous.rawValue)] -= 1 }
        queues[queueSlot].stateCounts[Int(next.rawValue)] += 1
        if inbound && previous != next {
            if previous == .ringing { removeRinging(&record, queue: queueSlot) }
            if next == .ringing {
                record.ringingIndex = Int32(queues[queueSlot].ringingInbound.count)
                queues[queueSlot].ringingInbound.append(Int32(slot))
            }
        }
        let wasActive = previous.map { $0 != .closed } ?? false
        let isActive = next != .closed
        if wasActive != isActive { activeCalls += isActive ? 1 : -1 }

        record.state = next
        if time > record.lastTime || isNew {
            record.lastTime = time
            record.namesAtLast = event.bit
        } else {
            record.namesAtLast |= event.bit
        }
        calls[slot] = record
        scheduleExpiry(slot)
        updateLastEvent(queueSlot, time)
        if counted {
            let attributed = min(time, now)
            if attributed < earliestEffect ?? .max { earliestEffect = attributed }
            let day = dayHolding(now)
            // A late effect whose bin retention no longer keeps lands in none (as the answers count it).
            let bin = binLookup.position(of: attributed)
            let kept = bin.end > now - settings.intervals.retention
            if !kept { historyDroppedBefore = max(historyDroppedBefore ?? bin.end, bin.end) }
            queues[queueSlot].count(delta, at: attributed, now: now, day: day, bin: kept ? bin : nil)
        }
    }

    /// Takes a record off its queue's ringing list by moving the last entry into its place.
    private mutating func removeRinging(_ record: inout CallRecord, queue: Int) {
        let position = Int(record.ringingIndex)
        let moved = queues[queue].ringingInbound.removeLast()
        if position < queues[queue].ringingInbound.count {
            queues[queue].ringingInbound[position] = moved
            calls[Int(moved)].ringingIndex = Int32(position)
        }
        record.ringingIndex = -1
    }

    private mutating func updateLastEvent(_ queue: Int, _ time: EpochMillis) {
        if queues[queue].lastEventAt.map({ time > $0 }) ?? true { queues[queue].lastEventAt = time }
    }

    mutating func dayHolding(_ now: EpochMillis) -> DayRange {
        if !day.contains(now) {
            day = calendar.day(containing: now)
            pruneIntervals(now: now)
        }
        return day
    }

    /// Drops the interval days that retention no longer keeps; runs as each day begins,
    /// so at most one day more than the retention is held.
    private mutating func pruneIntervals(now: EpochMillis) {
        let cutoff = now - settings.intervals.retention
        for index in queues.indices {
            if let dropped = queues[index].bins.prune(endingBy: cutoff) {
                historyDroppedBefore = max(historyDroppedBefore ?? dropped, dropped)
            }
        }
    }

    // MARK: Expiry

    /// Keeps one expiry entry per record, no later than its deadline. Events that only move
    /// the deadline later push nothing: the entry is re-pushed when it comes due (`expire`).
    private mutating func scheduleExpiry(_ slot: Int) {
        let record = calls[slot]
        let deadline = record.lastTime + expiryLimits[record.state.expiryClass.rawValue]
        guard deadline < record.scheduledDeadline else { return }
        calls[slot].generation &+= 1
        calls[slot].scheduledDeadline = deadline
        expiryHeap.push(ExpiryEntry(deadline: deadline, slot: Int32(slot), generation: record.generation &+ 1))
        if expiryHeap.count > 2 * calls.count + 4096 { compactExpiryHeap() }
    }

    private mutating func compactExpiryHeap() {
        var entries: [ExpiryEntry] = []
        entries.reserveCapacity(calls.count)
        for (slot, record) in calls.records.enumerated() where record.live {
            entries.append(ExpiryEntry(deadline: record.scheduledDeadline, slot: Int32(slot), generation: record.generation))
        }
        expiryHeap.rebuild(entries)
    }

    /// Expires or forgets every record silent for longer than its state's limit at `now`.
    mutating func expire(at now: EpochMillis) {
        while let entry = expiryHeap.first, entry.deadline < now {
            _ = expiryHeap.popFirst()
            let slot = Int(entry.slot)
            var record = calls[slot]
            guard record.live, record.generation == entry.generation else { continue }
            let deadline = record.lastTime + expiryLimits[record.state.expiryClass.rawValue]
            if deadline >= now {  // the record heard from the call since: not due yet
                calls[slot].scheduledDeadline = deadline
                expiryHeap.push(ExpiryEntry(deadline: deadline, slot: entry.slot, generation: entry.generation))
                continue
            }
            let queue = Int(record.queue)
            queues[queue].stateCounts[Int(record.state.rawValue)] -= 1
            if record.ringingIndex >= 0 { removeRinging(&record, queue: queue) }
            let expiryClass = record.state.expiryClass
            if expiryClass != .finished { queues[queue].expired[expiryClass.rawValue] += 1 }
            if record.state != .closed { activeCalls -= 1 }
            calls.remove(slot)
            noteBusy(queue, at: now)
        }
    }

    /// Records the queue's busy agents after an applied event or an expiry (`agents` estimate).
    @inline(__always)
    private mutating func noteBusy(_ queue: Int, at now: EpochMillis) {
        queues[queue].busyPeaks.record(queues[queue].busyAgents, at: now, window: settings.forecast.agentsWindow)
    }

    /// Records that the messages of `stream` up to `sequence` are applied (with their events,
    /// under the same owner, so the two never part: docs/spec/scale-out.md, "Consume").
    public mutating func recordSourcePosition(_ sequence: UInt64, in stream: String) {
        sourcePosition = sequence
        sourceStream = stream
    }

    /// Sets `observedSince` the first time the clock has a value: the live clock's first
    /// start (the daemon calls this as it starts), the event clock's first event.
    public mutating func startObserving(at now: EpochMillis) {
        if observedSince == nil { observedSince = now }
    }

    /// After a restore, at the daemon's start on the live clock: the observed span carries on
    /// across a restart, unless the state was last alive more than `tolerance` ago. Calls during
    /// the outage were never seen, so counting it as observed would make the first calls after
    /// it look like a spike against an empty hour.
    /// Returns what to log when the span starts again.
    @discardableResult
    public mutating func resumeObserving(at now: EpochMillis, tolerance: EpochMillis) -> String? {
        guard settings.clock == .live else { return nil }
        var note: String?
        if let last = lastObservedAt, now - last > tolerance, observedSince != nil {
            observedSince = now
            note = "spike baselines start again: the state was last alive \((now - last) / 1000) s ago, "
                + "and the calls of that time were never seen"
        }
        startObserving(at: now)
        lastObservedAt = max(lastObservedAt ?? now, now)
        return note
    }

    /// Brings the clock to `wallNow` for a snapshot: expiry on the live clock; the event clock keeps its own `now`.
    public mutating func advance(to wallNow: EpochMillis) -> EpochMillis {
        switch settings.clock {
        case .live:
            startObserving(at: wallNow)
            lastObservedAt = max(lastObservedAt ?? wallNow, wallNow)
            expire(at: wallNow)
            return wallNow
        case .event:
            return eventClockNow ?? wallNow
        }
    }
}

extension EventName {
    @inline(__always)
    var bit: UInt8 { 1 << rawValue }
}

extension FieldRules {
    static func shown(_ text: ByteString) -> String {
        text.withBytes { shown($0) }
    }
}

// MARK: Checkpoints

extension Engine {
    /// Bumped whenever the layout below or of any part changes. Version 1 had no interval
    /// history; it still loads, with the history empty. Version 2 had no observed span and no
    /// busy-agent peaks; it loads as if the daemon started now. Version 3 had no source position.
    static let stateVersion: Int64 = 4

    /// What shapes the state's arrays: a checkpoint only loads under the same. (The interval
    /// length is not part of it: under another length the history alone starts empty.)
    var stateShape: String {
        let b = settings.buckets
        return "windows=\(settings.windowMinutes) wait=\(b.wait) talk=\(b.talk) acw=\(b.acw) timezone=\(settings.timezone) "
            + "record=\(MemoryLayout<CallRecord>.stride) expiry=\(MemoryLayout<ExpiryEntry>.stride)"
    }

    /// The whole state, for a checkpoint.
    public func encodeState() -> [UInt8] {
        var out = StateWriter(capacity: 1 << 16 + calls.records.count * MemoryLayout<CallRecord>.stride * 2
                                        + queues.count * 48 * 1024)
        out.int(Self.stateVersion)
        out.string(stateShape)
        out.optional(eventClockNow)
        out.plain(ingest.acceptedByEvent)
        out.plain(ingest.ignored)
        out.plain(ingest.rejected)
        out.int(day.start)
        out.int(day.end)
        out.int(queues.count)
        for queue in queues { queue.write(to: &out) }
        calls.write(to: &out)
        out.plain(expiryHeap.elements)
        out.int(activeCalls)
        out.int(settings.intervals.lengthMinutes)
        for queue in queues { queue.bins.write(to: &out) }
        out.optional(earliestEffect)
        out.optional(observedSince)
        out.optional(lastObservedAt)
        for queue in queues { queue.busyPeaks.write(to: &out) }
        out.int(Int64(bitPattern: sourcePosition))
        out.string(sourceStream)
        return out.bytes
    }

    /// An engine with `settings` and the state `encodeState` wrote. Queues get their policy
    /// from `settings` (a changed service-level threshold applies from now on); a state
    /// written with other windows, buckets or time zone is refused.
    public init(settings: Settings, restoring bytes: [UInt8]) throws(CoreError) {
        try self.init(settings: settings)
        var input = StateReader(bytes)
        let version = try input.int()
        guard (1...Self.stateVersion).contains(version) else {
            throw CoreError(.unreadableState, "the state has format version \(version); this build reads versions 1 to \(Self.stateVersion)")
        }
        let shape = try input.string()
        guard shape == stateShape else {
            throw CoreError(.unreadableState, "the state was written with other settings (\(shape)); now: \(stateShape)")
        }
        eventClockNow = try input.optional()
        ingest.acceptedByEvent = try input.plain(count: ingest.acceptedByEvent.count)
        ingest.ignored = try input.plain(count: ingest.ignored.count)
        ingest.rejected = try input.plain(count: ingest.rejected.count)
        day = DayRange(start: try input.int(), end: try input.int())
        queues = []
        queueIndex = [:]
        queueOrder = []
        for _ in 0..<(try input.count(max: 10_000_000)) {
            let index = createQueue(ByteString(try input.string()))
            try queues[Int(index)].read(from: &input)
        }
        try calls.read(from: &input)
        expiryHeap.elements = try input.plain()
        activeCalls = try input.count()
        if version >= 2 {
            let length = try input.int()
            for index in queues.indices { try queues[index].bins.read(from: &input) }
            earliestEffect = try input.optional()
            if length != settings.intervals.lengthMinutes {
                for index in queues.indices { queues[index].bins = IntervalBins() }
                restoreNote = "the interval history starts empty: the state was written with intervals.length "
                    + "\(IntervalQuery.stepName(Int(length))), now \(IntervalQuery.stepName(settings.intervals.lengthMinutes))"
            }
            dropBinsOfOtherZoneRules()
            if version >= 3 {
                observedSince = try input.optional()
                lastObservedAt = try input.optional()
                for index in queues.indices { try queues[index].busyPeaks.read(from: &input) }
                if version >= 4 {
                    sourcePosition = UInt64(bitPattern: try input.int())
                    sourceStream = try input.string()
                }
            } else {
                let note = "spike baselines start again: the state was written before the observed span was kept"
                restoreNote = restoreNote.map { $0 + "; " + note } ?? note
            }
        } else {
            restoreNote = "the interval history starts empty: the state was written before interval history was kept"
        }
        guard input.isAtEnd else { throw CoreError(.unreadableState, "the state has bytes after its end") }
        for record in calls.records where record.live && Int(record.queue) >= queues.count {
            throw CoreError(.unreadableState, "a call record names queue \(record.queue) of \(queues.count)")
        }
    }
}
