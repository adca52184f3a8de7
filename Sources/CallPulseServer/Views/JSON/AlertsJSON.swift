import CallPulseAlerting
import CallPulseCore

/// A consistent copy of the alerting state for the API, metrics and status.
struct AlertingView: Sendable {
    var ruleSet: RuleSet
    var alerts: [Alert]
    var lastEvaluation: [String: (at: EpochMillis, queues: Int)]
    var hooks: [(HookConfig, HookDispatcher.Counts)]
}

/// `GET /api/v1/alerts` and `GET /api/v1/rules`.
enum AlertsJSON {
    static func alerts(_ alerts: [Alert]) -> String {
        var out = JSONWriter()
        out.beginObject()
        out.key("alerts")
        out.beginArray()
        for alert in alerts { write(alert, state: alert.state.rawValue, into: &out) }
        out.endArray()
        out.endObject()
        return out.text + "\n"
    }

    /// One alert object; `state` is its state, or `resolved` for the live stream.
    static func write(_ alert: Alert, state: String, into out: inout JSONWriter) {
        out.beginObject()
        out.key("fingerprint"); out.string(AlertNotification.fingerprint(alert.labels))
        out.key("labels"); out.stringObject(alert.labels)
        out.key("annotations"); out.stringObject(alert.annotations)
        out.key("state"); out.string(state)
        out.key("value"); out.ratio(alert.value.isFinite ? alert.value : nil)
        out.key("active_since"); out.string(Timestamp.format(alert.activeSince))
        out.key("fired_at")
        if let fired = alert.firedAt { out.string(Timestamp.format(fired)) } else { out.null() }
        out.endObject()
    }

    static func rules(_ view: AlertingView?) -> String {
        var out = JSONWriter()
        out.beginObject()
        out.key("evaluation_interval"); out.string(ExpositionWriter.seconds(view?.ruleSet.evaluationInterval ?? 1000) + "s")
        out.key("rules")
        out.beginArray()
        for rule in view?.ruleSet.rules ?? [] {
            out.beginObject()
            out.key("alert"); out.string(rule.alert)
            out.key("queues")
            out.beginArray()
            for pattern in rule.queues { out.string(pattern) }
            out.endArray()
            out.key("metric"); out.string(rule.metric.name)
            if let window = rule.metric.window {
                out.key("window"); out.string(window.name)
            }
            out.key("op"); out.string(rule.op.rawValue)
            out.key("threshold"); out.ratio(rule.threshold)
            out.key("for"); out.string(ExpositionWriter.seconds(rule.forDuration) + "s")
            out.key("keep_firing_for"); out.string(ExpositionWriter.seconds(rule.keepFiringFor) + "s")
            out.key("hooks")
            out.beginArray()
            for hook in rule.hooks { out.string(hook) }
            out.endArray()
            out.key("last_evaluation")
            if let last = view?.lastEvaluation[rule.alert] { out.string(Timestamp.format(last.at)) } else { out.null() }
            out.key("queues_matched"); out.integer(Int64(view?.lastEvaluation[rule.alert]?.queues ?? 0))
            out.key("health"); out.string(view?.lastEvaluation[rule.alert] == nil ? "unknown" : "ok")
            out.key("active"); out.integer(Int64(view?.alerts.filter { $0.rule == rule.alert }.count ?? 0))
            out.endObject()
        }
        out.endArray()
        out.key("hooks")
        out.beginArray()
        for (hook, _) in view?.hooks ?? [] {
            out.beginObject()
            out.key("name"); out.string(hook.name)
            out.key("type"); out.string(hook.kind.rawValue)
            out.endObject()
        }
        out.endArray()
        out.endObject()
        return out.text + "\n"
    }

}
