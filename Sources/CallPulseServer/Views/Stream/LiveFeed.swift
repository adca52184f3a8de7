import CallPulseAlerting
import CallPulseCore
import CallPulseHTTP
import CallPulseSupport
import Foundation

/// `GET /api/v1/stream`: Server-Sent Events for the wallboard and scripts. A `snapshot`
/// event (the `/api/v1/queues` document on one line) at most once a second and only when
/// it changed, an `alert` event whenever an alert appears, changes state or resolves, and
/// a heartbeat every 15 s. Idle clients are parked connections: they hold no thread.
final class LiveFeed: Sendable {
    struct State {
        var channels: [EventChannel] = []
        /// The last snapshot document sent, and when (monotonic nanoseconds: pacing must not
        /// follow wall-clock steps; docs/architecture.md, "Clocks").
        var lastSnapshot: [UInt8] = []
        var lastSnapshotAt: UInt64?
        var lastHeartbeatAt: UInt64 = SystemClock.monotonicNanos()
        /// Alert state by fingerprint as last sent, to send only changes.
        var alertStates: [String: String] = [:]
        var lastAlerts: [String: Alert] = [:]
    }

    static let snapshotInterval: UInt64 = 1_000_000_000
    static let heartbeatInterval: UInt64 = 15_000_000_000
    /// How often the feed looks for changes when nothing wakes it; bounds an alert event's delay.
    static let tick: Duration = .milliseconds(200)

    private let host: EngineHost
    private let alerts: @Sendable () -> [Alert]
    private let clock: @Sendable () -> EpochMillis
    private let state = LockedBox(State())
    private let worker = WorkerThread(name: "live feed", interval: LiveFeed.tick)
    let maxClients: Int

    init(host: EngineHost, maxClients: Int, alerts: @escaping @Sendable () -> [Alert],
         clock: @escaping @Sendable () -> EpochMillis) {
        self.host = host
        self.maxClients = maxClients
        self.alerts = alerts
        self.clock = clock
    }

    /// The feed as a service: a step per tick or wake; streams end when it stops.
    var service: WorkerService {
        WorkerService(worker: worker, step: { [self] in step() }, finally: { [self] in closeAll() })
    }

    /// Events were applied: look for a new snapshot now rather than at the next tick.
    func eventsApplied() { worker.wake() }

    /// Clients connected now.
    var clients: Int { state.withLock { $0.channels.count } }

