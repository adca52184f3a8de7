import CallPulseCore

/// Renders `/metrics`: every family of docs/spec/interfaces.md from a snapshot plus daemon stats.
/// `replay --format prometheus` uses it too (without daemon stats).
public struct MetricsRenderer: Sendable {
    public var exposeWindows = false
    public var version = "0.1.0"
    public var revision = "unknown"

    public init(exposeWindows: Bool = false, version: String = "0.1.0", revision: String = "unknown") {
        self.exposeWindows = exposeWindows
        self.version = version
        self.revision = revision
    }

    public func render(_ snapshot: Snapshot, stats: DaemonStats?, process: ProcessMetrics?,
                       format: ExpositionWriter.Format) -> [UInt8] {
        render(snapshot, stats: stats, process: process, alerting: nil, format: format)
    }

    func render(_ snapshot: Snapshot, stats: DaemonStats?, process: ProcessMetrics?, alerting: AlertingView?,
                format: ExpositionWriter.Format) -> [UInt8] {
        var out = ExpositionWriter(format: format, capacity: 8192 + snapshot.queues.count * 4096)
        let labels = snapshot.queues.map { ExpositionWriter.Labels(["queue": $0.name.string]) }
        renderQueues(snapshot.queues, labels, into: &out)
        renderIngest(snapshot, into: &out)
        if let stats { renderDaemon(stats, alerting: alerting, into: &out) }
        out.family("callpulse_build_info", "gauge", "Always 1; labelled with the version and revision of the build.")
        out.sample("callpulse_build_info", ExpositionWriter.Labels(["version": version, "revision": revision]), 1)
        if let process { renderProcess(process, into: &out) }
        out.finish()
        return out.bytes
    }

    /// One queue's plain values, read once: families then write from these rows without
    /// copying queue snapshots (whose arrays and strings would be retained per access).
    private struct Row {
        var gauges: (Int64, Int64, Int64, Int64, Int64)
        var oldest: Int64
        var threshold: Int64
        var lastEvent: Int64?
        var counters: Counters
        var expired: (Int64, Int64, Int64)
    }

