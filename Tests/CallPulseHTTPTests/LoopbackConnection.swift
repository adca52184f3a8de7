import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to 127.0.0.1 that speaks HTTP/1.1 by hand, so a test controls every
/// byte: keep-alive, HEAD, declared lengths, chunked uploads, streams read chunk by chunk.
/// Reads give up after `patience` seconds (SO_RCVTIMEO) rather than hang the suite.
final class LoopbackConnection {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Response {
        var status: Int
        /// Names lower-cased.
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let port: Int
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// The peer closed or reset the connection (not a read timeout).
    private var closed = false
    private var open = true

    init(port: Int) throws {
        self.port = port
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: Int(patience), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            // deinit still runs for a class whose init throws once every property is set:
            // closing here as well would close a descriptor some other thread has reused.
            close()
            throw Failure(description: "connect to 127.0.0.1:\(port): errno \(code)")
        }
    }

    deinit { close() }

    /// Closes this side (the server sees the client leave).
    func close() {
        if open { Glibc.close(fd) }
        open = false
    }

    /// Whether a new connection to `port` is accepted by the kernel (false once nothing listens).
    static func canConnect(port: Int) -> Bool { (try? LoopbackConnection(port: port)) != nil }

    /// Whether a new connection to `port` is closed unanswered: refused by the kernel, or
    /// accepted and closed by a server that is stopping.
    static func isTurnedAway(port: Int) -> Bool {
        guard let connection = try? LoopbackConnection(port: port) else { return true }
        guard (try? connection.request("GET", "/", headers: [("Connection", "close")])) != nil else { return true }
        return connection.closedWithoutResponse()
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "send: errno \(errno)") }
            offset += written
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends a request with `Host` and, when there is a body, `Content-Length`.
    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) throws {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
    }

    /// Reads one response. `bodyless`: the answer to HEAD, which has headers but no body.
    func readResponse(bodyless: Bool = false) throws -> Response {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure(description: "not a status line: \(statusLine)")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "not a header: \(line)") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var response = Response(status: status, headers: headers, body: [])
        if bodyless || status == 204 || status == 304 { return response }
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while let chunk = try readChunk() { response.body += chunk }
        } else if let length = headers["content-length"].flatMap(Int.init) {
            response.body = try readBytes(length)
        } else {
            response.body = readUntilClosed()
        }
        return response
    }

    /// The next chunk of a chunked body; nil after the last (zero-length) chunk.
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
            throw Failure(description: "not a chunk size: \(sizeLine)")
        }
        if size == 0 {
            while try !readLine().isEmpty {}  // trailers, then the blank line
            return nil
        }
        let chunk = try readBytes(size)
        guard try readLine().isEmpty else { throw Failure(description: "no CRLF after a chunk") }
        return chunk
    }

    /// Everything until the server closes the connection (or the read times out).
    func readUntilClosed() -> [UInt8] {
        while fill() {}
        defer { buffer = [] }
        return buffer
    }

    /// True when the server closed the connection without sending anything more.
    func closedWithoutResponse() -> Bool { readUntilClosed().isEmpty && closed }

    /// What arrives until the server closes the connection; nil when it does not close it.
    func remainderUntilClosed() -> [UInt8]? {
        let rest = readUntilClosed()
        return closed ? rest : nil
    }

    private func readLine() throws -> String {
        while true {
            if let end = buffer.indices.first(where: { $0 > 0 && buffer[$0 - 1] == 13 && buffer[$0] == 10 }) {
                let line = String(decoding: buffer[..<(end - 1)], as: UTF8.self)
                buffer.removeFirst(end + 1)
                return line
            }
            guard fill() else { throw Failure(description: "connection ended inside a line: \(String(decoding: buffer, as: UTF8.self))") }
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard fill() else { throw Failure(description: "connection ended after \(buffer.count) of \(count) bytes") }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// Appends what one read returns; false at end of stream, on a reset or on the timeout.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else {
            closed = count == 0 || errno == ECONNRESET
            return false
        }
        buffer += chunk[..<count]
        return true
    }
}
