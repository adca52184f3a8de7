/// A small JSON writer into bytes, with exact control of number forms: pretty-printed with
/// two-space indentation, or compact on one line (for Server-Sent Events' `data:` lines).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private let compact: Bool
    private var depth = 0
    /// Bit `d`: whether the open container at depth `d` already holds a value (a comma is due).
    private var hasValue: UInt64 = 0
    private var afterKey = false

    /// "\n" followed by two spaces per level, for levels 0 … 15.
    private static let newlines: [[UInt8]] = (0..<16).map { [0x0A] + [UInt8](repeating: 0x20, count: $0 * 2) }

    public init(capacity: Int = 4096, compact: Bool = false) {
        self.compact = compact
        bytes.reserveCapacity(capacity)
    }

    /// The document so far as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    @inline(__always)
    private mutating func newline() {
        if compact { return }
        if depth < Self.newlines.count {
            bytes.append(contentsOf: Self.newlines[depth])
        } else {
            bytes.append(0x0A)
            bytes.append(contentsOf: repeatElement(0x20, count: depth * 2))
        }
    }

    @inline(__always)
    private mutating func beforeValue() {
        if afterKey {
            afterKey = false
            return
        }
        if depth > 0 {
            let bit: UInt64 = 1 << UInt64((depth - 1) & 63)
            if hasValue & bit != 0 { bytes.append(UInt8(ascii: ",")) }
            newline()
            hasValue |= bit
        }
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        beforeValue()
        bytes.append(bracket)
        depth += 1
        hasValue &= ~(1 << UInt64((depth - 1) & 63))
    }

    private mutating func close(_ bracket: UInt8) {
        let bit: UInt64 = 1 << UInt64((depth - 1) & 63)
        depth -= 1
        if hasValue & bit != 0 { newline() }
        bytes.append(bracket)
    }

    /// A key known at compile time: ASCII without characters to escape, copied as is.
    @inline(__always)
    public mutating func key(_ name: StaticString) {
        beforeValue()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: " ")])
        afterKey = true
    }

    public mutating func key(_ name: String) {
        beforeValue()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(UInt8(ascii: " "))
        afterKey = true
    }

    public mutating func string(_ value: String) {
        beforeValue()
        appendQuoted(value)
    }

    /// A timestamp string: `"2026-11-24T10:05:40.000Z"`.
    public mutating func timestamp(_ millis: EpochMillis) {
        beforeValue()
        bytes.append(UInt8(ascii: "\""))
        Timestamp.append(millis, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func integer(_ value: Int64) {
        beforeValue()
        appendInteger(value)
    }

    public mutating func null() {
        beforeValue()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Milliseconds as seconds with at least one decimal (`62.5`, `330.0`).
    public mutating func seconds(_ millis: Int64) {
        beforeValue()
        DecimalBytes.appendSeconds(millis, keepDecimal: true, to: &bytes)
    }

    public mutating func optionalSeconds(_ millis: Int64?) {
        if let millis { seconds(millis) } else { null() }
    }

    /// A threshold in seconds: an integer when whole (`20`), else a decimal (`7.5`).
    public mutating func thresholdSeconds(_ millis: Int64) {
        if millis % 1000 == 0 { integer(millis / 1000) } else { seconds(millis) }
    }

    /// A ratio, unrounded (shortest form that reads back exactly), or null.
    public mutating func ratio(_ value: Double?) {
        beforeValue()
        if let value, value.isFinite {
            bytes.append(contentsOf: value.description.utf8)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    /// An object of strings, keys sorted (labels, annotations).
    public mutating func stringObject(_ values: [String: String]) {
        beginObject()
        for key in values.keys.sorted() {
            self.key(key)
            string(values[key]!)
        }
        endObject()
    }

    /// `12345` ms → `12.345`; trailing zeros dropped but one decimal kept.
    public static func seconds(_ millis: Int64) -> String {
        var writer = JSONWriter(capacity: 24)
        writer.seconds(millis)
        return writer.text
    }

    private mutating func appendInteger(_ value: Int64) {
        DecimalBytes.appendInteger(value, to: &bytes)
    }

    /// A JSON string literal: control characters escaped, other UTF-8 kept as is.
    private mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        let plain = value.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            bytes.append(contentsOf: utf8)
            return true
        } ?? false
        if plain {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case 0x0A: bytes.append(contentsOf: "\\n".utf8)
            case 0x0D: bytes.append(contentsOf: "\\r".utf8)
            case 0x09: bytes.append(contentsOf: "\\t".utf8)
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
