/// The rules `serve --demo` runs when no rules file is given: the ideas of
/// alerts/callpulse.rules.yml with thresholds tuned to the demo's traffic (DemoInput), so
/// nothing is pending or firing before its simulated spike and the spike pages within
/// seconds (Tests/CallPulseServerTests/DemoAlertTests.swift plays it over many seeds). No
/// hooks: the alerts show on the wallboard, in /api/v1/alerts, /metrics and the log.
enum DemoRules {
    static let source = "(built-in demo rules)"

    static let yaml = """
        evaluation_interval: 1s
        rules:
          - alert: MissedCallsSpike
            metric: missed
            window: 1m
            spike: { baseline: 5m, factor: 4, min: 20 }   # holds once a whole 5m was observed
            keep_firing_for: 1m   # the spike's own minutes enter the baseline and hide it for a moment
            labels: { severity: page }
            annotations:
              summary: "{{ $labels.queue }}: {{ $value }} missed calls in a minute, over 4 × the pace of the minutes before"
          - alert: LongestWaitHigh
            metric: oldest_waiting_seconds
            op: ">"
            threshold: 90
            for: 10s
            labels: { severity: page }
            annotations:
              summary: "{{ $labels.queue }}: the oldest ringing call has waited {{ $value }} s"
          - alert: ServiceLevelLow
            metric: service_level
            window: 5m
            op: "<"
            threshold: 0.7
            min_volume: 50
            for: 30s
            labels: { severity: warning }
            annotations:
              summary: "{{ $labels.queue }}: service level {{ $value }} over 5 minutes, under {{ $threshold }}"
          - alert: ServiceLevelAtRisk
            metric: projected_service_level
            op: "<"
            threshold: 0.8
            min_volume: 20
            for: 1m
            labels: { severity: warning }
            annotations:
              summary: "{{ $labels.queue }}: this interval is projected to end at service level {{ $value }}, under {{ $threshold }}"
        """
}
