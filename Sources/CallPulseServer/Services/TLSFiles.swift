import CallPulseHTTP
import CallPulseSupport
import Foundation
import Logging

/// `web.tls_cert_file` and `web.tls_key_file` (docs/spec/security.md, "TLS"): read and checked
/// at start, re-read by every reload so a renewed certificate needs no restart.
struct TLSFiles: Sendable {
    let certificateFile: String
    let keyFile: String
    /// `web.tls_priorities`, or the default profile (TLS 1.2 and 1.3, AEAD suites only).
    let priorities: String

    /// nil without HTTPS.
    init?(_ web: WebSettings) {
        guard let certificateFile = web.tlsCertFile, let keyFile = web.tlsKeyFile else { return nil }
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        priorities = web.tlsPriorities ?? WebSettings.defaultTLSPriorities
    }

    /// The pair and the priorities, checked, so that a bad pair stops `serve` before anything starts.
    func read() throws(ServerError) -> HTTPServer.TLS {
        let (key, certificate) = try readFiles()
        if let problem = HTTPServer.certificateProblem(key: key, certificate: certificate) {
            throw ServerError(.invalidTLSFiles, "\(pairName): \(problem)")
        }
        return HTTPServer.TLS(key: key, certificate: certificate, priorities: priorities)
    }

    /// The reload step: both files re-read and handed to the server (once it exists), which
    /// checks the pair first and keeps its certificate when the new one is bad.
    func reloadStep(server: LockedBox<HTTPServer?>, logger: Logger) -> Reload.Step {
        { [self] in
            guard let server = server.withLock({ $0 }) else { return .success("not serving yet") }
            let kept = "the TLS certificate was not replaced, the old one stays in force: "
            let pair: (key: String, certificate: String)
            do throws(ServerError) {
                pair = try readFiles()
            } catch {
                logger.error("certificate reload failed; the old certificate stays in force", metadata: ["problem": "\(error)"])
                return .failure(ServerError(error.kind, kept + error.description))
            }
            do throws(HTTPAdapterError) {
                guard try server.replaceCertificate(key: pair.key, certificate: pair.certificate) else {
                    return .success("the TLS certificate is unchanged")
                }
                logger.info("TLS certificate replaced", metadata: ["tls_cert_file": "\(certificateFile)"])
                return .success("replaced the TLS certificate")
            } catch {
                logger.error("certificate reload failed; the old certificate stays in force",
                             metadata: ["problem": "\(error.description)"])
                return .failure(ServerError(.invalidTLSFiles, kept + "\(pairName): \(error.description)"))
            }
        }
    }

    private var pairName: String { "web.tls_cert_file '\(certificateFile)' with web.tls_key_file '\(keyFile)'" }

    private func readFiles() throws(ServerError) -> (key: String, certificate: String) {
        guard let key = try? String(contentsOfFile: keyFile, encoding: .utf8),
              let certificate = try? String(contentsOfFile: certificateFile, encoding: .utf8) else {
            throw ServerError(.unreadableTLSFiles, "web: cannot read tls_key_file '\(keyFile)' or tls_cert_file '\(certificateFile)'")
        }
        return (key, certificate)
    }
}

extension ServerError {
    /// The HTTP server's start failure, as `serve` reports it: a TLS problem names its setting.
    init(starting error: HTTPAdapterError) {
        switch error.kind {
        case .badTLSPriorities:
            self.init(.invalidConfig, "web.tls_priorities: libmicrohttpd cannot start HTTPS: \(error.description)")
        case .badCertificate:
            self.init(.invalidTLSFiles, "web: tls_cert_file with tls_key_file: \(error.description)")
        default:
            self.init(.cannotListen, error.description)
        }
    }
}
