import CallPulseAlerting
import CallPulseCore
import CallPulseHTTP
import Foundation
import Logging
import Testing
@testable import CallPulseServer

/// The error convention (docs/errors.md): one type per layer, each failure with a stable
/// code and a sentence.
struct ErrorConventionTests {
    /// Every layer's codes, as the types declare them.
    static let codes: [(type: String, codes: [String])] = [
        ("CoreError", CoreError.Kind.allCases.map(\.rawValue)),
        ("AlertingError", AlertingError.Kind.allCases.map(\.rawValue)),
        ("HTTPAdapterError", HTTPAdapterError.Kind.allCases.map(\.rawValue)),
        ("ServerError", ServerError.Kind.allCases.map(\.rawValue)),
        ("PersistenceError", PersistenceError.Kind.allCases.map(\.rawValue)),
    ]

    @Test("codes are snake_case, unique within their layer, and docs/errors.md lists each type with exactly its codes")
    func codesAreDocumented() throws {
        let docs = try String(contentsOf: ConfigLoaderTests.repository.appendingPathComponent("docs/errors.md"), encoding: .utf8)
        for (type, codes) in Self.codes {
            for code in codes {
                #expect(code.range(of: "^[a-z]+(_[a-z]+)*$", options: .regularExpression) != nil, "\(type): \(code)")
            }
            #expect(Set(codes).count == codes.count, "\(type)")
            let row = try #require(docs.split(separator: "\n").first { $0.contains("| `\(type)` |") }, "\(type) is not in docs/errors.md")
            let documented = row.split(separator: "|").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }!
                .split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            #expect(documented == codes, "\(type)")
        }
    }

    @Test("core: an unknown time zone and unreadable state")
    func core() {
        var settings = Settings()
        settings.timezone = "Mars/Olympus"
        #expect(throws: CoreError(.unknownTimeZone, "timezone 'Mars/Olympus' is not a known IANA time zone")) {
            try Engine(settings: settings)
        }
        let cut = #expect(throws: CoreError.self) { try Engine(settings: Settings(), restoring: [1, 2, 3]) }
        #expect(cut?.code == "unreadable_state")
        #expect(cut?.description == "the state ends early")
    }

    @Test("HTTP adapter: gzip too large or corrupt, and the 413 and 400 answers they become")
    func httpAdapter() {
        let zipped = Gzip.compress(Array(repeating: 65, count: 100))
        #expect(throws: HTTPAdapterError(.bodyTooLarge, "the decompressed body is larger than 10 bytes")) {
            try Gzip.decompress(zipped, limit: 10)
        }
        let corrupt = #expect(throws: HTTPAdapterError.self) { try Gzip.decompress(Array("not gzip".utf8), limit: 100) }
        #expect(corrupt?.code == "corrupt_gzip")
        var large = HTTPRequest(method: "POST", path: "/api/v1/events", headers: ["content-encoding": "gzip"], body: zipped)
        #expect(HTTPServer.decodeBody(&large, limit: 10)?.status == 413)
        var bad = HTTPRequest(method: "POST", path: "/api/v1/events", headers: ["content-encoding": "gzip"],
                              body: Array("not gzip".utf8))
        let answer = HTTPServer.decodeBody(&bad, limit: 100)
        #expect(answer?.status == 400)
        // The detail is the sentence, not a Swift enum case.
        #expect(String(decoding: answer?.body ?? [], as: UTF8.self)
                == #"{"error": "the gzip body cannot be decompressed: \#(corrupt?.description ?? "")", "reason": "bad_gzip"}"# + "\n")
    }

    @Test("alerting: a template with an unknown placeholder")
    func alerting() {
        let error = #expect(throws: AlertingError.self) { try AnnotationTemplate("{{ $labels }}") }
        #expect(error?.code == "invalid_template")
    }

    @Test("server: config, rules and start-up problems carry their code; the description is every problem, one a line")
    func server() throws {
        let config = #expect(throws: ServerError.self) {
            try ConfigLoader.parse("timezone: Mars/Olympus\nlimits: { max_queues: 0 }\n", file: "c.yml")
        }
        #expect(config?.code == "invalid_config")
        #expect(config?.description == """
            c.yml:1: timezone: 'Mars/Olympus' is not a known IANA time zone name
            c.yml:2: limits.max_queues must be a whole number above 0
            """)
        let rules = #expect(throws: ServerError.self) {
            try RulesLoader.parse("rules: [{ alert: A, metric: nonsense, threshold: 1 }]\n", file: "r.yml", windows: [5])
        }
        #expect(rules?.code == "invalid_rules")
        let unreadableRules = #expect(throws: ServerError.self) { try RulesLoader.load(path: "/nonexistent/rules.yml") }
        #expect(unreadableRules?.code == "invalid_rules")
        var configuration = Configuration()
        configuration.listen = SocketAddress(host: "127.0.0.1", port: 0)
        configuration.web.ingestTokenFile = "/nonexistent/ingest.token"
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        #expect(throws: ServerError(.unreadableTokenFile, "web.ingest_token_file: cannot read the token file '/nonexistent/ingest.token'")) {
            try Daemon(options: Daemon.Options(configuration: configuration), logger: logger)
        }
    }

    @Test("persistence: a journal no checkpoint covers stops the start with the reason")
    func persistence() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-errors-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(FileManager.default.createFile(atPath: directory + "/" + DurableStore.segmentName(5), contents: Data()))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = DurableStore(directory: directory, checkpointInterval: 60_000, logger: logger)
        let error = #expect(throws: PersistenceError.self) {
            _ = try store.recover(settings: Settings()) { _, _, _ in }
        }
        #expect(error?.code == "journal_not_covered")
        #expect(error?.description.hasPrefix("no usable checkpoint in \(directory) (none found) and the journal starts at record 5") == true)
    }
}
