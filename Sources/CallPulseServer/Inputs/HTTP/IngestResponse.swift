import CallPulseCore
import CallPulseHTTP

/// The body of an ingest response (README.md, "The daemon").
enum IngestResponse {
    static func render(status: Int, report: IngestReport, error: (reason: String, sentence: String)?) -> HTTPResponse {
        render(status: status, report: report, published: nil, error: error)
    }

    /// `published` set: the relay's answer (docs/spec/scale-out.md, "Publish"), which has
    /// `published` where local ingest has `accepted` and `ignored`.
    static func render(status: Int, report: IngestReport, published: Int?,
                       error: (reason: String, sentence: String)?) -> HTTPResponse {
        var out = JSONWriter()
        out.beginObject()
        if let error {
            out.key("error"); out.string(error.sentence)
            out.key("reason"); out.string(error.reason)
        }
        if let published {
            out.key("published"); out.integer(Int64(published))
        } else {
            out.key("accepted"); out.integer(Int64(report.accepted))
            out.key("ignored"); out.integer(Int64(report.ignored))
        }
        out.key("rejected"); out.integer(Int64(report.rejected))
        out.key("errors")
        out.beginArray()
        for item in report.errors {
            out.beginObject()
            out.key("index"); out.integer(Int64(item.index))
            out.key("line"); out.integer(Int64(item.line))
            out.key("reason"); out.string(item.rejection.reason.rawValue)
            out.key("detail"); out.string(item.rejection.detail)
            out.endObject()
        }
        out.endArray()
        out.endObject()
        return HTTPResponse(status: status, contentType: "application/json", text: out.text + "\n")
    }
}
