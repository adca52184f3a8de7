import CallPulseHTTP
import CallPulseSupport
import Foundation
import Logging
import Testing

/// `HTTPServer` on real loopback sockets with trivial handlers: binding, the request the
/// handler sees, the response the client gets, HEAD, connection limits and stopping.
struct HTTPServerTests {
    /// Answers with what it saw, one `name=value` a line.
    static let echo: HTTPServer.Handler = { request in
        var lines = ["method=\(request.method)", "path=\(request.path)"]
        lines += request.query.map { "query \($0.name)=\($0.value)" }
        lines.append("x-test=\(request.header("X-Test") ?? "-")")
        lines.append("loopback=\(request.fromLoopback)")
        lines.append("body=\(String(decoding: request.body, as: UTF8.self))")
        return HTTPResponse(status: 201, headers: [("Content-Type", "text/plain"), ("X-Reply", "echo")],
                            body: Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    @Test("port 0 binds a free port, read back from start(); a second server cannot take it")
    func bindsEphemeralPort() throws {
        let server = try TestServer(handler: Self.echo)
        #expect((1024...65535).contains(server.port))
        #expect(try server.send("GET", "/").status == 201)

        var taken = HTTPServer.Configuration(address: SocketAddress(host: "127.0.0.1", port: server.port))
        taken.threads = 1
        let second = HTTPServer(configuration: taken, logger: Logger(label: "CallPulseHTTPTests")) { _ in
            HTTPResponse(status: 200)
        }
        let error = #expect(throws: HTTPAdapterError.self) { try second.start() }
        #expect(error?.code == "cannot_listen")
        #expect(error?.description == "cannot listen on 127.0.0.1:\(server.port) (in use, or not an address of this machine)")
    }

    struct RoundTrip: Sendable, CustomTestStringConvertible {
        var method: String
        var target: String
        var headers: [(String, String)]
        var body: String
        var echoed: [String]
        var testDescription: String { "\(method) \(target)" }
    }

    static let roundTrips: [RoundTrip] = [
        RoundTrip(method: "GET", target: "/", headers: [], body: "",
                  echoed: ["method=GET", "path=/", "x-test=-", "loopback=true", "body="]),
        RoundTrip(method: "GET", target: "/api/v1/queues/Billing%20EU?queue=a&queue=b%2Fc&limit=",
                  headers: [("X-Test", "Mixed Case Value")], body: "",
                  echoed: ["method=GET", "path=/api/v1/queues/Billing EU", "query queue=a", "query queue=b/c",
                           "query limit=", "x-test=Mixed Case Value", "loopback=true", "body="]),
        RoundTrip(method: "POST", target: "/api/v1/events", headers: [("x-test", "lower")],
                  body: "{\"a\": 1}\n{\"b\": 2}",
                  echoed: ["method=POST", "path=/api/v1/events", "x-test=lower", "loopback=true",
                           "body={\"a\": 1}", "{\"b\": 2}"]),
        RoundTrip(method: "DELETE", target: "/thing", headers: [], body: "",
                  echoed: ["method=DELETE", "path=/thing", "x-test=-", "loopback=true", "body="]),
    ]

    @Test("a request reaches the handler decoded; its status, headers and body reach the client",
          arguments: roundTrips)
    func roundTrip(_ trip: RoundTrip) throws {
        let server = try TestServer(handler: Self.echo)
        let response = try server.send(trip.method, trip.target, headers: trip.headers, body: Array(trip.body.utf8))
        #expect(response.status == 201)
        #expect(response.headers["x-reply"] == "echo")
        #expect(response.headers["content-type"] == "text/plain")
        #expect(response.headers["content-length"] == String(response.body.count))
        #expect(response.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            == trip.echoed)
        #expect(server.handled == 1)
    }

    @Test("keep-alive: several requests on one connection, each answered in order")
    func keepAlive() throws {
        let server = try TestServer(handler: Self.echo)
        let connection = try server.connect()
        for index in 1...3 {
            try connection.request("GET", "/n?i=\(index)")
            let response = try connection.readResponse()
            #expect(response.status == 201)
            #expect(response.text.contains("query i=\(index)\n"))
        }
        #expect(server.handled == 3)
    }

    @Test("HEAD: the GET's status and headers with Content-Length, and no body on the wire")
    func head() throws {
        let server = try TestServer { _ in HTTPResponse(status: 200, contentType: "text/plain", text: "hello, world") }
        let connection = try server.connect()
        try connection.request("HEAD", "/page")
        let head = try connection.readResponse(bodyless: true)
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "12")
        #expect(head.headers["content-type"] == "text/plain")
        // Had the body been sent, the next response would start inside it.
        try connection.request("GET", "/page")
        let get = try connection.readResponse()
        #expect(get.status == 200)
        #expect(get.text == "hello, world")
        #expect(server.requests.withLock { $0.map(\.method) } == ["HEAD", "GET"])
    }

    @Test("a handler's JSON error: status, reason and sentence")
    func errorResponse() throws {
        let server = try TestServer { _ in HTTPServer.error(409, "conflict_here", "a \"quoted\" sentence") }
        let response = try server.send("GET", "/")
        #expect(response.status == 409)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.text == "{\"error\": \"a \\\"quoted\\\" sentence\", \"reason\": \"conflict_here\"}\n")
    }

    @Test("connections per client: past the limit a connection is closed unanswered; a freed slot is usable again")
    func perClientLimit() throws {
        let server = try TestServer(configure: { $0.connectionsPerClient = 2 }, handler: Self.echo)
        // Two kept-alive connections, each answered once, so the server has accepted both.
        var held = try (0..<2).map { _ in try server.connect() }
        for connection in held {
            try connection.request("GET", "/held")
            #expect(try connection.readResponse().status == 201)
        }
        let third = try server.connect()  // the kernel accepts; the server closes it at once
        try? third.request("GET", "/third")
        #expect(third.closedWithoutResponse())
        #expect(server.handled == 2)

        held.removeLast()  // closes one
        let recovered = eventually {
            guard let connection = try? server.connect() else { return false }
            try? connection.request("GET", "/again", headers: [("Connection", "close")])
            return (try? connection.readResponse())?.status == 201
        }
        #expect(recovered)
        #expect(server.requests.withLock { $0.last?.path } == "/again")
    }

    @Test("stop() with a request in flight: new connections are turned away, the handler runs to its end and its answer is sent, stop() returns")
    func stopWhileInFlight() throws {
        let port = LockedBox(0)
        /// nil while the handler runs; then whether it saw new connections turned away.
        let sawListenerClose = LockedBox<Bool?>(nil)
        let entered = LockedBox(false)
        let server = try TestServer { request in
            // The probes below get their answer at once; only /slow waits for the stop.
            guard request.path == "/slow" else { return HTTPResponse(status: 200, contentType: "text/plain", text: "probe") }
            entered.withLock { $0 = true }
            // Answer only once stop() turns new connections away: the request is in flight
            // during the stop.
            let closed = eventually { LoopbackConnection.isTurnedAway(port: port.withLock { $0 }) }
            sawListenerClose.withLock { $0 = closed }
            return HTTPResponse(status: 200, contentType: "text/plain", text: "finished")
        }
        port.withLock { $0 = server.port }
        let connection = try server.connect()
        try connection.request("GET", "/slow")
        #expect(eventually { entered.withLock { $0 } })
        let inner = server.server
        let stopped = onThread { inner.stop() }
        let response = try? connection.readResponse()
        #expect(eventually { stopped.withLock { $0 } })
        #expect(sawListenerClose.withLock { $0 } == true)
        #expect(!LoopbackConnection.canConnect(port: server.port))
        #expect(response?.status == 200)
        #expect(response?.text == "finished")
    }

    @Test("stop() twice, and stop() before start(), do nothing")
    func stopIsIdempotent() throws {
        let never = HTTPServer(configuration: .init(address: SocketAddress(host: "127.0.0.1", port: 0)),
                               logger: Logger(label: "CallPulseHTTPTests")) { _ in HTTPResponse(status: 200) }
        never.stop()
        let server = try TestServer(handler: Self.echo)
        server.server.stop()
        server.server.stop()
        #expect(!LoopbackConnection.canConnect(port: server.port))
    }
}
