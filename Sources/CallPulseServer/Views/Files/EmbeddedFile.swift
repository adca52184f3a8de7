import CallPulseHTTP
import Foundation

/// A file compiled into the binary (Package.swift, `embedInCode`) and served by `GET` with a
/// weak ETag, so a client that has it gets a 304 without the body.
struct EmbeddedFile: Sendable {
    let bytes: [UInt8]
    let contentType: String
    let cacheControl: String
    /// A weak validator from the bytes (FNV-1a, 64 bits): weak, since the adapter may send the
    /// same file gzipped, which a strong tag would have to tell apart.
    let etag: String

    init(bytes: [UInt8], contentType: String, cacheControl: String) {
        self.bytes = bytes
        self.contentType = contentType
        self.cacheControl = cacheControl
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        etag = "W/\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    func response(_ request: HTTPRequest) -> HTTPResponse {
        let headers: [(name: String, value: String)] = [("Cache-Control", cacheControl), ("ETag", etag)]
        // If-None-Match compares weakly: a tag matches with or without its W/ prefix.
        let opaque = etag.dropFirst(2)
        if let match = request.header("if-none-match"), match.split(separator: ",").contains(where: {
            let tag = $0.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == opaque
        }) {
            return HTTPResponse(status: 304, headers: headers + [("Vary", "Accept-Encoding")], body: [])
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", contentType)] + headers, body: bytes, compressible: true)
    }
}
