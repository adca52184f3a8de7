import Testing
import CallPulseCore
import CallPulseHTTP
@testable import CallPulseServer

/// The exposition writer's exact text: escaping, family names per format, float `le`.
struct ExpositionTests {
    @Test func textFormat() {
        var out = ExpositionWriter(format: .text)
        out.family("x_total", "counter", "Help with \\ and\nnewline.")
        out.sample("x_total", ExpositionWriter.Labels(["queue": "a\"b\\c\nd"]), 3)
        var histogram = Histogram(bounds: [0.25, 5])
        for millis: Int64 in [250, 1000, 250] { histogram.observe(millis) }
        histogram.observe(0)
        out.histogram(ExpositionWriter.HistogramNames("h"), ExpositionWriter.Labels(["queue": "q"]),
                      buckets: ExpositionWriter.bucketLabels(histogram.bounds), histogram: histogram)
        out.finish()
        #expect(String(decoding: out.bytes, as: UTF8.self) == """
            # HELP x_total Help with \\\\ and\\nnewline.
            # TYPE x_total counter
            x_total{queue="a\\"b\\\\c\\nd"} 3
            h_bucket{queue="q",le="0.25"} 3
            h_bucket{queue="q",le="5.0"} 4
            h_bucket{queue="q",le="+Inf"} 4
            h_sum{queue="q"} 1.5
            h_count{queue="q"} 4

            """)
    }

    @Test("a microsecond histogram writes its sum in seconds")
    func microseconds() {
        var histogram = Histogram(bounds: [0.001], unitsPerSecond: 1_000_000)
        histogram.observe(500)
        histogram.observe(2_500)
        var out = ExpositionWriter(format: .text)
        out.histogram(ExpositionWriter.HistogramNames("d"), ExpositionWriter.Labels(), buckets: ExpositionWriter.bucketLabels(histogram.bounds),
                      histogram: histogram)
        #expect(String(decoding: out.bytes, as: UTF8.self)
                == "d_bucket{le=\"0.001\"} 1\nd_bucket{le=\"+Inf\"} 2\nd_sum 0.003\nd_count 2\n")
    }

    @Test func openMetricsNamesCounterFamiliesWithoutTotal() {
        var out = ExpositionWriter(format: .openMetrics)
        out.family("x_total", "counter", "Help.")
        out.sample("x_total", ExpositionWriter.Labels(), 1)
        out.finish()
        #expect(String(decoding: out.bytes, as: UTF8.self) == "# HELP x Help.\n# TYPE x counter\nx_total 1\n# EOF\n")
    }

    @Test func numbers() {
        #expect(ExpositionWriter.seconds(62_500) == "62.5")
        #expect(ExpositionWriter.seconds(330_000) == "330")
        #expect(ExpositionWriter.seconds(7) == "0.007")
        #expect(ExpositionWriter.seconds(-1_050) == "-1.05")
        var out = ExpositionWriter(format: .text)
        for value: Int64 in [0, 7, 10, 12345, -42, .max] { out.appendInteger(value); out.append(" ") }
        #expect(String(decoding: out.bytes, as: UTF8.self) == "0 7 10 12345 -42 9223372036854775807 ")
        #expect(ExpositionWriter.float(600) == "600.0")
        #expect(ExpositionWriter.float(.infinity) == "+Inf")
    }

    @Test("Prometheus 2.42's Accept header prefers OpenMetrics; curl's does not")
    func negotiation() {
        #expect(Router.prefersOpenMetrics("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"))
        #expect(!Router.prefersOpenMetrics("*/*"))
        #expect(!Router.prefersOpenMetrics(nil))
        #expect(!Router.prefersOpenMetrics("text/plain;version=0.0.4,application/openmetrics-text;q=0.5"))
    }

    @Test func constantTimeCompare() {
        #expect(AccessPolicy.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!AccessPolicy.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!AccessPolicy.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!AccessPolicy.constantTimeEquals([], Array("a".utf8)))
    }
}

/// Who may ingest: loopback without a token, a bearer token when one is set.
struct AccessPolicyTests {
    @Test func loopbackOnlyWithoutToken() {
        let policy = AccessPolicy(AccessPolicy.Tokens())
        #expect(policy.ingest(HTTPRequest(method: "POST", path: "/api/v1/events", fromLoopback: true)) == nil)
        #expect(policy.ingest(HTTPRequest(method: "POST", path: "/api/v1/events", fromLoopback: false))?.status == 403)
        #expect(policy.admin(HTTPRequest(method: "POST", path: "/-/reload", fromLoopback: false))?.status == 403)
        #expect(policy.read(HTTPRequest(method: "GET", path: "/metrics", fromLoopback: false)) == nil)
    }

    @Test func tokensApplyFromAnywhere() {
        let policy = AccessPolicy(AccessPolicy.Tokens(ingest: ["in"], read: ["rd"]))
        let remote = HTTPRequest(method: "POST", path: "/api/v1/events", headers: ["authorization": "Bearer in"],
                                 fromLoopback: false)
        #expect(policy.ingest(remote) == nil)
        #expect(policy.ingest(HTTPRequest(method: "POST", path: "/api/v1/events", fromLoopback: true))?.status == 401)
        #expect(policy.admin(remote) == nil)  // without an admin token the ingest token may reload
        #expect(policy.read(HTTPRequest(method: "GET", path: "/metrics"))?.status == 401)
        #expect(policy.read(HTTPRequest(method: "GET", path: "/metrics", headers: ["authorization": "Bearer rd"])) == nil)
    }

    @Test("several tokens a role, any of them accepted; replaced at once; never from the URL")
    func severalTokensReplacedNeverFromTheURL() {
        let policy = AccessPolicy(AccessPolicy.Tokens(ingest: ["old", "new"], admin: ["adm"], read: ["r1", "r2"]))
        func ingest(_ token: String) -> Int? {
            policy.ingest(HTTPRequest(method: "POST", path: "/api/v1/events", headers: ["authorization": "Bearer " + token],
                                      fromLoopback: false))?.status
        }
        #expect(ingest("old") == nil && ingest("new") == nil)
        #expect(ingest("ol") == 401 && ingest("newer") == 401 && ingest("adm") == 401 && ingest("") == 401)
        #expect(policy.admin(HTTPRequest(method: "POST", path: "/-/reload", headers: ["authorization": "Bearer old"]))?.status == 401)
        #expect(policy.admin(HTTPRequest(method: "POST", path: "/-/reload", headers: ["authorization": "Bearer adm"])) == nil)
        #expect(policy.read(HTTPRequest(method: "GET", path: "/metrics", headers: ["authorization": "Bearer r2"])) == nil)
        // `?token=` is refused, with a sentence saying why.
        let query = policy.read(HTTPRequest(method: "GET", path: "/api/v1/stream", query: [("token", "r1")]))
        #expect(query?.status == 401)
        let sentence = String(decoding: query?.body ?? [], as: UTF8.self)
        #expect(sentence.contains("?token= is not accepted"))
        policy.replace(AccessPolicy.Tokens(ingest: ["newest"], admin: ["adm"], read: ["r2"]))
        #expect(ingest("old") == 401 && ingest("new") == 401 && ingest("newest") == nil)
        #expect(AccessPolicy.matchesAny(Array("b".utf8), ["a", "b", "c"]))
        #expect(!AccessPolicy.matchesAny(Array("d".utf8), ["a", "b", "c"]))
        #expect(!AccessPolicy.matchesAny([], []))
    }
}
