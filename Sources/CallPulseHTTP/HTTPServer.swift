import CMicroHTTPD
import CallPulseSupport
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// An HTTP server on libmicrohttpd: the only type that calls MHD. It reads bodies
/// incrementally up to a limit, decompresses gzip, calls one handler per request and
/// writes its response (gzip when allowed).
///
/// Threading: MHD's epoll mode with an internal thread pool of `threads` workers. Measured
/// here: thread-per-connection was 40–50 % slower on POST and
/// cannot suspend connections (which the live stream needs). A connection stays on the
/// worker that accepted it, so four workers on two cores keep a long /metrics render from
/// stalling an ingest connection that happens to share its worker (scripts/load.py).
public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        public var address: SocketAddress
        public var threads = 4
        public var connectionLimit = 1024
        public var connectionsPerClient = 64
        public var connectionTimeoutSeconds = 30
        public var maxBodyBytes = 8 * 1024 * 1024
        /// How long `stop` waits for requests in flight to be answered before closing them.
        public var drainTimeout: Duration = .seconds(5)
        /// HTTPS: key, certificate and priorities (HTTPServer+TLS.swift); nil serves plain HTTP.
        public var tls: TLS?
        /// Headers to add to every answer to a request with an `Origin` header, by path and
        /// origin (CORS): also to the answers this adapter gives itself (413, 415, 400), which
        /// a browser would otherwise hide from the page. Nil adds none.
        public var crossOriginHeaders: (@Sendable (_ path: String, _ origin: String) -> [(name: String, value: String)])?
        /// Headers added to every answer: the handler's, streams, and the answers this adapter
        /// gives itself (400, 413, 415), so none goes out without them (docs/spec/security.md,
        /// "Headers"). Empty adds none.
        public var everyAnswerHeaders: [(name: String, value: String)] = []

        public init(address: SocketAddress) { self.address = address }
    }

    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    let configuration: Configuration
    let handler: Handler
    let logger: Logger
    /// The running daemon, as an integer so the box stays Sendable (MHD's handle is thread-safe).
    private let daemon = LockedBox<UInt?>(nil)
    /// Streams being served, so `stop` can end them (suspended connections must be resumed
    /// before MHD_stop_daemon).
    private let streams = LockedBox<[ObjectIdentifier: EventChannel]>([:])
    /// Requests begun and not yet completed (answered, aborted or timed out): `stop` waits for
    /// none, since MHD_stop_daemon closes a connection without sending what is queued on it.
    private let requestsInFlight = LockedBox(0)
    /// Set by `stop`: new connections are closed on accept, and each answer closes its
    /// connection, so the requests in flight drain.
    private let stopping = LockedBox(false)
    /// libmicrohttpd's messages, each at most once a minute.
    private let logLimiter = LockedBox(RepeatedMessageLimiter(period: .seconds(60)))
    /// The TLS pair in force (nil for plain HTTP): `replaceCertificate` swaps it while serving.
    let tlsState: LockedBox<TLSState?>

    public init(configuration: Configuration, logger: Logger, handler: @escaping Handler) {
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
        tlsState = LockedBox(configuration.tls.map { TLSState(key: $0.key, certificate: $0.certificate) })
    }

    /// Binds and starts serving; returns the bound port (useful with port 0).
    public func start() throws(HTTPAdapterError) -> Int {
        var flags = MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_USE_ERROR_LOG.rawValue
            | MHD_ALLOW_SUSPEND_RESUME.rawValue
        if configuration.address.isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        if configuration.tls != nil { flags |= MHD_USE_TLS.rawValue }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let slot = try openTLSSlot()
        let started: OpaquePointer? = configuration.address.withSockaddr { address in
            withOptionalCString(configuration.tls?.priorities) { priorities in
                var config = callpulse_mhd_config(
                    flags: flags, address: address, acceptPolicy: acceptPolicy, acceptPolicyContext: context,
                    handler: accessHandler, handlerContext: context,
                    completed: requestCompleted, completedContext: context,
                    threadPoolSize: UInt32(configuration.threads),
                    connectionLimit: UInt32(configuration.connectionLimit),
                    perClientLimit: UInt32(configuration.connectionsPerClient),
                    connectionTimeoutSeconds: UInt32(configuration.connectionTimeoutSeconds),
                    log: mhdLog, logContext: context, tls: slot, tlsPriorities: priorities)
                return callpulse_mhd_start(&config)
            }
        }
        guard let started else {
            closeTLSSlot()
            throw HTTPAdapterError(.cannotListen, "cannot listen on \(configuration.address) (in use, or not an address of this machine)")
        }
        daemon.withLock { $0 = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(started))) }
        return Int(callpulse_mhd_bound_port(started))
    }

    /// Stops accepting, finishes in-flight requests (for up to `drainTimeout`), ends the
    /// streams and releases the socket.
    public func stop() {
        guard let handle = daemon.withLock({ value -> UInt? in defer { value = nil }; return value }) else { return }
        // Not MHD_quiesce_daemon: with a thread pool in epoll mode, 0.9.75's quiesce races the
        // workers removing the listening socket from their epoll sets and aborts the process.
        stopping.withLock { $0 = true }
        for channel in streams.withLock({ Array($0.values) }) { channel.close() }
        let left = requestsInFlight.withLock(waitingUntil: { $0 == 0 }, atMost: configuration.drainTimeout) { count, _ in count }
        if left > 0 { logger.warning("stopping with \(left) requests unanswered after \(configuration.drainTimeout)") }
        MHD_stop_daemon(OpaquePointer(bitPattern: handle))
        closeTLSSlot()
    }

    fileprivate var acceptsConnections: Bool { !stopping.withLock { $0 } }

    fileprivate func requestBegan() { requestsInFlight.withLock { $0 += 1 } }

    fileprivate func requestEnded() { requestsInFlight.withLockNotifyingWaiters { $0 -= 1 } }

    // MARK: Requests

    /// Per-connection state between MHD's calls for one request.
    final class RequestState {
        var body: [UInt8] = []
        var received = 0
        var tooLarge = false
    }

    fileprivate func access(connection: OpaquePointer, url: String, method: String,
                            upload: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>,
                            state statePointer: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        guard let existing = statePointer.pointee else {
            // First call: headers only. Answer now only on purpose (a declared body over the limit).
            let state = RequestState()
            statePointer.pointee = Unmanaged.passRetained(state).toOpaque()
            requestBegan()
            if let length = header(connection, "Content-Length").flatMap(Int.init), length > configuration.maxBodyBytes {
                return queue(connection, bodyTooLarge(), path: url, request: nil)
            }
            return MHD_Result.YES
        }
        let state = Unmanaged<RequestState>.fromOpaque(existing).takeUnretainedValue()
        if uploadSize.pointee > 0 {
            let size = uploadSize.pointee
            state.received += size
            if state.received > configuration.maxBodyBytes {
                state.tooLarge = true
                state.body = []
                // Past four times the limit the client is not listening: drop the connection.
                if state.received > 4 * configuration.maxBodyBytes { return MHD_Result.NO }
            } else if let upload {
                upload.withMemoryRebound(to: UInt8.self, capacity: size) {
                    state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: size))
                }
            }
            uploadSize.pointee = 0
            return MHD_Result.YES
        }
        if state.tooLarge { return queue(connection, bodyTooLarge(), path: url, request: nil) }
        var request = HTTPRequest(method: method, path: url, query: arguments(connection), headers: headers(connection),
                                  body: state.body, fromLoopback: callpulse_mhd_client_is_loopback(connection) != 0,
                                  clientAddress: Self.clientAddress(connection))
        state.body = []
        if let refusal = Self.decodeBody(&request, limit: configuration.maxBodyBytes) {
            return queue(connection, refusal, path: url, request: request)
        }
        return queue(connection, handler(request), path: url, request: request)
    }

    /// Undoes `Content-Encoding` (identity or gzip, up to `limit` bytes decoded); nil when the
    /// body is ready for the handler, else the 400, 413 or 415 to send instead.
    public static func decodeBody(_ request: inout HTTPRequest, limit: Int) -> HTTPResponse? {
        guard let encoding = request.header("content-encoding")?.lowercased(), encoding != "identity" else { return nil }
        guard encoding == "gzip" else {
            return error(415, "unsupported_encoding", "Content-Encoding '\(encoding)' is not supported; send identity or gzip")
        }
        do {
            request.body = try Gzip.decompress(request.body, limit: limit)
            return nil
        } catch where error.kind == .bodyTooLarge {
            return bodyTooLarge(limit)
        } catch {
            return Self.error(400, "bad_gzip", "the gzip body cannot be decompressed: \(error.description)")
        }
    }

    private func bodyTooLarge() -> HTTPResponse { Self.bodyTooLarge(configuration.maxBodyBytes) }

    private static func bodyTooLarge(_ limit: Int) -> HTTPResponse {
        error(413, "body_too_large", "the request body is larger than max_body_bytes (\(limit) bytes); nothing was applied")
    }

    /// A JSON error body: `{"error": "<sentence>", "reason": "<code>"}`.
    public static func error(_ status: Int, _ reason: String, _ sentence: String) -> HTTPResponse {
        var text = "{\"error\": "
        appendJSONString(sentence, to: &text)
        text += ", \"reason\": "
        appendJSONString(reason, to: &text)
        text += "}\n"
        return HTTPResponse(status: status, contentType: "application/json", text: text)
    }

    private func queue(_ connection: OpaquePointer, _ response: HTTPResponse, path: String,
                       request: HTTPRequest?) -> MHD_Result {
        var response = response
        response.headers += configuration.everyAnswerHeaders
        if configuration.tls != nil { response.headers.append(Self.strictTransportSecurity) }
        if let crossOriginHeaders = configuration.crossOriginHeaders, let origin = header(connection, "Origin") {
            response.headers += crossOriginHeaders(path, origin)
        }
        if let channel = response.stream { return queueStream(connection, response, channel) }
        var body = response.body
        var headers = response.headers
        if response.compressible, body.count > 1024, mayCompress(response),
           request?.header("accept-encoding")?.contains("gzip") == true {
            body = Gzip.compress(body, level: 1)  // speed over size: scrapes come often
            headers.append(("Content-Encoding", "gzip"))
            headers.append(("Vary", "Accept-Encoding"))
        }
        let created = body.withUnsafeBytes {
            MHD_create_response_from_buffer($0.count, UnsafeMutableRawPointer(mutating: $0.baseAddress),
                                            MHD_ResponseMemoryMode.RESPMEM_MUST_COPY)
        }
        guard let mhdResponse = created else { return MHD_Result.NO }
        defer { MHD_destroy_response(mhdResponse) }
        for (name, value) in headers { _ = MHD_add_response_header(mhdResponse, name, value) }
        if stopping.withLock({ $0 }) { _ = MHD_add_response_header(mhdResponse, "Connection", "close") }
        return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
    }

    /// A response whose body MHD pulls from `channel` (chunked, no length) until it closes.
    private func queueStream(_ connection: OpaquePointer, _ response: HTTPResponse, _ channel: EventChannel) -> MHD_Result {
        channel.attach(connection)
        let context = Unmanaged.passRetained(StreamContext(server: self, channel: channel)).toOpaque()
        guard let mhdResponse = MHD_create_response_from_callback(UInt64.max, 4096, streamReader, context, streamFreed)
        else {
            Unmanaged<StreamContext>.fromOpaque(context).release()
            channel.detach()
            return MHD_Result.NO
        }
        defer { MHD_destroy_response(mhdResponse) }
        for (name, value) in response.headers { _ = MHD_add_response_header(mhdResponse, name, value) }
        streams.withLock { $0[ObjectIdentifier(channel)] = channel }
        // stop() clears `daemon` before it closes the registered streams: one of the two sees the other.
        if daemon.withLock({ $0 == nil }) { channel.close() }
        return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
    }

    fileprivate func streamEnded(_ channel: EventChannel) {
        channel.detach()
        streams.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    private func header(_ connection: OpaquePointer, _ name: String) -> String? {
        MHD_lookup_connection_value(connection, MHD_ValueKind.HEADER_KIND, name).map { String(cString: $0) }
    }

    private func headers(_ connection: OpaquePointer) -> [String: String] {
        var collected = Collected()
        withUnsafeMutablePointer(to: &collected) { pointer in
            _ = MHD_get_connection_values(connection, MHD_ValueKind.HEADER_KIND, collectValue, pointer)
        }
        var headers: [String: String] = [:]
        for (name, value) in collected.pairs { headers[name.lowercased()] = value }
        return headers
    }

    private func arguments(_ connection: OpaquePointer) -> [(name: String, value: String)] {
        var collected = Collected()
        withUnsafeMutablePointer(to: &collected) { pointer in
            _ = MHD_get_connection_values(connection, MHD_ValueKind.GET_ARGUMENT_KIND, collectValue, pointer)
        }
        return collected.pairs
    }

    fileprivate func log(_ message: String) {
        let now = SystemClock.monotonicNanos()
        guard let shown = logLimiter.withLock({ $0.admit(message, now: now) }) else { return }
        logger.warning("libmicrohttpd: \(shown)")
    }
}

