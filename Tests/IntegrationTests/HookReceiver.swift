import CallPulseHTTP
import CallPulseSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP receiver for hook tests: records each request body and answers with a
/// chosen status (or not at all, to play a hung receiver).
final class HookReceiver: @unchecked Sendable {
    // @unchecked Sendable is sound: `status` and `bodies` are LockedBoxes; `fd` and `port`
    // are set once in init before the accept thread starts and never change.
    let port: Int
    private let fd: Int32
    let status = LockedBox(200)
    let hang = LockedBox(false)
    let bodies = LockedBox<[(path: String, body: String)]>([])
    /// The request head (request line and headers) of each request, in the order of `bodies`.
    let heads = LockedBox<[String]>([])

    init() throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) } }
        listen(socketFD, 64)
        fd = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in accept() }
    }

    deinit { close(fd) }

    private func accept() {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client < 0 { return }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(client, &buffer, buffer.count)
            if count <= 0 { return }
            data.append(contentsOf: buffer[0..<count])
            guard let split = data.indices.first(where: { $0 + 3 < data.count && data[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) })
            else { continue }
            let head = String(decoding: data[..<split], as: UTF8.self)
            let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            if data.count - split - 4 < length { continue }
            let path = String(head.split(separator: " ")[1])
            heads.withLock { $0.append(head) }
            bodies.withLock { $0.append((path, String(decoding: data[(split + 4)..<(split + 4 + length)], as: UTF8.self))) }
            if hang.withLock({ $0 }) {
                // Holds the request unanswered until the test clears `hang` (or the daemon gives up).
                waitUntil { !hang.withLock { $0 } }
                return
            }
            let code = status.withLock { $0 }
            let reply = "HTTP/1.1 \(code) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = reply.withCString { write(client, $0, strlen($0)) }
            return
        }
    }

    /// Waits (bounded by `patience`) until `count` requests have arrived.
    func waitFor(_ count: Int) -> [(path: String, body: String)] {
        waitUntil { bodies.withLock { $0.count } >= count }
        return bodies.withLock { $0 }
    }
}
