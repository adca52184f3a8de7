/// The reference decoder: docs/spec/events.md ("Input shapes", "Finding the call", "How each field is
/// read", "Timestamps", the decode-time rows of "Rejected events") written as plainly as
/// possible over `ReferenceJSON`, sharing no code with the fast decoder. Slow on purpose:
/// it is the yardstick the differential fuzz target and tests hold the fast decoder to.

/// An accepted event as plain values (ids and queues as UTF-8 bytes: they are exact).
public struct ReferenceEvent: Equatable, Sendable, CustomStringConvertible {
    public var id: [UInt8]
    /// One of the seven names, lower case.
    public var event: String
    /// `inbound`, `outbound` or `agent`.
    public var callType: String
    public var queue: [UInt8]?
    public var queueEntry: Int64?
    public var stateTime: Int64?

    public init(id: [UInt8], event: String, callType: String, queue: [UInt8]?, queueEntry: Int64?, stateTime: Int64?) {
        self.id = id
        self.event = event
        self.callType = callType
        self.queue = queue
        self.queueEntry = queueEntry
        self.stateTime = stateTime
    }

    public var description: String {
        "event(id: \(Shown.bytes(id)), \(event), \(callType), queue: \(queue.map { Shown.bytes($0) } ?? "nil"), "
            + "queueEntry: \(queueEntry.map(String.init) ?? "nil"), stateTime: \(stateTime.map(String.init) ?? "nil"))"
    }
}

/// Accepted, or rejected with a reason code of docs/spec/events.md (`malformed_json` … `bad_timestamp`).
public enum ReferenceOutcome: Equatable, Sendable, CustomStringConvertible {
    case accepted(ReferenceEvent)
    case rejected(String)

    public var description: String {
        switch self {
        case .accepted(let event): event.description
        case .rejected(let reason): "rejected(\(reason))"
        }
    }
}

/// An outcome with its position: `index` from 0, `line` from 1 (docs/spec/events.md "Positions").
public struct ReferencePositioned: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var line: Int
    public var outcome: ReferenceOutcome

    public init(index: Int, line: Int, outcome: ReferenceOutcome) {
        self.index = index
        self.line = line
        self.outcome = outcome
    }

    public var description: String { "#\(index)@\(line): \(outcome)" }
}

public enum ReferenceDecoder {
    /// A whole input (an HTTP body or a file), docs/spec/events.md "Input shapes".
    public static func read(_ input: [UInt8]) -> [ReferencePositioned] {
        var text = input
        // 1. A UTF-8 byte-order mark at the start is skipped.
        if text.count >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF {
            text.removeFirst(3)
        }
        guard let first = text.firstIndex(where: { !ReferenceJSONParser.isWhiteSpace($0) }) else { return [] }

        // 2. A batch: one JSON array, or one malformed_json at index 0, line 1. Depth counts from
        //    the array, so an element 64 levels deep breaks the whole batch.
        if text[first] == UInt8(ascii: "[") {
            var parser = ReferenceJSONParser(text)
            guard case .success(.array(let elements)) = parser.parseDocument() else {
                return [ReferencePositioned(index: 0, line: 1, outcome: .rejected("malformed_json"))]
            }
            var outcomes: [ReferencePositioned] = []
            for (index, element) in elements.enumerated() {
                let start = parser.topLevelElementStarts[index]
                outcomes.append(ReferencePositioned(index: index, line: lineNumber(text, at: start),
                                                    outcome: decode(element)))
            }
            return outcomes
        }

        // 3. The whole input is one JSON value: one event. A value that breaks the strictness
        //    rules (too deep, invalid UTF-8) is not JSON, so such an input is read as NDJSON.
        if case .success(let value) = ReferenceJSONParser.parseWhole(text) {
            return [ReferencePositioned(index: 0, line: lineNumber(text, at: first), outcome: decode(value))]
        }

        // 4. NDJSON: every non-blank line is one value; CR before LF is JSON white space.
        var outcomes: [ReferencePositioned] = []
        let lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() {
            if line.allSatisfy(ReferenceJSONParser.isWhiteSpace) { continue }
            outcomes.append(ReferencePositioned(index: outcomes.count, line: number + 1,
                                                outcome: decodeValue(Array(line))))
        }
        return outcomes
    }

    /// One JSON value's text (a line, a whole input).
    public static func decodeValue(_ bytes: [UInt8]) -> ReferenceOutcome {
        switch ReferenceJSONParser.parseWhole(bytes) {
        case .failure: .rejected("malformed_json")
        case .success(let value): decode(value)
        }
    }

    static func lineNumber(_ text: [UInt8], at offset: Int) -> Int {
        1 + text[..<offset].filter { $0 == 0x0A }.count
    }

