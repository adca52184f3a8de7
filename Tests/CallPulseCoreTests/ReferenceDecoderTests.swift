import CallPulseCore
import CallPulseReferenceDecoder
import Foundation
import Testing

/// The seed's sample event (Tests/Fixtures/event.json) with every timestamp form of docs/spec/events.md
/// in each timestamp field, in every call shape and every input shape: the fast decoder must
/// agree with the reference decoder and both must give the exact expected milliseconds.
/// (The generators never produced numeric timestamps inside `message`; this table does.)
struct TimestampFormTableTests {
    /// The sample's own times: queueTimestamp 2026-11-24T10:15:02.120Z, CurrentStateTime …09.870Z.
    static let sampleQueueEntry: Int64 = 1_795_515_302_120
    static let sampleStateTime: Int64 = 1_795_515_309_870
    static let latest: Int64 = 253_402_300_799_999

    /// A timestamp's JSON text and what it reads as: a time, absent (nil), or `bad_timestamp`.
    enum Expected: Equatable {
        case millis(Int64)
        case absent
        case bad
    }

    static let forms: [(json: String, expected: Expected)] = [
        // Unix epoch as a JSON number: seconds below 1e11, milliseconds otherwise.
        ("1795514473", .millis(1_795_514_473_000)),
        ("1795514473123", .millis(1_795_514_473_123)),
        ("1795514473.123", .millis(1_795_514_473_123)),
        ("1795514473.5", .millis(1_795_514_473_500)),
        ("1795514473.1239999", .millis(1_795_514_473_123)),  // finer digits truncated
        ("1795514473123.9", .millis(1_795_514_473_123)),
        ("1.795514473123e9", .millis(1_795_514_473_123)),
        ("1795514473123E-3", .millis(1_795_514_473_123)),
        ("1.795514473123e+12", .millis(1_795_514_473_123)),
        ("0", .millis(0)),
        ("-0", .millis(0)),
        ("0.0009", .millis(0)),
        ("99999999999", .millis(99_999_999_999_000)),  // the last value read as seconds
        ("100000000000", .millis(100_000_000_000)),  // the first read as milliseconds
        ("99999999999.9999", .millis(99_999_999_999_999)),
        ("253402300799.999", .millis(253_402_300_799)),  // at or above 1e11: milliseconds
        ("253402300799999", .millis(latest)),
        ("253402300800000", .bad),
        ("-1", .bad),
        ("-1795514473", .bad),
        ("1e400", .bad),
        ("123456789012345678901234567890", .bad),
        ("1e-400", .millis(0)),
        // Epoch strings: -?digits(.digits)?, leading zeros fine, padded with white space.
        (#""1795514473""#, .millis(1_795_514_473_000)),
        (#""1795514473123""#, .millis(1_795_514_473_123)),
        (#""1795514473.123""#, .millis(1_795_514_473_123)),
        (#""001795514473""#, .millis(1_795_514_473_000)),
        (#"" \u00a0 1795514473\u3000""#, .millis(1_795_514_473_000)),
        (#""1.795514473e9""#, .bad),
        (#""+1795514473""#, .bad),
        (#""1795514473.""#, .bad),
        (#""1,795,514,473""#, .bad),
        // RFC 3339 date-times.
        (#""2026-11-24T10:01:13Z""#, .millis(1_795_514_473_000)),
        (#""2026-11-24t10:01:13.123z""#, .millis(1_795_514_473_123)),
        (#""2026-11-24 10:01:13.123""#, .millis(1_795_514_473_123)),
        (#""2026-11-24T10:01:13.1""#, .millis(1_795_514_473_100)),
        (#""2026-11-24T10:01:13.123456789Z""#, .millis(1_795_514_473_123)),
        (#""2026-11-24T15:31:13.123+05:30""#, .millis(1_795_514_473_123)),
        (#""2026-11-24T06:31:13.123-0330""#, .millis(1_795_514_473_123)),
        (#""\t2026-11-24T10:01:13Z\n""#, .millis(1_795_514_473_000)),
        (#""1970-01-01T00:00:00Z""#, .millis(0)),
        (#""9999-12-31T23:59:59.999Z""#, .millis(latest)),
        (#""1969-12-31T23:59:59.999Z""#, .bad),
        (#""2026-11-24T10:01:60Z""#, .bad),
        (#""2026-02-29T10:01:13Z""#, .bad),
        (#""2026-11-24T10:01:13+24:00""#, .bad),
        (#""2026-11-24T10:01Z""#, .bad),
        (#""2026-11-24""#, .bad),
        // Other types, and values that read as absent.
        ("true", .bad),
        ("{}", .bad),
        ("[1795514473]", .bad),
        ("null", .absent),
        (#""""#, .absent),
        (#"" \t""#, .absent),
    ]

    /// How the call object is placed: the three shapes of "Finding the call", plus `{"call": …}`.
    static let callShapes = ["envelope", "message", "call", "bare"]
    static let inputShapes = ["single", "pretty", "array", "ndjson", "ndjson-crlf-bom"]

    /// The sample's call object as compact JSON, its two timestamps replaced by `queueTS` and
    /// `stateTS` (JSON texts, written as given).
    static func callText(queueTS: String?, stateTS: String?) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/event.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let message = try #require(root["message"] as? [String: Any])
        var call = try #require(message["call"] as? [String: Any])
        var fields = try #require(call["ResponseFields"] as? [String: Any])
        var media = try #require(fields["MediaProperties"] as? [String: Any])
        if queueTS != nil { media["queueTimestamp"] = "@QTS@" }
        if stateTS != nil { fields["CurrentStateTime"] = "@CST@" }
        fields["MediaProperties"] = media
        call["ResponseFields"] = fields
        var text = String(decoding: try JSONSerialization.data(withJSONObject: call, options: [.sortedKeys]),
                          as: UTF8.self)
        if let queueTS { text = text.replacingOccurrences(of: #""@QTS@""#, with: queueTS) }
        if let stateTS { text = text.replacingOccurrences(of: #""@CST@""#, with: stateTS) }
        return text
    }

    static func wrap(_ call: String, _ shape: String) -> String {
        switch shape {
        case "envelope":
            #"{"channel":"Amazon","topic":"InboundCall","subtopic":"InboundCallStateChange","message":{"source":"AmazonConnect","call":\#(call)}}"#
        case "message": #"{"message":{"source":"AmazonConnect","call":\#(call)}}"#
        case "call": #"{"call":\#(call)}"#
        default: call
        }
    }

    /// The input holding the event (twice in batches and NDJSON) and the positions expected.
    static func input(_ event: String, _ shape: String) -> (bytes: [UInt8], positions: [(index: Int, line: Int)]) {
        switch shape {
        case "single": (Array(event.utf8), [(0, 1)])
        case "pretty": (Array(("\n  " + event.replacingOccurrences(of: ",\"", with: ",\n \"") + "\n").utf8), [(0, 2)])
        case "array": (Array("[\(event),\n\(event)]".utf8), [(0, 1), (1, 2)])
        case "ndjson": (Array("\(event)\n\n\(event)\n".utf8), [(0, 1), (1, 3)])
        default: ([0xEF, 0xBB, 0xBF] + Array("\(event)\r\n \r\n\(event)\r\n".utf8), [(0, 1), (1, 3)])
        }
    }

    /// Decodes `bytes` both ways; they must agree and give `expected` at `positions`.
    static func check(_ bytes: [UInt8], positions: [(index: Int, line: Int)], queueEntry: Expected, stateTime: Expected,
                      _ label: String) {
        let reader = EventReader()
        let difference = Differential.difference(bytes, reader: reader)
        #expect(difference == nil, "\(label)\n\(difference ?? "")")
        let outcomes = Differential.fast(bytes, reader: reader)
        #expect(outcomes.map { [$0.index, $0.line] } == positions.map { [$0.index, $0.line] }, "\(label)")
        for outcome in outcomes {
            if queueEntry == .bad || stateTime == .bad {
                #expect(outcome.outcome == .rejected("bad_timestamp"), "\(label): \(outcome)")
                continue
            }
            guard case .accepted(let event) = outcome.outcome else {
                Issue.record("\(label): \(outcome)")
                continue
            }
            func value(_ expected: Expected) -> Int64? {
                if case .millis(let millis) = expected { return millis }
                return nil
            }
            #expect(event.queueEntry == value(queueEntry), "\(label): queue entry \(outcome)")
            #expect(event.stateTime == value(stateTime), "\(label): state time \(outcome)")
            #expect(event.id == Array("3f1c2a9e-7b41-4c8a-9a55-0c7d2e11b9a0".utf8))
            #expect(event.event == "connecting" && event.callType == "inbound")
            #expect(event.queue == Array("Billing".utf8))
        }
    }

    @Test("every timestamp form in MediaProperties.queueTimestamp, every call shape, every input shape")
    func queueTimestampForms() throws {
        for form in Self.forms {
            let call = try Self.callText(queueTS: form.json, stateTS: nil)
            for callShape in Self.callShapes {
                for inputShape in Self.inputShapes {
                    let (bytes, positions) = Self.input(Self.wrap(call, callShape), inputShape)
                    Self.check(bytes, positions: positions, queueEntry: form.expected,
                               stateTime: .millis(Self.sampleStateTime),
                               "queueTimestamp \(form.json) in \(callShape), \(inputShape)")
                }
            }
        }
    }

    @Test("every timestamp form in ResponseFields.CurrentStateTime, every call shape, every input shape")
    func stateTimeForms() throws {
        for form in Self.forms {
            let call = try Self.callText(queueTS: nil, stateTS: form.json)
            for callShape in Self.callShapes {
                for inputShape in Self.inputShapes {
                    let (bytes, positions) = Self.input(Self.wrap(call, callShape), inputShape)
                    Self.check(bytes, positions: positions, queueEntry: .millis(Self.sampleQueueEntry),
                               stateTime: form.expected,
                               "CurrentStateTime \(form.json) in \(callShape), \(inputShape)")
                }
            }
        }
    }

    /// Issue 12's acceptance: the seed's sample with numeric queueTimestamp and
    /// CurrentStateTime (epoch seconds, milliseconds, fractional) in each shape.
    @Test("the sample with both timestamps numeric (s, ms, fractional) is accepted with the right values",
          arguments: [("1795515302", "1795515309", Int64(1_795_515_302_000), Int64(1_795_515_309_000)),
                      ("1795515302120", "1795515309870", 1_795_515_302_120, 1_795_515_309_870),
                      ("1795515302.12", "1795515309.870", 1_795_515_302_120, 1_795_515_309_870)])
    func bothNumeric(queueTS: String, stateTS: String, queueMillis: Int64, stateMillis: Int64) throws {
        let call = try Self.callText(queueTS: queueTS, stateTS: stateTS)
        for callShape in Self.callShapes {
            for inputShape in Self.inputShapes {
                let (bytes, positions) = Self.input(Self.wrap(call, callShape), inputShape)
                Self.check(bytes, positions: positions, queueEntry: .millis(queueMillis), stateTime: .millis(stateMillis),
                           "\(queueTS)/\(stateTS) in \(callShape), \(inputShape)")
            }
        }
    }
}

/// The reference decoder on its own, against docs/spec/events.md's words (so that it can be trusted),
/// with the fast decoder compared on each case too.
struct ReferenceDecoderTests {
    func outcomes(_ text: String) -> [String] {
        outcomes(Array(text.utf8))
    }

    func outcomes(_ bytes: [UInt8]) -> [String] {
        let difference = Differential.difference(bytes, reader: EventReader())
        #expect(difference == nil, "\(difference ?? "")")
        return ReferenceDecoder.read(bytes).map { positioned in
            switch positioned.outcome {
            case .accepted(let event): "\(positioned.index)@\(positioned.line):\(String(decoding: event.id, as: UTF8.self))"
            case .rejected(let reason): "\(positioned.index)@\(positioned.line):\(reason)"
            }
        }
    }

    static func nested(_ levels: Int) -> String {
        String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
    }

    /// `levels` containers with a member in the innermost (simdjson treats an empty one differently).
    static func nestedFull(_ levels: Int) -> String {
        String(repeating: "[", count: levels - 1) + #"{"k":1}"# + String(repeating: "]", count: levels - 1)
    }

    @Test("depth: 64 levels per line or input are fine, 65 are malformed; a batch counts from the array")
    func depth() {
        // The envelope's object is level 1, message 2, call 3; CallVariables adds the rest.
        func line(_ total: Int) -> String {
            #"{"message":{"call":{"id":"a","event":"hold","CallVariables":\#(Self.nested(total - 3))}}}"#
        }
        #expect(outcomes(line(63) + "\n" + line(64) + "\n" + line(65) + "\n") == ["0@1:a", "1@2:a", "2@3:malformed_json"])
        #expect(outcomes(line(64)) == ["0@1:a"])
        #expect(outcomes(line(65)) == ["0@1:malformed_json"])
        #expect(outcomes("[" + line(63) + "]") == ["0@1:a"])
        #expect(outcomes("[" + line(64) + "]") == ["0@1:malformed_json"])
        func fullLine(_ total: Int) -> String {
            #"{"channel":"x","message":{"call":{"id":"a","event":"hold","CallVariables":\#(Self.nestedFull(total - 3))}}}"#
        }
        #expect(outcomes(fullLine(63) + "\n" + fullLine(64) + "\r\n" + fullLine(65)) == ["0@1:a", "1@2:a", "2@3:malformed_json"])
        #expect(outcomes("[" + fullLine(63) + ",\n" + fullLine(63) + "]") == ["0@1:a", "1@2:a"])
        #expect(outcomes("[" + fullLine(64) + "]") == ["0@1:malformed_json"])
        #expect(outcomes(Self.nestedFull(64)) == ["0@1:not_an_object"])
        #expect(outcomes(Self.nestedFull(65)) == ["0@1:malformed_json"])
        #expect(outcomes(Self.nested(64)) == ["0@1:not_an_object"])
        #expect(outcomes(Self.nested(65)) == ["0@1:malformed_json"])
        // A value that is not valid JSON as a whole: NDJSON, each line on its own.
        #expect(outcomes("{\"id\":\"a\",\n\"event\":\"hold\",\"x\":\(Self.nested(64))}") == ["0@1:malformed_json", "1@2:malformed_json"])
    }

    @Test("strict JSON: NaN, Infinity, invalid UTF-8, lone surrogates, raw controls, bad numbers")
    func strictness() {
        for bad in [#"{"id":NaN,"event":"hold"}"#, #"{"id":Infinity,"event":"hold"}"#, #"{"id":-Infinity,"event":"hold"}"#,
                    #"{"id":"\ud800","event":"hold"}"#, #"{"id":"\udc00","event":"hold"}"#,
                    #"{"id":"\ud800\u0041","event":"hold"}"#, "{\"id\":\"a\u{1}\",\"event\":\"hold\"}",
                    #"{"id":01,"event":"hold"}"#, #"{"id":1.,"event":"hold"}"#, #"{"id":.5,"event":"hold"}"#,
                    #"{"id":+1,"event":"hold"}"#, #"{"id":"a","event":"hold",}"#, #"{"id":'a',"event":"hold"}"#,
                    #"{"id":"\x41","event":"hold"}"#, #"{"id":"a","event":"hold"} x"#] {
            #expect(outcomes(bad) == ["0@1:malformed_json"], "\(bad)")
        }
        for utf8 in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xFF]] as [[UInt8]] {
            let bytes = Array(#"{"id":"a"#.utf8) + utf8 + Array(#"","event":"hold"}"#.utf8)
            #expect(outcomes(bytes) == ["0@1:malformed_json"], "\(utf8)")
        }
        #expect(outcomes(#"{"id":"\ud83c\udfa7 \u00e9","event":"hold"}"#) == ["0@1:🎧 é"])
    }

    @Test("input shapes: BOM, blank lines, CRLF, batches, broken batches, positions")
    func inputShapes() {
        let a = #"{"id":"a","event":"hold"}"#
        #expect(outcomes("\u{FEFF}\(a)\r\n\r\n\t\r\n\(a)\r\n[1]\r\n\"s\"\r\n{x\r\n") ==
                ["0@1:a", "1@4:a", "2@5:not_an_object", "3@6:not_an_object", "4@7:malformed_json"])
        #expect(outcomes("\n\n  [\(a),\n\n 7 ,\(a)]\n") == ["0@3:a", "1@5:not_an_object", "2@5:a"])
        #expect(outcomes("[\(a)]\n[\(a)]") == ["0@1:malformed_json"])
        #expect(outcomes("\n[\(a),]") == ["0@1:malformed_json"])
        #expect(outcomes("[]").isEmpty && outcomes("\u{FEFF}").isEmpty && outcomes(" \r\n").isEmpty)
        #expect(outcomes("\n\n{\n\"id\": \"a\",\n\"event\": \"hold\"}\n") == ["0@3:a"])
        #expect(outcomes("\u{FEFF}\u{FEFF}\(a)") == ["0@1:malformed_json"])
        #expect(outcomes("\(a)\n\u{FEFF}\(a)") == ["0@1:a", "1@2:malformed_json"])
    }

    @Test("finding the call; null keys count as absent; escaped and duplicate keys")
    func findingTheCall() {
        #expect(outcomes(#"{"message":null,"call":{"id":"a","event":"hold"}}"#) == ["0@1:a"])
        #expect(outcomes(#"{"message":{"call":null},"call":{"id":"a","event":"hold"}}"#) == ["0@1:missing_call"])
        #expect(outcomes(#"{"message":5,"id":"a","event":"hold"}"#) == ["0@1:missing_call"])
        #expect(outcomes(#"{"call":[],"id":"a","event":"hold"}"#) == ["0@1:missing_call"])
        #expect(outcomes(#"{"id":null,"event":null}"#) == ["0@1:missing_call"])
        #expect(outcomes(#"{"id":null,"event":"hold"}"#) == ["0@1:missing_id"])
        #expect(outcomes(#"{"\u006dessage":{"call":{"\u0069d":"a","event":"hold"}}}"#) == ["0@1:a"])
        // Duplicate keys: unspecified in docs/spec/events.md; both decoders take the first occurrence.
        #expect(outcomes(#"{"id":"a","id":"b","event":"hold"}"#) == ["0@1:a"])
        #expect(outcomes(#"{"id":"a","event":"bogus","event":"hold"}"#) == ["0@1:unknown_event"])
    }

    @Test("fields: first-of, trimming, integers, 256 bytes, control characters, event and type case")
    func fields() {
        let id256 = String(repeating: "é", count: 128), id257 = id256 + "x"
        #expect(outcomes(#"{"id":"\#(id256)","event":"hold"}"#) == ["0@1:\(id256)"])
        #expect(outcomes(#"{"id":"\#(id257)","event":"hold"}"#) == ["0@1:bad_id"])
        #expect(outcomes(#"{"id":"\u3000 \#(id256)\u00a0","event":"hold"}"#) == ["0@1:\(id256)"])
        #expect(outcomes(#"{"id":-0,"event":"hold"}"#) == ["0@1:-0"])
        #expect(outcomes(#"{"id":123456789012345678901234567890,"event":"hold"}"#) == ["0@1:123456789012345678901234567890"])
        #expect(outcomes(#"{"id":1.0,"event":"hold"}"#) == ["0@1:bad_id"])
        #expect(outcomes(#"{"id":1e3,"event":"hold"}"#) == ["0@1:bad_id"])
        #expect(outcomes(#"{"id":true,"event":"hold"}"#) == ["0@1:bad_id"])
        #expect(outcomes(#"{"id":"a\u0085b","event":"hold"}"#) == ["0@1:bad_id"])
        #expect(outcomes(#"{"id":"a\u007fb","event":"hold"}"#) == ["0@1:bad_id"])
        #expect(outcomes(#"{"id":"\u0085a\u0000","event":"hold"}"#) == ["0@1:bad_id"])
        #expect(outcomes(#"{"id":"\u0085a\u2029","event":"hold"}"#) == ["0@1:a"])
        #expect(outcomes(#"{"id":" ","event":"hold"}"#) == ["0@1:missing_id"])
        #expect(outcomes(#"{"id":"a","event":" ","ResponseFields":{"CallState":" aCw "}}"#) == ["0@1:a"])
        #expect(outcomes(#"{"id":"a","event":5,"ResponseFields":{"CallState":"acw"}}"#) == ["0@1:unknown_event"])
        #expect(outcomes(#"{"id":"a","ResponseFields":"x"}"#) == ["0@1:missing_event"])
        #expect(outcomes(#"{"id":"a","event":"hold","CallType":"AGENT"}"#) == ["0@1:a"])
        #expect(outcomes(#"{"id":"a","event":"hold","ResponseFields":{"Type":"Inbound "}}"#) == ["0@1:a"])
        #expect(outcomes(#"{"id":"a","event":"hold","ResponseFields":{"Type":"in bound"}}"#) == ["0@1:bad_call_type"])
        #expect(outcomes(#"{"id":"a","event":"hold","ResponseFields":{"MediaProperties":{"queueName":1.5},"DN":"Q"}}"#)
                == ["0@1:bad_queue"])
        #expect(outcomes(#"{"id":"a","event":"hold","ResponseFields":{"MediaProperties":{"queueName":""},"DN":5001}}"#)
                == ["0@1:a"])
        #expect(outcomes(#"{"id":"a","event":"hold","ResponseFields":{"MediaProperties":{"queue\u004eame":"Q\u0007"}}}"#)
                == ["0@1:bad_queue"])
        // The first reason in the table's order wins.
        #expect(outcomes(#"{"id":"a","event":"x","CallType":"y","ResponseFields":{"DN":true,"CurrentStateTime":true}}"#)
                == ["0@1:unknown_event"])
        #expect(outcomes(#"{"id":"a","event":"hold","CallType":"y","ResponseFields":{"DN":true,"CurrentStateTime":true}}"#)
                == ["0@1:bad_call_type"])
        #expect(outcomes(#"{"id":"a","event":"hold","ResponseFields":{"DN":true,"CurrentStateTime":true}}"#)
                == ["0@1:bad_queue"])
    }
}

/// The other data of docs/spec/events.md in every position it can come from, in every call shape and
/// input shape of the table above: fast == reference, and the exact value or reason.
struct FieldFormTableTests {
    enum Datum: String, CaseIterable {
        case id, event, callType, queue
    }

    /// A position: where the value goes, which candidates before it are removed, which datum it sets.
    static let positions: [(path: [String], removed: [[String]], datum: Datum)] = [
        (["id"], [], .id),
        (["event"], [["ResponseFields", "CallState"]], .event),
        (["ResponseFields", "CallState"], [["event"]], .event),
        (["CallType"], [], .callType),
        (["ResponseFields", "Type"], [["CallType"]], .callType),
        (["ResponseFields", "MediaProperties", "callType"], [["CallType"], ["ResponseFields", "Type"]], .callType),
        (["ResponseFields", "MediaProperties", "queueName"], [], .queue),
        (["ResponseFields", "DN"], [["ResponseFields", "MediaProperties", "queueName"]], .queue),
    ]

    /// Forms per datum: JSON text, then the value read, "!reason", or "" when the form reads as
    /// absent (the next candidate or the default applies: see `expected`).
    static let forms: [Datum: [(json: String, expected: String)]] = [
        .id: [(#""C-1""#, "C-1"), (#"" \u00a0C-1\u3000\t""#, "C-1"), ("5001", "5001"), ("-0", "-0"),
              ("123456789012345678901234567890", "123456789012345678901234567890"), ("1.0", "!bad_id"),
              ("1e3", "!bad_id"), (#""C\u0000""#, "!bad_id"), (#""C\u0085D""#, "!bad_id"), ("true", "!bad_id"),
              ("{}", "!bad_id"), (#""\#(String(repeating: "é", count: 128))""#, String(repeating: "é", count: 128)),
              (#""\#(String(repeating: "é", count: 128))x""#, "!bad_id"), ("null", "!missing_id"),
              (#""""#, "!missing_id"), (#"" \u2029 ""#, "!missing_id")],
        .event: [(#""connecting""#, "connecting"), (#""Dropped""#, "dropped"), (#""ACW""#, "acw"),
                 (#"" HoLd\u00a0""#, "hold"), (#""REJECTED""#, "rejected"), (#""missed""#, "missed"),
                 (#""Connected""#, "connected"), (#""drop""#, "!unknown_event"), (#""k\u212a""#, "!unknown_event"),
                 ("1", "!unknown_event"), ("false", "!unknown_event"), ("null", "!missing_event"),
                 (#"" ""#, "!missing_event")],
        .callType: [(#""outbound""#, "outbound"), (#""AGENT""#, "agent"), (#"" Inbound\t""#, "inbound"),
                    (#""internal""#, "!bad_call_type"), ("1", "!bad_call_type"), ("[]", "!bad_call_type"),
                    ("null", "")],
        .queue: [(#""Support""#, "Support"), (#"" Support\u3000""#, "Support"), ("5001", "5001"), ("-0", "-0"),
                 ("5001.0", "!bad_queue"), ("5.001e3", "!bad_queue"), (#""Q\u0007""#, "!bad_queue"),
                 ("true", "!bad_queue"), (#""\#(String(repeating: "L", count: 256))""#, String(repeating: "L", count: 256)),
                 (#""\#(String(repeating: "L", count: 257))""#, "!bad_queue"),
                 (#""Cafe\u0301""#, "Cafe\u{301}"), ("null", ""), (#"" \t""#, "")],
    ]

    /// The sample's call with `json` at `path` and the `removed` candidates deleted.
    static func callText(path: [String], removed: [[String]], json: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/event.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var call = try #require((root["message"] as? [String: Any])?["call"] as? [String: Any])
        func set(_ object: [String: Any], _ path: ArraySlice<String>, _ value: Any?) -> [String: Any] {
            var object = object
            if path.count == 1 {
                object[path.first!] = value
            } else if let inner = object[path.first!] as? [String: Any] {
                object[path.first!] = set(inner, path.dropFirst(), value)
            }
            return object
        }
        for other in removed { call = set(call, other[...], nil) }
        call = set(call, path[...], "@VALUE@")
        let text = String(decoding: try JSONSerialization.data(withJSONObject: call, options: [.sortedKeys]), as: UTF8.self)
        return text.replacingOccurrences(of: #""@VALUE@""#, with: json)
    }

    /// Missing and default cases that depend on the position rather than the form.
    static func expected(_ form: (json: String, expected: String), _ position: (path: [String], removed: [[String]], datum: Datum))
        -> String {
        guard form.expected.isEmpty else { return form.expected }  // "": the form reads as absent
        switch position.path.joined(separator: ".") {
        case "CallType", "ResponseFields.Type", "ResponseFields.MediaProperties.callType": return "inbound"
        case "ResponseFields.MediaProperties.queueName": return "Billing"  // DN
        case "ResponseFields.DN": return "nil"
        default: return form.expected
        }
    }

    @Test("ids, event names, call types and queues in every position, call shape and input shape")
    func everyPosition() throws {
        let reader = EventReader()
        for position in Self.positions {
            for form in Self.forms[position.datum]! {
                let call = try Self.callText(path: position.path, removed: position.removed, json: form.json)
                let want = Self.expected(form, position)
                for callShape in TimestampFormTableTests.callShapes {
                    for inputShape in TimestampFormTableTests.inputShapes {
                        let label = "\(position.path.joined(separator: ".")) = \(form.json) in \(callShape), \(inputShape)"
                        let (bytes, positions) = TimestampFormTableTests.input(TimestampFormTableTests.wrap(call, callShape),
                                                                               inputShape)
                        let difference = Differential.difference(bytes, reader: reader)
                        #expect(difference == nil, "\(label)\n\(difference ?? "")")
                        let outcomes = Differential.fast(bytes, reader: reader)
                        #expect(outcomes.count == positions.count, "\(label)")
                        for outcome in outcomes {
                            let got: String
                            switch outcome.outcome {
                            case .rejected(let reason): got = "!" + reason
                            case .accepted(let event):
                                switch position.datum {
                                case .id: got = String(decoding: event.id, as: UTF8.self)
                                case .event: got = event.event
                                case .callType: got = event.callType
                                case .queue: got = event.queue.map { String(decoding: $0, as: UTF8.self) } ?? "nil"
                                }
                            }
                            #expect(got == want, "\(label): \(outcome)")
                        }
                    }
                }
            }
        }
    }
}
