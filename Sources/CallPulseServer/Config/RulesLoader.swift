import CallPulseAlerting
import CallPulseCore
import Foundation
import Yams

/// Reads a rules file (README, "Alerting"), collecting every problem with its line.
public enum RulesLoader {
    public static func load(path: String, windows: [Int] = Settings().windowMinutes,
                            intervalMinutes: Int = IntervalSettings().lengthMinutes) throws(ServerError) -> RuleSet {
        let text = try YAMLReader.contents(of: path, .rules)
        return try parse(text, file: path, windows: windows, intervalMinutes: intervalMinutes)
    }

    /// `windows`: the configured window lengths in minutes, which rules may read;
    /// `intervalMinutes`: `intervals.length`, the bins seasonal baselines are made of.
    public static func parse(_ text: String, file: String, windows: [Int],
                             intervalMinutes: Int = IntervalSettings().lengthMinutes) throws(ServerError) -> RuleSet {
        let root = try YAMLReader.compose(text, file: file, .rules)
        var set = RuleSet()
        guard let root else { return set }
        var reader = YAMLReader(file: file)
        // Every hook and rule read, even one with problems (its fields then hold placeholders):
        // the checks across entries still run, so each problem is reported. Any problem
        // rejects the whole file, so a placeholder is never used.
        var hookNodes: [(Node, HookConfig)] = []
        var ruleNodes: [(Node, Rule)] = []
        reader.mapping(root, path: "") { key, value, r in
            switch key {
            case "hooks":
                r.sequence(value, key) { item, r in
                    hookNodes.append((item, readHook(item, &r)))
                }
            case "evaluation_interval":
                if let interval = r.duration(value, key) { set.evaluationInterval = interval }
            case "rules":
                r.sequence(value, key) { item, r in
                    ruleNodes.append((item, readRule(item, &r, windows: windows, intervalMinutes: intervalMinutes)))
                }
            default:
                return false
            }
            return true
        }
        let hookNames = Set(hookNodes.map(\.1.name))
        var seen = Set<String>()
        for (node, hook) in hookNodes where !hook.name.isEmpty && !seen.insert(hook.name).inserted {
            reader.problem(node, "hooks: the name '\(hook.name)' is used twice")
        }
        var ruleNames = Set<String>()
        for (node, rule) in ruleNodes {
            if !rule.alert.isEmpty && !ruleNames.insert(rule.alert).inserted {
                reader.problem(node, "rules: the alert '\(rule.alert)' is defined twice")
            }
            for hook in rule.hooks where !hookNames.contains(hook) {
                reader.problem(node, "rules: alert '\(rule.alert)' names hook '\(hook)', which is not defined under hooks")
            }
        }
        set.hooks = hookNodes.map(\.1)
        set.rules = ruleNodes.map(\.1)
        if !reader.problems.isEmpty { throw ServerError(.invalidRules, problems: reader.report) }
        return set
    }

