import CallPulseCore

/// `GET /api/v1/calls` (README.md, "The daemon"): the calls in state, one object each.
enum CallsJSON {
    static func render(_ views: [CallView]) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("calls")
        writer.beginArray()
        for view in views {
            writer.beginObject()
            writer.key("id"); writer.string(view.id)
            writer.key("queue"); writer.string(view.queue)
            writer.key("call_type"); writer.string(view.callType.name)
            writer.key("state"); writer.string(view.state.name)
            writer.key("queue_entry"); writer.string(Timestamp.format(view.queueEntry))
            writer.key("last_event_at"); writer.string(Timestamp.format(view.lastEventAt))
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.text + "\n"
    }
}
