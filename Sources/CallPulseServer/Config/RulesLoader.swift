import CallPulseAlerting
import CallPulseCore
import Foundation
import Yams

/// Reads a rules file (interfaces.md, "Rules file"), collecting every problem with its line.
public enum RulesLoader {
    public static func load(path: String, windows: [Int] = Settings().windowMinutes) throws(ConfigProblems) -> RuleSet {
        let text = try YAMLReader.contents(of: path, what: "rules")
        return try parse(text, file: path, windows: windows)
    }

    /// `windows`: the configured window lengths in minutes, which rules may read.
    public static func parse(_ text: String, file: String, windows: [Int]) throws(ConfigProblems) -> RuleSet {
        let root = try YAMLReader.compose(text, file: file)
        var set = RuleSet()
        guard let root else { return set }
        var reader = YAMLReader(file: file)
        var ruleNodes: [(Node, Rule)] = []
        reader.mapping(root, path: "") { key, value, r in
            switch key {
            case "hooks":
                r.sequence(value, key) { item, r in
                    if let hook = readHook(item, &r) { set.hooks.append(hook) }
                }
            case "evaluation_interval":
                if let interval = r.duration(value, key) { set.evaluationInterval = interval }
            case "rules":
                r.sequence(value, key) { item, r in
                    if let rule = readRule(item, &r, windows: windows) { ruleNodes.append((item, rule)) }
                }
            default:
                return false
            }
            return true
        }
        let hookNames = Set(set.hooks.map(\.name))
        var seen = Set<String>()
        for hook in set.hooks where !seen.insert(hook.name).inserted {
            reader.problem(root, "hooks: the name '\(hook.name)' is used twice")
        }
        var ruleNames = Set<String>()
        for (node, rule) in ruleNodes {
            if !ruleNames.insert(rule.alert).inserted { reader.problem(node, "rules: the alert '\(rule.alert)' is defined twice") }
            for hook in rule.hooks where !hookNames.contains(hook) {
                reader.problem(node, "rules: alert '\(rule.alert)' names hook '\(hook)', which is not defined under hooks")
            }
        }
        set.rules = ruleNodes.map(\.1)
        if !reader.problems.isEmpty { throw ConfigProblems(problems: reader.problems) }
        return set
    }

