/// The seven call state-change events of the connector, matched ignoring ASCII case.
public enum EventName: UInt8, CaseIterable, Sendable {
    case connecting, missed, connected, rejected, hold, acw, dropped

    /// The canonical (lower-case) spelling used in metrics and logs.
    public var name: String {
        switch self {
        case .connecting: "connecting"
        case .missed: "missed"
        case .connected: "connected"
        case .rejected: "rejected"
        case .hold: "hold"
        case .acw: "acw"
        case .dropped: "dropped"
        }
    }

    /// Matches trimmed UTF-8 bytes against the seven names, ignoring ASCII case.
    init?(asciiCaseInsensitive bytes: UnsafeBufferPointer<UInt8>) {
        // Dispatch on length and first letter, then confirm: this runs once per event.
        let candidate: EventName
        switch (bytes.count, bytes.first.map { $0 | 0x20 }) {
        case (10, UInt8(ascii: "c")): candidate = .connecting
        case (6, UInt8(ascii: "m")): candidate = .missed
        case (9, UInt8(ascii: "c")): candidate = .connected
        case (8, UInt8(ascii: "r")): candidate = .rejected
        case (4, UInt8(ascii: "h")): candidate = .hold
        case (3, UInt8(ascii: "a")): candidate = .acw
        case (7, UInt8(ascii: "d")): candidate = .dropped
        default: return nil
        }
        guard ASCII.equalsIgnoringCase(bytes, candidate.asciiBytes) else { return nil }
        self = candidate
    }

    private static let spellings: [[UInt8]] = allCases.map { Array($0.name.utf8) }

    var asciiBytes: [UInt8] { Self.spellings[Int(rawValue)] }
}

/// Who placed the call; only inbound calls count toward offered, answered and abandoned.
public enum CallType: UInt8, CaseIterable, Sendable {
    case inbound, outbound, agent

    /// The canonical (lower-case) spelling.
    public var name: String {
        switch self {
        case .inbound: "inbound"
        case .outbound: "outbound"
        case .agent: "agent"
        }
    }

    init?(asciiCaseInsensitive bytes: UnsafeBufferPointer<UInt8>) {
        guard let match = Self.allCases.first(where: { ASCII.equalsIgnoringCase(bytes, Self.spellings[Int($0.rawValue)]) })
        else { return nil }
        self = match
    }

    private static let spellings: [[UInt8]] = allCases.map { Array($0.name.utf8) }
}

/// Byte-level helpers for ASCII comparisons on UTF-8 input.
enum ASCII {
    /// True when `bytes` spell `word` (lower-case ASCII) in any ASCII case.
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ expected: [UInt8]) -> Bool {
        guard expected.count == bytes.count else { return false }
        for i in 0..<expected.count {
            var byte = bytes[i]
            if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
            if byte != expected[i] { return false }
        }
        return true
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
