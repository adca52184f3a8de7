import CallPulseCore
import Foundation
import Testing
@testable import CallPulseAlerting

/// The alert state machine with an injected clock, and the payloads it produces.
struct EvaluatorTests {
    /// A queue snapshot with `waiting` calls and `missed` calls in the 5m window.
    func queue(_ name: String = "Q", waiting: Int = 0, missed: Int64 = 0, missedHour: Int64 = 0,
               last: EpochMillis? = 0) -> QueueSnapshot {
        var five = Counters()
        five.missed = missed
        var hour = Counters()
        hour.missed = missedHour
        return QueueSnapshot(name: ByteString(name), waiting: waiting, waitingOverSL: 0, oldestWaitingMillis: 0,
                             connected: 0, onHold: 0, inAcw: 0, lastEventAt: last, policy: QueuePolicy(),
                             totals: .zero, expired: [0, 0, 0], windows: [("5m", five), ("1h", hour)], today: .zero,
                             wait: Histogram(bounds: [1]), talk: Histogram(bounds: [1]), acw: Histogram(bounds: [1]))
    }

    func rule(for duration: Int64 = 0, keep: Int64 = 0) -> Rule {
        var rule = Rule(alert: "Waiting", metric: .gauge(.waiting))
        rule.op = .greater
        rule.threshold = 2
        rule.forDuration = duration
        rule.keepFiringFor = keep
        rule.labels = ["severity": "page"]
        rule.annotations = ["summary": try! AnnotationTemplate("{{ $labels.queue }}: {{ $value }} > {{ $threshold }}")]
        return rule
    }

    @Test("for: 0s fires at once and resolves when the condition clears")
    func immediate() {
        var evaluator = AlertEvaluator(rules: [rule()])
        #expect(evaluator.evaluate([queue(waiting: 2)], now: 1000).isEmpty)
        let fired = evaluator.evaluate([queue(waiting: 3)], now: 2000)
        guard case .firing(let alert) = fired.first else { Issue.record("did not fire"); return }
        #expect(alert.labels == ["alertname": "Waiting", "queue": "Q", "severity": "page"])
        #expect(alert.annotations["summary"] == "Q: 3 > 2")
        #expect(alert.firedAt == 2000)
        #expect(evaluator.evaluate([queue(waiting: 4)], now: 3000).isEmpty)  // still firing: no new event
        #expect(evaluator.alerts.first?.value == 4)
        guard case .resolved(_, let at) = evaluator.evaluate([queue(waiting: 0)], now: 4000).first else {
            Issue.record("did not resolve"); return
        }
        #expect(at == 4000)
        #expect(evaluator.alerts.isEmpty)
    }

    @Test("for: pending until the condition has held long enough; flapping resets it")
    func pending() {
        var evaluator = AlertEvaluator(rules: [rule(for: 10_000)])
        #expect(evaluator.evaluate([queue(waiting: 3)], now: 0).isEmpty)
        #expect(evaluator.alerts.first?.state == .pending)
        #expect(evaluator.evaluate([queue(waiting: 3)], now: 9_999).isEmpty)
        #expect(evaluator.evaluate([queue(waiting: 0)], now: 10_000).isEmpty)  // flap: back to inactive, silently
        #expect(evaluator.alerts.isEmpty)
        _ = evaluator.evaluate([queue(waiting: 3)], now: 11_000)
        #expect(evaluator.evaluate([queue(waiting: 3)], now: 20_999).isEmpty)
        #expect(evaluator.evaluate([queue(waiting: 3)], now: 21_000).count == 1)
        #expect(evaluator.alerts.first?.activeSince == 11_000)
    }

    @Test("keep_firing_for holds a firing alert after its condition clears")
    func keepFiring() {
        var evaluator = AlertEvaluator(rules: [rule(keep: 60_000)])
        _ = evaluator.evaluate([queue(waiting: 3)], now: 0)
        #expect(evaluator.evaluate([queue(waiting: 0)], now: 59_999).isEmpty)
        #expect(evaluator.alerts.first?.state == .firing)
        _ = evaluator.evaluate([queue(waiting: 5)], now: 70_000)  // true again: the clock restarts
        #expect(evaluator.evaluate([queue(waiting: 0)], now: 129_999).isEmpty)
        #expect(evaluator.evaluate([queue(waiting: 0)], now: 130_000).count == 1)
    }

    @Test("reload keeps the states of unchanged rules only")
    func reload() {
        var other = Rule(alert: "Other", metric: .gauge(.waiting))
        other.threshold = 0
        var evaluator = AlertEvaluator(rules: [rule(), other])
        _ = evaluator.evaluate([queue(waiting: 3)], now: 0)
        #expect(evaluator.alerts.count == 2)
        var changed = other
        changed.threshold = 1
        evaluator.reload([rule(), changed])
        #expect(evaluator.alerts.map(\.rule) == ["Waiting"])
    }

