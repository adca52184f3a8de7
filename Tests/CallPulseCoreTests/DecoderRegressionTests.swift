import Testing
@testable import CallPulseCore

/// Decoder bugs that passed every earlier test; each case is the smallest input that showed one.
struct DecoderRegressionTests {
    /// The sample's call with both timestamps as `value`, in each way of carrying the call.
    static func sample(_ shape: String, _ value: String) -> String {
        let call = #"""
            {"id": "3f1c2a9e", "event": "connecting", "CallType": "inbound",
             "ResponseFields": {"Participants": null,
               "MediaProperties": {"callType": "inbound", "queueName": "Billing", "queueTimestamp": \#(value)},
               "CallState": "connecting", "Type": "inbound", "CurrentStateTime": \#(value), "DN": "Billing"}}
            """#
        switch shape {
        case "envelope": return #"{"channel": "Amazon", "topic": "InboundCall", "message": {"source": "AmazonConnect", "call": \#(call)}}"#
        case "message": return #"{"message": {"call": \#(call)}}"#
        case "call": return #"{"call": \#(call)}"#
        default: return call
        }
    }

    struct NumericTime: Sendable, CustomTestStringConvertible {
        var shape: String
        var value: String
        var millis: EpochMillis
        var testDescription: String { "\(shape) \(value)" }
    }

    static let numericTimes: [NumericTime] = ["envelope", "message", "call", "bare"].flatMap { shape in
        [
            NumericTime(shape: shape, value: "1795515309", millis: 1_795_515_309_000),
            NumericTime(shape: shape, value: "1795515309870", millis: 1_795_515_309_870),
            NumericTime(shape: shape, value: "1795515309.87", millis: 1_795_515_309_870),
            NumericTime(shape: shape, value: "1795515309.8709", millis: 1_795_515_309_870),
            NumericTime(shape: shape, value: "1795515309870.9", millis: 1_795_515_309_870),
        ]
    }

    /// A numeric timestamp five keys deep (message.call.ResponseFields.MediaProperties.queueTimestamp)
    /// overflowed the fixed path the number's text was looked up by and read as "a boolean".
    @Test("numeric queueTimestamp and CurrentStateTime are read in every shape", arguments: numericTimes)
    func numericTimestamps(_ c: NumericTime) {
        guard case .event(let event) = decodeOne(Self.sample(c.shape, c.value)) else {
            Issue.record("rejected: \(decodeOne(Self.sample(c.shape, c.value)))")
            return
        }
        #expect(event.queueEntry == c.millis)
        #expect(event.stateTime == c.millis)
        #expect(event.queue?.string == "Billing")
    }

    /// The number's text is found by position, so an escaped key (equal to the field's name once
    /// unescaped) and a repeated key (the first counts) read the same number the DOM saw.
    @Test("numbers under escaped and repeated keys")
    func escapedAndRepeatedKeys() {
        let escaped = #"{"message": {"call": {"id": "a", "event": "hold", "ResponseFields": {"\u0043urrentStateTime": 1795515309, "MediaProperties": {"queue\u0054imestamp": 1795515300}}}}}"#
        guard case .event(let event) = decodeOne(escaped) else { Issue.record("rejected"); return }
        #expect(event.stateTime == 1_795_515_309_000)
        #expect(event.queueEntry == 1_795_515_300_000)
        let repeated = #"{"message": {"call": {"id": "a", "event": "hold", "ResponseFields": {"CurrentStateTime": 1795515309, "CurrentStateTime": 1795515400}}}}"#
        guard case .event(let first) = decodeOne(repeated) else { Issue.record("rejected"); return }
        #expect(first.stateTime == 1_795_515_309_000)
    }

    /// A bad numeric timestamp names the field and the number, not another type.
    @Test("a numeric timestamp out of range names the field and the number")
    func badNumericTimestamp() {
        let found = rejection(Self.sample("envelope", "-5"))
        #expect(found?.reason == .badTimestamp)
        #expect(found?.detail == "ResponseFields.CurrentStateTime '-5' is not a Unix time between 1970-01-01 and 9999-12-31")
    }

    /// `levels` nested containers in total (the event object is level 1), the innermost holding
    /// a scalar or nothing.
    static func nested(_ levels: Int, empty: Bool = false, object: Bool = false) -> String {
        let open = object ? #"{"a":"# : "[", close = object ? "}" : "]"
        let inner = empty ? (object ? "{}" : "[]") : (object ? #"{"k":1}"# : "[1]")
        let wrappers = levels - 2
        return #"{"id": "d", "event": "hold", "x": "# + String(repeating: open, count: wrappers) + inner
            + String(repeating: close, count: wrappers) + "}"
    }

    /// simdjson refuses a non-empty container at its max_depth (docs/spec/events.md allows 64 levels) but
    /// accepts an empty one there; both must follow the spec's count.
    @Test("64 levels are accepted and 65 rejected, filled or empty, arrays or objects, in NDJSON")
    func depthLimit() {
        for object in [false, true] {
            for empty in [false, true] {
                let lines = [63, 64, 65, 66].map { Self.nested($0, empty: empty, object: object) }
                let reasons = decodeAll(lines.joined(separator: "\n")).map { outcome -> String in
                    if case .rejected(let r) = outcome.outcome { return r.reason.rawValue }
                    return "ok"
                }
                #expect(reasons == ["ok", "ok", "malformed_json", "malformed_json"], "object \(object) empty \(empty)")
            }
        }
    }

    @Test("a single event 64 deep is one event; in an array batch depth counts from the array")
    func depthInOtherShapes() {
        #expect(rejection(Self.nested(64)) == nil)
        #expect(rejection(Self.nested(65))?.reason == .malformedJSON)
        #expect(rejection(Self.nested(64, empty: true)) == nil)
        #expect(rejection(Self.nested(65, empty: true))?.reason == .malformedJSON)
        let accepted = decodeAll("[" + Self.nested(63) + ", " + Self.nested(2) + "]")
        #expect(accepted.count == 2)
        #expect(accepted.allSatisfy { if case .event = $0.outcome { true } else { false } })
        for element in [Self.nested(64), Self.nested(64, empty: true)] {
            let refused = decodeAll("[" + element + "]")
            #expect(refused.count == 1)
            #expect(refused.first?.index == 0)
            if case .rejected(let r) = refused.first?.outcome {
                #expect(r.reason == .malformedJSON)
                #expect(r.detail.contains("too deep"))
            } else {
                Issue.record("a 65-level batch was split")
            }
        }
    }

    /// Numbers beyond 64 bits take a second parse of a copy; depth is still checked there.
    @Test("huge numbers and the depth limit together")
    func hugeNumbersAndDepth() {
        let deepWithHuge = Self.nested(64).dropLast() + #", "n": 1e400}"#
        #expect(rejection(String(deepWithHuge)) == nil)
        let tooDeepWithHuge = Self.nested(65).dropLast() + #", "n": 1e400}"#
        #expect(rejection(String(tooDeepWithHuge))?.reason == .malformedJSON)
    }
}
