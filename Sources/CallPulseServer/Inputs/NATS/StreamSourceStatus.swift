import CallPulseCore
import CallPulseSupport

/// What `/api/v1/status` and `/metrics` show of the NATS source (docs/spec/scale-out.md,
/// "Metrics"): the consumer's position and the relay's publishes.
struct StreamSourceStatus: Sendable {
    var stream: String
    /// The durable consumer's name; nil when this instance does not consume.
    var consumer: String?
    var publishing: Bool
    var connected = false
    /// The last stream sequence applied (the engine's source position).
    var appliedSequence: UInt64 = 0
    /// When the stream stored the last message applied (lag: now minus this, while pending).
    var appliedPublishedAt: EpochMillis?
    /// NumPending of the consumer after the last fetch; nil until known.
    var pending: UInt64?
    /// Stream messages applied, skipped (at or below the position: already applied) and
    /// rejected (every event in them rejected; terminated, never redelivered).
    var applied: Int64 = 0
    var skipped: Int64 = 0
    var rejected: Int64 = 0
    /// Relay publishes (one an event) acknowledged by JetStream, and not.
    var published: Int64 = 0
    var publishFailed: Int64 = 0
}

/// The status, shared by the consumer, the relay, the connection's callbacks and the views.
typealias StreamSourceBox = LockedBox<StreamSourceStatus>
