/// One call's record: everything the state machine needs, times in ms. Plain data.
struct CallRecord {
    var key: CallKey
    var queueEntry: EpochMillis
    var talkSince: EpochMillis = 0
    var holdSince: EpochMillis = 0
    var holdAccum: EpochMillis = 0
    var acwSince: EpochMillis = 0
    var lastTime: EpochMillis
    /// The deadline of this record's live expiry entry (`Int64.max`: none yet).
    var scheduledDeadline: EpochMillis = .max
    var queue: Int32
    /// Bumped when an earlier expiry entry is pushed, so the superseded one can be told apart.
    var generation: UInt32 = 0
    /// Position in the queue's list of ringing inbound calls, or −1.
    var ringingIndex: Int32 = -1
    var callType: CallType
    var state: CallState
    var entryKnown: Bool
    /// Bit per `EventName` applied at `lastTime`, to recognise duplicates.
    var namesAtLast: UInt8 = 0
    /// False for a free slot.
    var live: Bool = true
}

/// A pending expiry check: the record in `slot` expires once `now > deadline`, if still at `generation`.
struct ExpiryEntry: Comparable {
    var deadline: EpochMillis
    var slot: Int32
    var generation: UInt32

    static func < (a: ExpiryEntry, b: ExpiryEntry) -> Bool { a.deadline < b.deadline }
}
