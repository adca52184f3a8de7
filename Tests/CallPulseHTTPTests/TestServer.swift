import CallPulseHTTP
import CallPulseSupport
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// An `HTTPServer` on 127.0.0.1, port 0, with a test's handler; stopped when it goes away.
final class TestServer {
    let server: HTTPServer
    let port: Int
    /// Every request the handler was called with, in order.
    let requests = LockedBox<[HTTPRequest]>([])

    init(threads: Int = 2, configure: (inout HTTPServer.Configuration) -> Void = { _ in },
         handler: @escaping HTTPServer.Handler) throws {
        var configuration = HTTPServer.Configuration(address: SocketAddress(host: "127.0.0.1", port: 0))
        configuration.threads = threads
        configure(&configuration)
        let seen = requests
        server = HTTPServer(configuration: configuration, logger: Logger(label: "CallPulseHTTPTests")) { request in
            seen.withLock { $0.append(request) }
            return handler(request)
        }
        port = try server.start()
    }

    deinit { server.stop() }

    func connect() throws -> LoopbackConnection { try LoopbackConnection(port: port) }

    /// One request on a new connection, and its response.
    func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = [])
        throws -> LoopbackConnection.Response {
        let connection = try connect()
        try connection.request(method, target, headers: headers + [("Connection", "close")], body: body)
        return try connection.readResponse(bodyless: method == "HEAD")
    }

    var handled: Int { requests.withLock { $0.count } }
}

/// How long a test waits for anything: generous for loaded 2-core machines and sanitizers;
/// a wait ends as soon as its condition holds.
let patience: Double = 60

/// Polls `condition` until it holds or `patience` runs out; whether it held. Waits for a
/// condition, never for a time.
@discardableResult
func eventually(_ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(patience)
    while try !condition() {
        if ContinuousClock.now >= deadline { return false }
        usleep(10_000)  // the polling step
    }
    return true
}

/// Runs `body` on a thread of its own (for calls that block, such as `stop()`); `done` turns
/// true when it returns.
func onThread(_ body: @escaping @Sendable () -> Void) -> LockedBox<Bool> {
    let done = LockedBox(false)
    Thread.detachNewThread {
        body()
        done.withLock { $0 = true }
    }
    return done
}
