/// One message to publish: an event's bytes to `<subject>.<shard>` (docs/spec/scale-out.md, "Publish").
public struct OutgoingMessage: Sendable, Equatable {
    public var subject: String
    /// The payload, a slice so the events of one request body need no copies of their own.
    public var data: ArraySlice<UInt8>
    /// The `Nats-Msg-Id` header (the hex SHA-256 of the event): JetStream stores a message with an
    /// ID it saw within the duplicate window only once.
    public var id: String

    public init(subject: String, data: ArraySlice<UInt8>, id: String) {
        self.subject = subject
        self.data = data
        self.id = id
    }

    public init(subject: String, data: [UInt8], id: String) {
        self.init(subject: subject, data: data[...], id: id)
    }
}

/// How a `publish` went.
public struct PublishResult: Sendable, Equatable {
    /// Messages JetStream acknowledged (PubAck), duplicates included: each is in the stream.
    public var acknowledged: Int
    /// Of those, the ones the stream already had (same ID within the duplicate window).
    public var duplicates: Int
    /// Why not every message was acknowledged, as a sentence; nil when all were.
    public var failure: String?

    public init(acknowledged: Int, duplicates: Int, failure: String?) {
        self.acknowledged = acknowledged
        self.duplicates = duplicates
        self.failure = failure
    }
}
