import CallPulseCore
import CallPulseHTTP
import CallPulseNATS

/// The relay mode of `POST /api/v1/events` (docs/spec/scale-out.md, "Publish"): the events that
/// pass the checks needing no state are published as they were received, one message each,
/// and the answer is 200 only once JetStream acknowledged every one.
struct EventRelay: Sendable {
    let client: JetStreamClient
    let subjects: ShardSubject
    let status: StreamSourceBox
    /// How long to wait for every PubAck before answering 503.
    var timeout: Duration = .seconds(5)
    private let readers = ReaderPool()

    init(client: JetStreamClient, subjects: ShardSubject, status: StreamSourceBox) {
        self.client = client
        self.subjects = subjects
        self.status = status
    }

    /// What became of one body.
    enum Outcome {
        /// Every event that passed was acknowledged; the rest are in `rejections`.
        case published(Int, rejections: IngestReport)
        /// Nothing may be taken as published (some may be in the stream: a retry is absorbed
        /// by the duplicate window).
        case failed(String)
        /// Nothing was published: the event at `index` is larger than the server takes, and
        /// sending it again would fail again.
        case tooLarge(index: Int, bytes: Int, limit: Int)
    }

    /// Decodes `body`, counts the events `admit` is asked about (nil lets them in), publishes.
    func publish(_ body: [UInt8], admit: (Int) -> Duration?) -> Result<Outcome, RateLimited> {
        var messages: [OutgoingMessage] = []
        var indices: [Int] = []  // each message's event index in the body
        var rejections = IngestReport()
        var total = 0
        readers.with { reader in
            JSONText(body).withContent { content in
                reader.read(content: content) { positioned, line in
                    total += 1
                    switch positioned.outcome {
                    case .event(let event):
                        let bytes = Array(content[InputScan.trimmed(content, line)])
                        messages.append(OutgoingMessage(subject: subjects.subject(forCallID: event.id.string),
                                                        data: bytes, id: JetStreamClient.messageID(of: bytes)))
                        indices.append(positioned.index)
                    case .rejected(let rejection):
                        rejections.rejected += 1
                        if rejections.errors.count < IngestReport.maxErrors {
                            rejections.errors.append((positioned.index, positioned.line, rejection))
                        }
                    }
                }
            }
        }
        if let wait = admit(total) { return .failure(RateLimited(events: total, retryAfter: wait)) }
        guard !messages.isEmpty else { return .success(.published(0, rejections: rejections)) }
        let limit = client.maxPayload
        if limit > 0, let large = messages.firstIndex(where: { $0.data.count > limit }) {
            return .success(.tooLarge(index: indices[large], bytes: messages[large].data.count, limit: limit))
        }
        guard client.isConnected else {
            status.withLock { $0.publishFailed += Int64(messages.count) }
            return .success(.failed("the NATS server is unreachable"))
        }
        let result = client.publish(messages, timeout: timeout)
        status.withLock {
            $0.published += Int64(result.acknowledged)
            $0.publishFailed += Int64(messages.count - result.acknowledged)
        }
        if let failure = result.failure, result.acknowledged < messages.count {
            return .success(.failed("JetStream acknowledged \(result.acknowledged) of \(messages.count) events: \(failure)"))
        }
        return .success(.published(messages.count, rejections: rejections))
    }

    /// A body refused by the rate limit before anything was published.
    struct RateLimited: Error {
        var events: Int
        var retryAfter: Duration
    }
}
