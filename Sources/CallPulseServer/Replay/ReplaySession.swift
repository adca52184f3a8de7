import CallPulseCore

/// `callpulse replay`: feeds inputs in order through one engine on the event clock.
public struct ReplaySession {
    public private(set) var engine: Engine
    private let reader = EventReader()
    static let batchSize = 16
    /// Rejected events seen so far.
    public private(set) var rejections = 0

    public init(settings: Settings) throws(Engine.SetupError) {
        var settings = settings
        settings.clock = .event
        engine = try Engine(settings: settings)
    }

    /// Replays one input from a file descriptor; rejected events are reported as `NAME:LINE: REASON: detail`.
    public mutating func replay(fd: Int32, name: String, reportRejection: (String) -> Void) throws {
        var stream = EventStream(fd: fd, reader: reader)
        // Events are applied in small batches so the engine can overlap their memory lookups.
        var outcomes: [DecodeOutcome] = [], lines: [Int] = []
        outcomes.reserveCapacity(Self.batchSize)
        lines.reserveCapacity(Self.batchSize)
        func flush() {
            var position = 0
            engine.process(contentsOf: outcomes, receivedAt: 0) { result in
                if case .rejected(let rejection) = result {
                    rejections += 1
                    reportRejection("\(name):\(lines[position]): \(rejection.reason.rawValue): \(rejection.detail)")
                }
                position += 1
            }
            outcomes.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
        }
        try stream.run { positioned in
            outcomes.append(positioned.outcome)
            lines.append(positioned.line)
            if outcomes.count == Self.batchSize { flush() }
        }
        flush()
    }

    /// The final snapshot; `wallNow` is used only if no event had a time.
    public mutating func snapshot(wallNow: EpochMillis) -> Snapshot {
        engine.snapshot(wallNow: wallNow)
    }
}
