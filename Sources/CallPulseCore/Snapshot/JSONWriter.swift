/// A small pretty-printing JSON writer with exact control of number forms.
public struct JSONWriter {
    public private(set) var text = ""
    private var depth = 0
    /// Whether the current container already holds a value (a comma is due).
    private var hasValue: [Bool] = []
    private var afterKey = false

    public init() {}

    private mutating func beforeValue() {
        if afterKey {
            afterKey = false
            return
        }
        if let last = hasValue.last {
            if last { text += "," }
            text += "\n" + String(repeating: "  ", count: depth)
            hasValue[hasValue.count - 1] = true
        }
    }

    public mutating func beginObject() { open("{") }
    public mutating func endObject() { close("}") }
    public mutating func beginArray() { open("[") }
    public mutating func endArray() { close("]") }

    private mutating func open(_ bracket: String) {
        beforeValue()
        text += bracket
        depth += 1
        hasValue.append(false)
    }

    private mutating func close(_ bracket: String) {
        depth -= 1
        if hasValue.removeLast() { text += "\n" + String(repeating: "  ", count: depth) }
        text += bracket
    }

    public mutating func key(_ name: String) {
        beforeValue()
        Self.appendQuoted(name, to: &text)
        text += ": "
        afterKey = true
    }

    public mutating func string(_ value: String) {
        beforeValue()
        Self.appendQuoted(value, to: &text)
    }

    public mutating func integer(_ value: Int64) {
        beforeValue()
        text += String(value)
    }

    public mutating func null() {
        beforeValue()
        text += "null"
    }

    /// Milliseconds as seconds with at least one decimal (`62.5`, `330.0`).
    public mutating func seconds(_ millis: Int64) {
        beforeValue()
        text += Self.seconds(millis)
    }

    public mutating func optionalSeconds(_ millis: Int64?) {
        if let millis { seconds(millis) } else { null() }
    }

    /// A threshold in seconds: an integer when whole (`20`), else a decimal (`7.5`).
    public mutating func thresholdSeconds(_ millis: Int64) {
        beforeValue()
        text += millis % 1000 == 0 ? String(millis / 1000) : Self.seconds(millis)
    }

    /// A ratio, unrounded (shortest form that reads back exactly), or null.
    public mutating func ratio(_ value: Double?) {
        beforeValue()
        text += value.map { $0.isFinite ? String($0) : "null" } ?? "null"
    }

    /// `12345` ms → `12.345`; trailing zeros dropped but one decimal kept.
    public static func seconds(_ millis: Int64) -> String {
        let sign = millis < 0 ? "-" : ""
        let magnitude = millis.magnitude
        var fraction = String(magnitude % 1000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.count > 1 && fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(magnitude / 1000).\(fraction)"
    }

    /// Appends `value` as a JSON string literal (control characters escaped, UTF-8 kept).
    public static func appendQuoted(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
