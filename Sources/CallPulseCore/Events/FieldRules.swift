import CCallPulseJSON

/// The field resolution and validation rules of docs/spec/events.md, over the fields simdjson extracted.
enum FieldRules {
    static let maxNameBytes = 256

    /// One candidate field: where it lives (for details) and what the parser saw.
    struct Candidate {
        var label: String
        var field: CallPulseJSONField

        var kind: CallPulseJSONKind { CallPulseJSONKind(UInt32(bitPattern: field.kind)) }
        var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: field.bytes, count: field.length) }
    }

    /// "First of": the first candidate present, not null and not a blank string.
    static func firstOf(_ a: Candidate, _ b: Candidate?, _ c: Candidate? = nil) -> Candidate? {
        if isPresent(a) { return a }
        if let b, isPresent(b) { return b }
        if let c, isPresent(c) { return c }
        return nil
    }

    private static func isPresent(_ candidate: Candidate) -> Bool {
        switch candidate.kind {
        case CALLPULSE_JSON_ABSENT, CALLPULSE_JSON_NULL: false
        case CALLPULSE_JSON_STRING: !trimmed(candidate.bytes).isEmpty
        default: true
        }
    }

    /// Removes Unicode white space (the White_Space property) at both ends.
    @inline(__always)
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        // Common case: printable ASCII at both ends, nothing to trim.
        if let first = bytes.first, let last = bytes.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80 {
            return bytes
        }
        return trimmedSlow(bytes)
    }

    private static func trimmedSlow(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0, end = bytes.count
        while start < end {
            let width = leadingWhiteSpaceWidth(bytes, from: start, to: end)
            if width == 0 { break }
            start += width
        }
        while end > start {
            let width = trailingWhiteSpaceWidth(bytes, from: start, to: end)
            if width == 0 { break }
            end -= width
        }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    private static func isWhiteSpace(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default:
            false
        }
    }

    private static func leadingWhiteSpaceWidth(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        let first = b[from]
        if first < 0x80 { return isWhiteSpace(UInt32(first)) ? 1 : 0 }
        let width = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1
        guard from + width <= to, let scalar = decode(b, at: from, width: width) else { return 0 }
        return isWhiteSpace(scalar) ? width : 0
    }

    private static func trailingWhiteSpaceWidth(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        let last = b[to - 1]
        if last < 0x80 { return isWhiteSpace(UInt32(last)) ? 1 : 0 }
        var start = to - 1
        while start > from && b[start] & 0xC0 == 0x80 && to - start < 4 { start -= 1 }
        guard let scalar = decode(b, at: start, width: to - start) else { return 0 }
        return isWhiteSpace(scalar) ? to - start : 0
    }

    private static func decode(_ b: UnsafeBufferPointer<UInt8>, at: Int, width: Int) -> UInt32? {
        switch width {
        case 2: return UInt32(b[at] & 0x1F) << 6 | UInt32(b[at + 1] & 0x3F)
        case 3: return UInt32(b[at] & 0x0F) << 12 | UInt32(b[at + 1] & 0x3F) << 6 | UInt32(b[at + 2] & 0x3F)
        case 4: return nil  // no four-byte scalar is white space
        default: return nil
        }
    }

    /// Control characters of category Cc: U+0000–U+001F, U+007F, U+0080–U+009F.
    @inline(__always)
    static func containsControl(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Most names are printable ASCII: one cheap test per byte, the exact check only on a hit.
        var suspicious = false
        for byte in bytes where byte < 0x20 || byte >= 0x7F { suspicious = true; break }
        return suspicious && containsControlSlow(bytes)
    }

    private static func containsControlSlow(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte < 0x20 || byte == 0x7F { return true }
            if byte == 0xC2 && i + 1 < bytes.count && bytes[i + 1] < 0xA0 { return true }
            i += 1
        }
        return false
    }

    /// `-?(0|[1-9][0-9]*)`.
    static func isIntegerLiteral(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        if i < bytes.count && bytes[i] == 0x2D { i += 1 }
        guard i < bytes.count else { return false }
        if bytes[i] == 0x30 { return i + 1 == bytes.count }
        while i < bytes.count {
            guard ASCII.isDigit(bytes[i]) else { return false }
            i += 1
        }
        return true
    }

    /// The offending value, quoted and shortened for a one-sentence detail.
    static func shown(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let limit = 60
        var text = String(decoding: bytes.prefix(limit * 4), as: UTF8.self)
        if text.unicodeScalars.count > limit {
            text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))) + "…"
        }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x00..<0x20, 0x7F..<0xA0: escaped += "\\u{\(String(scalar.value, radix: 16))}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "'\(escaped)'"
    }

    /// How a non-string value is described in a detail.
    static func typeName(_ kind: CallPulseJSONKind) -> String {
        switch kind {
        case CALLPULSE_JSON_NUMBER: "a number"
        case CALLPULSE_JSON_BOOL: "a boolean"
        case CALLPULSE_JSON_OBJECT: "an object"
        case CALLPULSE_JSON_ARRAY: "an array"
        case CALLPULSE_JSON_NULL: "null"
        default: "a string"
        }
    }
}
