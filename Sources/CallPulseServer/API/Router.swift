import CallPulseCore
import CallPulseHTTP
import CallPulseSupport
import Foundation

/// Maps requests to the ingest input and the views (README.md, "The daemon"), enforcing
/// methods and access rules.
struct Router: Sendable {
    let host: EngineHost
    let ingest: HTTPIngestInput
    let pipeline: IngestPipeline
    let stats: LockedBox<DaemonStats>
    let status: StatusInfo
    let access: AccessPolicy
    let renderer: MetricsRenderer
    /// nil without rules.
    let alerting: AlertService?
    /// SIGHUP's and `/-/reload`'s steps: rules, token files, certificate.
    let reload: Reload
    /// Counts and logs every 401 (docs/spec/security.md, "Tokens").
    let authFailures: AuthFailures
    let clock: @Sendable () -> EpochMillis
    let feed: LiveFeed
    /// The state directory, when one is set.
    let store: DurableStore?
    /// `web.cors_origins`: preflights for the browser forwarder.
    let crossOrigin: CrossOrigin
    /// The pages' Content-Security-Policy (`SecurityHeaders.pagePolicy`, from `web.frame_ancestors`).
    let pagePolicy: String
    /// The NATS source's status, with a `nats:` section.
    var source: StreamSourceBox? = nil

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let started = SystemClock.monotonicNanos()
        let (handler, response) = route(request)
        // Only AccessPolicy answers 401: a missing or wrong token.
        if response.status == 401 { authFailures.record(handler: handler, request: request) }
        let micros = Int64((SystemClock.monotonicNanos() - started) / 1000)
        stats.withLock { $0.record(handler: handler, code: response.status, micros: micros) }
        return response
    }

    private func route(_ request: HTTPRequest) -> (String, HTTPResponse) {
        let path = request.path
        switch path {
        case "/api/v1/events":
            if request.method == "OPTIONS" && crossOrigin.isEnabled {
                return ("/api/v1/events", crossOrigin.preflight(request))
            }
            return ("/api/v1/events", only("POST", request) ?? access.ingest(request) ?? ingest.handle(request))
        case "/connector.js":
            return ("/connector.js", only("GET", request) ?? ConnectorScript.response(request))
        case "/wallboard.js":
            return ("/wallboard.js", only("GET", request) ?? WallboardAssets.script.response(request))
        case "/wallboard.css":
            return ("/wallboard.css", only("GET", request) ?? WallboardAssets.stylesheet.response(request))
        case "/metrics":
            return ("/metrics", only("GET", request) ?? access.read(request) ?? metrics(request))
        case "/api/v1/queues":
            return ("/api/v1/queues", only("GET", request) ?? access.read(request) ?? queues(request))
        case "/api/v1/intervals":
            return ("/api/v1/intervals", only("GET", request) ?? access.read(request) ?? intervals(request))
        case "/api/v1/calls":
            return ("/api/v1/calls", only("GET", request) ?? access.read(request) ?? calls(request))
        case "/api/v1/alerts":
            return ("/api/v1/alerts", only("GET", request) ?? access.read(request) ?? alertsResponse())
        case "/api/v1/rules":
            return ("/api/v1/rules", only("GET", request) ?? access.read(request) ?? rulesResponse())
        case "/api/v1/stream":
            // The token in the Authorization header only (the wallboard streams with fetch): a
            // `?token=` would sit in proxy and access logs (docs/spec/security.md, "Tokens").
            return ("/api/v1/stream", only("GET", request) ?? access.read(request) ?? feed.subscribe())
        case "/api/v1/status":
            return ("/api/v1/status", only("GET", request) ?? access.read(request) ?? statusResponse())
        case "/-/healthy":
            return ("/-/healthy", only("GET", request) ?? HTTPResponse(status: 200, contentType: "text/plain", text: "OK\n"))
        case "/-/ready":
            let refusal: HTTPResponse? = switch pipeline.currentAdmission {
            case .open: nil
            case .restoring: HTTPServer.error(503, "not_ready", "state is still being restored")
            case .closed: HTTPServer.error(503, "shutting_down", "the daemon is stopping")
            }
            return ("/-/ready", only("GET", request)
                ?? refusal ?? HTTPResponse(status: 200, contentType: "text/plain", text: "ready\n"))
        case "/-/reload":
            return ("/-/reload", only("POST", request) ?? access.admin(request) ?? reloadResponse())
        case "/":
            return ("/", only("GET", request) ?? HTTPResponse(
                status: 200, headers: [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", pagePolicy)],
                body: Array(WallboardPage.html(version: status.version).utf8), compressible: true))
        default:
            if path.hasPrefix("/api/v1/queues/") {
                let name = String(path.dropFirst("/api/v1/queues/".count))
                return ("/api/v1/queues/{queue}", only("GET", request) ?? access.read(request) ?? queue(named: name))
            }
            return ("other", HTTPServer.error(404, "not_found", "there is no endpoint at \(path); see / for the list"))
        }
    }

    private func only(_ method: String, _ request: HTTPRequest) -> HTTPResponse? {
        if request.method == method || (method == "GET" && request.method == "HEAD") { return nil }
        var response = HTTPServer.error(405, "method_not_allowed", "\(request.path) accepts \(method) only, not \(request.method)")
        response.headers.append(("Allow", method))
        return response
    }

    // MARK: Reads

    private func metrics(_ request: HTTPRequest) -> HTTPResponse {
        let format: ExpositionWriter.Format = Self.prefersOpenMetrics(request.header("accept")) ? .openMetrics : .text
        let snapshot = host.snapshot(now: clock())
        var statsCopy = stats.withLock { $0 }
        statsCopy.streamClients = feed.clients
        statsCopy.persistence = store?.stats.withLock { $0 }
        statsCopy.source = source?.withLock { $0 }
        let body = renderer.render(snapshot, stats: statsCopy, process: ProcessMetrics.read(), alerting: alertingView(),
                                   format: format)
        return HTTPResponse(status: 200, headers: [("Content-Type", format.contentType)], body: body, compressible: true)
    }

    /// True when the Accept header ranks OpenMetrics above the 0.0.4 text format.
    static func prefersOpenMetrics(_ accept: String?) -> Bool {
        let quality = HTTPRequest.acceptQualities(accept, for: ["application/openmetrics-text", "text/plain"])
        return quality[0] > 0 && quality[0] >= quality[1]
    }

    private func queues(_ request: HTTPRequest) -> HTTPResponse {
        var snapshot = host.snapshot(now: clock())
        let wanted = request.queryValues("queue")
        if !wanted.isEmpty {
            let names = Set(wanted.map { ByteString($0) })
            snapshot.queues = snapshot.queues.filter { names.contains($0.name) }
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")],
                            body: SnapshotJSON.renderBytes(snapshot), compressible: true)
    }

    private func queue(named name: String) -> HTTPResponse {
        let snapshot = host.snapshot(now: clock())
        guard let queue = snapshot.queues.first(where: { $0.name == ByteString(name) }) else {
            return HTTPServer.error(404, "unknown_queue", "there is no queue named '\(name)'")
        }
        var writer = JSONWriter()
        SnapshotJSON.render(queue, into: &writer)
        return HTTPResponse(status: 200, contentType: "application/json", text: writer.text + "\n")
    }

    private func intervals(_ request: HTTPRequest) -> HTTPResponse {
        let query: IntervalRequest
        switch IntervalRequest.parse(request) {
        case .success(let parsed): query = parsed
        case .failure(let problem): return HTTPServer.error(400, problem.code, problem.description)
        }
        let report: IntervalReport
        do {
            report = try host.intervals(query.query, now: clock())
        } catch {
            return HTTPServer.error(400, error.code, error.description)
        }
        return query.csv
            ? HTTPResponse(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8")],
                           body: IntervalRendering.csv(report), compressible: true)
            : HTTPResponse(status: 200, headers: [("Content-Type", "application/json")],
                           body: IntervalRendering.json(report), compressible: true)
    }

    private func calls(_ request: HTTPRequest) -> HTTPResponse {
        let limitText = request.queryValues("limit").first
        guard let limit = limitText.map({ Int($0) }) ?? 1000, limit >= 0 else {
            return HTTPServer.error(400, "bad_limit", "limit '\(limitText ?? "")' must be a whole number, 0 or more")
        }
        let state = request.queryValues("state").first
        if let state, !CallState.allCases.contains(where: { $0.name == state }) || state == "closed" {
            return HTTPServer.error(400, "bad_state",
                "state '\(state)' must be one of ringing, unanswered, talking, held, ended, acw")
        }
        let views = host.calls(now: clock(), queue: request.queryValues("queue").first, state: state, limit: limit)
        return HTTPResponse(status: 200, contentType: "application/json", text: CallsJSON.render(views), compressible: true)
    }

    private func statusResponse() -> HTTPResponse {
        let snapshot = host.snapshot(now: clock())
        var statsCopy = stats.withLock { $0 }
        statsCopy.source = source?.withLock { $0 }
        return HTTPResponse(status: 200, contentType: "application/json",
                            text: status.render(ingest: snapshot.ingest, queues: snapshot.queues.count, stats: statsCopy,
                                                alerting: alertingView()))
    }

    private func reloadResponse() -> HTTPResponse {
        switch reload.run() {
        case .success(let message):
            var text = "{\"status\": "
            appendJSONString(message, to: &text)
            return HTTPResponse(status: 200, contentType: "application/json", text: text + "}\n")
        case .failure(let problems):
            return HTTPServer.error(400, problems.code, problems.problems.joined(separator: "; "))
        }
    }

    func alertingView() -> AlertingView? {
        guard let service = alerting else { return nil }
        let (ruleSet, evaluator, hooks) = service.snapshotOfState
        return AlertingView(ruleSet: ruleSet, alerts: evaluator.alerts, lastEvaluation: evaluator.lastEvaluation,
                            hooks: hooks)
    }

    private func alertsResponse() -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "application/json", text: AlertsJSON.alerts(alertingView()?.alerts ?? []))
    }

    private func rulesResponse() -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "application/json", text: AlertsJSON.rules(alertingView()))
    }
}
