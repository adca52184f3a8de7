import CMicroHTTPD

extension HTTPServer {
    /// The connection's client IP address as text, "" when unknown: per-client rate limits and
    /// log lines are keyed by it (docs/spec/security.md).
    static func clientAddress(_ connection: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 64)  // INET6_ADDRSTRLEN is 46
        _ = callpulse_mhd_client_address(connection, &buffer, buffer.count)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
