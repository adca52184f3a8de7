import CallPulseCore
import Foundation

/// Streams events from a file or stdin in the input shapes of events.md. NDJSON is read in
/// chunks, so memory grows with the longest line, not with the input; a JSON array (which
/// must be valid as a whole before any element counts) and a multi-line single value are
/// read whole.
public struct EventStream {
    /// Read size per system call.
    static let chunkSize = 4 << 20
    /// A line longer than this is rejected as `malformed_json` without being held in memory.
    public static let maxLineBytes = 64 << 20

    private let handle: FileHandle
    private let reader: EventReader
    private var buffer = JSONText()
    private var atEnd = false

    public init(handle: FileHandle, reader: EventReader) {
        self.handle = handle
        self.reader = reader
    }

    /// Reads the whole input, calling `emit` with each event's outcome in order.
    public mutating func run(_ emit: (PositionedOutcome) -> Void) throws {
        try fill(untilNewlineAfterSignificant: true)
        var start = 0
        buffer.withContent { content in
            if content.count >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF { start = 3 }
        }
        buffer.removeFirst(start)
        guard let shape = firstLineShape() else { return }  // blank input
        switch shape {
        case .array, .needsWholeInput:
            try readToEnd(limit: shape == .array ? Int.max : Self.maxLineBytes)
            if shape == .array || atEnd {
                reader.read(buffer, emit)
                return
            }
            try streamLines(emit)  // too large to be one value: it is NDJSON
        case .lines:
            try streamLines(emit)
        }
    }

    private enum Shape { case array, lines, needsWholeInput }

    /// Decides the shape from the first non-blank line (events.md, "Input shapes").
    private func firstLineShape() -> Shape? {
        buffer.withContent { content -> Shape? in
            guard let first = InputScan.firstSignificant(content, from: 0) else { return nil }
            if content[first] == UInt8(ascii: "[") { return .array }
            let end = InputScan.indexOfNewline(content, from: first) ?? content.count
            if case .rejected(let rejection) = reader.decodeValue(UnsafeBufferPointer(rebasing: content[first..<end])),
               rejection.reason == .malformedJSON {
                return .needsWholeInput
            }
            return .lines
        }
    }

    private mutating func streamLines(_ emit: (PositionedOutcome) -> Void) throws {
        var line = 1
        var index = 0
        var skippingLongLine = false
        while true {
            let (consumed, lines) = buffer.withContent { content -> (Int, Int) in
                var consumed = 0
                var lines = 0
                while let newline = InputScan.indexOfNewline(content, from: consumed) {
                    if skippingLongLine {
                        skippingLongLine = false
                    } else {
                        emitLine(content, consumed..<newline, line: line + lines, index: &index, emit)
                    }
                    consumed = newline + 1
                    lines += 1
                }
                if atEnd && consumed < content.count {
                    if !skippingLongLine { emitLine(content, consumed..<content.count, line: line + lines, index: &index, emit) }
                    consumed = content.count
                }
                return (consumed, lines)
            }
            buffer.removeFirst(consumed)
            line += lines
            if atEnd { return }
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

    private func emitLine(_ content: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, line: Int, index: inout Int,
                          _ emit: (PositionedOutcome) -> Void) {
        var blank = true
        for i in range where content[i] != 0x20 && content[i] != 0x09 && content[i] != 0x0D { blank = false; break }
        if blank { return }
        emit(PositionedOutcome(index: index, line: line, outcome: reader.decodeValue(UnsafeBufferPointer(rebasing: content[range]))))
        index += 1
    }

    private mutating func readChunk() throws {
        let data = try handle.read(upToCount: Self.chunkSize) ?? Data()
        if data.isEmpty { atEnd = true } else { buffer.append(contentsOf: data) }
    }

    private mutating func fill(untilNewlineAfterSignificant: Bool) throws {
        while !atEnd {
            let ready = buffer.withContent { content -> Bool in
                guard let first = InputScan.firstSignificant(content, from: 0) else { return false }
                return InputScan.indexOfNewline(content, from: first) != nil
            }
            if ready { return }
            try readChunk()
        }
    }

    private mutating func readToEnd(limit: Int) throws {
        while !atEnd && buffer.count <= limit { try readChunk() }
    }
}
