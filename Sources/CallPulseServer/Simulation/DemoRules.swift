/// The rules `serve --demo` runs when no rules file is given: the ideas of
/// alerts/callpulse.rules.yml with thresholds the demo traffic crosses within minutes, and
/// no hooks (the alerts show on the wallboard, in /api/v1/alerts, /metrics and the log).
enum DemoRules {
    static let source = "(built-in demo rules)"

    static let yaml = """
        evaluation_interval: 1s
        rules:
          - alert: MissedCallsSpike
            metric: missed
            window: 5m
            spike: { baseline: 1h, factor: 3, min: 5 }
            labels: { severity: page }
            annotations:
              summary: "{{ $labels.queue }}: {{ $value }} missed calls in 5 minutes, over 3 × the hourly pace"
          - alert: LongestWaitHigh
            metric: oldest_waiting_seconds
            op: ">"
            threshold: 45
            for: 10s
            labels: { severity: page }
            annotations:
              summary: "{{ $labels.queue }}: the oldest ringing call has waited {{ $value }} s"
          - alert: ServiceLevelLow
            metric: service_level
            window: 5m
            op: "<"
            threshold: 0.8
            min_volume: 20
            for: 30s
            labels: { severity: warning }
            annotations:
              summary: "{{ $labels.queue }}: service level {{ $value }} over 5 minutes, under {{ $threshold }}"
        """
}
