import CallPulseHTTP

/// `GET /wallboard.js` and `GET /wallboard.css`: the wallboard's script and styles, beside this
/// file, embedded at build time. Files rather than inline, so the page's Content-Security-Policy
/// needs no 'unsafe-inline' (docs/spec/security.md, "Headers"). Served to anyone, as `/` is (they
/// hold no numbers); revalidated on every load (`no-cache`, a 304 by ETag) so the page of a new
/// version never runs the script of an old one.
enum WallboardAssets {
    static let script = EmbeddedFile(bytes: PackageResources.wallboard_js, contentType: "text/javascript; charset=utf-8",
                                     cacheControl: "no-cache")
    static let stylesheet = EmbeddedFile(bytes: PackageResources.wallboard_css, contentType: "text/css; charset=utf-8",
                                         cacheControl: "no-cache")
}
