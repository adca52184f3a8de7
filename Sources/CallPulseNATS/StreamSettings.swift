/// The stream CallPulse creates when it is absent (docs/spec/scale-out.md, "Config").
public struct StreamSettings: Sendable, Equatable {
    public var name: String
    /// Subjects the stream takes, e.g. `["callpulse.events.>"]`.
    public var subjects: [String]
    /// Copies kept in a cluster (1...5; 1 on a single server).
    public var replicas: Int
    /// How long messages are kept; `.zero` keeps them until deleted otherwise.
    public var maxAge: Duration
    /// How long JetStream remembers a `Nats-Msg-Id` to drop a re-sent message.
    public var duplicateWindow: Duration

    public init(name: String, subjects: [String], replicas: Int = 1, maxAge: Duration = .seconds(48 * 3600),
                duplicateWindow: Duration = .seconds(120)) {
        self.name = name
        self.subjects = subjects
        self.replicas = replicas
        self.maxAge = maxAge
        self.duplicateWindow = duplicateWindow
    }
}

/// Where a stream stands.
public struct StreamState: Sendable, Equatable {
    /// The oldest message's sequence (the next one to be stored when the stream is empty).
    public var firstSequence: UInt64
    /// The newest message's sequence; 0 when nothing was ever stored.
    public var lastSequence: UInt64
    /// Messages in the stream now.
    public var messages: UInt64
    /// When the stream was created (nanoseconds since the epoch): a stream deleted and made
    /// again under the same name has another.
    public var created: Int64

    public init(firstSequence: UInt64, lastSequence: UInt64, messages: UInt64, created: Int64 = 0) {
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.messages = messages
        self.created = created
    }
}
