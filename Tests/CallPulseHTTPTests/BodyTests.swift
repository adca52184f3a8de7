import CallPulseHTTP
import CallPulseSupport
import Foundation
import Testing

/// Request bodies up to `maxBodyBytes`, gzip on the way in and on the way out.
struct BodyTests {
    static let limit = 1024

    /// Answers with the body's length and bytes as the handler received them.
    static let bodyEcho: HTTPServer.Handler = { request in
        HTTPResponse(status: 200, contentType: "text/plain", text: "\(request.body.count):" + String(decoding: request.body, as: UTF8.self))
    }

    static func server() throws -> TestServer {
        try TestServer(configure: { $0.maxBodyBytes = limit }, handler: bodyEcho)
    }

    struct Upload: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: Int
        /// Sent chunked, so no length is declared up front.
        var chunked: Bool
        var status: Int
        var testDescription: String { name }
    }

    static let uploads: [Upload] = [
        Upload(name: "exactly the limit, declared", bytes: limit, chunked: false, status: 200),
        Upload(name: "exactly the limit, chunked", bytes: limit, chunked: true, status: 200),
        Upload(name: "one byte over, declared: refused from the headers", bytes: limit + 1, chunked: false, status: 413),
        Upload(name: "one byte over, chunked: refused once read", bytes: limit + 1, chunked: true, status: 413),
        Upload(name: "three times over, chunked", bytes: 3 * limit, chunked: true, status: 413),
    ]

    @Test("a body over maxBodyBytes is answered 413 body_too_large and never reaches the handler", arguments: uploads)
    func bodyLimit(_ upload: Upload) throws {
        let server = try Self.server()
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: upload.bytes)
        let connection = try server.connect()
        if upload.chunked {
            try connection.send("POST /in HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            for start in stride(from: 0, to: body.count, by: 300) {
                let chunk = body[start..<min(start + 300, body.count)]
                try connection.send(Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + [13, 10])
            }
            try connection.send("0\r\n\r\n")
        } else if upload.status == 413 {
            // Only the headers: the answer must come without the body.
            try connection.send("POST /in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(upload.bytes)\r\n\r\n")
        } else {
            try connection.request("POST", "/in", headers: [("Connection", "close")], body: body)
        }
        let response = try connection.readResponse()
        #expect(response.status == upload.status)
        if upload.status == 413 {
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.text.contains("\"reason\": \"body_too_large\""))
            #expect(response.text.contains("(\(Self.limit) bytes)"))
            #expect(server.handled == 0)
        } else {
            #expect(response.text == "\(upload.bytes):" + String(repeating: "x", count: upload.bytes))
        }
    }

    struct Encoded: Sendable, CustomTestStringConvertible {
        var name: String
        var encoding: String
        var body: [UInt8]
        var status: Int
        /// The handler's answer (200), or the refusal's reason.
        var expected: String
        var testDescription: String { name }
    }

    static let ndjson = Array(String(repeating: "{\"event\":\"connecting\"}\n", count: 20).utf8)

    static let encodings: [Encoded] = [
        Encoded(name: "gzip is decoded before the handler", encoding: "gzip", body: Gzip.compress(ndjson), status: 200,
                expected: "\(ndjson.count):" + String(decoding: ndjson, as: UTF8.self)),
        Encoded(name: "the encoding's name in any case", encoding: "GZip", body: Gzip.compress(Array("hi".utf8)),
                status: 200, expected: "2:hi"),
        Encoded(name: "identity is the body as sent", encoding: "identity", body: Array("plain".utf8), status: 200,
                expected: "5:plain"),
        Encoded(name: "not gzip at all", encoding: "gzip", body: Array("not gzip".utf8), status: 400, expected: "bad_gzip"),
        Encoded(name: "a gzip stream cut short", encoding: "gzip", body: Array(Gzip.compress(ndjson).dropLast(12)),
                status: 400, expected: "bad_gzip"),
        Encoded(name: "inflates past maxBodyBytes (a small bomb)", encoding: "gzip",
                body: Gzip.compress([UInt8](repeating: 0, count: 64 * 1024)), status: 413, expected: "body_too_large"),
        Encoded(name: "an encoding the server does not speak", encoding: "br", body: Array("x".utf8), status: 415,
                expected: "unsupported_encoding"),
    ]

    @Test("Content-Encoding on requests", arguments: encodings)
    func requestEncoding(_ encoded: Encoded) throws {
        let server = try Self.server()
        let response = try server.send("POST", "/in", headers: [("Content-Encoding", encoded.encoding)], body: encoded.body)
        #expect(response.status == encoded.status, "\(response.text)")
        if encoded.status == 200 {
            #expect(response.text == encoded.expected)
        } else {
            #expect(response.text.contains("\"reason\": \"\(encoded.expected)\""), "\(response.text)")
            #expect(server.handled == 0)
        }
    }

    struct Reply: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: Int
        var compressible: Bool
        var acceptEncoding: String?
        var gzipped: Bool
        var testDescription: String { name }
    }

    static let replies: [Reply] = [
        Reply(name: "compressible, large, accepted", bytes: 4096, compressible: true, acceptEncoding: "gzip", gzipped: true),
        Reply(name: "among other encodings", bytes: 4096, compressible: true, acceptEncoding: "deflate, gzip;q=0.8, br",
              gzipped: true),
        Reply(name: "the client does not accept gzip", bytes: 4096, compressible: true, acceptEncoding: nil, gzipped: false),
        Reply(name: "only other encodings", bytes: 4096, compressible: true, acceptEncoding: "br", gzipped: false),
        Reply(name: "1 KiB or less is sent as it is", bytes: 1024, compressible: true, acceptEncoding: "gzip", gzipped: false),
        Reply(name: "the handler did not allow it", bytes: 4096, compressible: false, acceptEncoding: "gzip", gzipped: false),
    ]

    @Test("gzip responses: only when allowed, accepted and worth it", arguments: replies)
    func responseEncoding(_ reply: Reply) throws {
        let text = String((0..<reply.bytes).map { Character(UnicodeScalar(UInt8(ascii: "a") + UInt8($0 % 26))) })
        let server = try TestServer { _ in
            HTTPResponse(status: 200, contentType: "text/plain", text: text, compressible: reply.compressible)
        }
        let response = try server.send("GET", "/", headers: reply.acceptEncoding.map { [("Accept-Encoding", $0)] } ?? [])
        #expect(response.status == 200)
        if reply.gzipped {
            #expect(response.headers["content-encoding"] == "gzip")
            #expect(response.headers["vary"] == "Accept-Encoding")
            #expect(response.body.count < reply.bytes)
            #expect(try Gzip.decompress(response.body, limit: 1 << 20) == Array(text.utf8))
        } else {
            #expect(response.headers["content-encoding"] == nil)
            #expect(response.text == text)
        }
    }

    @Test("Gzip round trip and its limit, without a server")
    func gzipRoundTrip() throws {
        let input = Array(String(repeating: "callpulse ", count: 1000).utf8)
        let compressed = Gzip.compress(input)
        #expect(compressed.count < input.count / 10)
        #expect(Array(compressed.prefix(2)) == [0x1f, 0x8b])
        #expect(try Gzip.decompress(compressed, limit: input.count) == input)
        let tooLarge = #expect(throws: HTTPAdapterError.self) { try Gzip.decompress(compressed, limit: input.count - 1) }
        #expect(tooLarge?.kind == .bodyTooLarge)
        #expect(try Gzip.decompress(Gzip.compress([]), limit: 0) == [])
    }
}
