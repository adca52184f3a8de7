import CallPulseCore

/// Messages of a stream decoded for the pipeline (docs/spec/scale-out.md, "Consume"): each
/// message is one body, received at the stream's publish time, and the batch reaches the stream
/// position of its last message.
struct StreamBatch: Sendable {
    /// Every message's outcomes, in stream order; a position's `index` is its message's.
    var decoded = DecodedBatch()
    /// Runs of outcomes sharing a receive time.
    var groups: [StreamGroup] = []
    /// Each message's outcomes in `decoded`.
    var messages: [Range<Int>] = []
    /// The stream sequence of the last message.
    var lastSequence: UInt64 = 0
    /// The stream's name and creation time (`Engine.sourceStream`).
    var stream: String

    init(stream: String) { self.stream = stream }

    /// Decodes one message's body (any input shape; a relay publishes one object a message).
    mutating func append(_ body: UnsafeRawBufferPointer, receivedAt: EpochMillis, sequence: UInt64,
                         reader: EventReader, text: inout JSONText) {
        text.replaceContent(with: body)
        let start = decoded.outcomes.count
        let message = messages.count
        reader.read(text) { positioned in
            decoded.outcomes.append(positioned.outcome)
            decoded.positions.append((message, positioned.line))
        }
        let end = decoded.outcomes.count
        messages.append(start..<end)
        lastSequence = sequence
        guard end > start else { return }
        if let last = groups.last, last.receivedAt == receivedAt, last.outcomes.upperBound == start {
            groups[groups.count - 1].outcomes = last.outcomes.lowerBound..<end
        } else {
            groups.append(StreamGroup(outcomes: start..<end, receivedAt: receivedAt))
        }
    }

    var isEmpty: Bool { messages.isEmpty }
}

/// Outcomes of a stream batch received at one instant.
struct StreamGroup: Sendable {
    var outcomes: Range<Int>
    var receivedAt: EpochMillis
}
