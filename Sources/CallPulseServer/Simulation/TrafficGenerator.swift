import CallPulseCore

/// Realistic call traffic for queues of differing load: offers, re-offers after missed
/// and rejected rings, abandons, answers, holds, after-call work, outbound calls and
/// occasional spikes. Deterministic for a seed; events come out in time order.
public struct TrafficGenerator {
    /// One generated event.
    public struct Event: Sendable {
        public var time: EpochMillis
        public var callID: String
        public var name: String
        public var callType: CallType
        public var queue: String
        public var queueEntry: EpochMillis

        /// The connector's full message for this event, as one NDJSON line (no newline).
        public func ndjson() -> String {
            let stamp = Timestamp.format(time)
            let entry = Timestamp.format(queueEntry)
            let canHold = name == "connected" ? "true" : "false"
            return #"{"channel":"Amazon","topic":"InboundCall","subtopic":"InboundCallStateChange","message":{"source":"AmazonConnect","call":{"ButtonStates":{"items":{"answer":{"enabled":\#(name == "connecting")},"hold":{"enabled":\#(canHold)},"drop":{"enabled":true}},"count":3},"ResponseType":null,"ResponseText":null,"ResponseActual":null,"CallVariables":{"customerId":"C-\#(callID.prefix(5))","language":"en-US"},"ExtendedCallVariables":null,"ResponseFields":{"Participants":null,"MediaProperties":{"callType":"\#(callType.name)","queueName":"\#(queue)","queueTimestamp":"\#(entry)"},"fromAddress":"+1555\#(callID.suffix(7))","CallState":"\#(name)","Type":"\#(callType.name)","CurrentStateTime":"\#(stamp)","Campaign":null,"DN":"\#(queue)"},"id":"\#(callID)","event":"\#(name)","CallType":"\#(callType.name)"}}}"#
        }
    }

    /// An event waiting in the time-ordered heap; `sequence` keeps the order of events at the same ms.
    struct Pending: Comparable, Sendable {
        var event: Event
        var sequence: Int
        static func < (a: Pending, b: Pending) -> Bool {
            (a.event.time, a.sequence) < (b.event.time, b.sequence)
        }
        static func == (a: Pending, b: Pending) -> Bool { a.sequence == b.sequence }
    }

    private var random: SeededRandom
    private let queues: [String]
    /// Mean gap between arrivals per queue, ms.
    private let meanGap: [Double]
    private var nextArrival: [EpochMillis]
    private var pending = MinHeap<Pending>()
    private var sequence = 0
    private var callCounter: UInt64 = 0
    /// Spikes run on a 30-minute cycle from this time (the epoch unless the caller moves it).
    private let spikeOrigin: EpochMillis

    /// Events per call of this model, spikes included, to turn an event rate into an arrival
    /// rate: 2 h of 20 queues asked for 2,000 events/s gave 1,731/s with 6.5, so 6.5 × 1,731 / 2,000.
    static let eventsPerCall = 5.63

    /// `queues` queues sharing `eventsPerSecond` (Zipf-like weights), starting at `start`.
    /// `firstSpikeAfter` puts the first queue's first spike that long after `start` (the demo
    /// wants one within minutes); by default spikes follow the clock, every 30 minutes.
    public init(queues queueCount: Int, eventsPerSecond: Double, start: EpochMillis, seed: UInt64,
                firstSpikeAfter: EpochMillis? = nil) {
        random = SeededRandom(seed: seed)
        spikeOrigin = firstSpikeAfter.map { start + $0 } ?? 0
        queues = Self.queueNames(count: queueCount)
        let weights = queues.indices.map { 1.0 / Double($0 + 1) }
        let total = weights.reduce(0, +)
        let callsPerSecond = eventsPerSecond / Self.eventsPerCall
        meanGap = weights.map { 1000.0 / max(callsPerSecond * $0 / total, 1e-9) }
        nextArrival = [EpochMillis](repeating: start, count: queues.count)
        for index in queues.indices { nextArrival[index] = start + random.exponential(mean: meanGap[index]) }
    }

    /// The next event in time order.
    public mutating func next() -> Event {
        while true {
            let (queueIndex, arrival) = nextArrival.enumerated().min { $0.element < $1.element }!
            if let first = pending.first, first.event.time <= arrival { return pending.popFirst()!.event }
            // A spike: every 30 minutes of simulated time, a queue gets 3 × its load for 2 minutes.
            let minute = (arrival - spikeOrigin) / 60_000 + Int64(queueIndex) * 7
            let inSpike = arrival >= spikeOrigin && minute % 30 < 2
            nextArrival[queueIndex] = arrival + random.exponential(mean: meanGap[queueIndex] / (inSpike ? 3 : 1))
            scheduleCall(queue: queues[queueIndex], at: arrival, busy: inSpike)
        }
    }

    private mutating func scheduleCall(queue: String, at arrival: EpochMillis, busy: Bool) {
        callCounter += 1
        let id = Self.callID(random.next(), callCounter)
        let outbound = random.chance(0.08)
        let type: CallType = outbound ? .outbound : .inbound
        let entry = arrival - (outbound ? 0 : random.millis(0...8_000))  // time in the IVR before the first ring
        var t = arrival
        func emit(_ name: String) {
            push(Event(time: t, callID: id, name: name, callType: type, queue: queue, queueEntry: entry))
        }
        emit("connecting")
        if !outbound {
            // Re-offers: missed after ringing out, or rejected by the agent.
            var offers = 0
            while offers < 3 {
                if random.chance(busy ? 0.25 : 0.08) {
                    t += random.millis(8_000...20_000); emit("missed")
                } else if random.chance(0.03) {
                    t += random.millis(1_000...4_000); emit("Rejected")
                } else {
                    break
                }
                if random.chance(0.3) {  // the caller gives up between offers
                    t += random.millis(2_000...40_000); emit("Dropped")
                    return
                }
                t += random.millis(1_000...6_000); emit("connecting")
                offers += 1
            }
            if random.chance(busy ? 0.12 : 0.05) {  // abandoned while ringing
                t += random.millis(1_000...45_000); emit("Dropped")
                return
            }
        }
        t += random.millis(2_000...(busy ? 30_000 : 14_000)); emit("connected")
        var remainingTalk = random.millis(30_000...600_000)
        if random.chance(0.2) {
            let before = random.millis(5_000...max(5_000, remainingTalk / 2))
            t += before; emit("hold")
            t += random.millis(10_000...90_000); emit("connected")
            remainingTalk -= before
        }
        t += max(remainingTalk, 1_000); emit("Dropped")
        if random.chance(0.8) {
            t += 250; emit("ACW")
            t += random.millis(10_000...120_000); emit("Dropped")
        }
    }

    /// The simulator's queue names: Billing, Support, … then Queue-9, Queue-10, …
    public static func queueNames(count: Int) -> [String] {
        let names = ["Billing", "Support", "Sales", "Retention", "Technical", "VIP", "Claims", "Onboarding"]
        return (0..<max(count, 1)).map { $0 < names.count ? names[$0] : "Queue-\($0 + 1)" }
    }

    static func callID(_ bits: UInt64, _ counter: UInt64) -> String {
        func hex(_ value: UInt64, _ width: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, width - text.count)) + text.suffix(width)
        }
        return "\(hex(bits >> 32, 8))-\(hex(bits >> 16 & 0xFFFF, 4))-4\(hex(bits & 0xFFF, 3))-a\(hex(counter >> 48 & 0xFFF, 3))-\(hex(counter, 12))"
    }

    private mutating func push(_ event: Event) {
        sequence += 1
        pending.push(Pending(event: event, sequence: sequence))
    }
}
