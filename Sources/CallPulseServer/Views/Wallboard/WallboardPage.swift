/// The wallboard at `GET /`: one self-contained page (no network but this daemon) that a
/// supervisor puts on a TV. It draws itself from `/api/v1/stream`, and each tile's chart of
/// today's intervals from `/api/v1/intervals` (one request for every queue, at load and then at
/// most every 5 s while snapshots arrive); each tile's forecast row (projected SL, est. wait,
/// agents needed / seen) is the snapshot's `forecast` (docs/spec/forecast.md). Every queue
/// name and annotation goes into the DOM through `textContent`, never as HTML. Its script and
/// styles are files of their own (`WallboardAssets`), so the page's Content-Security-Policy
/// header (`SecurityHeaders.pagePolicy`) allows nothing inline (docs/spec/security.md, "Headers").
enum WallboardPage {
    /// The page; `version` is ours (digits and dots), so it is safe to interpolate.
    static func html(version: String) -> String {
        head + body.replacingOccurrences(of: "{{version}}", with: version) + tail
    }

    private static let head = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>CallPulse wallboard</title>
    <link rel="stylesheet" href="/wallboard.css">
    <script src="/wallboard.js" defer></script>
    </head>

    """#

    private static let body = #"""
    <body class="connecting">
    <header>
      <h1>Call<span>Pulse</span></h1>
      <div id="clock">--:--:--</div>
      <div id="status" class="connecting">connecting…</div>
      <div class="controls">
        <input id="filter" type="search" placeholder="filter queues" aria-label="filter queues">
        <select id="sort" aria-label="sort queues">
          <option value="name">name</option>
          <option value="waiting">most waiting</option>
          <option value="oldest">longest wait</option>
          <option value="sl">lowest service level</option>
          <option value="missed">most missed (5m)</option>
        </select>
      </div>
    </header>
    <section id="alerts" aria-live="polite"><ul id="alert-list"></ul></section>
    <main id="tiles"><div id="empty">Waiting for the first numbers…</div></main>
    <svg id="svg-defs" aria-hidden="true"><defs>
      <pattern id="partial-hatch" width="3" height="3" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="1.4" height="3" fill="#58a6ff"></rect></pattern>
    </defs></svg>
    <footer>
      CallPulse {{version}} ·
      <a href="/metrics">/metrics</a><a href="/api/v1/queues">/api/v1/queues</a><a href="/api/v1/alerts">/api/v1/alerts</a><a href="/api/v1/calls">/api/v1/calls</a><a href="/api/v1/status">/api/v1/status</a><a href="/api/v1/intervals">/api/v1/intervals</a>
      <span id="updated"></span>
    </footer>

    """#

    private static let tail = #"""
    </body>
    </html>

    """#
}
