import CallPulseCore
import CallPulseHTTP

/// `POST /api/v1/events`: translates a request into the ingest pipeline and its outcome
/// back into an HTTP answer (README.md, "The daemon"). Access rules are the router's.
struct HTTPIngestInput: Sendable {
    let pipeline: IngestPipeline
    let clock: @Sendable () -> EpochMillis
    /// `limits.ingest_rate` per client address; nil when off.
    var rateLimit: IngestRateLimit? = nil
    /// `nats.publish`: events go to the stream instead of the engine (docs/spec/scale-out.md).
    var relay: EventRelay? = nil
    /// `nats.consume` without `nats.publish`: the stream is this instance's only input, so a
    /// replica never holds events the others lack (docs/spec/scale-out.md, "Replicas").
    var consumesStream = false

    private static let mediaTypes: Set<String> = ["application/json", "application/x-ndjson", "application/jsonl"]

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        switch pipeline.currentAdmission {
        case .closed: return Self.shuttingDown
        case .restoring: return Self.notReady
        case .open: break
        }
        if let type = request.header("content-type") {
            let media = type.split(separator: ";", maxSplits: 1).first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
            if !media.isEmpty && !Self.mediaTypes.contains(media) {
                return HTTPServer.error(415, "unsupported_media_type",
                    "Content-Type '\(type)' is not accepted; send application/json, application/x-ndjson or application/jsonl")
            }
        }
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return Self.emptyBody(IngestReport())
        }
        let admit: (Int) -> Duration? = { events in rateLimit?.admit(events, from: request.clientAddress) }
        if let relay { return relayed(request.body, through: relay, admit: admit) }
        if consumesStream {
            return HTTPServer.error(409, "consumes_stream",
                "this instance applies the NATS stream (nats.consume) and takes no events over HTTP, so its replicas stay "
                + "equal; post to an instance with nats.publish")
        }
        switch pipeline.ingest(request.body, receivedAt: clock(), admit: admit) {
        case .shuttingDown: return Self.shuttingDown
        case .notReady: return Self.notReady
        case .rateLimited(let events, let wait):
            return Self.rateLimited(events: events, wait: wait, rate: rateLimit?.rate ?? 0, burst: rateLimit?.burst ?? 0)
        case .notStored(let failure):
            return HTTPServer.error(503, "cannot_store",
                "the events could not be stored durably (\(failure)); nothing was applied, send again later")
        case .processed(let report):
            return Self.answer(report)
        }
    }

    private func relayed(_ body: [UInt8], through relay: EventRelay, admit: (Int) -> Duration?) -> HTTPResponse {
        switch relay.publish(body, admit: admit) {
        case .failure(let limited):
            return Self.rateLimited(events: limited.events, wait: limited.retryAfter, rate: rateLimit?.rate ?? 0,
                                    burst: rateLimit?.burst ?? 0)
        case .success(.tooLarge(let index, let bytes, let limit)):
            return HTTPServer.error(413, "event_too_large",
                "the event at index \(index) is \(bytes) bytes, more than the NATS server takes (max_payload \(limit)); "
                + "nothing was published")
        case .success(.failed(let failure)):
            return HTTPServer.error(503, "cannot_store",
                "the events could not be stored in the message stream (\(failure)); send them again later")
        case .success(.published(let count, let rejections)):
            if count > 0 { return IngestResponse.render(status: 200, report: rejections, published: count, error: nil) }
            if rejections.rejected == 0 { return Self.emptyBody(rejections) }
            if rejections.rejected == 1, let only = rejections.errors.first {
                return IngestResponse.render(status: 400, report: rejections, published: 0,
                                             error: (only.rejection.reason.rawValue, only.rejection.detail))
            }
            return IngestResponse.render(status: 400, report: rejections, published: 0,
                error: ("all_rejected", "every one of the \(rejections.rejected) events was rejected"))
        }
    }

    /// 200 when anything was taken; else 400 with the one rejection, or a summary.
    private static func answer(_ report: IngestReport) -> HTTPResponse {
        if report.accepted + report.ignored > 0 { return IngestResponse.render(status: 200, report: report, error: nil) }
        if report.total == 0 { return emptyBody(report) }  // "[]" or a byte-order mark alone
        if report.total == 1, let only = report.errors.first {
            return IngestResponse.render(status: 400, report: report,
                                         error: (only.rejection.reason.rawValue, only.rejection.detail))
        }
        return IngestResponse.render(status: 400, report: report,
                                     error: ("all_rejected", "every one of the \(report.total) events was rejected"))
    }

    private static func emptyBody(_ report: IngestReport) -> HTTPResponse {
        IngestResponse.render(status: 400, report: report, error: ("empty_body", "the request body holds no events"))
    }

    /// 429 with `Retry-After` in whole seconds, rounded up (docs/spec/security.md, "Rate
    /// limits"); the forwarder waits that long, as for a 503.
    private static func rateLimited(events: Int, wait: Duration, rate: Double, burst: Double) -> HTTPResponse {
        let seconds = max(1, (wait + .nanoseconds(999_999_999)).components.seconds)
        var response = HTTPServer.error(429, "rate_limited",
            "this address may post \(number(rate)) events a second (limits.ingest_rate, bursts of \(number(burst))); "
            + "the \(events) events were not applied, send them again in \(seconds) s")
        response.headers.append(("Retry-After", String(seconds)))
        return response
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static var shuttingDown: HTTPResponse {
        HTTPServer.error(503, "shutting_down", "the daemon is shutting down; nothing was applied, send again later")
    }

    private static var notReady: HTTPResponse {
        HTTPServer.error(503, "not_ready", "state is still being restored; nothing was applied, send again shortly")
    }
}
