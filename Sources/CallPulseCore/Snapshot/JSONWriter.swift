import CallPulseSupport

/// A small JSON writer into bytes, with exact control of number forms: pretty-printed with
/// two-space indentation, or compact on one line (for Server-Sent Events' `data:` lines).
public struct JSONWriter {
    private var out: OutputBytes
    private let compact: Bool
    private var depth = 0
    /// Bit `d`: whether the open container at depth `d` already holds a value (a comma is due).
    private var hasValue: UInt64 = 0
    private var afterKey = false

    /// Indentation for levels 0 … 31, copied in place.
    private static let indentation: StaticString = "                                                                "

    public init(capacity: Int = 4096, compact: Bool = false) {
        self.compact = compact
        out = OutputBytes(capacity: capacity)
    }

    /// The document so far.
    public var bytes: [UInt8] { out.array }

    /// The document so far as text.
    public var text: String { String(decoding: UnsafeBufferPointer(start: out.base, count: out.count), as: UTF8.self) }

    /// Appends a raw byte after the document (the final newline of a response).
    public mutating func appendRaw(_ byte: UInt8) {
        unshare()
        out.append(byte)
    }

    /// Keeps value semantics: a copied writer writes into its own buffer.
    @inline(__always)
    private mutating func unshare() {
        if !isKnownUniquelyReferenced(&out) { out = out.copy() }
    }

    @inline(__always)
    private func append(_ text: StaticString) {
        out.append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    private func newline() {
        if compact { return }
        out.append(0x0A)
        let width = depth * 2
        if width <= Self.indentation.utf8CodeUnitCount {
            out.append(UnsafeBufferPointer(start: Self.indentation.utf8Start, count: width))
        } else {
            for _ in 0..<width { out.append(0x20) }
        }
    }

    /// The comma and line break before a value, unless it follows its key.
    @inline(__always)
    private mutating func beforeValue() {
        unshare()
        if afterKey {
            afterKey = false
            return
        }
        if depth > 0 {
            let bit: UInt64 = 1 << UInt64((depth - 1) & 63)
            if hasValue & bit != 0 { out.append(UInt8(ascii: ",")) }
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
        out.append(bracket)
        depth += 1
        hasValue &= ~(1 << UInt64((depth - 1) & 63))
    }

    private mutating func close(_ bracket: UInt8) {
        unshare()
        let bit: UInt64 = 1 << UInt64((depth - 1) & 63)
        depth -= 1
        if hasValue & bit != 0 { newline() }
        out.append(bracket)
    }

    /// A key known at compile time: ASCII without characters to escape, copied as is.
    @inline(__always)
    public mutating func key(_ name: StaticString) {
        beforeValue()
        out.append(UInt8(ascii: "\""))
        append(name)
        append("\": ")
        afterKey = true
    }

    /// A key computed at run time (queue names, labels). Disfavoured so that literal keys,
    /// which Swift would otherwise type as `String`, take the copy-as-is overload above.
    @_disfavoredOverload
    public mutating func key(_ name: String) {
        beforeValue()
        appendQuoted(name)
        append(": ")
        afterKey = true
    }

    public mutating func string(_ value: String) {
        beforeValue()
        appendQuoted(value)
    }

    /// A timestamp string: `"2026-11-24T10:05:40.000Z"`.
    public mutating func timestamp(_ millis: EpochMillis) {
        quoted { Timestamp.append(millis, to: &$0) }
    }

    /// A local timestamp string: `"2026-11-24T09:00:00+01:00"`.
    public mutating func localTimestamp(_ millis: EpochMillis, offsetSeconds: Int32) {
        quoted { Timestamp.appendLocal(millis, offsetSeconds: offsetSeconds, to: &$0) }
    }

    /// A string value of ASCII characters that need no escape, written by `write`.
    @inline(__always)
    private mutating func quoted(_ write: (inout [UInt8]) -> Void) {
        beforeValue()
        var text: [UInt8] = [UInt8(ascii: "\"")]
        text.reserveCapacity(32)
        write(&text)
        text.append(UInt8(ascii: "\""))
        text.withUnsafeBufferPointer { out.append($0) }
    }

    public mutating func integer(_ value: Int64) {
        beforeValue()
        out.commit(DecimalBytes.writeInteger(value, to: out.reserve(DecimalBytes.maxWidth)))
    }

    public mutating func bool(_ value: Bool) {
        beforeValue()
        if value { append("true") } else { append("false") }
    }

    public mutating func null() {
        beforeValue()
        append("null")
    }

    /// Milliseconds as seconds with at least one decimal (`62.5`, `330.0`).
    public mutating func seconds(_ millis: Int64) {
        beforeValue()
        out.commit(DecimalBytes.writeSeconds(millis, keepDecimal: true, to: out.reserve(DecimalBytes.maxWidth)))
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
            var text = value.description
            text.withUTF8 { out.append($0) }
        } else {
            append("null")
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

    /// A JSON string literal, escaped as everywhere else in CallPulse (`JSONString`).
    private func appendQuoted(_ value: String) {
        JSONString.write(value) { out.append($0) }
    }
}
