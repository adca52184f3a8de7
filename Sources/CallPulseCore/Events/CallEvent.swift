/// One validated call state-change event, as the state machine consumes it.
public struct CallEvent: Sendable, Equatable {
    /// The call id (exact bytes).
    public var id: CallID
    public var name: EventName
    /// Absent in the input means inbound.
    public var callType: CallType
    /// Nil when the event names no queue: the call's queue or the default queue applies.
    public var queue: ByteString?
    /// `MediaProperties.queueTimestamp`, when present.
    public var queueEntry: EpochMillis?
    /// `ResponseFields.CurrentStateTime`; nil for an untimed event (see "the clock").
    public var stateTime: EpochMillis?

    public init(id: CallID, name: EventName, callType: CallType = .inbound, queue: ByteString? = nil,
                queueEntry: EpochMillis? = nil, stateTime: EpochMillis? = nil) {
        self.id = id
        self.name = name
        self.callType = callType
        self.queue = queue
        self.queueEntry = queueEntry
        self.stateTime = stateTime
    }
}

/// What reading one JSON value produced: an event or the reason it was rejected.
public enum DecodeOutcome: Sendable, Equatable {
    case event(CallEvent)
    case rejected(Rejection)
}

/// A decode outcome with its position in the input.
public struct PositionedOutcome: Sendable, Equatable {
    /// 0-based position of the event in the input.
    public var index: Int
    /// 1-based line where the event starts.
    public var line: Int
    public var outcome: DecodeOutcome

    public init(index: Int, line: Int, outcome: DecodeOutcome) {
        self.index = index
        self.line = line
        self.outcome = outcome
    }
}
