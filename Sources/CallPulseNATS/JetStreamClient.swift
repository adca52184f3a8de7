import CNATS
import CallPulseSupport
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A NATS connection with JetStream (docs/spec/scale-out.md): the only type that calls nats.c
/// (through CNATS). `PullConsumer` and `FetchedBatch` hold nats.c handles and call back in here.
///
/// The connection is made in the background and kept forever: when no server answers, the
/// client retries with back-off (100 ms doubling to 5 s, with jitter) and never gives up.
///
/// Sendable without `@unchecked`: the C client is kept as an integer that never changes, and
/// nats.c's connection and JetStream context may be used from any thread.
public final class JetStreamClient: Sendable {
    /// The `cpnats_client *`, as an integer so the class stays Sendable.
    private let handle: UInt

    /// Connects in the background (and reconnects forever); `connectionChanged(true/false)` is
    /// called on each connect, disconnect and reconnect, in order, from nats.c's callback thread
    /// (keep it short). It starts from "disconnected": the first call is `true` once connected,
    /// possibly before this returns. Throws only for settings that cannot work (a bad URL, an
    /// unreadable token, credentials or TLS file), not when the servers are merely down.
    /// `logger` gets nats.c's asynchronous errors, each at most once a minute.
    public init(settings: NATSConnectionSettings, logger: Logger = Logger(label: "callpulse.nats"),
                connectionChanged: @escaping @Sendable (Bool) -> Void) throws(NATSError) {
        guard !settings.servers.isEmpty else { throw NATSError(.invalidSettings, "no NATS server URL is set") }
        let token = try Self.readToken(settings.tokenFile)
        for (file, what) in [(settings.credsFile, "credentials"), (settings.tlsCAFile, "TLS CA"),
                             (settings.tlsCertFile, "TLS certificate"), (settings.tlsKeyFile, "TLS key")] {
            if let file, access(file, R_OK) != 0 {
                throw NATSError(.invalidSettings, "cannot read the NATS \(what) file \(file): \(String(cString: strerror(errno)))")
            }
        }
        if (settings.tlsCertFile == nil) != (settings.tlsKeyFile == nil) {
            throw NATSError(.invalidSettings, "a NATS TLS client certificate needs its key, and a key its certificate")
        }
        let events = ConnectionEvents(changed: connectionChanged, logger: logger)
        let context = Unmanaged.passRetained(events).toOpaque()
        var strings = CStrings()
        defer { strings.free() }
        let servers: [UnsafePointer<CChar>?] = settings.servers.map { UnsafePointer(strings.copy($0)) }
        var error = [CChar](repeating: 0, count: 512)
        let created = servers.withUnsafeBufferPointer { servers in
            var options = cpnats_settings(
                servers: servers.baseAddress, serverCount: Int32(servers.count), name: strings.copy(settings.name),
                token: strings.copy(token), credsFile: strings.copy(settings.credsFile),
                tlsCAFile: strings.copy(settings.tlsCAFile), tlsCertFile: strings.copy(settings.tlsCertFile),
                tlsKeyFile: strings.copy(settings.tlsKeyFile),
                requestTimeoutMillis: Self.millis(settings.requestTimeout),
                callback: connectionEvent, context: context)
            return cpnats_client_create(&options, &error, error.count)
        }
        guard let created else {
            Unmanaged<ConnectionEvents>.fromOpaque(context).release()  // never called back
            throw NATSError(.invalidSettings, "\(Self.text(error)) (\(settings.servers.joined(separator: ",")))")
        }
        handle = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(created)))
    }

    deinit {
        cpnats_client_destroy(client)
    }

    private var client: OpaquePointer { OpaquePointer(bitPattern: handle)! }

    private var js: OpaquePointer { cpnats_client_jetstream(client) }

    /// Whether a server is connected right now.
    public var isConnected: Bool { cpnats_client_is_connected(client) != 0 }

    /// The largest message the server takes (its `max_payload`; 1 MiB by default); 0 before the
    /// first connection.
    public var maxPayload: Int { Int(cpnats_client_max_payload(client)) }

    // MARK: Streams

    /// Creates the stream when absent (file storage, `subjects`, replicas, max age, duplicate
    /// window). When it exists, its settings stay as they are and the differences from `stream`
    /// come back as sentences for the caller to log as warnings (docs/spec/scale-out.md:
    /// "an existing stream's settings win"). Several instances may call this at once.
    public func ensureStream(_ stream: StreamSettings) throws(NATSError) -> [String] {
        if let existing = try streamInfo(stream.name) { return existing.differences(from: stream) }
        var strings = CStrings()
        defer { strings.free() }
        var subjects: [UnsafePointer<CChar>?] = stream.subjects.map { UnsafePointer(strings.copy($0)) }
        var config = jsStreamConfig()
        jsStreamConfig_Init(&config)
        config.Name = UnsafePointer(strings.copy(stream.name))
        config.Storage = js_FileStorage
        config.Replicas = Int64(stream.replicas)
        config.MaxAge = Int64(stream.maxAge.wholeNanoseconds)
        config.Duplicates = Int64(stream.duplicateWindow.wholeNanoseconds)
        config.SubjectsLen = Int32(subjects.count)
        var errorCode = jsErrCode(0)
        let status = subjects.withUnsafeMutableBufferPointer { subjects in
            config.Subjects = subjects.baseAddress
            var info: UnsafeMutablePointer<jsStreamInfo>?
            defer { jsStreamInfo_Destroy(info) }
            return js_AddStream(&info, js, &config, nil, &errorCode)
        }
        if status == NATS_OK { return [] }
        let failure = Self.error(status, errorCode, "cannot create the JetStream stream \(stream.name)")
        // Another instance created it first, with other settings: theirs win.
        if errorCode == JSStreamNameExistErr, let existing = try streamInfo(stream.name) {
            return existing.differences(from: stream)
        }
        throw failure
    }

    /// The stream's first and last sequence and its message count.
    public func streamState(_ name: String) throws(NATSError) -> StreamState {
        guard let info = try streamInfo(name) else {
            throw NATSError(.refused, "the JetStream stream \(name) does not exist")
        }
        return info.state
    }

    /// The stream's settings and state; nil when it does not exist.
    private func streamInfo(_ name: String) throws(NATSError) -> ExistingStream? {
        try requireConnection("cannot read the JetStream stream \(name)")
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var errorCode = jsErrCode(0)
        let status = js_GetStreamInfo(&info, js, name, nil, &errorCode)
        defer { jsStreamInfo_Destroy(info) }
        if status == NATS_NOT_FOUND { return nil }
        guard status == NATS_OK, let info, let config = info.pointee.Config else {
            throw Self.error(status, errorCode, "cannot read the JetStream stream \(name)")
        }
        let c = config.pointee
        let subjects = (0..<Int(c.SubjectsLen)).compactMap { c.Subjects?[$0].map { String(cString: $0) } }
        let state = info.pointee.State
        return ExistingStream(name: name, subjects: subjects, replicas: Int(c.Replicas), maxAgeNanos: c.MaxAge,
                              duplicateWindowNanos: c.Duplicates, fileStorage: c.Storage == js_FileStorage,
                              state: StreamState(firstSequence: state.FirstSeq, lastSequence: state.LastSeq,
                                                 messages: state.Msgs, created: info.pointee.Created))
    }

    // MARK: Publishing

    /// Publishes every message (subject, data, `Nats-Msg-Id` header) asynchronously, all in
    /// flight at once, then waits once for the PubAcks, up to `timeout` from the call. Returns
    /// how many were acknowledged (a duplicate counts: it is in the stream) and, when not all,
    /// a sentence why. A PubAck that comes after the timeout is not counted. Fails at once when
    /// not connected. Safe from many threads at once: each call tracks its own PubAcks.
    public func publish(_ messages: [OutgoingMessage], timeout: Duration) -> PublishResult {
        guard !messages.isEmpty else { return PublishResult(acknowledged: 0, duplicates: 0, failure: nil) }
        var error = [CChar](repeating: 0, count: 256)
        guard let publication = cpnats_publication_begin(client, Self.millis(timeout), &error, error.count) else {
            return PublishResult(acknowledged: 0, duplicates: 0,
                                 failure: "none of \(messages.count) messages was published: \(Self.text(error))")
        }
        for message in messages {
            let sent = message.subject.withCString { subject in
                message.id.withCString { id in
                    message.data.withUnsafeBytes { data in
                        cpnats_publication_add(publication, subject, data.baseAddress, Int32(data.count), id)
                    }
                }
            }
            if sent == 0 { break }
        }
        var outcome = cpnats_publish_outcome()
        cpnats_publication_end(publication, &outcome)
        let acknowledged = Int(outcome.acknowledged)
        var failure: String?
        if acknowledged < messages.count {
            var detail = withUnsafeBytes(of: outcome.detail) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if detail.isEmpty { detail = "no PubAck" }
            failure = "JetStream acknowledged \(acknowledged) of \(messages.count) messages within \(timeout): \(detail)"
        }
        return PublishResult(acknowledged: acknowledged, duplicates: Int(outcome.duplicates), failure: failure)
    }

    // MARK: Consuming

    /// (Re)creates the durable pull consumer `durable` on `stream`: deletes one of that name if
    /// it exists, then creates it with explicit ack, `ackWait`, filter subject `filter`, delivery
    /// from `startSequence` (nil: all) and room for `maxAckPending` unacknowledged messages (the
    /// server's default, 1000, would stall a batch of 1000 until it is acked), and subscribes to it.
    public func pullConsumer(stream: String, durable: String, filter: String, startSequence: UInt64?,
                             ackWait: Duration, maxAckPending: Int = 65_536) throws(NATSError) -> PullConsumer {
        try requireConnection("cannot create the consumer \(durable) of stream \(stream)")
        var subscription: OpaquePointer?
        var errorCode = jsErrCode(0)
        var error = [CChar](repeating: 0, count: 512)
        let status = cpnats_pull_consumer(client, stream, durable, filter, startSequence ?? 0,
                                          Int64(ackWait.wholeNanoseconds), Int64(maxAckPending),
                                          &subscription, &errorCode, &error, error.count)
        guard status == NATS_OK, let subscription else {
            let code = errorCode.rawValue != 0 ? " (JetStream error \(errorCode.rawValue))" : ""
            throw NATSError(Self.kind(status, errorCode), Self.text(error) + code)
        }
        return PullConsumer(client: self, subscription: subscription, stream: stream, durable: durable)
    }

    /// Up to `max` messages of `subscription`; none when none came within `timeout`.
    func fetch(_ subscription: OpaquePointer, max: Int, timeout: Duration, durable: String) throws(NATSError)
        -> cpnats_fetched {
        try requireConnection("cannot fetch from the consumer \(durable)")
        var fetched = cpnats_fetched()
        let status = cpnats_fetch(subscription, Int32(clamping: max), Self.millis(timeout), &fetched)
        if status == NATS_OK { return fetched }
        if status == NATS_TIMEOUT {
            // A disconnect does not end a fetch early: it times out, and says why here.
            guard isConnected else {
                throw NATSError(.notConnected, "cannot fetch from the consumer \(durable): the connection to NATS was lost")
            }
            return fetched
        }
        throw Self.error(status, jsErrCode(0), "cannot fetch from the consumer \(durable)")
    }

    /// NumPending of the consumer (messages not yet delivered to it), nil when unknown.
    func pending(stream: String, durable: String) -> UInt64? {
        guard isConnected else { return nil }
        var info: UnsafeMutablePointer<jsConsumerInfo>?
        var errorCode = jsErrCode(0)
        let status = js_GetConsumerInfo(&info, js, stream, durable, nil, &errorCode)
        defer { jsConsumerInfo_Destroy(info) }
        guard status == NATS_OK, let info else { return nil }
        return info.pointee.NumPending
    }

    /// Ends delivery to `subscription` (a `cpnats_puller`); the durable consumer stays.
    static func unsubscribe(_ subscription: OpaquePointer) {
        cpnats_puller_close(subscription)
    }

    /// Frees `subscription` (unsubscribing first if needed; the durable consumer stays).
    static func destroy(_ subscription: OpaquePointer) {
        cpnats_puller_destroy(subscription)
    }

    static func free(_ fetched: inout cpnats_fetched) {
        cpnats_fetched_free(&fetched)
    }

    @inline(__always)
    static func withData<R>(_ message: OpaquePointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        body(UnsafeRawBufferPointer(start: natsMsg_GetData(message), count: Int(natsMsg_GetDataLength(message))))
    }

    /// Sends the ack (not waiting for the server's confirmation); false when it could not be sent.
    static func ack(_ message: OpaquePointer, of subscription: OpaquePointer) -> Bool {
        cpnats_reply(subscription, message, "+ACK") != 0
    }

    /// Tells JetStream never to deliver the message again; false when it could not be sent.
    static func term(_ message: OpaquePointer, of subscription: OpaquePointer) -> Bool {
        cpnats_reply(subscription, message, "+TERM") != 0
    }

    // MARK: Helpers

    /// Fails at once while reconnecting: a JetStream request would only wait out its timeout.
    private func requireConnection(_ what: @autoclosure () -> String) throws(NATSError) {
        guard isConnected else {
            throw NATSError(.notConnected, "\(what()): not connected to a NATS server (reconnecting)")
        }
    }

    /// Whole milliseconds, at least 1 (nats.c takes 0 as "wait forever" in places).
    static func millis(_ duration: Duration) -> Int64 {
        max(1, Int64((duration.wholeNanoseconds + 999_999) / 1_000_000))
    }

    /// A C string that the C side wrote into `buffer`.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `what` and nats.c's reason, with the kind the status and JetStream's error code say.
    private static func error(_ status: natsStatus, _ errorCode: jsErrCode, _ what: String) -> NATSError {
        var text = [CChar](repeating: 0, count: 256)
        cpnats_last_error(status, &text, text.count)
        var sentence = "\(what): \(Self.text(text))"
        if errorCode.rawValue != 0 { sentence += " (JetStream error \(errorCode.rawValue))" }
        return NATSError(kind(status, errorCode), sentence)
    }

    private static func kind(_ status: natsStatus, _ errorCode: jsErrCode) -> NATSErrorKind {
        if errorCode.rawValue != 0 { return errorCode == JSClusterNotAvailErr ? .unavailable : .refused }
        switch status {
        case NATS_CONNECTION_CLOSED, NATS_CONNECTION_DISCONNECTED, NATS_NO_SERVER, NATS_NOT_YET_CONNECTED,
             NATS_IO_ERROR, NATS_STALE_CONNECTION:
            return .notConnected
        case NATS_TIMEOUT, NATS_NO_RESPONDERS:
            return .unavailable
        case NATS_ERR, NATS_NOT_FOUND:
            return .refused
        default:
            return .failed
        }
    }

    private static func readToken(_ path: String?) throws(NATSError) -> String? {
        guard let path else { return nil }
        guard let file = fopen(path, "r") else {
            throw NATSError(.invalidSettings, "cannot read the NATS token file \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        let token = String(decoding: bytes, as: UTF8.self).trimmingWhiteSpace
        guard !token.isEmpty else { throw NATSError(.invalidSettings, "the NATS token file \(path) holds no token") }
        return token
    }
}

/// What the connection's callbacks reach: retained for nats.c until its last callback.
private final class ConnectionEvents: Sendable {
    let changed: @Sendable (Bool) -> Void
    let logger: Logger
    let limiter = LockedBox(OncePerPeriod(period: .seconds(60), capacity: 64))

    init(changed: @escaping @Sendable (Bool) -> Void, logger: Logger) {
        self.changed = changed
        self.logger = logger
    }

    func asyncError(_ detail: String) {
        let now = SystemClock.monotonicNanos()
        guard let heldBack = limiter.withLock({ $0.admit(detail, now: now) }) else { return }
        let repeated = heldBack > 0 ? " (\(heldBack) more since it was last logged)" : ""
        logger.warning("NATS: \(detail)\(repeated)")
    }
}

private let connectionEvent: cpnats_event_callback = { context, event, detail in
    guard let context else { return }
    let events = Unmanaged<ConnectionEvents>.fromOpaque(context)
    switch event {
    case CPNATS_CONNECTED: events.takeUnretainedValue().changed(true)
    case CPNATS_DISCONNECTED: events.takeUnretainedValue().changed(false)
    case CPNATS_ASYNC_ERROR: events.takeUnretainedValue().asyncError(detail.map { String(cString: $0) } ?? "error")
    case CPNATS_RELEASED: events.release()
    default: break
    }
}

/// The stream as the server has it.
private struct ExistingStream {
    var name: String
    var subjects: [String]
    var replicas: Int
    var maxAgeNanos: Int64
    var duplicateWindowNanos: Int64
    var fileStorage: Bool
    var state: StreamState

    /// One sentence per setting that differs from `wanted`.
    func differences(from wanted: StreamSettings) -> [String] {
        var found: [String] = []
        let kept = "; the stream's setting stays in force"
        if Set(subjects) != Set(wanted.subjects) {
            found.append("the JetStream stream \(name) takes the subjects \(subjects.joined(separator: ", ")), "
                + "not \(wanted.subjects.joined(separator: ", ")) as configured\(kept)")
        }
        if replicas != wanted.replicas {
            found.append("the JetStream stream \(name) has \(replicas) replicas, not \(wanted.replicas) as configured\(kept)")
        }
        let maxAge = Int64(wanted.maxAge.wholeNanoseconds)
        if maxAgeNanos != maxAge {
            found.append("the JetStream stream \(name) keeps messages for \(describe(maxAgeNanos)), "
                + "not \(describe(maxAge)) as configured\(kept)")
        }
        let window = Int64(wanted.duplicateWindow.wholeNanoseconds)
        if duplicateWindowNanos != window {
            found.append("the JetStream stream \(name) has a duplicate window of \(describe(duplicateWindowNanos)), "
                + "not \(describe(window))\(kept)")
        }
        if !fileStorage {
            found.append("the JetStream stream \(name) keeps its messages in memory, not in files: a server restart loses them")
        }
        return found
    }

    /// 48h, 2m, 90s, 1500ms; 0 is "no limit".
    private func describe(_ nanos: Int64) -> String {
        if nanos == 0 { return "no limit" }
        let second: Int64 = 1_000_000_000
        if nanos % (3600 * second) == 0 { return "\(nanos / (3600 * second))h" }
        if nanos % (60 * second) == 0 { return "\(nanos / (60 * second))m" }
        if nanos % second == 0 { return "\(nanos / second)s" }
        return "\(nanos / 1_000_000)ms"
    }
}

/// C strings that live until `free`.
private struct CStrings {
    private var copies: [UnsafeMutablePointer<CChar>] = []

    mutating func copy(_ string: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(string)!
        copies.append(copy)
        return copy
    }

    mutating func copy(_ string: String?) -> UnsafeMutablePointer<CChar>? {
        string.map { copy($0) }
    }

    func free() {
        for copy in copies { Glibc.free(copy) }
    }
}

extension String {
    fileprivate var trimmingWhiteSpace: String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace || $0.isNewline }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
