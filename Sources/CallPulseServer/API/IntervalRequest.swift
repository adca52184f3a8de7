import CallPulseCore
import CallPulseHTTP

/// The parameters of `GET /api/v1/intervals` (docs/spec/intervals.md), read from a request.
struct IntervalRequest {
    var query = IntervalQuery()
    /// `format=csv`, or an `Accept: text/csv` header.
    var csv = false

    /// A bad parameter: its reason code (`bad_from`, `bad_step`, …) and a sentence naming it.
    struct Problem: Error {
        var code: String
        var description: String
    }

    static func parse(_ request: HTTPRequest) -> Result<IntervalRequest, Problem> {
        var parsed = IntervalRequest()
        let queues = request.queryValues("queue")
        parsed.query.queues = queues.isEmpty ? nil : queues
        for name in ["from", "to"] {
            guard let text = request.queryValues(name).first else { continue }
            guard let instant = IntervalQuery.parseTime(text) else {
                return .failure(Problem(code: "bad_" + name, description: IntervalQuery.timeProblem(name, text)))
            }
            if name == "from" { parsed.query.from = instant } else { parsed.query.to = instant }
        }
        if let text = request.queryValues("step").first {
            guard let minutes = IntervalQuery.stepMinutes(named: text) else {
                return .failure(Problem(code: "bad_step", description: IntervalQuery.stepProblem("step", text)))
            }
            parsed.query.stepMinutes = minutes
        }
        switch request.queryValues("format").first {
        case nil: parsed.csv = acceptsCSV(request.header("accept"))
        case "json": parsed.csv = false
        case "csv": parsed.csv = true
        case let other?:
            return .failure(Problem(code: "bad_format", description: "format '\(other)' must be json or csv"))
        }
        return .success(parsed)
    }

    /// True when the Accept header ranks `text/csv` above `application/json` (by quality).
    static func acceptsCSV(_ accept: String?) -> Bool {
        let quality = HTTPRequest.acceptQualities(accept, for: ["text/csv", "application/json"])
        return quality[0] > 0 && quality[0] > quality[1]
    }
}
