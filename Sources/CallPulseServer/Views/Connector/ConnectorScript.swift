import CallPulseHTTP
import Foundation

/// `GET /connector.js`: the browser forwarder (docs/spec/connector.md), `connector.js` beside
/// this file, embedded at build time. Served to anyone, cached for a day, revalidated by ETag.
enum ConnectorScript {
    static let bytes: [UInt8] = PackageResources.connector_js

    /// A weak validator from the script's bytes (FNV-1a, 64 bits): weak, since the adapter
    /// may send the same script gzipped, which a strong tag would have to tell apart.
    static let etag: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return "W/\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }()

    static func response(_ request: HTTPRequest) -> HTTPResponse {
        let headers: [(name: String, value: String)] = [("Cache-Control", "public, max-age=86400"), ("ETag", etag)]
        // If-None-Match compares weakly: a tag matches with or without its W/ prefix.
        let opaque = etag.dropFirst(2)
        if let match = request.header("if-none-match"), match.split(separator: ",").contains(where: {
            let tag = $0.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == opaque
        }) {
            return HTTPResponse(status: 304, headers: headers + [("Vary", "Accept-Encoding")], body: [])
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/javascript; charset=utf-8")] + headers, body: bytes,
                            compressible: true)
    }
}
