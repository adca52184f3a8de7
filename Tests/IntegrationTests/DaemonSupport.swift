import CallPulseHTTP
import CallPulseSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A `callpulse serve` process on 127.0.0.1 with an ephemeral port, read from its log line.
final class DaemonProcess {
    let process = Process()
    let port: Int
    private let logPath: String
    private let directory: URL

    /// `fixedPort`: listen there and wait for `/-/healthy` instead of the log line (for log
    /// levels that leave out the `listening` line). `executable`: another build of the binary
    /// (the one extracted from the Debian package).
    init(_ arguments: [String] = [], config: String? = nil, fixedPort: Int? = nil,
         executable: URL = CLI.binary) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-daemon-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logPath = directory.appendingPathComponent("log").path
        try Data().write(to: URL(fileURLWithPath: logPath))
        var all = ["serve", "--listen", "127.0.0.1:\(fixedPort ?? 0)"] + arguments
        if let config {
            let path = directory.appendingPathComponent("config.yml").path
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            all += ["--config", path]
        }
        process.executableURL = executable
        process.arguments = all
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var found: Int?
        let started = process, path = logPath  // locals: self is not fully initialized yet
        if let fixedPort {
            waitUntil { (try? HTTPClient.send(port: fixedPort, method: "GET", path: "/-/healthy"))?.status == 200 || !started.isRunning }
            found = started.isRunning ? fixedPort : nil
        } else {
            waitUntil {
                let log = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                if let range = log.range(of: #"listening on https?://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    found = Int(log[range].split(separator: ":").last!)
                    return true
                }
                return !started.isRunning
            }
        }
        guard let found else {
            process.terminate()
            throw DaemonFailure(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
        }
        port = found
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then the exit status.
    func stop() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    func get(_ path: String, headers: [String: String] = [:]) throws -> HTTPReply {
        try HTTPClient.send(port: port, method: "GET", path: path, headers: headers)
    }

    func post(_ path: String, _ body: [UInt8], headers: [String: String] = [:]) throws -> HTTPReply {
        try HTTPClient.send(port: port, method: "POST", path: path, headers: headers, body: body)
    }

    func post(_ path: String, _ text: String, headers: [String: String] = [:]) throws -> HTTPReply {
        try post(path, Array(text.utf8), headers: headers)
    }
}

/// How long the suite waits for anything: generous, because it runs on loaded 2-core CI
/// machines and under ThreadSanitizer (about 10x slower). A wait ends as soon as its
/// condition holds, so this costs nothing when all is well.
let patience: Double = 60

/// Polls `condition` until it holds or `seconds` pass; whether it held. The only way the
/// suite waits: for a condition, never for a fixed time.
@discardableResult
func waitUntil(_ seconds: Double = patience, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while true {
        if try condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        usleep(20_000)  // the polling step, not a wait for time to pass
    }
}

struct DaemonFailure: Error, CustomStringConvertible {
    var log: String
    var description: String { "callpulse serve did not start:\n\(log)" }
}

struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> NSDictionary { try JSONSerialization.jsonObject(with: Data(body)) as! NSDictionary }
}

/// A minimal blocking HTTP/1.1 client over a loopback socket (one request per connection).
enum HTTPClient {
    struct Failure: Error { var message: String }

    static func send(port: Int, method: String, path: String, headers: [String: String] = [:],
                     body: [UInt8] = []) throws -> HTTPReply {
        let fd = try connect(port: port)
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if method == "POST" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try write(fd, Array(head.utf8) + body)
        return try parse(readToEnd(fd))
    }

    /// Everything the peer sends until it closes the connection (or the read fails).
    static func readToEnd(_ fd: Int32) -> [UInt8] {
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            response.append(contentsOf: buffer[0..<count])
        }
        return response
    }

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(message: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(message: "connect to 127.0.0.1:\(port) failed")
        }
        return fd
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { throw Failure(message: "write failed") }
            offset += written
        }
    }

    static func parse(_ response: [UInt8]) throws -> HTTPReply {
        guard let split = response.indices.first(where: { index in
            index + 3 < response.count && response[index..<(index + 4)].elementsEqual([13, 10, 13, 10])
        }) else { throw Failure(message: "no complete response: \(String(decoding: response, as: UTF8.self))") }
        let head = String(decoding: response[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPReply(status: status, headers: headers, body: Array(response[(split + 4)...]))
    }

    /// A free loopback port (for peers such as Prometheus that cannot report one).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The connector's envelope for a test event, with an explicit state time.
func envelope(_ id: String, _ event: String, _ time: String, queue: String = "Billing", qts: String? = nil) -> String {
    var queueName = ""
    appendJSONString(queue, to: &queueName)
    let entry = qts.map { #","queueTimestamp":"\#($0)""# } ?? ""
    return #"{"message":{"call":{"id":"\#(id)","event":"\#(event)","ResponseFields":{"MediaProperties":{"queueName":\#(queueName)\#(entry)},"CurrentStateTime":"\#(time)"}}}}"#
}