    private func renderQueues(_ queues: [QueueSnapshot], _ labels: [ExpositionWriter.Labels],
                              into out: inout ExpositionWriter) {
        var rows: [Row] = []
        rows.reserveCapacity(queues.count)
        queues.withUnsafeBufferPointer { queues in
            for index in queues.indices {
                rows.append(Row(gauges: (Int64(queues[index].waiting), Int64(queues[index].waitingOverSL),
                                         Int64(queues[index].connected), Int64(queues[index].onHold),
                                         Int64(queues[index].inAcw)),
                                oldest: queues[index].oldestWaitingMillis, threshold: queues[index].policy.serviceLevel,
                                lastEvent: queues[index].lastEventAt, counters: queues[index].totals,
                                expired: (queues[index].expired[0], queues[index].expired[1], queues[index].expired[2])))
            }
        }
        let gaugeFamilies: [(String, String)] = [
            ("callpulse_queue_waiting_calls", "Inbound calls ringing an agent now."),
            ("callpulse_queue_waiting_over_sl_calls", "Waiting calls that have waited longer than the service-level threshold."),
            ("callpulse_queue_connected_calls", "Calls of any type talking or on hold."),
            ("callpulse_queue_on_hold_calls", "Calls on hold."),
            ("callpulse_queue_acw_calls", "Calls in after-call work."),
        ]
        for (family, (name, help)) in gaugeFamilies.enumerated() {
            out.family(name, "gauge", help)
            for index in rows.indices {
                let g = rows[index].gauges
                out.sample(name, labels[index], [g.0, g.1, g.2, g.3, g.4][family])
            }
        }
        out.family("callpulse_queue_oldest_waiting_seconds", "gauge",
                   "How long the longest-waiting ringing call has waited; 0 when none.")
        for index in rows.indices {
            out.sample("callpulse_queue_oldest_waiting_seconds", labels[index], seconds: rows[index].oldest)
        }
        out.family("callpulse_queue_service_level_threshold_seconds", "gauge", "The queue's service-level threshold.")
        for index in rows.indices {
            out.sample("callpulse_queue_service_level_threshold_seconds", labels[index], seconds: rows[index].threshold)
        }
        out.family("callpulse_queue_last_event_timestamp_seconds", "gauge", "Unix time of the latest event applied to the queue.")
        for index in rows.indices {
            if let last = rows[index].lastEvent {
                out.sample("callpulse_queue_last_event_timestamp_seconds", labels[index], seconds: last)
            }
        }
        let counterFamilies: [(String, String, KeyPath<Counters, Int64>)] = [
            ("callpulse_queue_offered_calls_total", "Inbound calls offered to an agent.", \.offered),
            ("callpulse_queue_answered_calls_total", "Inbound calls answered.", \.answered),
            ("callpulse_queue_answered_within_sl_calls_total", "Inbound calls answered within the service-level threshold.",
             \.answeredWithinSL),
            ("callpulse_queue_missed_calls_total", "Offers that rang out unanswered.", \.missed),
            ("callpulse_queue_rejected_calls_total", "Offers rejected by the agent.", \.rejected),
            ("callpulse_queue_abandoned_calls_total", "Inbound calls the caller hung up while ringing or between offers.",
             \.abandoned),
            ("callpulse_queue_short_abandoned_calls_total", "Abandons sooner than short_abandon_seconds.", \.shortAbandoned),
            ("callpulse_queue_abandoned_within_sl_calls_total", "Abandons within the service-level threshold.",
             \.abandonedWithinSL),
            ("callpulse_queue_completed_calls_total", "Conversations that ended (talk time observed).", \.completed),
            ("callpulse_queue_holds_total", "Times a call was put on hold.", \.holds),
        ]
        for (name, help, field) in counterFamilies {
            out.family(name, "counter", help)
            for index in rows.indices { out.sample(name, labels[index], rows[index].counters[keyPath: field]) }
        }
        out.family("callpulse_queue_hold_seconds_total", "counter", "Time calls spent on hold.")
        for index in rows.indices {
            out.sample("callpulse_queue_hold_seconds_total", labels[index], seconds: rows[index].counters.holdMillis)
        }
        out.family("callpulse_queue_expired_calls_total", "counter",
                   "Records expired after going silent, by the state they were in (a ringing call whose Dropped never came).")
        let states = [Array("state=\"ringing\"".utf8), Array("state=\"connected\"".utf8), Array("state=\"acw\"".utf8)]
        for index in rows.indices {
            let expired = rows[index].expired
            out.sample("callpulse_queue_expired_calls_total", labels[index], expired.0, extra: states[0])
            out.sample("callpulse_queue_expired_calls_total", labels[index], expired.1, extra: states[1])
            out.sample("callpulse_queue_expired_calls_total", labels[index], expired.2, extra: states[2])
        }
        let histograms: [(String, String)] = [
            ("callpulse_queue_wait_seconds", "Wait from queue entry to answer, for answers with a known wait."),
            ("callpulse_queue_talk_seconds", "Talk time of completed conversations, holds excluded."),
            ("callpulse_queue_acw_seconds", "After-call work time."),
        ]
        for (kind, (name, help)) in histograms.enumerated() {
            out.family(name, "histogram", help)
            guard let first = queues.first else { continue }
            let bounds = kind == 0 ? first.wait.bounds : kind == 1 ? first.talk.bounds : first.acw.bounds
            let buckets = ExpositionWriter.bucketLabels(bounds)
            let names = ExpositionWriter.HistogramNames(name)
            queues.withUnsafeBufferPointer { queues in
                labels.withUnsafeBufferPointer { labels in
                    for index in queues.indices {
                        switch kind {
                        case 0: out.histogram(names, labels[index], buckets: buckets, histogram: queues[index].wait)
                        case 1: out.histogram(names, labels[index], buckets: buckets, histogram: queues[index].talk)
                        default: out.histogram(names, labels[index], buckets: buckets, histogram: queues[index].acw)
                        }
                    }
                }
            }
        }
        renderForecasts(queues, labels, into: &out)
        if exposeWindows { renderWindows(queues, labels, into: &out) }
    }

    /// A forecast gauge's value: counts print as integers, as the other gauges print them.
    private enum ForecastValue {
        case count(Int64)
        case real(Double)
    }

