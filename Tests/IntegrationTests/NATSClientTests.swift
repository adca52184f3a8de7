import CallPulseNATS
import CallPulseSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The NATS adapter (`JetStreamClient`) against a real `nats-server -js` on loopback ports
/// (docs/spec/scale-out.md, "Tests and figures"): streams, publishing with PubAcks and the
/// duplicate window, pull consumers, redelivery, outages and a three-server cluster.
@Suite(.serialized, .enabled(if: NATSServer.present || NATSServer.underCI, "nats-server is missing (CI=true makes this a failure)"))
struct NATSClientTests {
    /// First sequence, last sequence and messages (not the creation time).
    static func counts(_ state: StreamState) -> [UInt64] { [state.firstSequence, state.lastSequence, state.messages] }
    static let subject = "callpulse.events"

    static func stream(_ name: String = "CALLPULSE", replicas: Int = 1) -> StreamSettings {
        StreamSettings(name: name, subjects: ["\(subject).>"], replicas: replicas, maxAge: .seconds(48 * 3600),
                       duplicateWindow: .seconds(120))
    }

    @Test("a stream is created when absent; when present, its settings stay and each difference is a sentence")
    func streamCreatedOrCompared() throws {
        let server = try NATSServer()
        let (client, _) = try connected([server.url])
        #expect(try client.ensureStream(Self.stream()) == [])
        #expect(try Self.counts(client.streamState("CALLPULSE")) == [0, 0, 0])
        #expect(try client.ensureStream(Self.stream()) == [], "the same settings again: nothing to report")

        var other = Self.stream()
        other.subjects = ["other.>"]
        other.maxAge = .seconds(3600)
        other.duplicateWindow = .seconds(60)
        let differences = try client.ensureStream(other)
        #expect(differences.count == 3, "\(differences)")
        #expect(differences.contains { $0.contains("takes the subjects callpulse.events.>, not other.>") }, "\(differences)")
        #expect(differences.contains { $0.contains("keeps messages for 48h, not 1h") }, "\(differences)")
        #expect(differences.contains { $0.contains("duplicate window of 2m, not 1m") }, "\(differences)")
        #expect(differences.allSatisfy { $0.hasPrefix("the JetStream stream CALLPULSE ") && $0.hasSuffix("stays in force") })
        // The stream kept its own settings: its subjects still take events.
        let result = client.publish([message(1)], timeout: .seconds(5))
        #expect(result == PublishResult(acknowledged: 1, duplicates: 0, failure: nil))

        // A single server cannot keep three copies: JetStream's refusal comes back as a sentence.
        do {
            _ = try client.ensureStream(Self.stream("THREE", replicas: 3))
            Issue.record("a single server created an R=3 stream")
        } catch {
            #expect(error.kind == .refused, "\(error)")
            #expect(error.description.hasPrefix("cannot create the JetStream stream THREE: "), "\(error)")
        }
        #expect(throws: NATSError.self) { try client.streamState("NO_SUCH_STREAM") }
    }

