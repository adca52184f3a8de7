import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// HTTPS as docs/spec/security.md ("TLS", "Checks") asks, through the binary and with tools
/// nobody on the team wrote: `openssl s_client` for protocols, suites and certificates, curl
/// for answers. The pairs are self-signed RSA (the ECDHE-RSA suites), made by openssl.
@Suite(.serialized, .enabled(if: TLSTools.present || TLSTools.underCI, "openssl or curl is missing (CI=true makes this a failure)"))
struct TLSTests {
    static let openssl = TLSTools.openssl
    static let curlPath = TLSTools.curl

    @Test("serves HTTPS with the configured certificate; Strict-Transport-Security on every HTTPS answer, the adapter's own errors and the stream included, and not over plain HTTP")
    func https() throws {
        let pairs = try CertificatePairs()
        let daemon = try DaemonProcess(["--clock", "event"], config: pairs.config(extra: "limits: { max_body_bytes: 1024 }\n"))
        defer { _ = daemon.stop() }
        #expect(daemon.log.contains("listening on https://127.0.0.1:"))
        let health = try Self.curl(daemon.port, "/-/healthy")
        #expect(health.status == 200 && health.body == "OK\n")
        let answers: [(String, CurlReply, Int)] = [
            ("health", health, 200),
            ("page", try Self.curl(daemon.port, "/"), 200),
            ("JSON", try Self.curl(daemon.port, "/api/v1/queues"), 200),
            ("unknown path", try Self.curl(daemon.port, "/no-such-page"), 404),
            ("reload", try Self.curl(daemon.port, "/-/reload", ["-X", "POST"]), 200),
            // The adapter answers these itself, before any handler runs.
            ("body over the limit", try Self.curl(daemon.port, "/api/v1/events", ["--data-binary", String(repeating: "x", count: 4096)]), 413),
            ("unknown encoding", try Self.curl(daemon.port, "/api/v1/events", ["-H", "Content-Encoding: br", "--data-binary", "{}"]), 415),
        ]
        for (what, reply, status) in answers {
            #expect(reply.status == status, "\(what): \(reply.head)")
            #expect(reply.headers["strict-transport-security"] == "max-age=31536000", "\(what): \(reply.head)")
        }
        // BREACH: no gzip for HTML over HTTPS; the rest is still compressed.
        let page = try Self.curl(daemon.port, "/", ["--compressed"])
        #expect(page.status == 200 && page.body.utf8.count > 1024 && page.headers["content-encoding"] == nil, "\(page.head)")
        #expect(try Self.curl(daemon.port, "/wallboard.js", ["--compressed"]).headers["content-encoding"] == "gzip")
        let stream = try SClient(port: daemon.port, request: "GET /api/v1/stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(waitUntil { stream.output.contains("event: snapshot") }, "\(stream.output)")
        #expect(stream.output.lowercased().contains("\r\nstrict-transport-security: max-age=31536000\r\n"), "\(stream.output)")
        stream.close()

        let plain = try DaemonProcess()
        defer { _ = plain.stop() }
        #expect(try plain.get("/-/healthy").headers["strict-transport-security"] == nil, "HSTS is for HTTPS answers")
    }

    @Test("openssl s_client: TLS 1.0, TLS 1.1 and a CBC suite on TLS 1.2 cannot connect; an AEAD suite on TLS 1.2 and TLS 1.3 can")
    func protocolsAndSuites() throws {
        let pairs = try CertificatePairs()
        let daemon = try DaemonProcess(config: pairs.config())
        defer { _ = daemon.stop() }
        // Debian's openssl refuses TLS 1.0 and 1.1 itself at its default security level: at
        // level 0 it offers them, so a refusal is the server's.
        let legacy = ["-cipher", "DEFAULT:@SECLEVEL=0"]
        for (what, arguments) in [("TLS 1.0", ["-tls1"] + legacy), ("TLS 1.1", ["-tls1_1"] + legacy),
                                  ("CBC on TLS 1.2", ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256"])] {
            let refused = try Self.handshake(daemon.port, arguments)
            #expect(refused.status != 0 && !refused.stderr.contains("CONNECTION ESTABLISHED"), "\(what): \(refused.stderr)")
        }
        let gcm = try Self.handshake(daemon.port, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])
        #expect(gcm.status == 0 && gcm.stderr.contains("Protocol version: TLSv1.2"), "\(gcm.stderr)")
        #expect(gcm.stderr.contains("Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256"), "\(gcm.stderr)")
        let modern = try Self.handshake(daemon.port, ["-tls1_3"])
        #expect(modern.status == 0 && modern.stderr.contains("Protocol version: TLSv1.3"), "\(modern.stderr)")
    }

    @Test("certificate reload: POST /-/reload and SIGHUP present a renewed pair to new connections; open connections and streams go on; a bad pair answers 400 and the old certificate stays")
    func certificateReload() throws {
        let pairs = try CertificatePairs()
        let daemon = try DaemonProcess(["--clock", "event"], config: pairs.config())
        defer { _ = daemon.stop() }
        #expect(try Self.peer(daemon.port) == "CN = callpulse-test-1")
        // A keep-alive connection and a live stream, both open across the reload.
        let kept = try SClient(port: daemon.port, request: "GET /-/healthy HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let stream = try SClient(port: daemon.port, request: "GET /api/v1/stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(waitUntil { kept.output.contains("OK\n") && stream.output.contains("event: snapshot") })

        try pairs.install("callpulse-test-2")
        let reload = try Self.curl(daemon.port, "/-/reload", ["-X", "POST"])
        #expect(reload.status == 200 && reload.body.contains("replaced the TLS certificate"), "\(reload.body)")
        #expect(try Self.peer(daemon.port) == "CN = callpulse-test-2")
        // The old connection still answers, with the certificate it shook hands with.
        kept.send("GET /-/healthy HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(waitUntil { kept.output.components(separatedBy: "HTTP/1.1 200 OK").count == 3 }, "\(kept.output)")
        #expect(kept.handshake.contains("Peer certificate: CN = callpulse-test-1"), "\(kept.handshake)")
        // The stream still delivers: events after the reload reach it.
        let before = stream.output.components(separatedBy: "event: snapshot").count
        let events = try Self.curl(daemon.port, "/api/v1/events", ["-H", "Content-Type: application/x-ndjson",
                                                                   "--data-binary", "@" + fixturePath("01_lifecycles.ndjson")])
        #expect(events.status == 200)
        #expect(waitUntil { stream.output.components(separatedBy: "event: snapshot").count > before }, "\(stream.output)")
        kept.close()
        stream.close()

        // A key that is not the certificate's: 400 with the reason, the old certificate stays.
        try pairs.install("callpulse-test-3", key: "callpulse-test-1")
        let bad = try Self.curl(daemon.port, "/-/reload", ["-X", "POST"])
        #expect(bad.status == 400, "\(bad.body)")
        let answer = try JSONSerialization.jsonObject(with: Data(bad.body.utf8)) as? NSDictionary
        #expect(answer?["reason"] as? String == "invalid_tls_files")
        #expect((answer?["error"] as? String)?.hasPrefix("the TLS certificate was not replaced, the old one stays in force: ") == true)
        #expect((answer?["error"] as? String)?.contains("The certificate and the given key do not match") == true, "\(bad.body)")
        #expect(try Self.peer(daemon.port) == "CN = callpulse-test-2")
        #expect(try Self.curl(daemon.port, "/metrics").body.contains("callpulse_config_last_reload_successful 0"))

        // SIGHUP reloads the same way.
        try pairs.install("callpulse-test-4")
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(waitUntil { daemon.log.contains("SIGHUP:") && daemon.log.contains("replaced the TLS certificate") }, "\(daemon.log)")
        #expect(try Self.peer(daemon.port) == "CN = callpulse-test-4")
    }

    @Test("serve does not start on priorities GnuTLS rejects (naming web.tls_priorities) or on a key that is not the certificate's")
    func refusedAtStart() throws {
        let pairs = try CertificatePairs()
        let priorities = try temporaryFile(pairs.config(extra: "  tls_priorities: \"NORMAL:+NO-SUCH-THING\"\n"), suffix: ".yml")
        defer { try? FileManager.default.removeItem(atPath: priorities) }
        let served = try CLI.run(["serve", "--listen", "127.0.0.1:0", "--config", priorities])
        #expect(served.status == 1)
        #expect(served.stderr.contains("web.tls_priorities: GnuTLS rejects 'NORMAL:+NO-SUCH-THING'"), "\(served.stderr)")
        #expect(served.stderr.contains("libmicrohttpd cannot start HTTPS with it"), "\(served.stderr)")
        let checked = try CLI.run(["check", "config", priorities])
        #expect(checked.status == 1 && checked.stderr.contains("web.tls_priorities"), "\(checked.stderr)")

        try pairs.install("callpulse-test-2", key: "callpulse-test-1")
        let mismatched = try temporaryFile(pairs.config(), suffix: ".yml")
        defer { try? FileManager.default.removeItem(atPath: mismatched) }
        let refused = try CLI.run(["serve", "--listen", "127.0.0.1:0", "--config", mismatched])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("The certificate and the given key do not match"), "\(refused.stderr)")
    }

    // MARK: Tools

    struct CurlReply {
        var status: Int
        var head: String
        var headers: [String: String]
        var body: String
    }

    /// One HTTPS request with curl (the test certificate is self-signed: -k).
    static func curl(_ port: Int, _ path: String, _ arguments: [String] = []) throws -> CurlReply {
        let result = try CLI.run(executable: URL(fileURLWithPath: curlPath),
                                 ["-sk", "-D", "-", "https://127.0.0.1:\(port)\(path)"] + arguments)
        let parts = result.stdout.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        var headers: [String: String] = [:]
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return CurlReply(status: status, head: head, headers: headers, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// A handshake and nothing more; `-brief` writes what was agreed to stderr.
    static func handshake(_ port: Int, _ arguments: [String]) throws -> CLI.Result {
        try CLI.run(executable: URL(fileURLWithPath: openssl),
                    ["s_client", "-connect", "127.0.0.1:\(port)", "-brief"] + arguments, stdin: Data())
    }

    /// The subject of the certificate a new connection is shown.
    static func peer(_ port: Int) throws -> String {
        let result = try handshake(port, [])
        let line = result.stderr.split(separator: "\n").first { $0.hasPrefix("Peer certificate: ") }
        return line.map { String($0.dropFirst("Peer certificate: ".count)) } ?? "none: \(result.stderr)"
    }
}

/// The tools the suite runs (outside it: its own trait needs them).
enum TLSTools {
    static let openssl = "/usr/bin/openssl"
    static let curl = "/usr/bin/curl"
    static let underCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let present = [openssl, curl].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Self-signed pairs with a SAN for 127.0.0.1 and localhost, one per subject, and the pair in
/// force at `cert.pem` and `key.pem` (what the daemon's config names).
final class CertificatePairs {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try install("callpulse-test-1")
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func config(extra: String = "") -> String {
        "web:\n  tls_cert_file: \(directory)/cert.pem\n  tls_key_file: \(directory)/key.pem\n" + extra
    }

    /// Makes the pair of `subject` unless it exists, and puts its certificate in force with the
    /// key of `key` (the same subject unless a test wants a mismatch). Replaced by rename, as
    /// certbot and friends do, so the daemon never reads half a file.
    func install(_ subject: String, key: String? = nil) throws {
        for name in [subject, key ?? subject] where !FileManager.default.fileExists(atPath: "\(directory)/\(name).crt") {
            let made = try CLI.run(executable: URL(fileURLWithPath: TLSTests.openssl), [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=\(name)",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).crt",
            ])
            #expect(made.status == 0, "\(made.stderr)")
        }
        for (source, target) in [("\(subject).crt", "cert.pem"), ("\(key ?? subject).key", "key.pem")] {
            let staged = "\(directory)/\(target).new"
            try? FileManager.default.removeItem(atPath: staged)
            try FileManager.default.copyItem(atPath: "\(directory)/\(source)", toPath: staged)
            #expect(rename(staged, "\(directory)/\(target)") == 0)
        }
    }
}

/// An `openssl s_client` connection kept open: requests are written to it as the test goes,
/// the answers collect in `output`, the handshake report in `handshake`.
final class SClient {
    private let process = Process()
    private let input = Pipe()
    private let directory: String

    init(port: Int, request: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-sclient-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["out", "err"] { try Data().write(to: URL(fileURLWithPath: "\(directory)/\(name)")) }
        process.executableURL = URL(fileURLWithPath: TLSTests.openssl)
        process.arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-brief"]
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/err"))
        try process.run()
        #expect(waitUntil { handshake.contains("CONNECTION ESTABLISHED") || !process.isRunning }, "\(handshake)")
        send(request)
    }

    var output: String { (try? String(contentsOfFile: "\(directory)/out", encoding: .utf8)) ?? "" }
    var handshake: String { (try? String(contentsOfFile: "\(directory)/err", encoding: .utf8)) ?? "" }

    func send(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

    /// Ends stdin, on which s_client closes the connection and exits. Not SIGTERM: the test
    /// process's children inherit a mask that blocks it, so the last resort is SIGKILL.
    func close() {
        try? input.fileHandleForWriting.close()
        if !waitUntil(10, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
