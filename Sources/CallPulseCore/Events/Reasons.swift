/// Why an event was rejected whole; the order is the order in which reasons are checked.
public enum RejectionReason: String, CaseIterable, Sendable, Codable {
    case malformedJSON = "malformed_json"
    case notAnObject = "not_an_object"
    case missingCall = "missing_call"
    case missingID = "missing_id"
    case badID = "bad_id"
    case missingEvent = "missing_event"
    case unknownEvent = "unknown_event"
    case badCallType = "bad_call_type"
    case badQueue = "bad_queue"
    case badTimestamp = "bad_timestamp"
    case limit = "limit"
}

/// Why a valid event changed nothing; the order is the order in which reasons are checked.
public enum IgnoreReason: String, CaseIterable, Sendable, Codable {
    case duplicate = "duplicate"
    case outOfOrder = "out_of_order"
    case tooLate = "too_late"
    case invalidTransition = "invalid_transition"
    case unknownCall = "unknown_call"
}

/// A rejected event: its reason code and one sentence naming the field and value at fault.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: RejectionReason
    public var detail: String

    public init(_ reason: RejectionReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
