import CallPulseAlerting

/// A loaded rules file: hooks, the evaluation interval and the rules.
public struct RuleSet: Sendable, Equatable {
    public var hooks: [HookConfig] = []
    /// ms between evaluations of every rule (events also trigger one within 100 ms).
    public var evaluationInterval: Int64 = 1000
    public var rules: [Rule] = []

    public init() {}
}

/// Where and how a hook delivers notifications.
public struct HookConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case webhook, alertmanager, exec }

    public var name: String
    public var kind: Kind
    public var url = ""
    /// `urls` (alertmanager hooks): more Alertmanagers posted to besides `url`, each of a
    /// cluster (docs/spec/scale-out.md, "Replicas").
    public var urls: [String] = []
    public var headers: [String: String] = [:]
    public var bearerTokenFile = ""
    public var command: [String] = []
    /// ms per attempt.
    public var timeout: Int64 = 5000
    public var maxRetries = 5
    public var sendResolved = true
    /// ms between re-sends while an alert keeps firing (Alertmanager hooks re-send every minute).
    public var repeatInterval: Int64 = 4 * 3_600_000

    /// Where the hook posts: `url`, then each of `urls`; each gets its own sender.
    public var postURLs: [String] { (url.isEmpty ? [] : [url]) + urls }

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
        if kind == .alertmanager { repeatInterval = 60_000 }
    }
}
