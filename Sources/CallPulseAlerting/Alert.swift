import CallPulseCore

/// One alert: a rule applied to one queue, as the API shows it and `alerts.json` keeps it.
public struct Alert: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable { case pending, firing }

    public var rule: String
    public var queue: String
    public var state: State
    public var labels: [String: String]
    public var annotations: [String: String]
    public var value: Double
    /// When the condition started to hold.
    public var activeSince: EpochMillis
    public var firedAt: EpochMillis?
    /// The last time the condition held (for `keep_firing_for`).
    public var lastTrue: EpochMillis
}

/// What an evaluation changed, for hooks and the live stream.
public enum AlertEvent: Sendable, Equatable {
    case firing(Alert)
    case resolved(Alert, at: EpochMillis)
}