    @Test("10,000 published messages come back in order with their sequences, data and publish times")
    func publishAndReadBack() throws {
        let server = try NATSServer()
        let (client, _) = try connected([server.url])
        _ = try client.ensureStream(Self.stream())
        let before = wallNanos()
        for batch in 0..<10 {
            let messages = (batch * 1000..<(batch + 1) * 1000).map { message($0) }
            let result = client.publish(messages, timeout: .seconds(10))
            #expect(result == PublishResult(acknowledged: 1000, duplicates: 0, failure: nil))
        }
        let after = wallNanos()
        #expect(try Self.counts(client.streamState("CALLPULSE")) == [1, 10_000, 10_000])

        let consumer = try client.pullConsumer(stream: "CALLPULSE", durable: "reader", filter: "\(Self.subject).>",
                                               startSequence: nil, ackWait: .seconds(30))
        #expect(consumer.pending() == 10_000)
        var next: UInt64 = 1
        var lastTime: Int64 = 0
        var mismatches: [String] = []
        let deadline = ContinuousClock.now + .seconds(patience)
        while next <= 10_000, ContinuousClock.now < deadline {
            let batch = try consumer.fetch(max: 1000, timeout: .seconds(2))
            for i in 0..<batch.count {
                let sequence = batch.streamSequence(i)
                let data = batch.withData(i) { Array($0) }
                if sequence != next || data != Array(message(Int(sequence) - 1).data) {
                    mismatches.append("#\(next): got sequence \(sequence), \(String(decoding: data, as: UTF8.self))")
                }
                if batch.timestampNanos(i) < lastTime || batch.timestampNanos(i) < before - 1_000_000_000
                    || batch.timestampNanos(i) > after + 1_000_000_000 {
                    mismatches.append("#\(sequence): publish time \(batch.timestampNanos(i)) not in [\(before), \(after)]")
                }
                if batch.pendingAfter(i) != 10_000 - sequence {
                    mismatches.append("#\(sequence): \(batch.pendingAfter(i)) pending after it")
                }
                lastTime = batch.timestampNanos(i)
                next = sequence + 1
                batch.ack(i)
            }
        }
        #expect(next == 10_001, "read up to \(next - 1)")
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(try consumer.fetch(max: 1000, timeout: .milliseconds(300)).count == 0, "nothing after the last")
        #expect(waitUntil { consumer.pending() == 0 })
    }

    @Test("a message whose Nats-Msg-Id the stream has counts as acknowledged and adds nothing")
    func duplicates() throws {
        let server = try NATSServer()
        let (client, _) = try connected([server.url])
        _ = try client.ensureStream(Self.stream())
        #expect(client.publish([message(1), message(2)], timeout: .seconds(5)).acknowledged == 2)
        let again = client.publish([message(2), message(3), message(1)], timeout: .seconds(5))
        #expect(again == PublishResult(acknowledged: 3, duplicates: 2, failure: nil))
        #expect(try Self.counts(client.streamState("CALLPULSE")) == [1, 3, 3])
        // Same bytes under another ID are a new message: the ID decides, not the payload.
        var renamed = message(1)
        renamed.id = "another-id"
        #expect(client.publish([renamed], timeout: .seconds(5)) == PublishResult(acknowledged: 1, duplicates: 0, failure: nil))
        #expect(try client.streamState("CALLPULSE").messages == 4)
    }

