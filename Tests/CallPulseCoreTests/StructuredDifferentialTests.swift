import CallPulseCore
import CallPulseReferenceDecoder
import Foundation
import Testing

/// Seeded random events built from docs/spec/events.md's vocabulary (every field position, call shape and
/// input shape, with near-miss values, white space, escapes, duplicate keys and odd containers):
/// where byte-level fuzzing rarely wanders, this walks the field rules. Fast == reference.
struct StructuredDifferentialTests {
    /// SplitMix64: small, seedable, the same on every platform.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct Maker {
        var rng: Seeded
        var hostile = false

        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        mutating func pick<T>(_ items: [T]) -> T { items.randomElement(using: &rng)! }
        mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &rng) }

        /// JSON white space escapes and raw characters; hostile ones include control characters
        /// and look-alikes that are not white space.
        mutating func pad(_ text: String) -> String {
            guard chance(0.4) else { return text }
            var spaces = [#"\u0009"#, #"\u000a"#, #"\u000b"#, #"\u000c"#, #"\u000d"#, " ", #"\u0085"#, #"\u00a0"#,
                          #"\u1680"#, #"\u2000"#, #"\u200a"#, #"\u2028"#, #"\u2029"#, #"\u202f"#, #"\u205f"#,
                          #"\u3000"#, "\u{a0}", "\u{3000}", "\u{85}", #"\t"#, #"\n"#]
            if hostile { spaces += [#"\u0000"#, #"\u001f"#, #"\u007f"#, #"\u009f"#, #"\u200b"#, #"\ufeff"#, "\u{180e}"] }
            return pick(spaces) + text + pick(spaces)
        }

        mutating func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(int(0..<10))) })
        }

        mutating func number() -> String {
            var text = chance(0.1) ? "-" : ""
            if chance(0.4) {
                text += pick(["1795514473", "1795514473123", "99999999999", "100000000000", "253402300799",
                              "253402300799999", "253402300800000", "0", "1"])
            } else {
                let raw = digits(int(1..<20)).drop { $0 == "0" }
                text += raw.isEmpty ? "0" : String(raw)
            }
            if chance(0.4) { text += "." + digits(int(1..<8)) }
            if chance(0.25) {
                text += pick(["e", "E"]) + pick(["", "+", "-"]) + String(pick([0, 1, 2, 3, 9, 11, 12, 16, 17, 20, 400]))
            }
            return text
        }

        mutating func rfc3339() -> String {
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            var text = "\(pick(["1969", "1970", "2024", "2026", "2100", "2400", "9999", "0000"]))-"
            text += two(pick([1, 2, 12, 0, 13, int(1..<13)])) + "-" + two(pick([1, 28, 29, 30, 31, 0, 32, int(1..<29)]))
            text += pick(["T", "t", " ", "T"]) + two(pick([0, 23, 24, int(0..<24)])) + ":"
            text += two(pick([0, 59, 60, int(0..<60)])) + ":" + two(pick([0, 59, 60, int(0..<60)]))
            if chance(0.6) { text += "." + digits(pick([0, 1, 2, 3, 4, 6, 9, 20])) }
            let zone = int(0..<10)
            if zone < 3 {
                text += pick(["Z", "z"])
            } else if zone < 7 {
                text += pick(["+", "-"]) + two(pick([0, 1, 5, 14, 23, 24])) + pick([":", ""]) + two(pick([0, 30, 45, 59, 60]))
            } else if zone < 8 {
                text += pick(["+05", "+5:30", "Z ", "ZZ", "+05:30Z", " Z"])
            }
            return text
        }

        mutating func timestamp() -> String {
            if !hostile && chance(0.5) {
                return pick(["1795514473", "1795514473.5", "1795514473123", #""2026-11-24T10:01:13.123Z""#,
                             #""1795514473""#, "1.795514473e9", #""2026-11-24 10:01:13+05:30""#])
            }
            let r = int(0..<20)
            if r < 7 { return number() }
            if r < 11 {
                let text = String(number().prefix { $0 != "e" && $0 != "E" })
                return "\"" + pad(text) + "\""
            }
            if r < 18 { return "\"" + pad(rfc3339()) + "\"" }
            return pick(["null", "true", "{}", "[]", #""""#, #"" ""#, #""x""#, "[1795514473]"])
        }

        mutating func name() -> String {
            if !hostile && chance(0.7) { return pick([#""Billing""#, #""Q-7""#, "5001", "\"" + pad("Zürich") + "\""]) }
            if chance(0.2) { return pick(["5001", "-0", "0", "-5", "5.0", "1e2", "05", "9" + digits(int(0..<300))]) }
            if chance(0.1) { return pick(["true", "null", "{}", "[]", #""""#, #"" ""#]) }
            let unit = pick(["a", "é", "€", "🎧", #"\u00e9"#, #"\ud83c\udfa7"#, #"\u0085"#, #"\u0000"#, #"\u2028"#, "L"])
            let count = pick([1, 5, 64, 85, 127, 128, 129, 255, 256, 257])
            return "\"" + pad(String(repeating: unit, count: count)) + "\""
        }

        mutating func word(_ words: [String]) -> String {
            guard chance(hostile ? 0.8 : 0.97) else { return pick(["1", "true", "null", "{}", #""""#, #"" ""#, #""\u212a""#]) }
            var text = String(pick(words).map { chance(0.3) ? Character($0.uppercased()) : $0 })
            if hostile && chance(0.05) { text.removeLast() }
            return "\"" + pad(text) + "\""
        }

        /// A key, now and then with one character escaped (`"queue\u004eame"`).
        mutating func key(_ name: String) -> String {
            guard chance(0.1) else { return "\"\(name)\"" }
            var scalars = Array(name.unicodeScalars)
            let at = int(0..<scalars.count)
            let escaped = #"\u"# + String(repeating: "0", count: 4 - String(scalars[at].value, radix: 16).count)
                + String(scalars[at].value, radix: 16)
            scalars.remove(at: at)
            return "\"" + String(String.UnicodeScalarView(scalars[..<at])) + escaped
                + String(String.UnicodeScalarView(scalars[at...])) + "\""
        }

        /// An object of the members given, sometimes with a repeated key or an unknown member.
        mutating func object(_ members: [(String, String)]) -> String {
            var parts: [String] = []
            for (name, value) in members {
                parts.append(key(name) + ":" + value)
                if chance(0.04) { parts.append(key(name) + ":" + pick([value, "null", #""x""#, "1"])) }
            }
            if chance(0.2) {
                parts.insert(#""extra":"# + pick(["null", "[1,2]", #"{"a":{"b":[]}}"#, "1e400"]), at: int(0..<(parts.count + 1)))
            }
            if chance(0.15) { parts.shuffle(using: &rng) }
            return "{" + parts.joined(separator: pick([",", ", "])) + "}"
        }

        mutating func event() -> String {
            let events = ["connecting", "missed", "connected", "rejected", "hold", "acw", "dropped"]
            let types = ["inbound", "outbound", "agent"]
            var media: [(String, String)] = []
            if chance(0.6) { media.append(("callType", word(types))) }
            if chance(0.7) { media.append(("queueName", name())) }
            if chance(0.6) { media.append(("queueTimestamp", timestamp())) }
            var fields: [(String, String)] = []
            if chance(0.5) { fields.append(("CallState", word(events))) }
            if chance(0.5) { fields.append(("Type", word(types))) }
            if chance(0.5) { fields.append(("DN", name())) }
            if chance(0.8) { fields.append(("CurrentStateTime", timestamp())) }
            if chance(0.85) { fields.append(("MediaProperties", chance(0.9) ? object(media) : pick(["null", "5", "[]", #""x""#]))) }
            var call: [(String, String)] = []
            if chance(0.9) { call.append(("id", chance(0.5) ? name() : "\"" + pad("c-\(int(0..<100))") + "\"")) }
            if chance(0.8) { call.append(("event", word(events))) }
            if chance(0.5) { call.append(("CallType", word(types))) }
            if chance(0.9) { call.append(("ResponseFields", chance(0.92) ? object(fields) : pick(["null", "5", "[]"]))) }
            let body = object(call)
            switch int(0..<5) {
            case 0: return object([("channel", #""Amazon""#), ("message", object([("source", #""x""#), ("call", body)]))])
            case 1: return object([("message", object([("call", body)]))])
            case 2: return object([("call", body)])
            default: return body
            }
        }

        /// One input: a batch, one (multi-line) object, or NDJSON with LF or CRLF and blank lines.
        mutating func document() -> [UInt8] {
            hostile = chance(0.4)
            let events = (0..<pick([1, 1, 2, 3])).map { _ in event() }
            let bom = chance(0.1) ? "\u{FEFF}" : ""
            switch int(0..<10) {
            case 0..<3: return Array((bom + "[" + events.joined(separator: pick([",\n", ","])) + "]").utf8)
            case 3..<5:  // one object over several lines (no string here holds `,"`)
                return Array((bom + "\n" + events[0].replacingOccurrences(of: ",\"", with: ",\n \"") + "\n").utf8)
            default:
                let end = chance(0.3) ? "\r\n" : "\n"
                return Array((bom + events.joined(separator: end + (chance(0.2) ? end : "")) + end).utf8)
            }
        }
    }

    @Test("2,000 seeded random inputs built from docs/spec/events.md's vocabulary decode the same both ways")
    func randomInputs() {
        let reader = EventReader()
        var maker = Maker(rng: Seeded(state: 12))
        var accepted = 0, rejected = 0
        for number in 0..<2000 {
            let input = maker.document()
            if let difference = Differential.difference(input, reader: reader) {
                Issue.record("input \(number):\n\(difference)")
                return
            }
            for outcome in ReferenceDecoder.read(input) {
                if case .accepted = outcome.outcome { accepted += 1 } else { rejected += 1 }
            }
        }
        // Both kinds in good measure, or the generator has drifted into one corner.
        #expect(accepted > 600 && rejected > 600, "accepted \(accepted), rejected \(rejected)")
    }
}
