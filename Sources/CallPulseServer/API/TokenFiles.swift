import Foundation

/// The `web.*_token_file`s (docs/spec/security.md, "Tokens"): one token a line, blank lines
/// and lines starting with `#` ignored, so a token can be rotated with overlap (add the new
/// one, reload, move the clients, remove the old one, reload).
enum TokenFiles {
    /// The tokens in a file's text, in order: each line trimmed of whitespace (a CRLF file too).
    static func parse(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// The tokens of `path` (configured as `key`); throws when it cannot be read or holds none.
    /// The sentence names the file, never a token.
    static func read(_ key: String, _ path: String) throws(ServerError) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ServerError(.unreadableTokenFile, "\(key): cannot read the token file '\(path)'")
        }
        let tokens = parse(text)
        guard !tokens.isEmpty else {
            throw ServerError(.unreadableTokenFile,
                              "\(key): the token file '\(path)' holds no token (one a line; blank lines and # comments are ignored)")
        }
        return tokens
    }

    /// Every configured file's tokens, at start: the first problem stops the daemon.
    static func readAll(_ web: WebSettings) throws(ServerError) -> AccessPolicy.Tokens {
        var tokens = AccessPolicy.Tokens()
        for (role, key, path) in files(web) {
            if let path { tokens[keyPath: role] = try read(key, path) }
        }
        return tokens
    }

    /// The reload step: each configured file re-read; one that cannot be read or holds no token
    /// keeps its old tokens and fails the step, the others take effect. The sentence counts
    /// tokens, never shows one.
    static func reload(_ web: WebSettings, into policy: AccessPolicy) -> Result<String, ServerError> {
        var tokens = policy.tokens
        var counts: [String] = []
        var problems: [String] = []
        for (role, key, path) in files(web) {
            guard let path else { continue }
            do throws(ServerError) {
                let read = try read(key, path)
                tokens[keyPath: role] = read
                counts.append("\(key) \(read.count) token\(read.count == 1 ? "" : "s")")
            } catch {
                problems += error.problems.map { $0 + "; its old tokens stay in force" }
            }
        }
        policy.replace(tokens)
        if !problems.isEmpty { return .failure(ServerError(.unreadableTokenFile, problems: problems)) }
        return .success(counts.isEmpty ? "no token files are configured"
                                       : "token files re-read (" + counts.joined(separator: ", ") + ")")
    }

    private static func files(_ web: WebSettings) -> [(WritableKeyPath<AccessPolicy.Tokens, [String]?>, String, String?)] {
        [(\.ingest, "web.ingest_token_file", web.ingestTokenFile),
         (\.admin, "web.admin_token_file", web.adminTokenFile),
         (\.read, "web.read_token_file", web.readTokenFile)]
    }
}
