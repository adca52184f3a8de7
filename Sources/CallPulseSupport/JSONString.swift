/// JSON string literals (RFC 8259, section 7), written one way everywhere: API bodies, the live
/// stream, hook payloads, error bodies and JSON log lines. `"` and `\` are escaped, line feed,
/// carriage return and tab become `\n`, `\r` and `\t`, other control characters `\u00XX`;
/// every other character, non-ASCII included, is kept as it is.
public enum JSONString {
    /// Writes `value` as a quoted JSON string through `emit`, piece by piece in order: the
    /// quotes, the escapes, and the runs of the value's own UTF-8 between them. Runs are cut
    /// only at ASCII bytes, so each is whole characters. Most values need no escape and go
    /// out as one run.
    @inlinable
    public static func write(_ value: String, to emit: (UnsafeBufferPointer<UInt8>) -> Void) {
        emitStatic("\"", emit)
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { emit(UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                escape(byte, emit)
                runStart = index + 1
            }
            if runStart < utf8.count { emit(UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        emitStatic("\"", emit)
    }

    /// The escape of one byte that cannot stand in a JSON string as it is.
    @usableFromInline
    static func escape(_ byte: UInt8, _ emit: (UnsafeBufferPointer<UInt8>) -> Void) {
        switch byte {
        case UInt8(ascii: "\""): emitStatic("\\\"", emit)
        case UInt8(ascii: "\\"): emitStatic("\\\\", emit)
        case 0x0A: emitStatic("\\n", emit)
        case 0x0D: emitStatic("\\r", emit)
        case 0x09: emitStatic("\\t", emit)
        default:
            let hex: StaticString = "0123456789abcdef"
            let escaped: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                    hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0xF)]]
            escaped.withUnsafeBufferPointer(emit)
        }
    }

    @inlinable
    static func emitStatic(_ text: StaticString, _ emit: (UnsafeBufferPointer<UInt8>) -> Void) {
        emit(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}

/// Appends `value` as a JSON string literal (see `JSONString`).
public func appendJSONString(_ value: String, to out: inout String) {
    JSONString.write(value) { out += String(decoding: $0, as: UTF8.self) }
}
