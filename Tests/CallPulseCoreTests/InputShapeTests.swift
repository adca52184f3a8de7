import Testing
@testable import CallPulseCore

/// docs/spec/events.md, "Input shapes": one object, a JSON array, NDJSON; positions.
struct InputShapeTests {
    let a = #"{"id": "a", "event": "connecting"}"#
    let b = #"{"id": "b", "event": "connecting"}"#

    func summary(_ text: String) -> [String] {
        decodeAll(text).map { outcome in
            switch outcome.outcome {
            case .event(let event): "\(outcome.index)@\(outcome.line):\(event.id)"
            case .rejected(let rejection): "\(outcome.index)@\(outcome.line):\(rejection.reason.rawValue)"
            }
        }
    }

    /// The bytes each value was read from, as a relay publishes them (docs/spec/scale-out.md, "Publish").
    func ranges(_ text: String) -> [String] {
        let reader = EventReader()
        var found: [String] = []
        JSONText(text).withContent { content in
            reader.read(content: content) { _, range in
                found.append(String(decoding: content[InputScan.trimmed(content, range)], as: UTF8.self))
            }
        }
        return found
    }

    @Test("every shape gives the bytes of each value, white space around it trimmed, after a byte-order mark")
    func valueRanges() {
        let pretty = "{\n  \"id\": \"a\",\n  \"event\": \"hold\"\n}"
        for (text, expected) in [
            ("\n  \(a)  \n", [a]),
            ("\u{FEFF}\(a)", [a]),
            ("\n\n\(pretty)\n", [pretty]),
            ("\u{FEFF}[ \(a) ,\n\(pretty)\n, 7 ]", [a, pretty, "7"]),
            ("\(a)\r\n\r\n \(b) \r\n{broken\n", [a, b, "{broken"]),
            ("\u{FEFF}\(a)\n\(b)", [a, b]),
        ] {
            #expect(ranges(text) == expected, "\(text.debugDescription)")
        }
    }

    @Test func singleObjectOverSeveralLines() {
        #expect(summary("\n\n{\n  \"id\": \"a\",\n  \"event\": \"hold\"\n}\n") == ["0@3:a"])
    }

    @Test func byteOrderMarkIsSkipped() {
        #expect(summary("\u{FEFF}" + a) == ["0@1:a"])
        #expect(summary("\u{FEFF}[\(a)]") == ["0@1:a"])
    }

    @Test func ndjsonWithBlankLinesCRLFAndErrors() {
        let text = "\(a)\r\n\r\n   \n\(b)\r\n{broken\r\n[1]\n\"s\"\n"
        #expect(summary(text) == ["0@1:a", "1@4:b", "2@5:malformed_json", "3@6:not_an_object", "4@7:not_an_object"])
    }

    @Test func brokenFirstLineIsNDJSON() {
        #expect(summary("{oops\n\(a)\n") == ["0@1:malformed_json", "1@2:a"])
    }

    @Test func arrayWithPositions() {
        let text = "  [\n  \(a),\n  7,\n\n  \(b) ]"
        #expect(summary(text) == ["0@2:a", "1@3:not_an_object", "2@5:b"])
        #expect(summary("[]").isEmpty)
        #expect(summary(#"[{"id": "x,]", "event": "hold"}, {"id": "y", "event": "hold"}]"#) == ["0@1:x,]", "1@1:y"])
    }

    @Test func brokenArrayIsOneMalformedEvent() {
        #expect(summary("[\(a),\n\(b),\n{oops}]") == ["0@1:malformed_json"])
        #expect(summary("[\(a)]\n[\(b)]") == ["0@1:malformed_json"])  // two arrays: not one valid value
    }

    @Test func arrayDepthCountsTheArray() {
        let deep63 = String(repeating: "[", count: 62) + String(repeating: "]", count: 62)
        #expect(summary(#"[{"id": "a", "event": "hold", "x": \#(deep63)}]"#) == ["0@1:a"])
        let deep64 = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        #expect(summary(#"[{"id": "a", "event": "hold", "x": \#(deep64)}]"#) == ["0@1:malformed_json"])
    }

    @Test func emptyAndBlankInputs() {
        #expect(summary("").isEmpty)
        #expect(summary(" \n\t\r\n").isEmpty)
    }
}
