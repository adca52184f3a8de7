import CallPulseCore

/// M/M/N traffic with impatient callers (`simulate --agents`), so the forecast can be measured
/// against what then happens. Per queue: Poisson arrivals; each caller rings (`connecting`,
/// queue entry = arrival) and waits first-come first-served for one of N agents; a caller whose
/// exponential patience runs out first hangs up (`Dropped`); the others are answered
/// (`connected`), talk (a fifth with a hold), hang up and get after-call work (`ACW`, `Dropped`).
/// Handle time (talk + hold + ACW) is exponential; the agent is busy from the answer to the end
/// of ACW. Deterministic for a seed; events come out in time order.
public struct StaffedTrafficGenerator: TrafficSource {
    private struct QueueState {
        let name: String
        /// Mean gap between arrivals without a surge, ms; nil for a queue without calls.
        let meanGap: Double?
        var nextArrival: EpochMillis
        /// When each agent is next free (one entry per agent).
        var agentsFreeAt: MinHeap<EpochMillis>
    }

    private let traffic: StaffedTraffic
    private let start: EpochMillis
    private var random: SeededRandom
    private var queues: [QueueState]
    private var pending = MinHeap<TrafficGenerator.Pending>()
    private var sequence = 0
    private var callCounter: UInt64 = 0

    /// Share of answered calls with one hold, and the hold's share of talk + hold.
    static let holdChance = 0.2
    static let holdShare = 0.1...0.3
    /// ACW's share of the handle time.
    static let acwShare = 0.1...0.3
    /// The shortest handle time, so every step of a call takes a moment.
    static let minimumHandle: EpochMillis = 3_000

    /// Every agent is free and nobody waits at `start`. Needs a queue with calls (the stream is endless).
    public init(traffic: StaffedTraffic, start: EpochMillis, seed: UInt64) {
        precondition(traffic.queues.contains { $0.callsPerHour >= StaffedTraffic.minimumCallsPerHour }, "no queue has calls")
        self.traffic = traffic
        self.start = start
        random = SeededRandom(seed: seed)
        queues = traffic.queues.map { queue in
            var free = MinHeap<EpochMillis>()
            for _ in 0..<queue.agents { free.push(start) }
            return QueueState(name: queue.name, meanGap: queue.callsPerHour > 0 ? 3_600_000 / queue.callsPerHour : nil,
                              nextArrival: .max, agentsFreeAt: free)
        }
        for index in queues.indices { queues[index].nextArrival = arrival(after: start, meanGap: queues[index].meanGap) }
    }

    /// The next event in time order.
    public mutating func next() -> TrafficGenerator.Event {
        while true {
            let index = queues.indices.min { queues[$0].nextArrival < queues[$1].nextArrival }!
            let arrival = queues[index].nextArrival
            if let first = pending.first, first.event.time <= arrival { return pending.popFirst()!.event }
            queues[index].nextArrival = self.arrival(after: arrival, meanGap: queues[index].meanGap)
            scheduleCall(queue: index, at: arrival)
        }
    }

    /// Callers are placed in arrival order, each on the agent free soonest, so the recursion is
    /// exactly first-come first-served: a caller who gives up first leaves the agents as they were.
    private mutating func scheduleCall(queue index: Int, at arrival: EpochMillis) {
        callCounter += 1
        let id = TrafficGenerator.callID(random.next(), callCounter)
        let name = queues[index].name
        func emit(_ event: String, _ time: EpochMillis) {
            push(TrafficGenerator.Event(time: time, callID: id, name: event, callType: .inbound, queue: name, queueEntry: arrival))
        }
        let patience = random.exponential(mean: traffic.meanPatienceMillis)
        let handle = max(random.exponential(mean: traffic.meanHandleMillis), Self.minimumHandle)
        let freeAt = queues[index].agentsFreeAt.popFirst()!
        let answer = max(arrival, freeAt)
        emit("connecting", arrival)
        guard answer - arrival <= patience else {
            queues[index].agentsFreeAt.push(freeAt)
            emit("Dropped", arrival + patience)
            return
        }
        queues[index].agentsFreeAt.push(answer + handle)
        let acw = max(share(of: handle, in: Self.acwShare), 1_000)
        let talkAndHold = handle - acw
        emit("connected", answer)
        if random.chance(Self.holdChance) {
            let hold = share(of: talkAndHold, in: Self.holdShare)
            let before = share(of: talkAndHold - hold, in: 0.2...0.8)
            emit("hold", answer + before)
            emit("connected", answer + before + hold)
        }
        // ACW starts the moment the talk ends, so the engine's handle time is the agent's busy time.
        emit("Dropped", answer + talkAndHold)
        emit("ACW", answer + talkAndHold)
        emit("Dropped", answer + handle)
    }

    /// The next arrival after `time` of a Poisson process whose rate changes only at surge
    /// edges: a gap drawn at the rate in force that crosses an edge is drawn again from the
    /// edge (exact, the process being memoryless).
    private mutating func arrival(after time: EpochMillis, meanGap: Double?) -> EpochMillis {
        guard let meanGap else { return .max }
        var from = time
        while true {
            let mean = meanGap / traffic.surgeFactor(at: from - start)
            // A mean gap beyond ten years is "none before the next edge" (and would overflow the draw).
            let candidate = mean < Self.tenYears ? from + random.exponential(mean: mean) : .max
            guard let edge = traffic.nextSurgeEdge(after: from - start).map({ $0 + start }), candidate >= edge else {
                return candidate
            }
            from = edge
        }
    }

    private static let tenYears = 315_360_000_000.0

    private mutating func share(of millis: EpochMillis, in range: ClosedRange<Double>) -> EpochMillis {
        EpochMillis(Double(millis) * Double.random(in: range, using: &random))
    }

    private mutating func push(_ event: TrafficGenerator.Event) {
        sequence += 1
        pending.push(TrafficGenerator.Pending(event: event, sequence: sequence))
    }
}
