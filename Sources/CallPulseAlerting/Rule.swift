import CallPulseCore

/// Comparison operators.
public enum RuleOperator: String, Sendable, CaseIterable {
    case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "==", notEqual = "!="

    public func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .greater: value > threshold
        case .greaterOrEqual: value >= threshold
        case .less: value < threshold
        case .lessOrEqual: value <= threshold
        case .equal: value == threshold
        case .notEqual: value != threshold
        }
    }
}

/// A spike condition (docs/spec/forecast.md, "Spike rules"): the rule's window value is at
/// least `min` and more than `factor` times what its baseline makes usual.
public struct Spike: Sendable, Equatable {
    /// What "usual" is measured on.
    public enum Baseline: Sendable, Equatable {
        /// The pace of the part of a longer configured window before the rule's window; holds
        /// only once `minCoverage` of that window has been observed.
        case rolling(WindowRef, minCoverage: Double)
        /// The mean of the same range one period earlier, `periods` times over, from the
        /// interval history; holds only when every such range was observed and is kept.
        case seasonal(periodMinutes: Int, periods: Int)
    }

    public var baseline: Baseline
    public var factor: Double
    public var min: Double

    public init(baseline: Baseline, factor: Double, min: Double) {
        self.baseline = baseline
        self.factor = factor
        self.min = min
    }
}

/// One alerting rule (README.md, "Alerting").
public struct Rule: Sendable, Equatable {
    public var alert: String
    public var queues: [String] = ["*"]
    public var metric: RuleMetric
    public var op: RuleOperator = .greater
    public var threshold: Double = 0
    public var spike: Spike?
    /// ms the condition must hold before firing.
    public var forDuration: Int64 = 0
    /// ms an alert keeps firing after its condition clears.
    public var keepFiringFor: Int64 = 0
    /// For ratios: the least denominator for the condition to hold.
    public var minVolume: Double = 0
    public var labels: [String: String] = [:]
    public var annotations: [String: AnnotationTemplate] = [:]
    public var hooks: [String] = []

    public init(alert: String, metric: RuleMetric) {
        self.alert = alert
        self.metric = metric
    }

    /// Whether the rule watches a queue.
    public func watches(_ queue: String) -> Bool { queues.contains { Glob.matches($0, queue) } }
}
