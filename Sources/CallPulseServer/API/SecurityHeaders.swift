/// The headers of docs/spec/security.md, "Headers": two on every answer, and the pages'
/// Content-Security-Policy.
enum SecurityHeaders {
    /// On every answer, the adapter's own errors and the stream included (the adapter adds them:
    /// `HTTPServer.Configuration.everyAnswerHeaders`). `nosniff`: a browser never runs a JSON or
    /// CSV answer as script or style; `no-referrer`: the page's address never leaves with a request.
    static let everyAnswer: [(name: String, value: String)] = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]

    /// The policy of the HTML pages (`/`): scripts and styles only from this daemon's own files
    /// (`/wallboard.js`, `/wallboard.css`: nothing inline, so an injected `<script>` or `style`
    /// never runs), requests only to this daemon, no images, plugins, `<base>` or forms, and
    /// framed only by `web.frame_ancestors` (validated at load: each is one CSP source; an empty
    /// list is `'none'`, since a directive without sources would let any site frame the page).
    static func pagePolicy(frameAncestors: [String]) -> String {
        let ancestors = frameAncestors.isEmpty ? ["'none'"] : frameAncestors
        return [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'none'",
            "object-src 'none'", "base-uri 'none'", "form-action 'none'",
            "frame-ancestors " + ancestors.joined(separator: " "),
        ].joined(separator: "; ")
    }
}
