import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `nats:` (docs/spec/scale-out.md, "Config"): the JetStream stream this instance publishes
/// accepted events to (`publish`), applies events from (`consume`), or both. Each field names
/// its key and default; `Configuration.problems()` checks them with the rest.
public struct NATSConfig: Sendable, Equatable {
    /// `nats.url`: the server, or a cluster's servers comma-separated (`servers`).
    /// Default `nats://127.0.0.1:4222`.
    public var url = "nats://127.0.0.1:4222"
    /// `nats.stream`: the stream, created on start when absent (file storage, subjects
    /// `<subject>.>`, `replicas`, `maxAge`). Default `CALLPULSE`.
    public var stream = "CALLPULSE"
    /// `nats.subject`: events are published to `<subject>.<shard>`. Default `callpulse.events`.
    public var subject = "callpulse.events"
    /// `nats.replicas`: the stream's replicas when CallPulse creates it, 1 to 5. Default 1.
    public var replicas = 1
    /// `nats.max_age`: the stream's retention when CallPulse creates it. Default 48h.
    public var maxAge: Duration = .seconds(48 * 3600)
    /// `nats.publish`: `POST /api/v1/events` publishes to the stream instead of applying. Default false.
    public var publish = false
    /// `nats.consume`: apply the stream's events. Default false.
    public var consume = false
    /// `nats.consumer`: the durable consumer's name as configured; `""` (the default) is
    /// `callpulse-` and the host name. `consumerName` is the name in force.
    public var consumer = ""
    /// `nats.shards`: publish: an event's shard is fnv1a64(call id) mod `shards`. Default 1.
    public var shards = 1
    /// `nats.shard`: consume: one shard number (0 ..< `shards`), or nil for `all`. Default nil.
    public var shard: Int?
    /// `nats.token_file`: a file holding the server's token. Default nil (in the file, `""`).
    public var tokenFile: String?
    /// `nats.creds_file`: a user credentials (JWT and NKey) file. Default nil.
    public var credsFile: String?
    /// `nats.tls_ca_file`: PEM CA certificates to verify the server with. Default nil.
    public var tlsCAFile: String?
    /// `nats.tls_cert_file`: PEM client certificate, set together with `tls_key_file`. Default nil.
    public var tlsCertFile: String?
    /// `nats.tls_key_file`: PEM private key for `tls_cert_file`. Default nil.
    public var tlsKeyFile: String?
    /// The consumer's AckWait: how long an unacknowledged message waits before redelivery
    /// (docs/spec/scale-out.md, "Consume"). Not a config key. 30s.
    public var ackWait: Duration = .seconds(30)
    /// Messages asked for per fetch of the pull consumer. Not a config key. 1000.
    public var fetchBatch = 1000

    public init() {}

    /// `url` split at its commas, each server trimmed; empty entries left out.
    public var servers: [String] {
        url.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The durable consumer's name: `consumer`, or `defaultConsumer` when that is `""`.
    public var consumerName: String { consumer.isEmpty ? Self.defaultConsumer : consumer }

    /// The consumer name `""` stands for: `callpulse-` and the host name, with the characters
    /// a JetStream name cannot hold (a fully qualified host name's dots) as `-`.
    public static var defaultConsumer: String {
        "callpulse-" + String(LocalHost.name.map { isNameCharacter($0) ? $0 : "-" })
    }

    /// The host and port of one of `servers` (`nats://host:port`, `tls://host:port`,
    /// `host:port`; the port defaults to 4222); nil when it is not such an address.
    public static func hostAndPort(of server: String) -> (host: String, port: Int)? {
        let text = server.contains("://") ? server : "nats://" + server
        guard let url = URL(string: text), let scheme = url.scheme, ["nats", "tls"].contains(scheme.lowercased()),
              let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil else { return nil }
        let port = url.port ?? 4222
        guard (1...65535).contains(port) else { return nil }
        // Foundation keeps an IPv6 literal's brackets in some versions; sockets want it bare.
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return (bare, port)
    }

    /// A stream or consumer name JetStream accepts: no `.`, `*`, `>`, path separators, white
    /// space or control characters (they would split subjects or the file store's directories).
    public static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && name.allSatisfy(isNameCharacter)
    }

    /// A subject to publish under: dot-separated tokens, none empty, no wildcards (`*`, `>`),
    /// no white space or control characters.
    public static func isSubject(_ subject: String) -> Bool {
        !subject.isEmpty && subject.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { token in
            !token.isEmpty && !token.contains { $0 == "*" || $0 == ">" || $0.isWhitespace || isControl($0) }
        }
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        !".*>/\\".contains(character) && !character.isWhitespace && !isControl(character)
    }

    private static func isControl(_ character: Character) -> Bool {
        character.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}

/// This machine's host name, the default of `instance` and of `nats.consumer`.
enum LocalHost {
    static let name: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }()
}
