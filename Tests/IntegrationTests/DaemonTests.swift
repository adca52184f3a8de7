import CallPulseCore
import CallPulseHTTP
import Foundation
import Testing

/// `callpulse serve` through real sockets on loopback: every body shape and status,
/// metrics values, the JSON API and a graceful stop.
@Suite(.serialized)
struct DaemonTests {
    static let lifecycles = try! String(contentsOfFile: fixturePath("01_lifecycles.ndjson"), encoding: .utf8)

    @Test("starts on an ephemeral port, answers health and readiness, stops on SIGTERM with 0")
    func lifecycle() throws {
        let daemon = try DaemonProcess()
        #expect(try daemon.get("/-/healthy").status == 200)
        #expect(try daemon.get("/-/ready").status == 200)
        // The wallboard: one self-contained page that draws from the stream (README, "The wallboard").
        let landing = try daemon.get("/")
        #expect(landing.status == 200)
        #expect(landing.headers["content-type"] == "text/html; charset=utf-8")
        let page = landing.text
        #expect(page.hasPrefix("<!doctype html>"))
        #expect(page.contains("<title>CallPulse wallboard</title>"))
        // Script and styles are files of their own, for a CSP header without 'unsafe-inline'
        // (SecurityHeadersTests): the page holds no inline script or style.
        #expect(page.contains(#"<script src="/wallboard.js" defer></script>"#))
        #expect(page.contains(#"<link rel="stylesheet" href="/wallboard.css">"#))
        #expect(!page.contains("<script>") && !page.contains("<style") && !page.contains(" style="))
        let script = try daemon.get("/wallboard.js")
        #expect(script.status == 200 && script.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(script.text.contains(#"fetch("/api/v1/stream""#) && !script.text.contains("EventSource("))
        #expect(!script.text.contains("innerHTML"), "names and annotations are set as text only")
        #expect(try daemon.get("/wallboard.css").headers["content-type"] == "text/css; charset=utf-8")
        for id in ["filter", "sort", "alert-list", "tiles", "status"] { #expect(page.contains(#"id="\#(id)""#), "no #\(id)") }
        let version = try CLI.run(["version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(page.contains(version.replacingOccurrences(of: "callpulse", with: "CallPulse") + " ·"))
        #expect(!page.contains("{{"))
        #expect(!page.contains("http://") && !page.contains("https://"), "the page loads nothing from elsewhere")
        #expect(!page.contains("innerHTML"), "names and annotations are set as text only")
        #expect(daemon.stop() == 0)
        #expect(daemon.log.contains("stopped"))
    }

    @Test("ingest: NDJSON, a JSON array, one object, gzip; the snapshot matches replay")
    func bodyShapes() throws {
        let daemon = try DaemonProcess(["--clock", "event"])
        defer { _ = daemon.stop() }
        let lines = Self.lifecycles.split(separator: "\n").map(String.init)
        var reply = try daemon.post("/api/v1/events", lines[0..<10].joined(separator: "\n"),
                                    headers: ["Content-Type": "application/x-ndjson"])
        #expect(reply.status == 200)
        #expect(try reply.json()["accepted"] as? Int == 10)
        reply = try daemon.post("/api/v1/events", "[" + lines[10..<20].joined(separator: ",\n") + "]",
                                headers: ["Content-Type": "application/json"])
        #expect(try reply.json()["accepted"] as? Int == 10)
        reply = try daemon.post("/api/v1/events", lines[20])
        #expect(try reply.json()["accepted"] as? Int == 1)
        reply = try daemon.post("/api/v1/events", Gzip.compress(Array(lines[21].utf8)),
                                headers: ["Content-Encoding": "gzip", "Content-Type": "application/jsonl; charset=utf-8"])
        #expect(try reply.status == 200 && (reply.json()["accepted"] as? Int) == 1)
        // Re-sending everything changes nothing.
        reply = try daemon.post("/api/v1/events", Self.lifecycles)
        #expect(try reply.json()["ignored"] as? Int == 22)
        let queues = try daemon.get("/api/v1/queues")
        #expect(queues.status == 200)
        let expected = try String(contentsOfFile: fixturePath("01_lifecycles.expected.json"), encoding: .utf8)
        // The spec's example predates the forecast (checked by ForecastReferenceTests).
        let got = try JSONSerialization.jsonObject(
            with: Data(SnapshotJSON.withoutForecast(String(decoding: queues.body, as: UTF8.self)).utf8)) as! NSDictionary
        let want = try JSONSerialization.jsonObject(with: Data(expected.utf8)) as! NSDictionary
        #expect(got["queues"] as? NSArray == want["queues"] as? NSArray)
        #expect(got["generated_at"] as? String == "2026-11-24T10:05:40.000Z")
    }

    @Test("ingest errors: partial acceptance with indexed errors, 400s, 405, 413, 415")
    func ingestErrors() throws {
        let daemon = try DaemonProcess(["--clock", "event"], config: "limits: { max_body_bytes: 4KiB }\n")
        defer { _ = daemon.stop() }
        let good = envelope("a", "connecting", "2026-11-24T10:00:00Z")
        var reply = try daemon.post("/api/v1/events", "\(good)\n{broken\n{\"id\": \"b\", \"event\": \"ringing\"}\n")
        #expect(reply.status == 200)
        let body = try reply.json()
        #expect(body["accepted"] as? Int == 1 && body["rejected"] as? Int == 2)
        let errors = body["errors"] as! [NSDictionary]
        #expect(errors.map { $0["index"] as! Int } == [1, 2])
        #expect(errors.map { $0["line"] as! Int } == [2, 3])
        #expect(errors.map { $0["reason"] as! String } == ["malformed_json", "unknown_event"])
        #expect((errors[1]["detail"] as! String).contains("'ringing'"))

        reply = try daemon.post("/api/v1/events", "")
        #expect(try reply.status == 400 && (reply.json()["reason"] as? String) == "empty_body")
        for noEvents in ["[]", " [ ] ", "\u{FEFF}"] {
            reply = try daemon.post("/api/v1/events", noEvents)
            #expect(try reply.status == 400 && (reply.json()["reason"] as? String) == "empty_body", "\(noEvents)")
            #expect(try (reply.json()["error"] as? String) == "the request body holds no events")
        }
        reply = try daemon.post("/api/v1/events", "{nope")
        #expect(try reply.status == 400 && (reply.json()["reason"] as? String) == "malformed_json")
        reply = try daemon.post("/api/v1/events", "[1, 2]")
        #expect(try reply.status == 400 && (reply.json()["reason"] as? String) == "all_rejected")
        #expect(try reply.json()["rejected"] as? Int == 2)
        reply = try daemon.post("/api/v1/events", good, headers: ["Content-Type": "text/csv"])
        #expect(try reply.status == 415 && (reply.json()["error"] as? String)?.contains("text/csv") == true)
        reply = try daemon.post("/api/v1/events", String(repeating: " ", count: 5000) + good)
        #expect(try reply.status == 413 && (reply.json()["reason"] as? String) == "body_too_large")
        reply = try daemon.get("/api/v1/events")
        #expect(reply.status == 405 && reply.headers["allow"] == "POST")
        #expect(reply.headers["content-type"] == "application/json")
        #expect(try reply.json() == ["error": "/api/v1/events accepts POST only, not GET", "reason": "method_not_allowed"])
        reply = try daemon.get("/no/such/thing")
        #expect(try reply.status == 404 && (reply.json()["reason"] as? String) == "not_found")
        reply = try daemon.post("/api/v1/events", [0x1f, 0x8b, 0, 1, 2], headers: ["Content-Encoding": "gzip"])
        #expect(reply.status == 400)
        // Nothing of the 413 body was applied.
        let queues = try daemon.get("/api/v1/queues").json()["ingest"] as! NSDictionary
        #expect(queues["accepted"] as? Int == 1)
    }

    @Test("an ingest token is required when configured; loopback alone is not enough")
    func tokens() throws {
        let tokenFile = try temporaryFile("s3cret\n", suffix: ".token")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let daemon = try DaemonProcess(["--clock", "event"], config: "web: { ingest_token_file: \(tokenFile) }\n")
        defer { _ = daemon.stop() }
        let event = envelope("a", "connecting", "2026-11-24T10:00:00Z")
        #expect(try daemon.post("/api/v1/events", event).status == 401)
        #expect(try daemon.post("/api/v1/events", event, headers: ["Authorization": "Bearer wrong"]).status == 401)
        #expect(try daemon.post("/api/v1/events", event, headers: ["Authorization": "Bearer s3cret"]).status == 200)
        #expect(try daemon.get("/metrics").status == 200)
    }

    @Test("JSON API: one queue by percent-encoded name, filters, calls, status")
    func jsonAPI() throws {
        let daemon = try DaemonProcess(["--clock", "event"])
        defer { _ = daemon.stop() }
        let hostile = "Bill\"ing\\ <script>alert(1)</script> ☎️"
        let events = [envelope("a", "connecting", "2026-11-24T10:00:00Z", queue: hostile),
                      envelope("b", "connecting", "2026-11-24T10:00:05Z", queue: "Sales"),
                      envelope("b", "connected", "2026-11-24T10:00:09Z", queue: "Sales")]
        #expect(try daemon.post("/api/v1/events", events.joined(separator: "\n")).status == 200)
        let encoded = hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let one = try daemon.get("/api/v1/queues/\(encoded)")
        #expect(one.status == 200)
        #expect(try one.json()["queue"] as? String == hostile)
        #expect(try one.json()["waiting"] as? Int == 1)
        #expect(try daemon.get("/api/v1/queues/Nope").status == 404)
        let filtered = try daemon.get("/api/v1/queues?queue=Sales&queue=Other").json()["queues"] as! [NSDictionary]
        #expect(filtered.map { $0["queue"] as! String } == ["Sales"])
        let calls = try daemon.get("/api/v1/calls?state=talking").json()["calls"] as! [NSDictionary]
        #expect(calls.map { $0["id"] as! String } == ["b"])
        #expect(try daemon.get("/api/v1/calls?limit=x").status == 400)
        let status = try daemon.get("/api/v1/status").json()
        #expect(status["clock"] as? String == "event")
        #expect((status["ingest"] as! NSDictionary)["accepted"] as? Int == 3)
    }
}
