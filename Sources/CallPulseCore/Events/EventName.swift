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
        guard let match = Self.allCases.first(where: { ASCII.equalsIgnoringCase(bytes, $0.name) }) else {
            return nil
        }
        self = match
    }
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
        guard let match = Self.allCases.first(where: { ASCII.equalsIgnoringCase(bytes, $0.name) }) else {
            return nil
        }
        self = match
    }
}

/// Byte-level helpers for ASCII comparisons on UTF-8 input.
enum ASCII {
    /// True when `bytes` spell `word` (lower-case ASCII) in any ASCII case.
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ word: String) -> Bool {
        var word = word
        return word.withUTF8 { expected in
            guard expected.count == bytes.count else { return false }
            for i in 0..<expected.count {
                var byte = bytes[i]
                if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
                if byte != expected[i] { return false }
            }
            return true
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
