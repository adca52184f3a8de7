import CNATS
import CallPulseSupport

/// A subscription to a durable pull consumer (`JetStreamClient.pullConsumer`). Meant for one
/// consuming thread; `close` may come from another one and ends a `fetch` that is waiting.
///
/// Sendable without `@unchecked`: the subscription is kept as an integer that never changes,
/// fetches take turns under `fetching` (the puller keeps the state of its open pull request),
/// nats.c's subscription calls are safe from any thread, and the subscription is freed only in
/// `deinit`, so a `close` racing a `fetch` never frees what the fetch uses.
public final class PullConsumer: Sendable {
    public let stream: String
    public let durable: String
    private let client: JetStreamClient
    /// The `cpnats_puller *`, as an integer so the class stays Sendable.
    private let handle: UInt
    /// Held while a fetch runs: one at a time.
    private let fetching = LockedBox(())
    private let closed = LockedBox(false)

    init(client: JetStreamClient, subscription: OpaquePointer, stream: String, durable: String) {
        self.client = client
        handle = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(subscription)))
        self.stream = stream
        self.durable = durable
    }

    deinit {
        JetStreamClient.destroy(subscription)
    }

    var subscription: OpaquePointer { OpaquePointer(bitPattern: handle)! }

    /// Up to `max` messages in stream order: those waiting now, without waiting for more; when
    /// none are, waits up to `timeout` for the first and returns what came with it. An empty
    /// batch when none came. Throws when not connected, after `close`, or when the consumer is gone.
    public func fetch(max: Int, timeout: Duration) throws(NATSError) -> FetchedBatch {
        if closed.withLock({ $0 }) { throw NATSError(.failed, "the consumer \(durable) was closed") }
        let fetched = fetching.withLock { _ in
            Result { () throws(NATSError) in try client.fetch(subscription, max: max, timeout: timeout, durable: durable) }
        }
        return FetchedBatch(consumer: self, fetched: try fetched.get())
    }

    /// NumPending of the consumer: stream messages it has not delivered yet; nil when unknown
    /// (not connected, no answer). Asks the server: not for every batch.
    public func pending() -> UInt64? {
        client.pending(stream: stream, durable: durable)
    }

    /// Ends delivery to this subscription WITHOUT deleting the durable consumer, which keeps its
    /// place in the stream for the next `pullConsumer` (or any other subscriber).
    public func close() {
        let first = closed.withLock { wasClosed in
            defer { wasClosed = true }
            return !wasClosed
        }
        if first { JetStreamClient.unsubscribe(subscription) }
    }
}

/// The messages of one fetch, in stream order. Owns them: they are freed with the batch. Used
/// by one thread (acks mark the messages); it keeps its consumer's subscription alive, which
/// acks need.
public final class FetchedBatch {
    private let consumer: PullConsumer
    private var fetched: cpnats_fetched

    init(consumer: PullConsumer, fetched: cpnats_fetched) {
        self.consumer = consumer
        self.fetched = fetched
    }

    deinit {
        JetStreamClient.free(&fetched)
    }

    public var count: Int { Int(fetched.count) }

    public var isEmpty: Bool { fetched.count == 0 }

    /// The message's sequence in the stream; 0 if its metadata could not be read.
    public func streamSequence(_ i: Int) -> UInt64 { info(i).streamSequence }

    /// The delivery's number from the consumer's creation (1, 2, 3, …; a redelivery takes a new
    /// one): a number skipped is a delivery that never arrived.
    public func consumerSequence(_ i: Int) -> UInt64 { info(i).consumerSequence }

    /// When the stream stored the message (its receive time), in nanoseconds since the epoch.
    public func timestampNanos(_ i: Int) -> Int64 { info(i).timestamp }

    /// Messages left for the consumer after this one when it was delivered (metadata NumPending).
    public func pendingAfter(_ i: Int) -> UInt64 { info(i).pending }

    /// The message's payload, valid inside `body` only.
    public func withData<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        JetStreamClient.withData(message(i), body)
    }

    /// Acknowledges the message (explicit ack, not waiting for the server's confirmation). False
    /// when it could not be sent; JetStream then delivers it again after AckWait.
    @discardableResult
    public func ack(_ i: Int) -> Bool { JetStreamClient.ack(message(i), of: consumer.subscription) }

    /// Tells JetStream the message can never be processed: it is not delivered again.
    @discardableResult
    public func term(_ i: Int) -> Bool { JetStreamClient.term(message(i), of: consumer.subscription) }

    @inline(__always)
    private func info(_ i: Int) -> cpnats_message_info {
        precondition(i >= 0 && i < count, "message \(i) of a batch of \(count)")
        return fetched.info[i]
    }

    @inline(__always)
    private func message(_ i: Int) -> OpaquePointer {
        precondition(i >= 0 && i < count, "message \(i) of a batch of \(count)")
        return fetched.messages[i]!
    }
}