    /// `callpulse_queue_forecast_*` (docs/spec/forecast.md): a sample only where the value is
    /// defined, so a quiet queue shows no made-up zero.
    private func renderForecasts(_ queues: [QueueSnapshot], _ labels: [ExpositionWriter.Labels],
                                 into out: inout ExpositionWriter) {
        let families: [(String, String, (QueueForecast) -> ForecastValue?)] = [
            ("arrival_rate_per_second", "Inbound offers per second over forecast.arrival_window.",
             { $0.arrivalRatePerSecond.map { .real($0) } }),
            ("handle_seconds", "Mean handle time (talk, hold, ACW) over forecast.handle_window.",
             { $0.handleMillis.map { .real(Double($0) / 1000) } }),
            ("offered_load_erlangs", "Offered load: arrival rate × handle time.", { $0.offeredLoad.map { .real($0) } }),
            ("busy_agents", "Agents busy with a call now: ringing, connected or in ACW.",
             { .count(Int64($0.busyAgents)) }),
            ("agents", "Agents the forecast assumes: configured, or the busiest moment of forecast.agents_window.",
             { .count(Int64($0.agents)) }),
            ("overloaded", "1 when the offered load reaches the agents: every new caller waits.",
             { $0.overloaded.map { .count($0 ? 1 : 0) } }),
            ("wait_probability", "Erlang C: the probability that a caller waits.", { $0.waitProbability.map { .real($0) } }),
            ("service_level_at_staffing", "Erlang C: the service level the agents give at this load.",
             { $0.serviceLevelAtStaffing.map { .real($0) } }),
            ("estimated_wait_seconds", "Erlang C: the mean wait of a caller arriving now.",
             { $0.estimatedWaitMillis.map { .real(Double($0) / 1000) } }),
            ("required_agents", "The fewest agents that reach the service-level target at this load.",
             { $0.requiredAgents.map { .count(Int64($0)) } }),
            ("projected_service_level", "The service level the current interval is projected to end with.",
             { $0.projectedServiceLevel.map { .real($0) } }),
        ]
        for (suffix, help, read) in families {
            let name = "callpulse_queue_forecast_" + suffix
            out.family(name, "gauge", help)
            for (index, queue) in queues.enumerated() {
                switch queue.forecast.flatMap(read) {
                case .count(let value): out.sample(name, labels[index], value)
                case .real(let value): out.sample(name, labels[index], text: String(value))
                case nil: break
                }
            }
        }
    }

    private func renderWindows(_ queues: [QueueSnapshot], _ labels: [ExpositionWriter.Labels],
                               into out: inout ExpositionWriter) {
        out.family("callpulse_queue_window_calls", "gauge", "Calls in each rolling window, by outcome.")
        for (index, queue) in queues.enumerated() {
            for window in queue.windows {
                let c = window.counters
                let windowLabels = labels[index].adding("window", window.name)
                for (outcome, value) in [("offered", c.offered), ("answered", c.answered),
                                         ("answered_within_sl", c.answeredWithinSL), ("missed", c.missed),
                                         ("rejected", c.rejected), ("abandoned", c.abandoned),
                                         ("short_abandoned", c.shortAbandoned), ("completed", c.completed)] {
                    out.sample("callpulse_queue_window_calls", windowLabels.adding("outcome", outcome), value)
                }
            }
        }
        out.family("callpulse_queue_window_service_level_ratio", "gauge",
                   "Service level over each rolling window, by the queue's formula; absent when undefined.")
        for (index, queue) in queues.enumerated() {
            for window in queue.windows {
                if let level = DerivedValues(window.counters, formula: queue.policy.formula).serviceLevel {
                    out.sample("callpulse_queue_window_service_level_ratio", labels[index].adding("window", window.name),
                               text: String(level))
                }
            }
        }
    }

    private func renderIngest(_ snapshot: Snapshot, into out: inout ExpositionWriter) {
        let ingest = snapshot.ingest
        out.family("callpulse_events_accepted_total", "counter", "Events applied, by event name.")
        for event in EventName.allCases {
            out.sample("callpulse_events_accepted_total", ExpositionWriter.Labels(["event": event.name]),
                       ingest.acceptedByEvent[Int(event.rawValue)])
        }
        out.family("callpulse_events_ignored_total", "counter", "Valid events that changed nothing, by reason.")
        for (index, reason) in IgnoreReason.allCases.enumerated() {
            out.sample("callpulse_events_ignored_total", ExpositionWriter.Labels(["reason": reason.rawValue]),
                       ingest.ignored[index])
        }
        out.family("callpulse_events_rejected_total", "counter", "Events rejected whole, by reason.")
        for (index, reason) in RejectionReason.allCases.enumerated() {
            out.sample("callpulse_events_rejected_total", ExpositionWriter.Labels(["reason": reason.rawValue]),
                       ingest.rejected[index])
        }
        out.family("callpulse_active_calls", "gauge", "Call records by state.")
        for state in CallState.allCases {
            out.sample("callpulse_active_calls", ExpositionWriter.Labels(["state": state.name]),
                       Int64(snapshot.activeCallsByState[Int(state.rawValue)]))
        }
        out.family("callpulse_queues", "gauge", "Known queues.")
        out.sample("callpulse_queues", ExpositionWriter.Labels(), Int64(snapshot.queues.count))
    }