    @Test("restore puts back the alerts of rules that still exist; pending keeps its for clock, firing stays quiet")
    func restore() {
        var before = AlertEvaluator(rules: [rule(for: 10_000)])
        _ = before.evaluate([queue("A", waiting: 3)], now: 0)
        _ = before.evaluate([queue("B", waiting: 3)], now: 5_000)
        _ = before.evaluate([queue("A", waiting: 3)], now: 10_000)  // A fires
        var gone = before.alerts[0]
        gone.rule = "Removed"
        var after = AlertEvaluator(rules: [rule(for: 10_000)])
        after.restore(before.alerts + [gone])
        #expect(after.alerts.map { "\($0.rule)/\($0.queue)/\($0.state)" } == ["Waiting/A/firing", "Waiting/B/pending"])
        #expect(after.evaluate([queue("A", waiting: 3)], now: 11_000).isEmpty)  // no second notification
        let fired = after.evaluate([queue("B", waiting: 3)], now: 15_000)  // 10 s after B went pending
        #expect(fired.map { if case .firing(let alert) = $0 { alert.queue } else { "" } } == ["B"])
    }

    /// docs/spec/forecast.md, "Spike rules": `v ≥ min` and `v / W > factor × (b − v) / (O − W)`,
    /// only when `O ≥ min_coverage × B` and `O > W`. W = 5m, B = 1h, factor 3, min 5.
    static let rollingSpikeCases: [(String, observedMinutes: Int?, coverage: Double, v: Int64, b: Int64, holds: Bool)] = [
        ("a fresh daemon: nothing observed", 0, 1, 24, 24, false),
        ("nothing observed at all", nil, 1, 24, 24, false),
        ("59 of 60 minutes observed: not yet", 59, 1, 40, 40, false),
        ("a whole baseline: 7 in 5m against 22 in 55m", 60, 1, 7, 29, true),
        ("a whole baseline: exactly 3 × the pace is not above it", 60, 1, 6, 28, false),
        ("a steady rate above min: 10 in 5m, 110 in the 55m before", 60, 1, 10, 120, false),
        ("the baseline's buckets hold less than the window's (aligned apart)", 60, 1, 10, 8, false),
        ("longer up than the baseline: O is the baseline", 600, 1, 7, 29, true),
        ("below min", 60, 1, 4, 4, false),
        ("min_coverage 0.5, half observed: 7 in 5m against 10 in 25m", 30, 0.5, 7, 17, true),
        ("min_coverage 0.5, half observed: exactly 3 ×", 30, 0.5, 6, 16, false),
        ("min_coverage 0.5, 29 minutes", 29, 0.5, 20, 20, false),
        ("min_coverage 0.05 but O not beyond W", 5, 0.05, 20, 20, false),
    ]

    @Test("spike against the observed earlier part of a rolling baseline", arguments: rollingSpikeCases)
    func rollingSpike(_ name: String, observedMinutes: Int?, coverage: Double, v: Int64, b: Int64, holds: Bool) {
        var rule = Rule(alert: "Spike", metric: .counter(.missed, window: .rolling("5m", minutes: 5)))
        rule.spike = Spike(baseline: .rolling(.rolling("1h", minutes: 60), minCoverage: coverage), factor: 3, min: 5)
        let now: EpochMillis = 10_000_000_000
        let context = EvaluationContext(observedSince: observedMinutes.map { now - EpochMillis($0) * 60_000 })
        let (held, value) = RuleValue.condition(rule, queue(missed: v, missedHour: b), now: now, context: context)
        #expect(held == holds, "\(name)")
        #expect(value == Double(v))
    }

