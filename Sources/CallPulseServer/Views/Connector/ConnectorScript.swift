import CallPulseHTTP

/// `GET /connector.js`: the browser forwarder (docs/spec/connector.md), `connector.js` beside
/// this file, embedded at build time. Served to anyone, cached for a day, revalidated by ETag.
enum ConnectorScript {
    static let file = EmbeddedFile(bytes: PackageResources.connector_js, contentType: "text/javascript; charset=utf-8",
                                   cacheControl: "public, max-age=86400")

    static func response(_ request: HTTPRequest) -> HTTPResponse { file.response(request) }
}
