import CCallPulseJSON

/// Reads the input shapes of docs/spec/events.md (one object, a JSON array, NDJSON) into positioned
/// decode outcomes. Owns a simdjson parser: use one reader per thread.
public final class EventReader {
    /// Nesting deeper than this is `malformed_json`; the outermost value is level 1.
    public static let maxDepth = 64

    private let parser: OpaquePointer
    private var raw = CallPulseJSONEvent()

    public init() {
        guard let parser = callpulse_json_parser_create(Self.maxDepth) else {
            fatalError("simdjson could not allocate a parser")
        }
        self.parser = parser
    }

    deinit { callpulse_json_parser_destroy(parser) }

    /// Decodes one JSON value; `padding` bytes past `bytes` must be readable.
    public func decodeValue(_ bytes: UnsafeBufferPointer<UInt8>) -> DecodeOutcome {
        callpulse_json_read_event(parser, bytes.baseAddress, bytes.count, &raw)
        return EventDecoder.decode(&raw)
    }

    /// True when `bytes` hold exactly one valid JSON value (padding readable past the end).
    public func isSingleValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        callpulse_json_validate(parser, bytes.baseAddress, bytes.count) == 0
    }

    /// Reads a whole in-memory input (an HTTP body, a small file) in order.
    public func read(_ text: JSONText, _ emit: (PositionedOutcome) -> Void) {
        text.withContent { read(content: $0, emit) }
    }

    /// Reads a whole input; `padding` bytes past `content` must be readable.
    public func read(content: UnsafeBufferPointer<UInt8>, _ emit: (PositionedOutcome) -> Void) {
        read(content: content) { positioned, _ in emit(positioned) }
    }

    /// Reads a whole input, with the bytes of `content` each value was read from (its line or
    /// element, white space around it included: `InputScan.trimmed` takes it off): what a relay
    /// publishes as it was received (docs/spec/scale-out.md).
    public func read(content: UnsafeBufferPointer<UInt8>, _ emit: (PositionedOutcome, Range<Int>) -> Void) {
        let input = InputScan.skippingByteOrderMark(content)
        let base = content.count - input.count
        func inContent(_ range: Range<Int>) -> Range<Int> { (range.lowerBound + base)..<(range.upperBound + base) }
        guard let first = InputScan.firstSignificant(input, from: 0) else { return }
        if input[first] == UInt8(ascii: "[") {
            readArray(input) { emit($0, ($1.lowerBound + base)..<($1.upperBound + base)) }
            return
        }
        let firstLine = InputScan.lineRange(input, containing: first)
        let firstLineOutcome = decodeValue(UnsafeBufferPointer(rebasing: input[firstLine]))
        let startLine = InputScan.lineNumber(input, at: first)
        if !isMalformed(firstLineOutcome) {
            if InputScan.firstSignificant(input, from: firstLine.upperBound) == nil {
                emit(PositionedOutcome(index: 0, line: startLine, outcome: firstLineOutcome), inContent(firstLine))
                return
            }
        } else if isSingleValue(input) {
            emit(PositionedOutcome(index: 0, line: startLine, outcome: decodeValue(input)), inContent(0..<input.count))
            return
        }
        var index = 0
        forEachLine(input, startingAt: 0, line: 1) { range, line in
            emit(PositionedOutcome(index: index, line: line, outcome: decodeValue(UnsafeBufferPointer(rebasing: input[range]))),
                 inContent(range))
            index += 1
        }
    }

    /// Calls `body` with each non-blank NDJSON line of `input` from `start`, with its line number.
    public func forEachLine(_ input: UnsafeBufferPointer<UInt8>, startingAt start: Int, line firstLine: Int,
                            _ body: (Range<Int>, Int) -> Void) {
        var line = firstLine
        var lineStart = start
        while lineStart < input.count {
            let end = InputScan.indexOfNewline(input, from: lineStart) ?? input.count
            let range = lineStart..<end
            if !InputScan.isBlank(input, range) { body(range, line) }
            line += 1
            lineStart = end + 1
        }
    }

    private func isMalformed(_ outcome: DecodeOutcome) -> Bool {
        if case .rejected(let rejection) = outcome { return rejection.reason == .malformedJSON }
        return false
    }

    /// A batch array: valid as a whole, or one `malformed_json` at index 0, line 1.
    private func readArray(_ input: UnsafeBufferPointer<UInt8>, _ emit: (PositionedOutcome, Range<Int>) -> Void) {
        let code = callpulse_json_validate(parser, input.baseAddress, input.count)
        guard code == 0 else {
            let message = String(cString: callpulse_json_error_message(code))
            emit(PositionedOutcome(index: 0, line: 1, outcome: .rejected(Rejection(.malformedJSON,
                "the batch is not a valid JSON array, so no event in it was read: \(message)"))), 0..<input.count)
            return
        }
        var index = 0
        InputScan.forEachArrayElement(input) { range, line in
            emit(PositionedOutcome(index: index, line: line, outcome: decodeValue(UnsafeBufferPointer(rebasing: input[range]))),
                 range)
            index += 1
        }
    }
}