    private func renderDaemon(_ stats: DaemonStats, alerting: AlertingView?, into out: inout ExpositionWriter) {
        out.family("callpulse_event_delay_seconds", "histogram", "Receive time minus state time of accepted events (live clock).")
        let delay = stats.eventDelay
        out.histogram(ExpositionWriter.HistogramNames("callpulse_event_delay_seconds"), ExpositionWriter.Labels(),
                      buckets: ExpositionWriter.bucketLabels(delay.bounds), histogram: delay)
        out.family("callpulse_alerts", "gauge", "1 per pending or firing alert, like Prometheus's ALERTS.")
        for alert in alerting?.alerts ?? [] {
            out.sample("callpulse_alerts", ExpositionWriter.Labels(["alertname": alert.rule, "queue": alert.queue,
                                                                    "state": alert.state.rawValue]), 1)
        }
        out.family("callpulse_alert_notifications_total", "counter", "Alert notifications by hook and result.")
        for (hook, counts) in alerting?.hooks ?? [] {
            for (result, value) in [("sent", counts.sent), ("failed", counts.failed), ("dropped", counts.dropped)] {
                out.sample("callpulse_alert_notifications_total", ExpositionWriter.Labels(["hook": hook.name, "result": result]),
                           value)
            }
        }
        out.family("callpulse_http_requests_total", "counter", "HTTP requests by handler and status code.")
        for (key, count) in stats.requests.sorted(by: { ($0.key.handler, $0.key.code) < ($1.key.handler, $1.key.code) }) {
            out.sample("callpulse_http_requests_total",
                       ExpositionWriter.Labels(["handler": key.handler, "code": String(key.code)]), count)
        }
        out.family("callpulse_http_request_duration_seconds", "histogram", "Time to handle HTTP requests, by handler.")
        let buckets = ExpositionWriter.bucketLabels(DaemonStats.durationBounds)
        for (handler, histogram) in stats.durations.sorted(by: { $0.key < $1.key }) {
            out.histogram(ExpositionWriter.HistogramNames("callpulse_http_request_duration_seconds"),
                          ExpositionWriter.Labels(["handler": handler]), buckets: buckets, histogram: histogram)
        }
        // docs/spec/security.md: failed authentications and rate-limited posts.
        out.family("callpulse_http_auth_failures_total", "counter", "Requests refused for a missing or wrong token (401), by handler.")
        for (handler, count) in stats.authFailures.sorted(by: { $0.key < $1.key }) {
            out.sample("callpulse_http_auth_failures_total", ExpositionWriter.Labels(["handler": handler]), count)
        }
        out.family("callpulse_http_rate_limited_total", "counter", "Ingest requests refused by limits.ingest_rate (429).")
        out.sample("callpulse_http_rate_limited_total", ExpositionWriter.Labels(), stats.rateLimitedRequests)
        out.family("callpulse_http_rate_limited_events_total", "counter", "Events in ingest requests refused by limits.ingest_rate.")
        out.sample("callpulse_http_rate_limited_events_total", ExpositionWriter.Labels(), stats.rateLimitedEvents)
        out.family("callpulse_stream_clients", "gauge", "Clients connected to the live stream (/api/v1/stream).")
        out.sample("callpulse_stream_clients", ExpositionWriter.Labels(), Int64(stats.streamClients))
        if let state = stats.persistence { renderPersistence(state, into: &out) }
        if let source = stats.source { renderSource(source, into: &out) }
        out.family("callpulse_config_last_reload_successful", "gauge", "1 when every step of the last reload (rules, tokens, certificate) succeeded.")
        out.sample("callpulse_config_last_reload_successful", ExpositionWriter.Labels(), stats.lastReloadSuccessful ? 1 : 0)
        out.family("callpulse_config_last_reload_success_timestamp_seconds", "gauge", "Unix time of the last successful reload.")
        out.sample("callpulse_config_last_reload_success_timestamp_seconds", ExpositionWriter.Labels(),
                   seconds: stats.lastReloadSuccessAt)
    }

