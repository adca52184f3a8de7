import CallPulseCore
import CallPulseHTTP

/// What `/api/v1/status` and the landing page tell about this daemon (no secrets).
struct StatusInfo: Sendable {
    var version: String
    var startedAt: EpochMillis
    var listen: String
    var settings: Settings
    var maxBodyBytes: Int
    var tokens: (ingest: Bool, admin: Bool, read: Bool)
    var tls: Bool

    func render(ingest: IngestCounts, queues: Int, stats: DaemonStats, alerting: AlertingView?) -> String {
        var out = JSONWriter()
        out.beginObject()
        out.key("version"); out.string(version)
        out.key("started_at"); out.string(Timestamp.format(startedAt))
        out.key("clock"); out.string(settings.clock.rawValue)
        out.key("timezone"); out.string(settings.timezone)
        out.key("listen"); out.string(listen)
        out.key("config")
        out.beginObject()
        out.key("service_level_seconds"); out.thresholdSeconds(settings.policy.serviceLevel)
        out.key("short_abandon_seconds"); out.thresholdSeconds(settings.policy.shortAbandon)
        out.key("service_level_formula"); out.string(settings.policy.formula.rawValue)
        out.key("overrides"); out.integer(Int64(settings.overrides.count))
        out.key("windows")
        out.beginArray()
        for minutes in settings.windowMinutes { out.string(canonicalWindowName(minutes: minutes)) }
        out.endArray()
        out.key("interval_length"); out.string(IntervalQuery.stepName(settings.intervals.lengthMinutes))
        out.key("interval_retention_seconds"); out.integer(settings.intervals.retention / 1000)
        out.key("default_queue"); out.string(settings.defaultQueue)
        out.key("max_queues"); out.integer(Int64(settings.maxQueues))
        out.key("max_active_calls"); out.integer(Int64(settings.maxActiveCalls))
        out.key("max_body_bytes"); out.integer(Int64(maxBodyBytes))
        out.key("ingest_token"); out.string(tokens.ingest ? "set" : "unset (loopback only)")
        out.key("admin_token"); out.string(tokens.admin ? "set" : "unset")
        out.key("read_token"); out.string(tokens.read ? "set" : "unset")
        out.key("tls"); out.string(tls ? "on" : "off")
        out.endObject()
        out.key("ingest")
        out.beginObject()
        out.key("accepted"); out.integer(ingest.accepted)
        out.key("ignored"); out.integer(ingest.ignored.reduce(0, +))
        out.key("rejected"); out.integer(ingest.rejected.reduce(0, +))
        out.key("queues"); out.integer(Int64(queues))
        out.endObject()
        if let source = stats.source { render(source, into: &out) }
        out.key("rules_file"); out.string(alerting == nil ? "" : "loaded")
        out.key("last_reload_successful"); out.string(stats.lastReloadSuccessful ? "true" : "false")
        out.key("hooks")
        out.beginArray()
        for (hook, counts) in alerting?.hooks ?? [] {
            out.beginObject()
            out.key("name"); out.string(hook.name)
            out.key("type"); out.string(hook.kind.rawValue)
            out.key("sent"); out.integer(counts.sent)
            out.key("failed"); out.integer(counts.failed)
            out.key("dropped"); out.integer(counts.dropped)
            out.key("last_error")
            if let error = counts.lastError { out.string(error) } else { out.null() }
            out.endObject()
        }
        out.endArray()
        out.endObject()
        return out.text + "\n"
    }

    /// `source` (docs/spec/scale-out.md, "Replicas"): the stream, the consumer and its position.
    private func render(_ source: StreamSourceStatus, into out: inout JSONWriter) {
        out.key("source")
        out.beginObject()
        out.key("type"); out.string("nats")
        out.key("stream"); out.string(source.stream)
        out.key("consumer")
        if let consumer = source.consumer { out.string(consumer) } else { out.null() }
        out.key("publishing"); out.bool(source.publishing)
        out.key("connected"); out.bool(source.connected)
        out.key("last_applied_sequence"); out.integer(Int64(bitPattern: source.appliedSequence))
        out.key("last_applied_published_at")
        if let at = source.appliedPublishedAt { out.string(Timestamp.format(at)) } else { out.null() }
        out.key("pending")
        if let pending = source.pending { out.integer(Int64(bitPattern: pending)) } else { out.null() }
        out.key("messages")
        out.beginObject()
        out.key("applied"); out.integer(source.applied)
        out.key("skipped"); out.integer(source.skipped)
        out.key("rejected"); out.integer(source.rejected)
        out.endObject()
        out.key("published"); out.integer(source.published)
        out.key("publish_failed"); out.integer(source.publishFailed)
        out.endObject()
    }
}