/// Accumulates MHD's key/value iteration.
struct Collected {
    var pairs: [(name: String, value: String)] = []
}

private let collectValue: MHD_KeyValueIterator = { context, _, key, value in
    guard let context, let key else { return MHD_Result.YES }
    context.assumingMemoryBound(to: Collected.self).pointee.pairs
        .append((String(cString: key), value.map { String(cString: $0) } ?? ""))
    return MHD_Result.YES
}

private let accessHandler: MHD_AccessHandlerCallback = { context, connection, url, method, _, upload, uploadSize, state in
    guard let context, let connection, let url, let method, let uploadSize, let state else { return MHD_Result.NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue()
    return server.access(connection: connection, url: String(cString: url), method: String(cString: method),
                         upload: upload, uploadSize: uploadSize, state: state)
}

/// What a streaming response's callbacks need.
final class StreamContext {
    let server: HTTPServer
    let channel: EventChannel
    init(server: HTTPServer, channel: EventChannel) {
        self.server = server
        self.channel = channel
    }
}

private let streamReader: MHD_ContentReaderCallback = { context, _, buffer, capacity in
    guard let context, let buffer else { return -2 }  // MHD_CONTENT_READER_END_WITH_ERROR
    return Unmanaged<StreamContext>.fromOpaque(context).takeUnretainedValue().channel.read(into: buffer, capacity: capacity)
}

private let streamFreed: MHD_ContentReaderFreeCallback = { context in
    guard let context else { return }
    let stream = Unmanaged<StreamContext>.fromOpaque(context).takeRetainedValue()
    stream.server.streamEnded(stream.channel)
}

private let acceptPolicy: MHD_AcceptPolicyCallback = { context, _, _ in
    guard let context else { return MHD_Result.NO }
    return Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().acceptsConnections ? MHD_Result.YES : MHD_Result.NO
}

private let requestCompleted: MHD_RequestCompletedCallback = { context, _, state, _ in
    // Runs on completion, abort and timeout alike: the request state is released here.
    guard let context, let state, let pointer = state.pointee else { return }
    Unmanaged<HTTPServer.RequestState>.fromOpaque(pointer).release()
    state.pointee = nil
    Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().requestEnded()
}

private let mhdLog: callpulse_mhd_log_callback = { context, message in
    guard let context, let message else { return }
    Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().log(String(cString: message))
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString(body)
}