    /// Reads one hook, reporting every problem in it (a placeholder fills a field in error).
    private static func readHook(_ node: Node, _ r: inout YAMLReader) -> HookConfig {
        var fields: [String: Node] = [:]
        r.mapping(node, path: "hooks[]") { key, value, _ in
            guard ["name", "type", "url", "urls", "headers", "bearer_token_file", "command", "timeout", "max_retries",
                   "send_resolved", "repeat_interval"].contains(key) else { return false }
            fields[key] = value
            return true
        }
        var name = ""
        if let nameNode = fields["name"], let text = r.string(nameNode, "hooks.name"), !text.isEmpty {
            name = text
        } else if fields["name"] == nil || fields["name"]?.scalar?.string == "" {
            r.problem(node, "hooks: each hook needs a name")
        }
        var kind: HookConfig.Kind?
        if let typeNode = fields["type"] {
            kind = r.choice(typeNode, "hooks.type", HookConfig.Kind.allCases.map(\.rawValue)).flatMap { HookConfig.Kind(rawValue: $0) }
        } else {
            r.problem(node, "hooks: hook '\(name)' needs a type: webhook, alertmanager or exec")
        }
        let type = kind?.rawValue ?? ""
        var hook = HookConfig(name: name, kind: kind ?? .webhook)
        if let url = fields["url"].flatMap({ r.string($0, "hooks.url") }) {
            if URL(string: url)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                r.problem(fields["url"]!, "hooks.url '\(url)' must be an http or https URL")
            }
            hook.url = url
        }
        if let urlsNode = fields["urls"], let urls = r.stringList(urlsNode, "hooks.urls") {
            if kind != nil && kind != .alertmanager {
                r.problem(urlsNode, "hooks.urls: only alertmanager hooks post to several URLs, not \(type) hooks")
            }
            for url in urls {
                if URL(string: url)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                    r.problem(urlsNode, "hooks.urls '\(url)' must be an http or https URL")
                } else if hook.postURLs.contains(url) {
                    r.problem(urlsNode, "hooks.urls: '\(url)' is listed twice")
                }
                hook.urls.append(url)
            }
        }
        if kind == .alertmanager && hook.postURLs.isEmpty {
            r.problem(node, "hooks: alertmanager hook '\(name)' needs a url or urls")
        } else if kind == .webhook && hook.url.isEmpty {
            r.problem(node, "hooks: webhook hook '\(name)' needs a url")
        }
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
        if kind == .exec && hook.command.isEmpty { r.problem(node, "hooks: exec hook '\(name)' needs a command list") }
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

    /// Reads one rule, reporting every problem in it (a placeholder fills a field in error).
    private static func readRule(_ node: Node, _ r: inout YAMLReader, windows: [Int], intervalMinutes: Int) -> Rule {
        var fields: [String: Node] = [:]
        r.mapping(node, path: "rules[]") { key, value, _ in
            guard ["alert", "queues", "metric", "window", "op", "threshold", "for", "keep_firing_for", "min_volume",
                   "labels", "annotations", "hooks", "spike"].contains(key) else { return false }
            fields[key] = value
            return true
        }
        var alert = ""  // kept even when invalid, to name the rule in its other problems
        if let alertNode = fields["alert"], let text = r.string(alertNode, "rules.alert") { alert = text }
        if alert.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) == nil {
            r.problem(fields["alert"] ?? node, "rules: each rule needs an alert name of letters, digits and underscores")
        }
        func window(_ node: Node?, _ key: String) -> WindowRef? { Self.window(node, key, windows: windows, &r) }
        var metric: RuleMetric?
        if let metricNode = fields["metric"], let metricName = r.string(metricNode, "rules.metric") {
            if let gauge = QueueGauge(rawValue: metricName) {
                if fields["window"] != nil { r.problem(fields["window"]!, "rules.window: '\(metricName)' is a live gauge and takes no window") }
                metric = .gauge(gauge)
            } else if let value = ForecastMetric(rawValue: metricName) {
                if fields["window"] != nil {
                    r.problem(fields["window"]!, "rules.window: '\(metricName)' is a forecast value and takes no window (forecast.* sets its windows)")
                }
                metric = .forecast(value)
            } else if metricName == RuleMetric.eventSilenceName {
                metric = .eventSilence
            } else if let overWindow = RuleMetric.overWindow(named: metricName) {
                if let ref = window(fields["window"], "rules.window") {
                    metric = overWindow(ref)
                } else if fields["window"] == nil {
                    r.problem(metricNode, "rules: alert '\(alert)' reads '\(metricName)', which needs a window (e.g. 5m or today)")
                }
            } else {
                let gauges = QueueGauge.allCases.map(\.rawValue).joined(separator: ", ")
                let forecast = ForecastMetric.allCases.map(\.rawValue).joined(separator: ", ")
                r.problem(metricNode, "rules.metric '\(metricName)' is not a gauge (\(gauges)), a counter, a derived value, "
                          + "a forecast value (\(forecast)) or \(RuleMetric.eventSilenceName)")
                _ = window(fields["window"], "rules.window")  // a bad window is a problem of its own
            }
        } else if fields["metric"] == nil {
            r.problem(node, "rules: alert '\(alert)' needs a metric")
        }
        // A rule in error keeps a placeholder metric so that its other fields are checked too.
        var rule = Rule(alert: alert, metric: metric ?? .eventSilence)
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
            rule.spike = readSpike(spikeNode, metric: metric, &r, windows: windows, intervalMinutes: intervalMinutes)
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
                // A rule's own `instance` annotation still loads (rules files written before
                // replicas); notifications carry the config's instance in its place
                // (docs/spec/scale-out.md, "Replicas").
                if let text = r.string(value, "rules.annotations.\(key)") {
                    do throws(AlertingError) {
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

    /// `spike:` (docs/spec/forecast.md, "Spike rules"): a rolling `baseline` with its
    /// `min_coverage`, or a `seasonal` one read from the interval history; nil when in error.
    private static func readSpike(_ node: Node, metric: RuleMetric?, _ r: inout YAMLReader,
                                  windows: [Int], intervalMinutes: Int) -> Spike? {
        var ruleMinutes: Int?
        if let metric {
            if case .counter(_, .rolling(_, let minutes)) = metric { ruleMinutes = minutes } else {
                r.problem(node, "rules.spike needs a counter metric over a rolling window")
            }
        }
        var baselineNode: Node?, seasonalNode: Node?, coverageNode: Node?
        var factor = 3.0, minimum = 0.0, minCoverage = 1.0
        r.mapping(node, path: "rules.spike") { key, value, r in
            switch key {
            case "baseline": baselineNode = value
            case "seasonal": seasonalNode = value
            case "min_coverage":
                coverageNode = value
                if let number = value.float ?? value.int.map(Double.init), number > 0, number <= 1 { minCoverage = number } else {
                    r.problem(value, "rules.spike.min_coverage must be a share of the baseline above 0 and at most 1, such as 1 or 0.5")
                }
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
        switch (baselineNode, seasonalNode) {
        case (nil, nil):
            r.problem(node, "rules.spike needs a baseline window or a seasonal baseline")
        case (.some, .some):
            r.problem(node, "rules.spike takes a baseline window or a seasonal baseline, not both")
        case (let baselineNode?, nil):
            guard let baseline = window(baselineNode, "rules.spike.baseline", windows: windows, &r) else { return nil }
            guard case .rolling(let name, let minutes) = baseline else {
                r.problem(baselineNode, "rules.spike.baseline must be a rolling window, not today")
                return nil
            }
            if let ruleMinutes, minutes <= ruleMinutes {
                r.problem(baselineNode, "rules.spike.baseline \(name) must be longer than the rule's window "
                          + "\(canonicalWindowName(minutes: ruleMinutes)): its earlier part is the usual pace")
                return nil
            }
            return Spike(baseline: .rolling(baseline, minCoverage: minCoverage), factor: factor, min: minimum)
        case (nil, let seasonalNode?):
            if let coverageNode {
                r.problem(coverageNode, "rules.spike.min_coverage is for a rolling baseline; a seasonal one holds only on observed periods")
            }
            guard let (period, periods) = readSeasonal(seasonalNode, &r) else { return nil }
            if let ruleMinutes {
                let window = canonicalWindowName(minutes: ruleMinutes)
                if ruleMinutes % intervalMinutes != 0 {
                    r.problem(node, "rules.spike.seasonal: the rule's window \(window) is not a whole number of "
                              + "\(canonicalWindowName(minutes: intervalMinutes)) intervals (intervals.length)")
                    return nil
                }
                if period < ruleMinutes {
                    r.problem(seasonalNode, "rules.spike.seasonal.period must be at least the rule's window \(window)")
                    return nil
                }
            }
            return Spike(baseline: .seasonal(periodMinutes: period, periods: periods), factor: factor, min: minimum)
        }
        return nil
    }

    /// A window a rule names: a configured one, or `today`.
    private static func window(_ node: Node?, _ key: String, windows: [Int], _ r: inout YAMLReader) -> WindowRef? {
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

    /// `seasonal: { period: 7d, periods: 4 }`: the period in whole minutes and how many.
    private static func readSeasonal(_ node: Node, _ r: inout YAMLReader) -> (period: Int, periods: Int)? {
        var period: Int?, periods = 1, valid = true
        r.mapping(node, path: "rules.spike.seasonal") { key, value, r in
            switch key {
            case "period":
                // At most a year: retention keeps far less, and k × period must stay a time.
                if let millis = ValueParsers.duration(value.scalar?.string ?? ""), millis % 60_000 == 0, millis > 0,
                   millis <= 366 * 86_400_000 {
                    period = Int(millis / 60_000)
                } else {
                    r.problem(value, "rules.spike.seasonal.period must be a whole number of minutes up to 366d, such as 1d or 7d")
                    valid = false
                }
            case "periods":
                if let count = value.int, (1...1000).contains(count) { periods = count } else {
                    r.problem(value, "rules.spike.seasonal.periods must be a whole number from 1 to 1000")
                    valid = false
                }
            default: return false
            }
            return true
        }
        guard valid else { return nil }
        guard let period else {
            r.problem(node, "rules.spike.seasonal needs a period, such as 7d")
            return nil
        }
        return (period, periods)
    }
}
