import Foundation
@testable import CallPulseCore

/// T0 = 2026-11-24T10:00:00Z in ms; test times are seconds after it.
let t0: EpochMillis = 1_795_514_400_000

func at(_ seconds: Double) -> EpochMillis { t0 + EpochMillis((seconds * 1000).rounded()) }

/// One event in the connector's envelope, as an NDJSON line.
func eventLine(_ id: String, _ event: String, _ seconds: Double?, queue: String? = "Q", qts: Double? = nil,
               type: String? = nil) -> String {
    var media: [String] = []
    if let type { media.append(#""callType":"\#(type)""#) }
    if let queue { media.append(#""queueName":"\#(queue)""#) }
    if let qts { media.append(#""queueTimestamp":"\#(Timestamp.format(at(qts)))""#) }
    var response = [#""MediaProperties":{\#(media.joined(separator: ","))}"#]
    if let seconds { response.append(#""CurrentStateTime":"\#(Timestamp.format(at(seconds)))""#) }
    return #"{"channel":"Amazon","message":{"source":"AmazonConnect","call":{"id":"\#(id)","event":"\#(event)","ResponseFields":{\#(response.joined(separator: ","))}}}}"#
}

/// Decodes a whole input (any shape) into positioned outcomes.
func decodeAll(_ text: String) -> [PositionedOutcome] {
    var outcomes: [PositionedOutcome] = []
    EventReader().read(JSONText(text)) { outcomes.append($0) }
    return outcomes
}

/// Decodes one JSON value.
func decodeOne(_ json: String) -> DecodeOutcome {
    let text = JSONText(json)
    return text.withContent { EventReader().decodeValue($0) }
}

/// The rejection reason of one value, or nil when it decodes.
func rejection(_ json: String) -> Rejection? {
    if case .rejected(let rejection) = decodeOne(json) { return rejection }
    return nil
}

/// An engine on the event clock fed with `lines`; returns it with each event's result.
func run(_ lines: [String], settings: Settings = Settings()) -> (engine: Engine, results: [EventResult]) {
    var settings = settings
    settings.clock = .event
    var engine = try! Engine(settings: settings)
    var results: [EventResult] = []
    EventReader().read(JSONText(lines.joined(separator: "\n"))) {
        results.append(engine.process($0.outcome, receivedAt: 0))
    }
    return (engine, results)
}

/// The snapshot of queue `name` after `lines`.
func queueAfter(_ lines: [String], _ name: String = "Q", settings: Settings = Settings()) -> QueueSnapshot? {
    var engine = run(lines, settings: settings).engine
    return engine.snapshot(wallNow: 0).queues.first { $0.name.string == name }
}

/// Where the shared fixtures live.
func fixture(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
}

extension Counters {
    /// Builds counters from snapshot keys, for compact expectations.
    init(_ values: [String: Int64]) {
        self.init()
        for (key, value) in values {
            switch key {
            case "offered": offered = value
            case "answered": answered = value
            case "answered_within_sl": answeredWithinSL = value
            case "missed": missed = value
            case "rejected": rejected = value
            case "abandoned": abandoned = value
            case "short_abandoned": shortAbandoned = value
            case "abandoned_within_sl": abandonedWithinSL = value
            case "completed": completed = value
            case "acw_completed": acwCompleted = value
            case "holds": holds = value
            case "wait_count": waitCount = value
            case "wait_ms": waitMillis = value
            case "talk_ms": talkMillis = value
            case "hold_ms": holdMillis = value
            case "acw_ms": acwMillis = value
            default: fatalError("unknown counter \(key)")
            }
        }
    }
}