    /// One parsed value: finding the call, then each datum in the order of the rejection table.
    public static func decode(_ root: ReferenceJSON) -> ReferenceOutcome {
        guard root.isObject else { return .rejected("not_an_object") }

        // Finding the call: message.call, else call, else the object itself when it has an
        // id or an event; a key holding null counts as absent.
        let call: ReferenceJSON
        if let message = nonNull(root.member("message")) {
            guard let found = nonNull(message.member("call")), found.isObject else { return .rejected("missing_call") }
            call = found
        } else if let found = nonNull(root.member("call")) {
            guard found.isObject else { return .rejected("missing_call") }
            call = found
        } else if nonNull(root.member("id")) != nil || nonNull(root.member("event")) != nil {
            call = root
        } else {
            return .rejected("missing_call")
        }

        // ResponseFields and MediaProperties read as absent when null or not objects.
        let responseFields = call.member("ResponseFields").flatMap { $0.isObject ? $0 : nil }
        let mediaProperties = responseFields?.member("MediaProperties").flatMap { $0.isObject ? $0 : nil }

        // call id
        guard let idValue = firstOf([call.member("id")]) else { return .rejected("missing_id") }
        guard let id = nameBytes(idValue) else { return .rejected("bad_id") }

        // event
        guard let eventValue = firstOf([call.member("event"), responseFields?.member("CallState")]) else {
            return .rejected("missing_event")
        }
        let eventNames = ["connecting", "missed", "connected", "rejected", "hold", "acw", "dropped"]
        guard case .string(let eventBytes) = eventValue,
              let event = matchIgnoringASCIICase(trimmed(eventBytes), eventNames)
        else { return .rejected("unknown_event") }

        // call type: absent means inbound
        var callType = "inbound"
        if let typeValue = firstOf([call.member("CallType"), responseFields?.member("Type"),
                                    mediaProperties?.member("callType")]) {
            guard case .string(let typeBytes) = typeValue,
                  let type = matchIgnoringASCIICase(trimmed(typeBytes), ["inbound", "outbound", "agent"])
            else { return .rejected("bad_call_type") }
            callType = type
        }

        // queue: absent stays nil (the engine picks the call's queue or the default one)
        var queue: [UInt8]?
        if let queueValue = firstOf([mediaProperties?.member("queueName"), responseFields?.member("DN")]) {
            guard let name = nameBytes(queueValue) else { return .rejected("bad_queue") }
            queue = name
        }

        // timestamps: optional, but anything present must read
        guard let queueEntry = ReferenceTimestamp.field(mediaProperties?.member("queueTimestamp")),
              let stateTime = ReferenceTimestamp.field(responseFields?.member("CurrentStateTime"))
        else { return .rejected("bad_timestamp") }

        return .accepted(ReferenceEvent(id: id, event: event, callType: callType, queue: queue,
                                        queueEntry: queueEntry.value, stateTime: stateTime.value))
    }

    private static func nonNull(_ value: ReferenceJSON?) -> ReferenceJSON? {
        if let value, value != .null { return value }
        return nil
    }

    /// "First of": the first candidate present, not null and not an empty or white-space-only string.
    static func firstOf(_ candidates: [ReferenceJSON?]) -> ReferenceJSON? {
        for candidate in candidates {
            guard let value = nonNull(candidate) else { continue }
            if case .string(let bytes) = value, trimmed(bytes).isEmpty { continue }
            return value
        }
        return nil
    }

    /// Ids and queue names: a string (trimmed) or an integer literal's text; at most 256
    /// bytes; no control character. Nil when the value breaks a rule.
    static func nameBytes(_ value: ReferenceJSON) -> [UInt8]? {
        let text: [UInt8]
        switch value {
        case .string(let bytes): text = trimmed(bytes)
        case .number(let number):
            guard isIntegerLiteral(number) else { return nil }
            text = Array(number.utf8)
        default: return nil
        }
        guard text.count <= 256 else { return nil }
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars where isControl(scalar) { return nil }
        return text
    }

    /// `-?(0|[1-9][0-9]*)`.
    static func isIntegerLiteral(_ text: String) -> Bool {
        var digits = Array(text.utf8)
        if digits.first == UInt8(ascii: "-") { digits.removeFirst() }
        if digits.isEmpty || !digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return false }
        return digits == [0x30] || digits[0] != 0x30
    }

    /// Unicode category Cc.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value <= 0x1F || (scalar.value >= 0x7F && scalar.value <= 0x9F)
    }

    /// The Unicode White_Space property.
    static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        let whiteSpace: [ClosedRange<UInt32>] = [0x09...0x0D, 0x20...0x20, 0x85...0x85, 0xA0...0xA0,
                                                 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
                                                 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000]
        return whiteSpace.contains { $0.contains(scalar.value) }
    }

    /// White space removed at both ends (the bytes are valid UTF-8: the JSON reader checked).
    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        var scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        while let first = scalars.first, isWhiteSpace(first) { scalars.removeFirst() }
        while let last = scalars.last, isWhiteSpace(last) { scalars.removeLast() }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return Array(String(result).utf8)
    }

    /// The entry of `names` (lower-case ASCII) that `bytes` spell in any ASCII case.
    static func matchIgnoringASCIICase(_ bytes: [UInt8], _ names: [String]) -> String? {
        let lowered = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        return names.first { Array($0.utf8) == lowered }
    }
}

/// Short, escaped renderings for failure messages.
public enum Shown {
    public static func bytes(_ bytes: [UInt8], limit: Int = 300) -> String {
        var out = "\""
        for byte in bytes.prefix(limit) {
            switch byte {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return out + (bytes.count > limit ? "…(\(bytes.count) bytes)\"" : "\"")
    }
}
