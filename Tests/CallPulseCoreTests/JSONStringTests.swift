import CallPulseCore
import CallPulseSupport
import Foundation
import Testing

/// The one JSON string escaper, through both of its users: the byte writer of API bodies
/// and the `String` appender of error bodies and log lines write the same literal.
struct JSONStringTests {
    static let table: [(value: String, literal: String)] = [
        ("", #""""#),
        ("Billing", #""Billing""#),
        ("say \"hi\"", #""say \"hi\"""#),
        (#"C:\queues"#, #""C:\\queues""#),
        ("a\nb\rc\td", #""a\nb\rc\td""#),
        ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
        ("\u{7F}é€🎧", "\"\u{7F}é€🎧\""),  // DEL and non-ASCII stay as they are
        ("a\u{2028}b", "\"a\u{2028}b\""),
        ("\"", #""\"""#),
        ("x\u{1B}[0m\\", #""x\u001b[0m\\""#),
    ]

    @Test("values and their JSON literals", arguments: table.indices)
    func literal(_ index: Int) throws {
        let (value, literal) = Self.table[index]
        var writer = JSONWriter(compact: true)
        writer.string(value)
        #expect(writer.text == literal)
        var text = ""
        appendJSONString(value, to: &text)
        #expect(text == literal)
        // And it reads back as the value.
        let decoded = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed) as? String
        #expect(decoded == value)
    }
}
