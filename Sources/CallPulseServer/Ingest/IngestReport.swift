import CallPulseCore

/// What one ingest batch did, with the first `maxErrors` rejections.
public struct IngestReport: Sendable {
    public var accepted = 0
    public var ignored = 0
    public var rejected = 0
    public var errors: [(index: Int, line: Int, rejection: Rejection)] = []
    /// Receive time minus state time of accepted events (live clock), in ms.
    public var delays: [Int64] = []
    public var total: Int { accepted + ignored + rejected }

    /// Rejections listed one by one in a report; the counts cover them all.
    public static let maxErrors = 100

    public init() {}
}