    @Test("publishing to a dead or frozen server fails within the timeout, and counts nothing the stream does not have")
    func publishDuringOutage() throws {
        let server = try NATSServer()
        let (client, changes) = try connected([server.url])
        _ = try client.ensureStream(Self.stream())
        #expect(client.publish((0..<10).map { message($0) }, timeout: .seconds(5)).acknowledged == 10)

        // Frozen: the connection stays up, no PubAck comes. The wait ends at the timeout.
        server.pause()
        let frozen = client.publish((10..<60).map { message($0) }, timeout: .seconds(2))
        #expect(frozen.acknowledged == 0 && frozen.duplicates == 0)
        #expect(frozen.failure?.hasPrefix("JetStream acknowledged 0 of 50 messages within 2.0 seconds: no PubAck for 50 in time") == true,
                "\(frozen.failure ?? "no failure")")
        server.resume()
        // The frozen server stored them after all: a connector's re-send is absorbed.
        #expect(waitUntil { (try? client.streamState("CALLPULSE").messages) == 60 })
        #expect(client.publish((10..<60).map { message($0) }, timeout: .seconds(5))
                == PublishResult(acknowledged: 50, duplicates: 50, failure: nil))

        // Killed while publishing (frozen first, so nothing of this batch can be stored): the
        // wait ends at the timeout at the latest, and nothing is counted.
        server.pause()
        let killed = LockedBox<PublishResult?>(nil)
        let publisher = Thread {
            let result = client.publish((60..<80).map { message($0) }, timeout: .seconds(2))
            killed.withLockNotifyingWaiters { $0 = result }
        }
        publisher.start()
        server.kill9()
        let lost = killed.withLock(waitingUntil: { $0 != nil }) { $0! }
        #expect(lost.acknowledged == 0 && lost.failure != nil, "\(lost)")

        // Dead: the client knows it is disconnected and fails at once, without waiting.
        #expect(waitUntil { !client.isConnected && changes.withLock { $0 } == [true, false] })
        let dead = client.publish((60..<70).map { message($0) }, timeout: .seconds(2))
        #expect(dead.acknowledged == 0)
        #expect(dead.failure == "none of 10 messages was published: not connected to a NATS server (reconnecting)")

        // Back on the same store: every acknowledged message is there. The killed batch was
        // answered as failed, yet what libnats still held unwritten when the connection broke it
        // sends after the reconnect (its reconnect buffer cannot be turned off), so the stream
        // may also have some or all of those 20: the failure promised only that nothing was
        // acknowledged (docs/spec/scale-out.md, "the duplicate window absorbs what did get through").
        try server.start()
        #expect(waitUntil { client.isConnected })
        // JetStream answers once it has read its store back.
        var counts: [UInt64] = []
        #expect(waitUntil {
            counts = (try? client.streamState("CALLPULSE")).map(Self.counts) ?? []
            return counts.count == 3 && counts[0] == 1 && counts[1] == counts[2] && (60...80).contains(counts[2])
        }, "\(counts)")
        // The connector's re-send of the failed batch is stored once, whichever way it went.
        let resent = client.publish((60..<80).map { message($0) }, timeout: .seconds(5))
        #expect(resent.acknowledged == 20 && resent.failure == nil, "\(resent)")
        #expect(waitUntil { (try? client.streamState("CALLPULSE")).map(Self.counts) == [1, 80, 80] })
    }

    @Test("publishes from many threads at once keep their own PubAcks and failures")
    func concurrentPublishes() throws {
        let server = try NATSServer()
        let (client, _) = try connected([server.url])
        _ = try client.ensureStream(Self.stream())
        let results = LockedBox<[Int: [PublishResult]]>([:])
        let threads = (0..<4).map { thread in
            Thread {
                var mine: [PublishResult] = []
                for batch in 0..<5 {
                    let first = (thread * 5 + batch) * 500
                    var messages = (first..<first + 500).map { message($0) }
                    // Thread 3 also sends to a subject no stream takes: only its batches fail.
                    if thread == 3 { messages[7].subject = "nowhere.\(batch)" }
                    mine.append(client.publish(messages, timeout: .seconds(10)))
                }
                results.withLockNotifyingWaiters { $0[thread] = mine }
            }
        }
        for thread in threads { thread.start() }
        let all = results.withLock(waitingUntil: { $0.count == 4 }) { $0 }
        for thread in 0..<3 {
            #expect(all[thread] == Array(repeating: PublishResult(acknowledged: 500, duplicates: 0, failure: nil), count: 5))
        }
        for result in all[3] ?? [] {
            #expect(result.acknowledged == 499)
            #expect(result.failure == "JetStream acknowledged 499 of 500 messages within 10.0 seconds: JetStream refused 1: no stream takes this subject (no responders)")
        }
        #expect(try client.streamState("CALLPULSE").messages == 3 * 2500 + 5 * 499)
    }

    @Test("the message ID is the hex SHA-256 of the event's bytes")
    func messageID() {
        #expect(JetStreamClient.messageID(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(JetStreamClient.messageID(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // 56 bytes: the length goes into a second block.
        #expect(JetStreamClient.messageID(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = Array(repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(JetStreamClient.messageID(of: million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        let slice = Array("xxabcxx".utf8)[2..<5]
        #expect(JetStreamClient.messageID(of: slice) == JetStreamClient.messageID(of: Array("abc".utf8)))
    }

    @Test("a consumer recreated at sequence N delivers N first; close keeps the durable consumer")
    func consumerAtStartSequence() throws {
        let server = try NATSServer()
        let (client, _) = try connected([server.url])
        _ = try client.ensureStream(Self.stream())
        #expect(client.publish((0..<20).map { message($0) }, timeout: .seconds(5)).acknowledged == 20)

        let first = try client.pullConsumer(stream: "CALLPULSE", durable: "replica", filter: "\(Self.subject).>",
                                            startSequence: 8, ackWait: .seconds(30))
        let batch = try first.fetch(max: 5, timeout: .seconds(5))
        #expect((0..<batch.count).map { batch.streamSequence($0) } == [8, 9, 10, 11, 12])
        for i in 0..<batch.count { batch.ack(i) }
        #expect(first.pending() == 8, "13...20 not delivered yet")
        first.close()
        #expect(first.pending() == 8, "close keeps the durable consumer and its place")
        #expect(throws: NATSError.self) { try first.fetch(max: 1, timeout: .milliseconds(100)) }

        // Recreated at 15 after 8...12 were acked: delivery starts over at 15, not 13.
        let second = try client.pullConsumer(stream: "CALLPULSE", durable: "replica", filter: "\(Self.subject).>",
                                             startSequence: 15, ackWait: .seconds(30))
        #expect(second.pending() == 6)
        let rest = try second.fetch(max: 100, timeout: .seconds(5))
        #expect((0..<rest.count).map { rest.streamSequence($0) } == Array(15...20))
        #expect(rest.withData(0) { Array($0) } == Array(message(14).data))
        // Filtered on one shard: only that subject's messages.
        #expect(client.publish([OutgoingMessage(subject: "\(Self.subject).7", data: Array("x".utf8), id: "shard-7")],
                               timeout: .seconds(5)).acknowledged == 1)
        let shard = try client.pullConsumer(stream: "CALLPULSE", durable: "shard7", filter: "\(Self.subject).7",
                                            startSequence: nil, ackWait: .seconds(30))
        let only = try shard.fetch(max: 100, timeout: .seconds(5))
        #expect(only.count == 1 && only.streamSequence(0) == 21)
    }

    @Test("a term'd message is never redelivered; an unacked one comes back after AckWait")
    func termAndRedelivery() throws {
        let server = try NATSServer()
        let (client, _) = try connected([server.url])
        _ = try client.ensureStream(Self.stream())
        #expect(client.publish((0..<3).map { message($0) }, timeout: .seconds(5)).acknowledged == 3)
        let consumer = try client.pullConsumer(stream: "CALLPULSE", durable: "redelivery", filter: "\(Self.subject).>",
                                               startSequence: nil, ackWait: .seconds(1))
        let batch = try consumer.fetch(max: 10, timeout: .seconds(5))
        #expect((0..<batch.count).map { batch.streamSequence($0) } == [1, 2, 3])
        batch.term(0)
        batch.ack(1)
        // 3 is left unacked.
        let again = try consumer.fetch(max: 10, timeout: .seconds(5))
        #expect((0..<again.count).map { again.streamSequence($0) } == [3])
        #expect(again.consumerSequence(0) == 4, "a redelivery takes the next delivery number")
        again.ack(0)
        #expect(try consumer.fetch(max: 10, timeout: .milliseconds(2500)).count == 0, "1 was term'd, 2 and 3 acked")
    }

    @Test("the client starts before its server, reconnects after a restart (false, then true) and finds its stream and consumer again")
    func reconnect() throws {
        let server = try NATSServer(start: false)
        let (client, changes) = try connected([server.url], waitForConnection: false)
        #expect(!client.isConnected)
        #expect(changes.withLock { $0 } == [])
        try server.start()
        #expect(waitUntil { changes.withLock { $0 } == [true] })
        _ = try client.ensureStream(Self.stream())
        let consumer = try client.pullConsumer(stream: "CALLPULSE", durable: "survivor", filter: "\(Self.subject).>",
                                               startSequence: nil, ackWait: .seconds(30))
        #expect(client.publish((0..<5).map { message($0) }, timeout: .seconds(5)).acknowledged == 5)
        let before = try consumer.fetch(max: 3, timeout: .seconds(5))
        for i in 0..<before.count { before.ack(i) }

        // A graceful restart: the server writes the consumer's acks out (SIGKILL may lose the last ones).
        server.stop()
        try server.start()
        #expect(waitUntil { changes.withLock { $0 } == [true, false, true] }, "\(changes.withLock { $0 })")
        #expect(client.isConnected)
        #expect(try client.streamState("CALLPULSE").messages == 5, "file storage kept the stream")
        #expect(client.publish((5..<8).map { message($0) }, timeout: .seconds(5)).acknowledged == 3)
        var sequences: [UInt64] = []
        #expect(try waitUntil {
            let batch = try consumer.fetch(max: 100, timeout: .seconds(1))
            for i in 0..<batch.count {
                sequences.append(batch.streamSequence(i))
                batch.ack(i)
            }
            return sequences.count >= 5
        })
        #expect(sequences == [4, 5, 6, 7, 8], "the durable consumer resumed after the acked 1...3")
    }

    @Test("a token file authenticates; unusable settings throw, a server that is merely down does not")
    func settings() throws {
        let token = try temporaryFile("s3cret-token\n", suffix: ".token")
        defer { try? FileManager.default.removeItem(atPath: token) }
        let server = try NATSServer(arguments: ["--auth", "s3cret-token"])
        let (client, _) = try connected([server.url], tokenFile: token)
        #expect(try client.ensureStream(Self.stream()) == [])

        #expect(throws: NATSError.self) { try JetStreamClient(settings: NATSConnectionSettings(servers: [server.url], name: "t", tokenFile: "/nonexistent")) { _ in } }
        #expect(throws: NATSError.self) { try JetStreamClient(settings: NATSConnectionSettings(servers: ["nats://bad url:x"], name: "t")) { _ in } }
        do {
            _ = try JetStreamClient(settings: NATSConnectionSettings(servers: [server.url], name: "t", credsFile: "/nonexistent.creds")) { _ in }
            Issue.record("an unreadable credentials file was accepted")
        } catch {
            #expect(error.kind == .invalidSettings && error.description.contains("/nonexistent.creds"), "\(error)")
        }
        let down = try JetStreamClient(settings: NATSConnectionSettings(servers: ["nats://127.0.0.1:\(try HTTPClient.freePort())"], name: "t")) { _ in }
        #expect(!down.isConnected)
        #expect(down.publish([message(0)], timeout: .seconds(1)).failure != nil)
        do {
            _ = try down.streamState("CALLPULSE")
            Issue.record("a stream call succeeded without a server")
        } catch {
            #expect(error.kind == .notConnected, "\(error)")
            #expect(error.description == "cannot read the JetStream stream CALLPULSE: not connected to a NATS server (reconnecting)")
        }
    }

    @Test("TLS: the server's certificate is checked against the CA file")
    func tls() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-nats-tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/openssl"), [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "\(directory)/key.pem", "-out", "\(directory)/cert.pem",
        ])
        try #require(made.status == 0, "\(made.stderr)")
        let server = try NATSServer(arguments: ["--tls", "--tlscert", "\(directory)/cert.pem", "--tlskey", "\(directory)/key.pem"])
        let (trusted, _) = try connected(["tls://127.0.0.1:\(server.port)"], tlsCAFile: "\(directory)/cert.pem")
        #expect(try trusted.ensureStream(Self.stream()) == [])
        // Without the CA, the self-signed certificate is refused: never connected, and no throw.
        let untrusted = try JetStreamClient(settings: NATSConnectionSettings(servers: ["tls://127.0.0.1:\(server.port)"],
                                                                             name: "callpulse-test")) { _ in }
        #expect(!waitUntil(1) { untrusted.isConnected }, "a refusal cannot be waited for: a second of tries")
        #expect(throws: NATSError.self) {
            try JetStreamClient(settings: NATSConnectionSettings(servers: [server.url], name: "t", tlsCAFile: "\(directory)/key.pem")) { _ in }
        }
    }

    @Test("a three-server cluster elects a JetStream leader and takes an R=3 stream")
    func cluster() throws {
        let cluster = try NATSCluster()
        let (client, _) = try connected(cluster.urls)
        var differences: [String]?
        // Right after the election, stream placement may still answer "temporarily unavailable".
        #expect(waitUntil {
            differences = try? client.ensureStream(Self.stream(replicas: 3))
            return differences != nil
        })
        #expect(differences == [])
        #expect(try client.ensureStream(Self.stream(replicas: 1)) == [
            "the JetStream stream CALLPULSE has 3 replicas, not 1 as configured; the stream's setting stays in force",
        ])
        #expect(client.publish((0..<100).map { message($0) }, timeout: .seconds(10))
                == PublishResult(acknowledged: 100, duplicates: 0, failure: nil))
        #expect(try Self.counts(client.streamState("CALLPULSE")) == [1, 100, 100])
        let consumer = try client.pullConsumer(stream: "CALLPULSE", durable: "clustered", filter: "\(Self.subject).>",
                                               startSequence: nil, ackWait: .seconds(30))
        var sequences: [UInt64] = []
        #expect(try waitUntil {
            let batch = try consumer.fetch(max: 1000, timeout: .seconds(1))
            for i in 0..<batch.count {
                sequences.append(batch.streamSequence(i))
                batch.ack(i)
            }
            return sequences.count >= 100
        })
        #expect(sequences == Array(1...100))
        // Each member reports the stream with three replicas.
        let streams = cluster.servers.compactMap { ($0.monitor("/jsz")?["streams"] as? NSNumber)?.intValue }
        #expect(streams == [1, 1, 1], "\(streams)")
    }

    @Test("figures: publish rate and fetch+ack rate for 200,000 messages of 300 bytes on loopback")
    func throughput() throws {
        let server = try NATSServer()
        let (client, _) = try connected([server.url])
        _ = try client.ensureStream(Self.stream())
        let total = 200_000, batchSize = 1000
        let payload = Array(repeating: UInt8(ascii: "x"), count: 280)
        let messages = (0..<total).map { i in
            OutgoingMessage(subject: "\(Self.subject).0", data: Array("{\"n\":\(i),\"p\":\"".utf8) + payload, id: "id-\(i)")
        }
        let publishStart = ContinuousClock.now
        var acknowledged = 0
        for start in stride(from: 0, to: total, by: batchSize) {
            acknowledged += client.publish(Array(messages[start..<start + batchSize]), timeout: .seconds(30)).acknowledged
        }
        let publishTime = ContinuousClock.now - publishStart
        #expect(acknowledged == total)

        let consumer = try client.pullConsumer(stream: "CALLPULSE", durable: "bench", filter: "\(Self.subject).>",
                                               startSequence: nil, ackWait: .seconds(30))
        let consumeStart = ContinuousClock.now
        var consumed = 0
        var bytes = 0
        while consumed < total {
            let batch = try consumer.fetch(max: batchSize, timeout: .seconds(5))
            if batch.count == 0 { break }
            for i in 0..<batch.count {
                bytes += batch.withData(i) { $0.count }
                batch.ack(i)
            }
            consumed += batch.count
        }
        let consumeTime = ContinuousClock.now - consumeStart
        #expect(consumed == total)
        #expect(bytes > total * 280)
        print("NATS figures (loopback, \(total) messages of ~300 bytes, batches of \(batchSize)): publish \(rate(total, publishTime)) msg/s; "
              + "fetch+ack \(rate(consumed, consumeTime)) msg/s")
    }

    // MARK: Helpers

    /// A client and the connection changes it reported; waits until connected unless told not to.
    private func connected(_ urls: [String], tokenFile: String? = nil, tlsCAFile: String? = nil,
                           waitForConnection: Bool = true) throws -> (JetStreamClient, LockedBox<[Bool]>) {
        let changes = LockedBox<[Bool]>([])
        let settings = NATSConnectionSettings(servers: urls, name: "callpulse-test", tokenFile: tokenFile, tlsCAFile: tlsCAFile)
        let client = try JetStreamClient(settings: settings) { connected in changes.withLock { $0.append(connected) } }
        if waitForConnection {
            try #require(waitUntil { client.isConnected && changes.withLock { $0 } == [true] }, "no connection to \(urls)")
        }
        return (client, changes)
    }

    /// Event-like message `i`: its own bytes and ID, on shard `i mod 4`.
    private func message(_ i: Int) -> OutgoingMessage {
        let data = Array(#"{"message":{"call":{"id":"call-\#(i)","event":"connecting"}}}"#.utf8)
        return OutgoingMessage(subject: "\(Self.subject).\(i % 4)", data: data, id: "event-\(i)")
    }

    private func wallNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    private func rate(_ count: Int, _ duration: Duration) -> Int {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return Int(Double(count) / max(seconds, 1e-9))
    }
}
