import CallPulseHTTP
import CallPulseServer
import Foundation
import FuzzSupport
import Logging

/// libFuzzer target: bytes as an HTTP request (`METHOD PATH?QUERY` line, header lines, a
/// blank line, the body) through body decoding (gzip) and the daemon's request handling:
/// routes, query strings, headers, bodies. Every answer must be a sane status, and every
/// error a JSON body with a reason.
let daemon: Daemon = {
    var configuration = Configuration()
    configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
    configuration.core.maxQueues = 64
    configuration.core.maxActiveCalls = 4096
    configuration.limits.maxBodyBytes = 1 << 20
    var logger = Logger(label: "fuzz")
    logger.logLevel = .critical
    return try! Daemon(options: Daemon.Options(configuration: configuration), logger: logger)  // valid config
}()

func request(from bytes: UnsafeRawBufferPointer) -> HTTPRequest {
    let all = Array(bytes)
    let split = all.indices.first { $0 + 1 < all.count && all[$0] == 0x0A && all[$0 + 1] == 0x0A }
    let head = String(decoding: all[..<(split ?? all.count)], as: UTF8.self).split(separator: "\n")
    let body = split.map { Array(all[($0 + 2)...]) } ?? []
    let requestLine = head.first.map { $0.split(separator: " ", maxSplits: 1) } ?? []
    let method = requestLine.first.map(String.init) ?? "GET"
    let target = requestLine.dropFirst().first.map(String.init) ?? "/"
    let pathAndQuery = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    // libmicrohttpd hands over percent-decoded paths and arguments; decode the same way.
    func decoded(_ text: Substring) -> String { String(text).removingPercentEncoding ?? String(text) }
    let path = decoded(pathAndQuery.first ?? "/")
    var query: [(name: String, value: String)] = []
    for pair in pathAndQuery.dropFirst().first?.split(separator: "&") ?? [] {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        query.append((name: decoded(parts[0]), value: parts.count > 1 ? decoded(parts[1]) : ""))
    }
    var headers: [String: String] = [:]
    for line in head.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return HTTPRequest(method: method, path: path, query: query, headers: headers, body: body,
                       fromLoopback: !headers.keys.contains("x-fuzz-remote"))
}

func fuzzOne(_ bytes: UnsafeRawBufferPointer) {
    var incoming = request(from: bytes)
    let response = HTTPServer.decodeBody(&incoming, limit: 1 << 20) ?? daemon.handle(incoming)
    precondition((200..<600).contains(response.status))
    if response.status >= 400 {
        let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        precondition(body?["reason"] is String && body?["error"] is String, "an error without a JSON reason")
    }
    response.stream?.close()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestsInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// With libFuzzer (`make fuzz`): its driver. Without: replays the files given (the corpus,
/// crashers) through the target once each.
@main
struct FuzzRequests {
    static func main() {
        #if FUZZING
        FuzzDriver.run(fuzzRequestsInput)
        #else
        CorpusReplay.run(Array(CommandLine.arguments.dropFirst()), fuzzOne)
        #endif
    }
}
