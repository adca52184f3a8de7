import CallPulseCore

/// `callpulse replay`: feeds inputs in order through one engine on the event clock.
public struct ReplaySession {
    public private(set) var engine: Engine
    private let reader = EventReader()
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
        try stream.run { positioned in
            if case .rejected(let rejection) = engine.process(positioned.outcome, receivedAt: 0) {
                rejections += 1
                reportRejection("\(name):\(positioned.line): \(rejection.reason.rawValue): \(rejection.detail)")
            }
        }
    }

    /// The final snapshot; `wallNow` is used only if no event had a time.
    public mutating func snapshot(wallNow: EpochMillis) -> Snapshot {
        engine.snapshot(wallNow: wallNow)
    }
}
