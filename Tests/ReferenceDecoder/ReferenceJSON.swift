/// A deliberately plain, strict JSON reader (RFC 8259) for the reference decoder: one byte at a
/// time, no tricks, so that it can be trusted as the other side of the differential check.
/// Strictness beyond the grammar is docs/spec/events.md's: invalid UTF-8, lone surrogate escapes and
/// nesting deeper than `maxDepth` containers (the outermost value is level 1) are errors.
/// Numbers keep their exact text ("its text is taken as written").
public indirect enum ReferenceJSON: Equatable, Sendable {
    /// Members in input order, duplicates kept; lookups take the first (see `member`).
    case object([Member])
    case array([ReferenceJSON])
    /// The unescaped text as UTF-8 bytes (may contain U+0000).
    case string([UInt8])
    /// The number's text exactly as written.
    case number(String)
    case bool(Bool)
    case null

    public struct Member: Equatable, Sendable {
        public var key: [UInt8]
        public var value: ReferenceJSON
    }

    /// The value of the first member named `key` (unescaped bytes), or nil.
    /// docs/spec/events.md leaves duplicate keys unspecified; the reference takes the first occurrence,
    /// as the fast decoder does, so that the differential check does not trip over that choice.
    public func member(_ key: String) -> ReferenceJSON? {
        guard case .object(let members) = self else { return nil }
        let wanted = Array(key.utf8)
        for member in members where member.key == wanted { return member.value }
        return nil
    }

    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }
}

/// Parses JSON text. `parseWhole` accepts exactly one value with optional white space around it.
public struct ReferenceJSONParser {
    public static let maxDepth = 64

    private let bytes: [UInt8]
    private var position = 0
    /// When the outermost value is an array: the byte offset where each element starts.
    public private(set) var topLevelElementStarts: [Int] = []

    public struct Failure: Error, Sendable {
        public var message: String
        public var offset: Int
    }

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// One JSON value filling `bytes` (white space allowed around it), or a failure.
    public static func parseWhole(_ bytes: [UInt8]) -> Result<ReferenceJSON, Failure> {
        var parser = ReferenceJSONParser(bytes)
        return parser.parseDocument()
    }

    public mutating func parseDocument() -> Result<ReferenceJSON, Failure> {
        do throws(Failure) {
            skipWhiteSpace()
            let value = try parseValue(depth: 0)
            skipWhiteSpace()
            if position != bytes.count { throw fail("text after the value") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    static func isWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private func fail(_ message: String) -> Failure { Failure(message: message, offset: position) }

    private mutating func skipWhiteSpace() {
        while position < bytes.count && Self.isWhiteSpace(bytes[position]) { position += 1 }
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    /// `depth` is the number of containers already open around this value.
    private mutating func parseValue(depth: Int) throws(Failure) -> ReferenceJSON {
        guard let byte = peek() else { throw fail("end of input where a value was expected") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected byte \(byte)")
        }
    }

    private mutating func literal(_ word: String) throws(Failure) {
        for expected in word.utf8 {
            guard peek() == expected else { throw fail("bad literal") }
            position += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> ReferenceJSON {
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth)") }
        position += 1  // {
        var members: [ReferenceJSON.Member] = []
        skipWhiteSpace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhiteSpace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("object key must be a string") }
            let key = try parseString()
            skipWhiteSpace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
            position += 1
            skipWhiteSpace()
            let value = try parseValue(depth: depth)
            members.append(ReferenceJSON.Member(key: key, value: value))
            skipWhiteSpace()
            if peek() == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if peek() == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> ReferenceJSON {
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth)") }
        position += 1  // [
        var elements: [ReferenceJSON] = []
        skipWhiteSpace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhiteSpace()
            if depth == 1 { topLevelElementStarts.append(position) }
            elements.append(try parseValue(depth: depth))
            skipWhiteSpace()
            if peek() == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if peek() == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            throw fail("expected ',' or ']'")
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, kept as text.
    private mutating func parseNumber() throws(Failure) -> String {
        let start = position
        func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if peek() == UInt8(ascii: "-") { position += 1 }
        if peek() == UInt8(ascii: "0") {
            position += 1
        } else if isDigit(peek()) {
            while isDigit(peek()) { position += 1 }
        } else {
            throw fail("bad number")
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard isDigit(peek()) else { throw fail("bad fraction") }
            while isDigit(peek()) { position += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard isDigit(peek()) else { throw fail("bad exponent") }
            while isDigit(peek()) { position += 1 }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A string: raw bytes must be valid UTF-8 and not control characters; escapes are the
    /// eight of RFC 8259 plus `\uXXXX`, where a surrogate must be a high one followed by a low one.
    private mutating func parseString() throws(Failure) -> [UInt8] {
        position += 1  // "
        var text: [UInt8] = []
        func append(_ scalar: Unicode.Scalar) { text.append(contentsOf: Array(String(scalar).utf8)) }
        while true {
            guard let byte = peek() else { throw fail("unterminated string") }
            if byte == UInt8(ascii: "\"") {
                position += 1
                return text
            }
            if byte < 0x20 { throw fail("raw control character in a string") }
            if byte == UInt8(ascii: "\\") {
                position += 1
                guard let escape = peek() else { throw fail("unterminated escape") }
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"):
                    let unit = try hex4()
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        guard peek() == UInt8(ascii: "\\") else { throw fail("lone high surrogate") }
                        position += 1
                        guard peek() == UInt8(ascii: "u") else { throw fail("lone high surrogate") }
                        position += 1
                        let low = try hex4()
                        guard low >= 0xDC00 && low <= 0xDFFF else { throw fail("high surrogate without a low one") }
                        append(Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!)
                    } else if unit >= 0xDC00 && unit <= 0xDFFF {
                        throw fail("lone low surrogate")
                    } else {
                        append(Unicode.Scalar(unit)!)
                    }
                default:
                    throw fail("bad escape")
                }
                continue
            }
            // Raw bytes: checked to be one well-formed UTF-8 sequence, then copied as they are.
            let start = position
            _ = try utf8Scalar()
            text.append(contentsOf: bytes[start..<position])
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw fail("short \\u escape") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
            default: throw fail("bad hex digit")
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }

    /// One UTF-8 encoded scalar (Unicode's well-formed table: no overlongs, no surrogates,
    /// nothing above U+10FFFF).
    private mutating func utf8Scalar() throws(Failure) -> Unicode.Scalar {
        let first = bytes[position]
        if first < 0x80 {
            position += 1
            return Unicode.Scalar(first)
        }
        let count: Int
        var value: UInt32
        var lowest: UInt32
        switch first {
        case 0xC2...0xDF: count = 2; value = UInt32(first & 0x1F); lowest = 0x80
        case 0xE0...0xEF: count = 3; value = UInt32(first & 0x0F); lowest = 0x800
        case 0xF0...0xF4: count = 4; value = UInt32(first & 0x07); lowest = 0x10000
        default: throw fail("invalid UTF-8 lead byte")
        }
        guard position + count <= bytes.count else { throw fail("truncated UTF-8") }
        for i in 1..<count {
            let next = bytes[position + i]
            guard next & 0xC0 == 0x80 else { throw fail("invalid UTF-8 continuation") }
            value = value << 6 | UInt32(next & 0x3F)
        }
        guard value >= lowest, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value),
              let scalar = Unicode.Scalar(value)
        else { throw fail("invalid UTF-8 sequence") }
        position += count
        return scalar
    }
}
