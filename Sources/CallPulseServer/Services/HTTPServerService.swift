import CallPulseHTTP
import ServiceLifecycle

/// The HTTP server (libmicrohttpd) as a service: binds when the group starts, and on a graceful
/// stop finishes the requests in flight and releases the socket. The live feed, which holds
/// the streams open, stops before it.
struct HTTPServerService: Service {
    let server: HTTPServer
    /// Called with the bound port once the server answers.
    let listening: @Sendable (Int) -> Void

    func run() async throws {
        let port = try server.start()
        listening(port)
        try? await gracefulShutdown()
        let server = self.server
        await onOwnThread(named: "http stop") { server.stop() }
    }
}
