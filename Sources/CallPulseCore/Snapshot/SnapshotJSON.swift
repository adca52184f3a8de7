/// Renders a snapshot as the JSON of docs/spec/interfaces.md: fixed key order, `null` for undefined
/// derived values, seconds rounded to the millisecond.
public enum SnapshotJSON {
    /// The whole snapshot, pretty-printed with two-space indentation.
    public static func render(_ snapshot: Snapshot) -> String {
        String(decoding: renderBytes(snapshot), as: UTF8.self)
    }

    /// The same as UTF-8 bytes (what HTTP responses and files take, without a String in between);
    /// `compact` writes one line.
    public static func renderBytes(_ snapshot: Snapshot, compact: Bool = false) -> [UInt8] {
        var out = JSONWriter(capacity: 4096 + snapshot.queues.count * 5000, compact: compact)
        out.beginObject()
        out.key("generated_at"); out.timestamp(snapshot.generatedAt)
        out.key("clock"); out.string(snapshot.clock.rawValue)
        out.key("timezone"); out.string(snapshot.timezone)
        out.key("observed_since")
        if let since = snapshot.observedSince { out.timestamp(since) } else { out.null() }
        out.key("queues")
        out.beginArray()
        for queue in snapshot.queues { render(queue, into: &out) }
        out.endArray()
        out.key("ingest")
        renderIngest(snapshot.ingest, into: &out)
        out.endObject()
        out.appendRaw(0x0A)
        return out.bytes  // no copy: `out` ends here
    }

    /// One queue object, as `GET /api/v1/queues/{queue}` serves it.
    public static func render(_ queue: QueueSnapshot, into out: inout JSONWriter) {
        out.beginObject()
        out.key("queue"); out.string(queue.name.string)
        out.key("waiting"); out.integer(Int64(queue.waiting))
        out.key("waiting_over_sl"); out.integer(Int64(queue.waitingOverSL))
        out.key("oldest_waiting_seconds"); out.seconds(queue.oldestWaitingMillis)
        out.key("connected"); out.integer(Int64(queue.connected))
        out.key("on_hold"); out.integer(Int64(queue.onHold))
        out.key("in_acw"); out.integer(Int64(queue.inAcw))
        out.key("last_event_at")
        if let last = queue.lastEventAt { out.timestamp(last) } else { out.null() }
        out.key("service_level_seconds"); out.thresholdSeconds(queue.policy.serviceLevel)
        out.key("short_abandon_seconds"); out.thresholdSeconds(queue.policy.shortAbandon)
        out.key("service_level_formula"); out.string(queue.policy.formula.rawValue)
        out.key("totals")
        renderCounters(queue.totals, expired: queue.expiredTotal, formula: queue.policy.formula, into: &out)
        out.key("windows")
        out.beginObject()
        for window in queue.windows {
            out.key(window.name)
            renderCounters(window.counters, expired: nil, formula: queue.policy.formula, into: &out)
        }
        out.endObject()
        out.key("today")
        renderCounters(queue.today, expired: nil, formula: queue.policy.formula, into: &out)
        if let forecast = queue.forecast {
            out.key("forecast")
            render(forecast, into: &out)
        }
        out.endObject()
    }

    /// A queue's `forecast` object (docs/spec/forecast.md): inputs, then outputs.
    static func render(_ forecast: QueueForecast, into out: inout JSONWriter) {
        out.beginObject()
        out.key("arrival_rate_per_second"); out.ratio(forecast.arrivalRatePerSecond)
        out.key("handle_seconds"); out.optionalSeconds(forecast.handleMillis)
        out.key("offered_load_erlangs"); out.ratio(forecast.offeredLoad)
        out.key("busy_agents"); out.integer(Int64(forecast.busyAgents))
        out.key("agents"); out.integer(Int64(forecast.agents))
        out.key("agents_source"); out.string(forecast.agentsConfigured ? "configured" : "estimated")
        out.key("service_level_target"); out.ratio(forecast.serviceLevelTarget)
        out.key("overloaded")
        if let overloaded = forecast.overloaded { out.bool(overloaded) } else { out.null() }
        out.key("wait_probability"); out.ratio(forecast.waitProbability)
        out.key("service_level_at_staffing"); out.ratio(forecast.serviceLevelAtStaffing)
        out.key("estimated_wait_seconds"); out.optionalSeconds(forecast.estimatedWaitMillis)
        out.key("required_agents")
        if let required = forecast.requiredAgents { out.integer(Int64(required)) } else { out.null() }
        out.key("projected_service_level"); out.ratio(forecast.projectedServiceLevel)
        out.key("interval_start"); out.localTimestamp(forecast.intervalStart, offsetSeconds: forecast.intervalOffsets.start)
        out.key("interval_end"); out.localTimestamp(forecast.intervalEnd, offsetSeconds: forecast.intervalOffsets.end)
        out.key("settled"); out.bool(forecast.settled)
        out.endObject()
    }

    static func renderCounters(_ counters: Counters, expired: Int64?, formula: ServiceLevelFormula,
                               into out: inout JSONWriter) {
        out.beginObject()
        renderCounterFields(counters, expired: expired, formula: formula, into: &out)
        out.endObject()
    }

    /// Every counter, `expired` when given, then every derived value, as keys of the open
    /// object (a window, or an interval row).
    static func renderCounterFields(_ counters: Counters, expired: Int64? = nil, formula: ServiceLevelFormula,
                                    into out: inout JSONWriter) {
        counters.forEachField { key, value, isDuration in
            out.key(key)
            if isDuration { out.seconds(value) } else { out.integer(value) }
        }
        if let expired { out.key("expired"); out.integer(expired) }
        DerivedValues(counters, formula: formula).forEachField { key, value in
            out.key(key)
            switch value {
            case .ratio(let ratio): out.ratio(ratio)
            case .seconds(let millis): out.optionalSeconds(millis)
            }
        }
    }

    static func renderIngest(_ ingest: IngestCounts, into out: inout JSONWriter) {
        out.beginObject()
        out.key("accepted"); out.integer(ingest.accepted)
        out.key("ignored")
        out.beginObject()
        for (index, reason) in IgnoreReason.allCases.enumerated() {
            out.key(reason.rawValue); out.integer(ingest.ignored[index])
        }
        out.endObject()
        out.key("rejected")
        out.beginObject()
        for (index, reason) in RejectionReason.allCases.enumerated() {
            out.key(reason.rawValue); out.integer(ingest.rejected[index])
        }
        out.endObject()
        out.endObject()
    }
}

extension SnapshotJSON {
    /// A pretty-printed snapshot as interfaces.md's schema and its worked examples show it:
    /// without the keys forecast.md adds (the top-level `observed_since`, each queue's
    /// `forecast`), the rest byte for byte. The examples predate the forecast.
    public static func withoutForecast(_ rendered: String) -> String {
        let observed = "\n  \"observed_since\": ", forecast = ",\n      \"forecast\": {", forecastEnd = "\n      }"
        var text = Substring(rendered)
        var result = ""
        while true {
            let next = [text.range(of: observed), text.range(of: forecast)].compactMap { $0 }
                .min { $0.lowerBound < $1.lowerBound }
            guard let next else { return result + text }
            result += text[..<next.lowerBound]
            let rest = text[next.upperBound...]
            let end = text[next] == observed ? rest.firstIndex(of: "\n") : rest.range(of: forecastEnd)?.upperBound
            text = end.map { rest[$0...] } ?? ""
        }
    }
}
