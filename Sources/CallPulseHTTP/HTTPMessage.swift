import Foundation

/// One HTTP request as the handler sees it: the body complete and decompressed.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path, percent-decoded by libmicrohttpd, without the query string.
    public var path: String
    /// Query arguments in order; a key may repeat (`?queue=a&queue=b`).
    public var query: [(name: String, value: String)]
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]
    /// True when the client connected from a loopback address.
    public var fromLoopback: Bool
    /// The client's IP address (`192.0.2.7`, `2001:db8::7`; no port), the key of per-client
    /// limits and log lines (docs/spec/security.md); "" when unknown (in-process requests).
    public var clientAddress: String

    public init(method: String, path: String, query: [(name: String, value: String)] = [],
                headers: [String: String] = [:], body: [UInt8] = [], fromLoopback: Bool = true,
                clientAddress: String = "") {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.fromLoopback = fromLoopback
        self.clientAddress = clientAddress
    }

    /// Every value of query argument `name`.
    public func queryValues(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The quality an `Accept` header gives each of `mediaTypes` (the highest of its entries
    /// for that type, 1 without `q=`), in the same order; -1 for a type it does not name.
    public static func acceptQualities(_ accept: String?, for mediaTypes: [String]) -> [Double] {
        var qualities = [Double](repeating: -1, count: mediaTypes.count)
        for part in (accept ?? "").split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let media = fields.first?.lowercased(), let index = mediaTypes.firstIndex(of: media) else { continue }
            let quality = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            qualities[index] = max(qualities[index], quality)
        }
        return qualities
    }
}

/// A complete response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whether the server may gzip the body when the client accepts it.
    public var compressible: Bool
    /// When set, the body is this channel's bytes as they come (a stream without a length).
    public var stream: EventChannel?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                compressible: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.compressible = compressible
    }

    /// A streaming response: headers now, then whatever `channel` is sent until it closes.
    public init(status: Int, headers: [(name: String, value: String)], stream channel: EventChannel) {
        self.init(status: status, headers: headers)
        stream = channel
    }

    /// A response with a text body of `contentType`.
    public init(status: Int, contentType: String, text: String, compressible: Bool = false) {
        self.init(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8),
                  compressible: compressible)
    }
}
