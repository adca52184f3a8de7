import CallPulseCore
import CallPulseSupport

/// Streams events from a file descriptor in the input shapes of docs/spec/events.md. NDJSON is read
/// in chunks, so memory grows with the longest line, not with the input; a JSON array
/// (which must be valid as a whole before any element counts) and a multi-line single
/// value are read whole.
struct EventStream {
    /// Bytes asked of each read(2).
    static let chunkSize = 1 << 20
    /// A line longer than this is rejected as `malformed_json` without being held in memory.
    static let maxLineBytes = 64 << 20

    private let fd: Int32
    private let reader: EventReader
    private let buffer = ReadBuffer(capacity: 4 << 20)
    private var atEnd = false

    init(fd: Int32, reader: EventReader) {
        self.fd = fd
        self.reader = reader
    }

    /// Reads the whole input, calling `emit` with each event's outcome in order.
    mutating func run(_ emit: (PositionedOutcome) -> Void) throws(SystemCallError) {
        try fillUntilFirstLine()
        let content = buffer.content
        if content.count >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF { buffer.consume(3) }
        guard let shape = firstLineShape() else { return }  // blank input
        switch shape {
        case .array, .needsWholeInput:
            while !atEnd && (shape == .array || buffer.count <= Self.maxLineBytes) { try readChunk() }
            if atEnd {
                reader.read(content: buffer.content, emit)
                return
            }
            try streamLines(emit)  // too large to be one value: it is NDJSON
        case .lines:
            try streamLines(emit)
        }
    }

    private enum Shape { case array, lines, needsWholeInput }

    /// Decides the shape from the first non-blank line (docs/spec/events.md, "Input shapes").
    private func firstLineShape() -> Shape? {
        let content = buffer.content
        guard let first = InputScan.firstSignificant(content, from: 0) else { return nil }
        if content[first] == UInt8(ascii: "[") { return .array }
        let end = InputScan.indexOfNewline(content, from: first) ?? content.count
        if case .rejected(let rejection) = reader.decodeValue(UnsafeBufferPointer(rebasing: content[first..<end])),
           rejection.reason == .malformedJSON {
            return .needsWholeInput
        }
        return .lines
    }

    private mutating func streamLines(_ emit: (PositionedOutcome) -> Void) throws(SystemCallError) {
        var line = 1
        var index = 0
        var skippingLongLine = false
        while true {
            let content = buffer.content
            var consumed = 0
            while let newline = InputScan.indexOfNewline(content, from: consumed) {
                if skippingLongLine {
                    skippingLongLine = false
                } else {
                    emitLine(content, consumed..<newline, line: line, index: &index, emit)
                }
                consumed = newline + 1
                line += 1
            }
            if atEnd {
                if !skippingLongLine && consumed < content.count {
                    emitLine(content, consumed..<content.count, line: line, index: &index, emit)
                }
                return
            }
            buffer.consume(consumed)
            if buffer.count > Self.maxLineBytes && !skippingLongLine {
                emit(PositionedOutcome(index: index, line: line, outcome: .rejected(Rejection(.malformedJSON,
                    "the line is longer than \(Self.maxLineBytes) bytes"))))
                index += 1
                skippingLongLine = true
            }
            if skippingLongLine { buffer.removeAll() }
            try readChunk()
        }
    }

    @inline(__always)
    private func emitLine(_ content: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, line: Int, index: inout Int,
                          _ emit: (PositionedOutcome) -> Void) {
        if InputScan.isBlank(content, range) { return }
        emit(PositionedOutcome(index: index, line: line,
                               outcome: reader.decodeValue(UnsafeBufferPointer(rebasing: content[range]))))
        index += 1
    }

    private mutating func readChunk() throws(SystemCallError) {
        if try !buffer.fill(from: fd, chunk: Self.chunkSize) { atEnd = true }
    }

    private mutating func fillUntilFirstLine() throws(SystemCallError) {
        while !atEnd {
            let content = buffer.content
            if let first = InputScan.firstSignificant(content, from: 0),
               InputScan.indexOfNewline(content, from: first) != nil {
                return
            }
            try readChunk()
        }
    }
}