    /// docs/spec/scale-out.md, "Metrics".
    private func renderSource(_ source: StreamSourceStatus, into out: inout ExpositionWriter) {
        let nats = ExpositionWriter.Labels(["source": "nats"])
        let stream = ExpositionWriter.Labels(["source": "nats", "stream": source.stream])
        out.family("callpulse_source_connected", "gauge", "1 while connected to the NATS server.")
        out.sample("callpulse_source_connected", nats, source.connected ? 1 : 0)
        if source.consumer != nil {
            out.family("callpulse_source_applied_sequence", "gauge", "The last stream sequence applied.")
            out.sample("callpulse_source_applied_sequence", stream, Int64(bitPattern: source.appliedSequence))
            if let publishedAt = source.appliedPublishedAt {
                out.family("callpulse_source_applied_timestamp_seconds", "gauge",
                           "When the stream stored the last message applied: time() minus it is the lag while messages are pending.")
                out.sample("callpulse_source_applied_timestamp_seconds", stream, seconds: publishedAt)
            }
            if let pending = source.pending {
                out.family("callpulse_source_pending_messages", "gauge", "Messages of the stream the consumer has not been delivered yet (NumPending).")
                out.sample("callpulse_source_pending_messages", stream, Int64(bitPattern: pending))
            }
            out.family("callpulse_source_messages_total", "counter",
                       "Stream messages by result: applied, skipped (applied before, redelivered) or rejected (terminated).")
            for (result, count) in [("applied", source.applied), ("skipped", source.skipped), ("rejected", source.rejected)] {
                out.sample("callpulse_source_messages_total", ExpositionWriter.Labels(["source": "nats", "result": result]), count)
            }
        }
        if source.publishing {
            out.family("callpulse_publish_total", "counter", "Events the relay published, by whether JetStream acknowledged them.")
            out.sample("callpulse_publish_total", ExpositionWriter.Labels(["result": "ok"]), source.published)
            out.sample("callpulse_publish_total", ExpositionWriter.Labels(["result": "failed"]), source.publishFailed)
        }
    }

    private func renderPersistence(_ state: DurableStore.Stats, into out: inout ExpositionWriter) {
        let none = ExpositionWriter.Labels()
        out.family("callpulse_journal_records_total", "counter", "Ingest batches written to the journal.")
        out.sample("callpulse_journal_records_total", none, state.records)
        out.family("callpulse_journal_bytes_total", "counter", "Bytes written to the journal.")
        out.sample("callpulse_journal_bytes_total", none, state.bytes)
        out.family("callpulse_journal_syncs_total", "counter", "Journal group commits (one fdatasync each).")
        out.sample("callpulse_journal_syncs_total", none, state.syncs)
        out.family("callpulse_journal_write_errors_total", "counter", "Journal writes that failed (ingest answered 503).")
        out.sample("callpulse_journal_write_errors_total", none, state.writeErrors)
        out.family("callpulse_journal_healthy", "gauge", "1 while the journal can be written; 0 while ingest answers 503.")
        out.sample("callpulse_journal_healthy", none, state.healthy ? 1 : 0)
        out.family("callpulse_checkpoints_total", "counter", "Checkpoints written, by result.")
        out.sample("callpulse_checkpoints_total", ExpositionWriter.Labels(["result": "ok"]), state.checkpoints)
        out.sample("callpulse_checkpoints_total", ExpositionWriter.Labels(["result": "failed"]), state.checkpointFailures)
        out.family("callpulse_checkpoint_last_success_timestamp_seconds", "gauge", "Unix time of the last checkpoint written.")
        out.sample("callpulse_checkpoint_last_success_timestamp_seconds", none, seconds: state.lastCheckpointAt)
        out.family("callpulse_checkpoint_last_duration_seconds", "gauge", "Time the last checkpoint took to encode and write.")
        out.sample("callpulse_checkpoint_last_duration_seconds", none, seconds: state.lastCheckpointMillis)
        out.family("callpulse_checkpoint_last_size_bytes", "gauge", "Size of the last checkpoint.")
        out.sample("callpulse_checkpoint_last_size_bytes", none, state.lastCheckpointBytes)
        out.family("callpulse_state_recovery_seconds", "gauge", "Time the last start took to load the checkpoint and replay the journal.")
        out.sample("callpulse_state_recovery_seconds", none, seconds: state.recoveryMillis)
    }

    private func renderProcess(_ process: ProcessMetrics, into out: inout ExpositionWriter) {
        out.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.")
        out.sample("process_cpu_seconds_total", text: String(process.cpuSeconds))
        out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
        out.sample("process_resident_memory_bytes", ExpositionWriter.Labels(), process.residentBytes)
        out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.")
        out.sample("process_virtual_memory_bytes", ExpositionWriter.Labels(), process.virtualBytes)
        out.family("process_open_fds", "gauge", "Number of open file descriptors.")
        out.sample("process_open_fds", ExpositionWriter.Labels(), process.openFDs)
        out.family("process_max_fds", "gauge", "Maximum number of open file descriptors.")
        out.sample("process_max_fds", ExpositionWriter.Labels(), process.maxFDs)
        out.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
        out.sample("process_start_time_seconds", text: String(process.startTimeSeconds))
    }
}
