import CMicroHTTPD
import CallPulseSupport

/// HTTPS (docs/spec/security.md, "TLS"): the key and certificate, GnuTLS priorities, HSTS on
/// every answer, and a certificate replaced while serving.
extension HTTPServer {
    public struct TLS: Sendable {
        /// PEM private key.
        public var key: String
        /// PEM certificate, optionally followed by its intermediates.
        public var certificate: String
        /// GnuTLS priorities (protocols, suites, server preference); nil: libmicrohttpd's "NORMAL".
        public var priorities: String?

        public init(key: String, certificate: String, priorities: String?) {
            self.key = key
            self.certificate = certificate
            self.priorities = priorities
        }
    }

    /// The pair in force and, while the server runs, the C slot its handshakes read (as an
    /// integer, so the state stays Sendable).
    struct TLSState: Sendable {
        var key: String
        var certificate: String
        var slot: UInt?
    }

    /// On every HTTPS answer, the adapter's own error answers and streams included.
    static let strictTransportSecurity = (name: "Strict-Transport-Security", value: "max-age=31536000")

    /// BREACH (CVE-2013-3587): over HTTPS, HTML answers go out uncompressed. HTML is where a
    /// secret and reflected input meet; the wallboard page holds neither, but a scanner cannot
    /// tell (`make security` runs testssl.sh), and the page is small. JSON, metrics and the
    /// static files carry no secret and stay gzipped.
    func mayCompress(_ response: HTTPResponse) -> Bool {
        guard configuration.tls != nil else { return true }
        let type = response.headers.first { $0.name.lowercased() == "content-type" }?.value ?? ""
        return !type.lowercased().hasPrefix("text/html")
    }

    /// Why GnuTLS rejects `priorities` (with where it stops reading them), or nil when it accepts them.
    public static func tlsPrioritiesProblem(_ priorities: String) -> String? {
        var error = [CChar](repeating: 0, count: 512)
        guard callpulse_tls_check_priorities(priorities, &error, error.count) == 0 else { return nil }
        return String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Why GnuTLS cannot serve `key` with `certificate` (unparsable, or not a pair), or nil when it can.
    public static func certificateProblem(key: String, certificate: String) -> String? {
        switch makeIdentity(key: key, certificate: certificate) {
        case .success(let identity):
            callpulse_tls_identity_free(identity)
            return nil
        case .failure(let error):
            return error.description
        }
    }

    /// Presents `certificate` with `key` on every handshake from now on: a renewed certificate
    /// without a restart. Connections already open are not touched (their handshake is done),
    /// and neither are live streams. A pair GnuTLS cannot use throws `bad_certificate` and the
    /// old one stays. Returns false when the pair is the one already in force.
    @discardableResult
    public func replaceCertificate(key: String, certificate: String) throws(HTTPAdapterError) -> Bool {
        let outcome = tlsState.withLock { state -> Result<Bool, HTTPAdapterError> in
            guard let current = state else {
                return .failure(HTTPAdapterError(.badCertificate, "this server was started without TLS; it serves plain HTTP"))
            }
            if current.key == key && current.certificate == certificate { return .success(false) }
            switch Self.makeIdentity(key: key, certificate: certificate) {
            case .failure(let error):
                return .failure(error)
            case .success(let identity):
                if let slot = current.slot {
                    callpulse_tls_slot_replace(OpaquePointer(bitPattern: slot), identity)
                } else {
                    callpulse_tls_identity_free(identity)  // checked; start() loads it from `state`
                }
                state = TLSState(key: key, certificate: certificate, slot: current.slot)
                return .success(true)
            }
        }
        return try outcome.get()
    }

    /// The slot for `start` (nil for plain HTTP), loaded from the pair in force.
    func openTLSSlot() throws(HTTPAdapterError) -> OpaquePointer? {
        if let priorities = configuration.tls?.priorities, let problem = Self.tlsPrioritiesProblem(priorities) {
            throw HTTPAdapterError(.badTLSPriorities, "GnuTLS rejects the TLS priorities '\(priorities)': \(problem)")
        }
        let outcome = tlsState.withLock { state -> Result<OpaquePointer?, HTTPAdapterError> in
            guard let current = state else { return .success(nil) }
            return Self.makeIdentity(key: current.key, certificate: current.certificate).flatMap { identity in
                guard let slot = callpulse_tls_slot_create(identity) else {
                    callpulse_tls_identity_free(identity)
                    return .failure(HTTPAdapterError(.badCertificate, "out of memory for the TLS certificate"))
                }
                state?.slot = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(slot)))
                return .success(slot)
            }
        }
        return try outcome.get()
    }

    /// Frees the slot once no daemon reads it (after MHD_stop_daemon, or a start that failed).
    func closeTLSSlot() {
        tlsState.withLock { state in
            guard let slot = state?.slot else { return }
            callpulse_tls_slot_free(OpaquePointer(bitPattern: slot))
            state?.slot = nil
        }
    }

    private static func makeIdentity(key: String, certificate: String) -> Result<OpaquePointer, HTTPAdapterError> {
        var error = [CChar](repeating: 0, count: 512)
        guard let identity = callpulse_tls_identity_create(key, certificate, &error, error.count) else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(HTTPAdapterError(.badCertificate, reason))
        }
        return .success(identity)
    }
}
