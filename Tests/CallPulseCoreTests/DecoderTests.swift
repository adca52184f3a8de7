import Testing
@testable import CallPulseCore

/// docs/spec/events.md: finding the call, reading each field, and every rejection reason with its detail.
struct DecoderTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var json: String
        var reason: String
        /// Words the detail must contain (the field and the value).
        var detail: [String]
        var testDescription: String { "\(reason): \(json.prefix(60))" }
    }

    static let rejections: [Case] = [
        Case(json: #"{"id": "a", "event": "connecting""#, reason: "malformed_json", detail: ["not valid JSON"]),
        Case(json: #"{"id": NaN, "event": "connecting"}"#, reason: "malformed_json", detail: ["not valid JSON"]),
        Case(json: #"{"id": Infinity, "event": "connecting"}"#, reason: "malformed_json", detail: []),
        Case(json: #"{"id": "\ud800", "event": "connecting"}"#, reason: "malformed_json", detail: []),
        Case(json: #"{"id": "a", "event": "connecting", "x": 01}"#, reason: "malformed_json", detail: []),
        Case(json: #"{"id": "a", "event": "connecting", "x": 1.}"#, reason: "malformed_json", detail: []),
        Case(json: #"{"id": "a", "event": "connecting"} {"id": "b"}"#, reason: "malformed_json", detail: []),
        Case(json: #"["not", "an", "object"]"#, reason: "not_an_object", detail: ["array"]),
        Case(json: #""just a string""#, reason: "not_an_object", detail: ["string"]),
        Case(json: #"42"#, reason: "not_an_object", detail: ["number"]),
        Case(json: #"{"channel": "Amazon"}"#, reason: "missing_call",
             detail: ["no call object: the event has none of message.call, call, or a bare call's id or event"]),
        Case(json: #"{"message": {"source": "x"}}"#, reason: "missing_call", detail: ["no call object: message.call is missing"]),
        Case(json: #"{"message": {"call": "nope"}}"#, reason: "missing_call",
             detail: ["no call object: message.call is a string, not an object"]),
        Case(json: #"{"message": {"call": null}}"#, reason: "missing_call", detail: ["message.call is missing"]),
        Case(json: #"{"message": [1], "call": {"id": "a", "event": "connecting"}}"#, reason: "missing_call",
             detail: ["no call object: message is an array, not an object"]),
        Case(json: #"{"call": 7}"#, reason: "missing_call", detail: ["no call object: call is a number, not an object"]),
        Case(json: #"{"call": true}"#, reason: "missing_call", detail: ["call is a boolean, not an object"]),
        Case(json: #"{"call": null, "id": null, "event": null}"#, reason: "missing_call", detail: []),
        Case(json: #"{"call": {"event": "connecting"}}"#, reason: "missing_id", detail: ["call.id"]),
        Case(json: #"{"call": {"id": "   ", "event": "connecting"}}"#, reason: "missing_id", detail: ["call.id"]),
        Case(json: #"{"call": {"id": null, "event": "connecting"}}"#, reason: "missing_id", detail: []),
        Case(json: #"{"call": {"id": true, "event": "connecting"}}"#, reason: "bad_id", detail: ["call.id", "boolean"]),
        Case(json: #"{"call": {"id": {"a": 1}, "event": "connecting"}}"#, reason: "bad_id", detail: ["object"]),
        Case(json: #"{"call": {"id": 1.5, "event": "connecting"}}"#, reason: "bad_id", detail: ["'1.5'", "not an integer"]),
        Case(json: #"{"call": {"id": 1e3, "event": "connecting"}}"#, reason: "bad_id", detail: ["not an integer"]),
        Case(json: #"{"call": {"id": "a\u0001b", "event": "connecting"}}"#, reason: "bad_id", detail: ["control character"]),
        Case(json: #"{"call": {"id": "a\u0085b", "event": "connecting"}}"#, reason: "bad_id", detail: ["control character"]),
        Case(json: #"{"call": {"id": "\#(String(repeating: "x", count: 257))", "event": "connecting"}}"#,
             reason: "bad_id", detail: ["257 bytes", "…"]),
        Case(json: #"{"call": {"id": "a"}}"#, reason: "missing_event", detail: ["call.event", "CallState"]),
        Case(json: #"{"call": {"id": "a", "event": " ", "ResponseFields": {"CallState": null}}}"#, reason: "missing_event", detail: []),
        Case(json: #"{"call": {"id": "a", "event": "ringing"}}"#, reason: "unknown_event", detail: ["call.event", "'ringing'"]),
        Case(json: #"{"call": {"id": "a", "event": 3}}"#, reason: "unknown_event", detail: ["must be a string"]),
        Case(json: #"{"call": {"id": "a", "ResponseFields": {"CallState": "Talking"}}}"#, reason: "unknown_event",
             detail: ["ResponseFields.CallState", "'Talking'"]),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "CallType": "internal"}}"#, reason: "bad_call_type",
             detail: ["call.CallType", "'internal'"]),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "ResponseFields": {"Type": 5}}}"#, reason: "bad_call_type",
             detail: ["ResponseFields.Type"]),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "ResponseFields": {"MediaProperties": {"callType": "x"}}}}"#,
             reason: "bad_call_type", detail: ["MediaProperties.callType"]),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "ResponseFields": {"DN": ["Q"]}}}"#, reason: "bad_queue",
             detail: ["ResponseFields.DN", "array"]),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "ResponseFields": {"MediaProperties": {"queueName": "a\nb"}}}}"#,
             reason: "bad_queue", detail: ["MediaProperties.queueName", "control character"]),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "ResponseFields": {"DN": 2.5}}}"#, reason: "bad_queue", detail: []),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "ResponseFields": {"CurrentStateTime": "24/11/2026 10:00"}}}"#,
             reason: "bad_timestamp", detail: ["ResponseFields.CurrentStateTime", "'24/11/2026 10:00'"]),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "ResponseFields": {"CurrentStateTime": true}}}"#,
             reason: "bad_timestamp", detail: []),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "ResponseFields": {"MediaProperties": {"queueTimestamp": "soon"}}}}"#,
             reason: "bad_timestamp", detail: ["MediaProperties.queueTimestamp"]),
        Case(json: #"{"call": {"id": "a", "event": "connecting", "ResponseFields": {"CurrentStateTime": -1}}}"#,
             reason: "bad_timestamp", detail: []),
    ]

    @Test("each malformed input gets its reason and a detail naming the field", arguments: rejections)
    func rejected(_ c: Case) {
        let found = rejection(c.json)
        #expect(found?.reason.rawValue == c.reason)
        for word in c.detail { #expect(found?.detail.contains(word) == true, "detail: \(found?.detail ?? "")") }
    }

    @Test("a present but invalid first candidate is rejected even when a later one is valid")
    func firstCandidateWins() {
        #expect(rejection(#"{"call": {"id": "a", "event": "bogus", "ResponseFields": {"CallState": "connected"}}}"#)?.reason
                == .unknownEvent)
        #expect(rejection(#"{"call": {"id": "a", "event": "connecting", "CallType": "x", "ResponseFields": {"Type": "inbound"}}}"#)?
            .reason == .badCallType)
    }

    @Test("the reason is the first that applies in table order")
    func reasonOrder() {
        // Both a bad id and a bad event: bad_id comes first.
        #expect(rejection(#"{"call": {"id": true, "event": "bogus"}}"#)?.reason == .badID)
        #expect(rejection(#"{"call": {"id": "a", "event": "bogus", "CallType": "x"}}"#)?.reason == .unknownEvent)
        #expect(rejection(#"{"call": {"id": "a", "event": "hold", "CallType": "x", "ResponseFields": {"DN": true}}}"#)?.reason
                == .badCallType)
    }

    @Test("finding the call: message.call, then call, then a bare object; null counts as absent")
    func findingTheCall() throws {
        func id(_ json: String) -> String? {
            if case .event(let event) = decodeOne(json) { return event.id.string }
            return nil
        }
        #expect(id(#"{"message": {"call": {"id": "m", "event": "hold"}}, "call": {"id": "c", "event": "hold"}}"#) == "m")
        #expect(id(#"{"message": null, "call": {"id": "c", "event": "hold"}}"#) == "c")
        #expect(id(#"{"call": null, "id": "bare", "event": "hold"}"#) == "bare")
        #expect(id(#"{"event": "hold", "id": 12345678901234567890123}"#) == "12345678901234567890123")
        #expect(id(#"{"event": "hold", "id": -0}"#) == "-0")
        #expect(id(#"{"event": "hold", "id": "  padded\u3000"}"#) == "padded")
    }

    @Test("fields: first-of order, trimming, ASCII case, defaults")
    func fieldResolution() throws {
        guard case .event(let e) = decodeOne(#"""
            {"call": {"id": " x ", "event": " ACW ", "CallType": "", "ResponseFields": {"CallState": "hold",
             "Type": "Agent", "DN": "Fallback", "CurrentStateTime": "2026-11-24T10:00:00Z",
             "MediaProperties": {"callType": "outbound", "queueName": "  ", "queueTimestamp": null}}}}
            """#) else { Issue.record("not decoded"); return }
        #expect(e.id.string == "x")
        #expect(e.name == .acw)
        #expect(e.callType == .agent)  // CallType is blank, so ResponseFields.Type is next
        #expect(e.queue?.string == "Fallback")  // queueName is blank, so DN
        #expect(e.queueEntry == nil)
        #expect(e.stateTime == t0)
        guard case .event(let bare) = decodeOne(#"{"id": 7, "event": "connecting", "queue": "ignored"}"#) else {
            Issue.record("not decoded"); return
        }
        #expect(bare.callType == .inbound)
        #expect(bare.queue == nil)
        #expect(bare.stateTime == nil)
        guard case .event(let numeric) = decodeOne(#"{"call": {"id": "n", "event": "hold", "ResponseFields": {"DN": 4711}}}"#)
        else { Issue.record("not decoded"); return }
        #expect(numeric.queue?.string == "4711")
    }

    @Test("queue names and ids are exact bytes: no Unicode normalisation")
    func exactBytes() {
        let composed = CallID("caf\u{E9}"), decomposed = CallID("cafe\u{301}")
        #expect(composed != decomposed)
        #expect(ByteString("caf\u{E9}") != ByteString("cafe\u{301}"))
        #expect(ByteString("Z") < ByteString("a"))
        #expect(ByteString("\u{FFFD}") < ByteString("\u{1F600}"))  // UTF-8 order, not UTF-16
        let long = String(repeating: "k", count: 100)
        #expect(CallID(long) == CallID(long))
        #expect(CallID(long) != CallID(long + "x"))
        #expect(CallID(long).string == long)
    }

    @Test("hostile JSON: depth limit, huge numbers, invalid UTF-8, megabyte strings")
    func hostile() {
        let deep64 = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        #expect(rejection(#"{"id": "a", "event": "hold", "x": \#(deep64)}"#) == nil)
        let deep65 = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(rejection(#"{"id": "a", "event": "hold", "x": \#(deep65)}"#)?.reason == .malformedJSON)
        let nested = String(repeating: "[", count: 100_000)
        #expect(rejection(nested)?.reason == .malformedJSON)
        #expect(rejection(#"{"id": "a", "event": "hold", "count": 1e400, "n": 123456789012345678901234567890}"#) == nil)
        #expect(rejection(#"{"id": "a", "event": "hold", "n": 1e400.5}"#)?.reason == .malformedJSON)
        var invalid = Array(##"{"id": "a", "event": "hold", "x": ""##.utf8)
        invalid += [0xFF, 0xFE, 0x22, 0x7D]
        let text = JSONText(invalid)
        let outcome = text.withContent { EventReader().decodeValue($0) }
        #expect(outcome == .rejected(Rejection(.malformedJSON, "the event is not valid JSON: The input is not valid UTF-8")))
        let huge = String(repeating: "q", count: 1 << 20)
        let bad = rejection(#"{"id": "a", "event": "hold", "ResponseFields": {"DN": "\#(huge)"}}"#)
        #expect(bad?.reason == .badQueue)
        #expect((bad?.detail.count ?? .max) < 400)
        #expect(rejection(#"{"id": "a", "event": "hold", "ResponseFields": {"CurrentStateTime": 1e999999999}}"#)?.reason
                == .badTimestamp)
    }
}