    /// A new client: its stream starts with the reconnect delay, the current snapshot and
    /// every active alert, so a page needs nothing else to draw itself.
    func subscribe() -> HTTPResponse {
        guard clients < maxClients else {
            return HTTPServer.error(503, "too_many_streams",
                                    "\(maxClients) live streams are open already (limits.max_streams); try again later")
        }
        let channel = EventChannel()
        // Rendered outside the lock, used only if nobody holds a snapshot yet.
        let fresh = state.withLock { $0.lastSnapshot.isEmpty }
            ? SnapshotJSON.renderBytes(host.snapshot(now: clock()), compact: true) : nil
        // The snapshot and alerts as this feed last sent them, read under the same lock that
        // adds the channel (and that `step` holds while it changes them and picks whom to
        // send to): the client sees exactly the changes after them.
        state.withLock { state in
            if state.lastSnapshot.isEmpty, let fresh {
                state.lastSnapshot = fresh
                state.lastSnapshotAt = SystemClock.monotonicNanos()
            }
            var opening = Array("retry: 2000\n\n".utf8)
            opening += Self.event("snapshot", state.lastSnapshot)
            for alert in state.lastAlerts.values.sorted(by: { $0.activeSince < $1.activeSince }) {
                opening += Self.alertEvent(alert, state: alert.state.rawValue)
            }
            channel.send(opening)
            state.channels.append(channel)
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/event-stream; charset=utf-8"),
                                                   ("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no")],
                            stream: channel)
    }

    /// Ends every stream: when the feed stops (before the HTTP server does), and when the read
    /// tokens change on reload (a stream is authorised once, as it opens).
    func closeAll() {
        let channels = state.withLock { state -> [EventChannel] in
            defer { state.channels = [] }
            return state.channels
        }
        channels.forEach { $0.close() }
    }

    /// One SSE event: `event: NAME` and the one-line JSON as `data:`.
    static func event(_ name: String, _ json: [UInt8]) -> [UInt8] {
        var bytes = Array("event: \(name)\ndata: ".utf8)
        bytes.reserveCapacity(bytes.count + json.count + 2)
        for byte in json where byte != 0x0A { bytes.append(byte) }
        bytes += [0x0A, 0x0A]
        return bytes
    }

    private func step() {
        let now = clock()
        let ticks = SystemClock.monotonicNanos()
        let current = alerts()
        // Rendering is the expensive part: outside the lock, and only when one may be sent.
        let snapshotDue = state.withLock { state in
            !state.channels.isEmpty && state.lastSnapshotAt.map { ticks - $0 >= Self.snapshotInterval } ?? true
        }
        let rendered = snapshotDue ? SnapshotJSON.renderBytes(host.snapshot(now: now), compact: true) : nil
        // One critical section updates what was sent and picks the channels to send it to, so a
        // client subscribing meanwhile gets either the old state and this change, or the new state.
        let (outgoing, channels) = state.withLock { state -> ([UInt8], [EventChannel]) in
            state.channels.removeAll { $0.isClosed }
            if state.channels.isEmpty { state.lastSnapshot = [] }  // nobody holds it: do not hand it out later
            var outgoing = Self.alertChanges(current, &state)
            if let rendered, !state.channels.isEmpty, let snapshot = Self.snapshotIfChanged(rendered, at: ticks, &state) {
                outgoing += snapshot
            }
            if ticks - state.lastHeartbeatAt >= Self.heartbeatInterval {
                state.lastHeartbeatAt = ticks
                // A comment for proxies, and an event a page can watch to tell a live stream from a dead one.
                outgoing += Array(": heartbeat\n".utf8)
                outgoing += Self.event("heartbeat", Array("{\"at\": \"\(Timestamp.format(now))\"}".utf8))
            }
            return (outgoing, state.channels)
        }
        guard !outgoing.isEmpty else { return }
        for channel in channels { channel.send(outgoing) }
    }

    /// The snapshot event when the numbers differ from the last one sent.
    private static func snapshotIfChanged(_ json: [UInt8], at ticks: UInt64, _ state: inout State) -> [UInt8]? {
        // The document starts `{"generated_at": "…",` (no comma before): compare what follows.
        let body = json.firstIndex(of: UInt8(ascii: ",")).map { json[$0...] } ?? json[...]
        let previous = state.lastSnapshot.firstIndex(of: UInt8(ascii: ",")).map { state.lastSnapshot[$0...] }
        guard previous.map({ !$0.elementsEqual(body) }) ?? true else { return nil }
        state.lastSnapshot = json
        state.lastSnapshotAt = ticks
        return event("snapshot", json)
    }

    /// `alert` events for alerts that appeared, changed state or went away since the last tick.
    private static func alertChanges(_ current: [Alert], _ state: inout State) -> [UInt8] {
        var out: [UInt8] = []
        var seen: [String: String] = [:]
        for alert in current {
            let key = AlertNotification.fingerprint(alert.labels)
            seen[key] = alert.state.rawValue
            if state.alertStates[key] != alert.state.rawValue { out += alertEvent(alert, state: alert.state.rawValue) }
        }
        for (key, _) in state.alertStates where seen[key] == nil {
            if let gone = state.lastAlerts[key] { out += alertEvent(gone, state: "resolved") }
        }
        state.alertStates = seen
        state.lastAlerts = Dictionary(current.map { (AlertNotification.fingerprint($0.labels), $0) }) { a, _ in a }
        return out
    }

    private static func alertEvent(_ alert: Alert, state: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 512, compact: true)
        AlertsJSON.write(alert, state: state, into: &writer)
        return event("alert", writer.bytes)
    }
}