    @Test("seasonal spike: above factor × the mean of the earlier ranges, all of them observed")
    func seasonalSpike() {
        var rule = Rule(alert: "Seasonal", metric: .counter(.missed, window: .rolling("5m", minutes: 5)))
        rule.spike = Spike(baseline: .seasonal(periodMinutes: 7 * 1440, periods: 2), factor: 2, min: 5)
        func ranges(_ values: [Int64?]) -> EvaluationContext {
            EvaluationContext(observedSince: 0, seasonalRanges: ["Seasonal": ["Q": values.map { value in
                value.map { var counters = Counters(); counters.missed = $0; return counters }
            }]])
        }
        let now: EpochMillis = 30 * 86_400_000
        // Mean (2 + 4) / 2 = 3; 2 × 3 = 6: 6 is not above it, 7 is.
        #expect(RuleValue.condition(rule, queue(missed: 7), now: now, context: ranges([2, 4])).holds)
        #expect(!RuleValue.condition(rule, queue(missed: 6), now: now, context: ranges([2, 4])).holds)
        #expect(!RuleValue.condition(rule, queue(missed: 40), now: now, context: ranges([2, nil])).holds)  // not observed
        #expect(!RuleValue.condition(rule, queue(missed: 4), now: now, context: ranges([0, 0])).holds)  // below min
        #expect(!RuleValue.condition(rule, queue(missed: 40), now: now).holds)  // no history read
        #expect(EvaluationContext.seasonalRanges(of: rule, now: now).map { [$0.from, $0.to] }
                == [[now - 7 * 86_400_000 - 300_000, now - 7 * 86_400_000], [now - 14 * 86_400_000 - 300_000, now - 14 * 86_400_000]])
    }

    @Test("event silence and queue globs")
    func silence() {
        var rule = Rule(alert: "Silent", metric: .eventSilence)
        rule.threshold = 600
        rule.queues = ["Bill*"]
        var evaluator = AlertEvaluator(rules: [rule])
        let events = evaluator.evaluate([queue("Billing", last: 0), queue("Sales", last: 0)], now: 600_001)
        #expect(events.count == 1)
        #expect(evaluator.alerts.map(\.queue) == ["Billing"])
    }

    @Test("min_volume keeps a ratio rule quiet on thin traffic")
    func minVolume() {
        var rule = Rule(alert: "SL", metric: .derived(.serviceLevel, window: .rolling("5m", minutes: 5)))
        rule.op = .less
        rule.threshold = 0.8
        rule.minVolume = 3
        var thin = queue()
        var c = Counters()
        c.waitCount = 2
        c.answered = 2
        thin.windows[0].counters = c
        var evaluator = AlertEvaluator(rules: [rule])
        #expect(evaluator.evaluate([thin], now: 0).isEmpty)  // SL 0 but only 2 calls
        c.waitCount = 3
        c.answered = 3
        thin.windows[0].counters = c
        #expect(evaluator.evaluate([thin], now: 1).count == 1)
    }

    @Test("templates accept only $labels.NAME, $value and $threshold")
    func templates() throws {
        #expect(throws: AlertingError(.invalidTemplate,
                                      "'{{ .Value }}' is not one of {{ $labels.NAME }}, {{ $value }}, {{ $threshold }}")) {
            try AnnotationTemplate("{{ .Value }}")
        }
        #expect(throws: AlertingError(.invalidTemplate, "'{{' without a closing '}}'")) { try AnnotationTemplate("{{ $labels.queue ") }
        let template = try AnnotationTemplate("{{$labels.queue}} at {{ $value }}")
        #expect(template.render(labels: ["queue": "Q"], value: 0.125, threshold: 1) == "Q at 0.125")
    }

    @Test("webhook payload v4: firing endsAt is the zero time; fingerprint is FNV-1a of the sorted labels")
    func payload() throws {
        let labels = ["alertname": "MissedCallsHigh", "queue": "Billing", "severity": "page"]
        let notification = AlertNotification(receiver: "oncall", items: [
            .init(status: "firing", labels: labels, annotations: ["summary": "s"], startsAt: 1_795_514_400_000, endsAt: nil),
        ])
        let json = try JSONSerialization.jsonObject(with: Data(notification.webhookPayload(externalURL: "http://h").utf8)) as! NSDictionary
        #expect(json["version"] as? String == "4")
        #expect(json["status"] as? String == "firing")
        #expect(json["receiver"] as? String == "oncall")
        #expect(json["groupKey"] as? String == "{}:{alertname=\"MissedCallsHigh\"}")
        #expect((json["commonLabels"] as? NSDictionary)?["queue"] as? String == "Billing")
        let alert = (json["alerts"] as! [NSDictionary])[0]
        #expect(alert["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect(alert["startsAt"] as? String == "2026-11-24T10:00:00.000Z")
        // Independently: FNV-1a 64 of "alertname\xffMissedCallsHigh\xffqueue\xffBilling\xffseverity\xffpage\xff".
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in Array("alertname".utf8) + [255] + Array("MissedCallsHigh".utf8) + [255] + Array("queue".utf8) + [255]
            + Array("Billing".utf8) + [255] + Array("severity".utf8) + [255] + Array("page".utf8) + [255] {
            hash = (hash ^ UInt64(byte)) &* 0x100000001b3
        }
        #expect(alert["fingerprint"] as? String == String(format: "%016llx", hash))
    }
}
