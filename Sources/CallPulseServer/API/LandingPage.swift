/// The page at `/` until the wallboard replaces it: what this daemon serves, as links.
enum LandingPage {
    static func html(_ status: StatusInfo) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>CallPulse</title>
        <style>body{font:16px/1.5 system-ui,sans-serif;background:#111;color:#eee;max-width:44em;margin:3em auto}
        a{color:#7cc4ff}code{color:#ffd479}</style></head>
        <body><h1>CallPulse \(status.version)</h1>
        <p>Real-time metrics for contact-center call queues. Clock: <code>\(status.settings.clock.rawValue)</code>.</p>
        <ul>
        <li><a href="/api/v1/queues">/api/v1/queues</a>: every queue's live numbers, windows and today (JSON)</li>
        <li><a href="/metrics">/metrics</a>: Prometheus exposition</li>
        <li><a href="/api/v1/calls">/api/v1/calls</a>: active call records</li>
        <li><a href="/api/v1/status">/api/v1/status</a>: version, settings and ingest counts</li>
        <li><a href="/-/healthy">/-/healthy</a>, <a href="/-/ready">/-/ready</a></li>
        </ul>
        <p>Send events with <code>POST /api/v1/events</code> (one object, a JSON array or NDJSON).</p>
        </body></html>

        """
    }
}
