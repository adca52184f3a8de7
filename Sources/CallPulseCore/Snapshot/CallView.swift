/// One active call record as `GET /api/v1/calls` shows it.
public struct CallView: Sendable {
    public var id: String
    public var queue: String
    public var callType: CallType
    public var state: CallState
    public var queueEntry: EpochMillis
    public var lastEventAt: EpochMillis
}

extension Engine {
    /// Records not `closed`, optionally of one queue and state, at most `limit`, by id.
    public func calls(queue: String?, state: String?, limit: Int) -> [CallView] {
        var views: [CallView] = []
        for (slot, record) in calls.records.enumerated() where record.live && record.state != .closed {
            let queueName = queues[Int(record.queue)].name.string
            if let queue, queue != queueName { continue }
            if let state, state != record.state.name { continue }
            views.append(CallView(id: calls.id(at: slot), queue: queueName, callType: record.callType,
                                  state: record.state, queueEntry: record.queueEntry, lastEventAt: record.lastTime))
        }
        views.sort { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        return Array(views.prefix(limit))
    }
}
