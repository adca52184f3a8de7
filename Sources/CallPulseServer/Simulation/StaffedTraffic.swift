import CallPulseCore

/// What `simulate --agents` models (docs/spec/forecast.md, "Accuracy, measured"): per queue, its
/// agents and its calls an hour; for every queue, the callers' mean patience, the mean handle
/// time (talk + hold + after-call work), and surges of arrivals.
public struct StaffedTraffic: Sendable, Equatable {
    public struct Queue: Sendable, Equatable {
        public var name: String
        public var agents: Int
        public var callsPerHour: Double

        public init(name: String, agents: Int, callsPerHour: Double) {
            self.name = name
            self.agents = agents
            self.callsPerHour = callsPerHour
        }
    }

    /// From `offset` after the start, for `length`, every queue's arrivals × `factor`.
    public struct Surge: Sendable, Equatable {
        public var offset: EpochMillis
        public var length: EpochMillis
        public var factor: Double

        public init(offset: EpochMillis, length: EpochMillis, factor: Double) {
            self.offset = offset
            self.length = length
            self.factor = factor
        }
    }

    public var queues: [Queue]
    public var meanPatienceMillis: Double
    public var meanHandleMillis: Double
    /// Where surges overlap, their factors multiply.
    public var surges: [Surge]

    public static let defaultPatienceMillis = 60_000.0
    public static let defaultHandleMillis = 240_000.0
    /// Without --calls-per-hour, each queue's agents are this busy: λ = 0.85·N / handle.
    public static let defaultOccupancy = 0.85

    public init(queues: [Queue], meanPatienceMillis: Double = Self.defaultPatienceMillis,
                meanHandleMillis: Double = Self.defaultHandleMillis, surges: [Surge] = []) {
        self.queues = queues
        self.meanPatienceMillis = meanPatienceMillis
        self.meanHandleMillis = meanHandleMillis
        self.surges = surges
    }

    /// The calls an hour that keep `agents` agents `defaultOccupancy` busy.
    public static func defaultCallsPerHour(agents: Int, meanHandleMillis: Double) -> Double {
        defaultOccupancy * Double(agents) * 3_600_000 / meanHandleMillis
    }

    /// The arrival factor in force at `offset` after the start.
    func surgeFactor(at offset: EpochMillis) -> Double {
        surges.reduce(1) { $1.offset <= offset && offset < $1.offset + $1.length ? $0 * $1.factor : $0 }
    }

    /// The first surge edge strictly after `offset`, where the arrival rate may change.
    func nextSurgeEdge(after offset: EpochMillis) -> EpochMillis? {
        surges.flatMap { [$0.offset, $0.offset + $0.length] }.filter { $0 > offset }.min()
    }
}