    private static func readHook(_ node: Node, _ r: inout YAMLReader) -> HookConfig? {
        var fields: [String: Node] = [:]
        r.mapping(node, path: "hooks[]") { key, value, _ in
            guard ["name", "type", "url", "headers", "bearer_token_file", "command", "timeout", "max_retries",
                   "send_resolved", "repeat_interval"].contains(key) else { return false }
            fields[key] = value
            return true
        }
        guard let nameNode = fields["name"], let name = r.string(nameNode, "hooks.name"), !name.isEmpty else {
            r.problem(node, "hooks: each hook needs a name")
            return nil
        }
        guard let typeNode = fields["type"],
              let type = r.choice(typeNode, "hooks.type", HookConfig.Kind.allCases.map(\.rawValue)) else {
            if fields["type"] == nil { r.problem(node, "hooks: hook '\(name)' needs a type: webhook, alertmanager or exec") }
            return nil
        }
        var hook = HookConfig(name: name, kind: HookConfig.Kind(rawValue: type)!)
        if let url = fields["url"].flatMap({ r.string($0, "hooks.url") }) {
            if URL(string: url)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                r.problem(fields["url"]!, "hooks.url '\(url)' must be an http or https URL")
            }
            hook.url = url
        }
        if hook.kind != .exec && hook.url.isEmpty { r.problem(node, "hooks: \(type) hook '\(name)' needs a url") }
        if let headers = fields["headers"] {
            r.mapping(headers, path: "hooks.headers") { key, value, r in
                if let text = r.string(value, "hooks.headers.\(key)") { hook.headers[key] = text }
                return true
            }
        }
        if let file = fields["bearer_token_file"].flatMap({ r.string($0, "hooks.bearer_token_file") }) {
            hook.bearerTokenFile = file
        }
        if let command = fields["command"].flatMap({ r.stringList($0, "hooks.command") }) { hook.command = command }
        if hook.kind == .exec && hook.command.isEmpty { r.problem(node, "hooks: exec hook '\(name)' needs a command list") }
        if let timeout = fields["timeout"].flatMap({ r.duration($0, "hooks.timeout") }) { hook.timeout = timeout }
        if let retries = fields["max_retries"] {
            if let count = retries.int, count >= 0 { hook.maxRetries = count } else {
                r.problem(retries, "hooks.max_retries must be a whole number, 0 or more")
            }
        }
        if let flag = fields["send_resolved"].flatMap({ r.bool($0, "hooks.send_resolved") }) { hook.sendResolved = flag }
        if let repeatInterval = fields["repeat_interval"].flatMap({ r.duration($0, "hooks.repeat_interval") }) {
            hook.repeatInterval = repeatInterval
        }
        return hook
    }

    private static func readRule(_ node: Node, _ r: inout YAMLReader, windows: [Int]) -> Rule? {
        var fields: [String: Node] = [:]
        r.mapping(node, path: "rules[]") { key, value, _ in
            guard ["alert", "queues", "metric", "window", "op", "threshold", "for", "keep_firing_for", "min_volume",
                   "labels", "annotations", "hooks", "spike"].contains(key) else { return false }
            fields[key] = value
            return true
        }
        guard let alertNode = fields["alert"], let alert = r.string(alertNode, "rules.alert"),
              alert.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            r.problem(fields["alert"] ?? node, "rules: each rule needs an alert name of letters, digits and underscores")
            return nil
        }
        guard let metricNode = fields["metric"], let metricName = r.string(metricNode, "rules.metric") else {
            r.problem(node, "rules: alert '\(alert)' needs a metric")
            return nil
        }
        func window(_ node: Node?, _ key: String) -> WindowRef? {
            guard let node, let text = r.string(node, key) else { return nil }
            if text == "today" { return .today }
            guard let millis = ValueParsers.duration(text), millis % 60_000 == 0,
                  windows.contains(Int(millis / 60_000)) else {
                let names = windows.map { canonicalWindowName(minutes: $0) }.joined(separator: ", ")
                r.problem(node, "\(key) '\(text)' is not a configured window (\(names)) or today")
                return nil
            }
            let minutes = Int(millis / 60_000)
            return .rolling(canonicalWindowName(minutes: minutes), minutes: minutes)
        }
        let metric: RuleMetric
        if RuleMetric.gauges.contains(metricName) {
            if fields["window"] != nil { r.problem(fields["window"]!, "rules.window: '\(metricName)' is a live gauge and takes no window") }
            metric = .gauge(metricName)
        } else if metricName == "event_silence_seconds" {
            metric = .eventSilence
        } else if RuleMetric.counters.contains(metricName) || RuleMetric.derived.contains(metricName) {
            guard let ref = window(fields["window"], "rules.window") else {
                if fields["window"] == nil {
                    r.problem(metricNode, "rules: alert '\(alert)' reads '\(metricName)', which needs a window (e.g. 5m or today)")
                }
                return nil
            }
            metric = RuleMetric.counters.contains(metricName) ? .counter(metricName, window: ref) : .derived(metricName, window: ref)
        } else {
            r.problem(metricNode, "rules.metric '\(metricName)' is not a gauge (\(RuleMetric.gauges.joined(separator: ", "))), a counter, a derived value or event_silence_seconds")
            return nil
        }
        var rule = Rule(alert: alert, metric: metric)
        if let queues = fields["queues"].flatMap({ r.stringList($0, "rules.queues") }) {
            for pattern in queues {
                if let problem = Glob.problem(in: pattern) { r.problem(fields["queues"]!, "rules.queues: glob '\(pattern)' is invalid: \(problem)") }
            }
            rule.queues = queues
        }
        if let op = fields["op"].flatMap({ r.choice($0, "rules.op", RuleOperator.allCases.map(\.rawValue)) }) {
            rule.op = RuleOperator(rawValue: op)!
        }
        if let thresholdNode = fields["threshold"] {
            if let value = thresholdNode.float ?? thresholdNode.int.map(Double.init) { rule.threshold = value } else {
                r.problem(thresholdNode, "rules.threshold must be a number")
            }
        } else if fields["spike"] == nil {
            r.problem(node, "rules: alert '\(alert)' needs a threshold (or a spike)")
        }
        if let spikeNode = fields["spike"] {
            guard case .counter(_, let ref) = metric, case .rolling = ref else {
                r.problem(spikeNode, "rules.spike needs a counter metric over a rolling window")
                return nil
            }
            var baselineNode: Node?
            var factor = 3.0, minimum = 0.0
            r.mapping(spikeNode, path: "rules.spike") { key, value, r in
                switch key {
                case "baseline": baselineNode = value
                case "factor":
                    if let number = value.float ?? value.int.map(Double.init), number > 0 { factor = number } else {
                        r.problem(value, "rules.spike.factor must be a number above 0")
                    }
                case "min":
                    if let number = value.float ?? value.int.map(Double.init) { minimum = number } else {
                        r.problem(value, "rules.spike.min must be a number")
                    }
                default: return false
                }
                return true
            }
            guard let baseline = window(baselineNode, "rules.spike.baseline"), case .rolling = baseline else {
                if baselineNode == nil { r.problem(spikeNode, "rules.spike needs a baseline window") }
                return nil
            }
            rule.spike = Spike(baseline: baseline, factor: factor, min: minimum)
        }
        if let duration = fields["for"].flatMap({ ValueParsers.duration($0.scalar?.string ?? "") }) {
            rule.forDuration = duration
        } else if let node = fields["for"] {
            r.problem(node, "rules.for must be a duration such as 0s, 30s or 5m")
        }
        if let duration = fields["keep_firing_for"].flatMap({ ValueParsers.duration($0.scalar?.string ?? "") }) {
            rule.keepFiringFor = duration
        } else if let node = fields["keep_firing_for"] {
            r.problem(node, "rules.keep_firing_for must be a duration such as 1m")
        }
        if let node = fields["min_volume"] {
            if let value = node.float ?? node.int.map(Double.init), value >= 0 { rule.minVolume = value } else {
                r.problem(node, "rules.min_volume must be a number, 0 or more")
            }
        }
        if let labels = fields["labels"] {
            r.mapping(labels, path: "rules.labels") { key, value, r in
                if ["alertname", "queue"].contains(key) {
                    r.problem(value, "rules.labels: '\(key)' is set by CallPulse and cannot be overridden")
                } else if let text = r.string(value, "rules.labels.\(key)") {
                    rule.labels[key] = text
                }
                return true
            }
        }
        if let annotations = fields["annotations"] {
            r.mapping(annotations, path: "rules.annotations") { key, value, r in
                if let text = r.string(value, "rules.annotations.\(key)") {
                    do throws(AnnotationTemplate.Problem) {
                        rule.annotations[key] = try AnnotationTemplate(text)
                    } catch {
                        r.problem(value, "rules.annotations.\(key): \(error.description)")
                    }
                }
                return true
            }
        }
        if let hooks = fields["hooks"].flatMap({ r.stringList($0, "rules.hooks") }) { rule.hooks = hooks }
        return rule
    }
}