/// Byte scanning over input whose structure is known or being probed.
public enum InputScan {
    @inline(__always)
    static func isJSONSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// The input after a UTF-8 byte-order mark, if any.
    public static func skippingByteOrderMark(_ input: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF {
            return UnsafeBufferPointer(rebasing: input[3...])
        }
        return input
    }

    /// The index of the first byte that is not JSON white space, at or after `from`.
    public static func firstSignificant(_ input: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from
        while i < input.count {
            if !isJSONSpace(input[i]) { return i }
            i += 1
        }
        return nil
    }

    public static func indexOfNewline(_ input: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        ByteScan.firstIndex(of: 0x0A, in: input, from: from)
    }

    /// `range` without the JSON white space at either end.
    public static func trimmed(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var (start, end) = (range.lowerBound, range.upperBound)
        while start < end && isJSONSpace(input[start]) { start += 1 }
        while end > start && isJSONSpace(input[end - 1]) { end -= 1 }
        return start..<end
    }

    public static func isBlank(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        for i in range where !isJSONSpace(input[i]) { return false }
        return true
    }

    /// The line (without its `\n`) that holds `index`.
    static func lineRange(_ input: UnsafeBufferPointer<UInt8>, containing index: Int) -> Range<Int> {
        var start = index
        while start > 0 && input[start - 1] != 0x0A { start -= 1 }
        return start..<(indexOfNewline(input, from: index) ?? input.count)
    }

    /// The 1-based line of `index`.
    static func lineNumber(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        var line = 1
        for i in 0..<index where input[i] == 0x0A { line += 1 }
        return line
    }

    /// The elements of a valid JSON array (validated before), with the line each starts on.
    static func forEachArrayElement(_ input: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, Int) -> Void) {
        guard var i = firstSignificant(input, from: 0) else { return }
        var line = lineNumber(input, at: i)
        i += 1  // past "["
        while i < input.count {
            while i < input.count && isJSONSpace(input[i]) {
                if input[i] == 0x0A { line += 1 }
                i += 1
            }
            guard i < input.count, input[i] != UInt8(ascii: "]") else { return }
            let start = i, startLine = line
            var depth = 0
            var inString = false
            scan: while i < input.count {
                let byte = input[i]
                if inString {
                    if byte == UInt8(ascii: "\\") { i += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""): inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        if depth == 0 { break scan }
                        depth -= 1
                    case UInt8(ascii: ","):
                        if depth == 0 { break scan }
                    case 0x0A: line += 1
                    default: break
                    }
                }
                i += 1
            }
            var end = i
            while end > start && isJSONSpace(input[end - 1]) { end -= 1 }
            body(start..<end, startLine)
            guard i < input.count, input[i] == UInt8(ascii: ",") else { return }
            i += 1
        }
    }
}
