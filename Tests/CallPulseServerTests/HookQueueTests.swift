import CallPulseAlerting
import CallPulseHTTP
import CallPulseSupport
import Foundation
import Logging
import Testing
@testable import CallPulseServer

#if canImport(Glibc)
import Glibc
#endif

/// A hook's queue holds 1,000 notifications (README, "Alerting"); more are dropped and
/// counted while the receiver is stuck, and ingestion never waits for it.
struct HookQueueTests {
    /// A loopback listener that accepts one connection and never answers it.
    final class StuckReceiver: @unchecked Sendable {
        // @unchecked: `fd` and `port` are set in init; `client` is a LockedBox.
        let fd: Int32
        let port: Int
        let client = LockedBox<Int32>(-1)

        init() {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
            listen(listener, 8)
            fd = listener
            port = Int(UInt16(bigEndian: address.sin_port))
            let client = self.client
            Thread.detachNewThread {
                let accepted = accept(listener, nil, nil)
                client.withLock { $0 = accepted }
            }
        }

        /// Ends the stuck request and refuses any more connections.
        func close() {
            shutdown(fd, Int32(SHUT_RDWR))
            Glibc.close(fd)
            let accepted = client.withLock { $0 }
            if accepted >= 0 { Glibc.close(accepted) }
        }
    }

    /// Polls until `condition` holds (60 s at most: loaded CI, sanitizers).
    static func waitUntil(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    @Test("with the receiver stuck on the first notification, 1,000 more queue and the next is dropped and counted")
    func queueHoldsAThousand() {
        let receiver = StuckReceiver()
        var config = HookConfig(name: "stuck", kind: .webhook)
        config.url = "http://127.0.0.1:\(receiver.port)/hook"
        config.timeout = 3_600_000  // the first attempt stays in flight until the receiver closes
        config.maxRetries = 0
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let dispatcher = HookDispatcher(config: config, externalURL: { "http://127.0.0.1:1" }, logger: logger)
        dispatcher.start()
        defer { dispatcher.stop() }
        let notification = AlertNotification(receiver: "stuck", items: [
            .init(status: "firing", labels: ["alertname": "A", "queue": "Billing"], annotations: [:], startsAt: 0, endsAt: nil)])
        dispatcher.enqueue(notification)
        // The first one has left the queue: it is the request the receiver holds.
        #expect(Self.waitUntil { receiver.client.withLock { $0 } >= 0 })
        for _ in 0..<HookDispatcher.queueLimit { dispatcher.enqueue(notification) }
        #expect(HookDispatcher.queueLimit == 1_000)
        #expect(dispatcher.counts.withLock { $0.dropped } == 0)
        dispatcher.enqueue(notification)
        dispatcher.enqueue(notification)
        #expect(dispatcher.counts.withLock { $0.dropped } == 2)
        #expect(dispatcher.counts.withLock { $0.sent + $0.failed } == 0)
        // Closed: the held attempt and the 1,000 queued ones fail (connection refused), each once.
        receiver.close()
        #expect(Self.waitUntil { dispatcher.counts.withLock { $0.failed } == 1_001 })
        #expect(dispatcher.counts.withLock { $0.dropped } == 2 + 1_001)  // with no retries left, a failure is dropped
    }

    @Test("an alertmanager hook gets a sender per URL, each with its own queue; its counts are summed, errors named by URL")
    func senderPerURL() {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var cluster = HookConfig(name: "am", kind: .alertmanager)
        cluster.url = "http://127.0.0.1:1"
        cluster.urls = ["http://127.0.0.1:2", "http://127.0.0.1:3"]
        cluster.maxRetries = 0
        var webhook = HookConfig(name: "web", kind: .webhook)
        webhook.url = "http://127.0.0.1:4/hook"
        let senders = HookSenders(hooks: [cluster, webhook], externalURL: { "http://127.0.0.1:9" }, logger: logger)
        let dispatchers = senders.dispatchers(named: "am")
        #expect(dispatchers.map(\.url) == ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"])
        #expect(senders.dispatchers(named: "web").map(\.url) == ["http://127.0.0.1:4/hook"])
        #expect(senders.dispatchers(named: "nobody").isEmpty)
        // Not started: each queue holds its own copy.
        let notification = AlertNotification(receiver: "am", items: [
            .init(status: "firing", labels: ["alertname": "A", "queue": "Billing"], annotations: [:], startsAt: 0, endsAt: nil)])
        for dispatcher in dispatchers { dispatcher.enqueue(notification) }
        dispatchers[0].counts.withLock { $0.sent = 2; $0.failed = 1; $0.lastError = "HTTP 500" }
        dispatchers[2].counts.withLock { $0.sent = 3; $0.dropped = 4; $0.lastError = "no answer" }
        let counts = senders.counts(for: [cluster, webhook])
        #expect(counts.map(\.0.name) == ["am", "web"])
        #expect(counts[0].1.sent == 5 && counts[0].1.failed == 1 && counts[0].1.dropped == 4)
        #expect(counts[0].1.lastError == "http://127.0.0.1:1: HTTP 500; http://127.0.0.1:3: no answer")
        #expect(counts[1].1.lastError == nil && counts[1].1.sent == 0)
    }
}
