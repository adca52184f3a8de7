import CallPulseCore

extension StaffedTraffic {
    /// A command-line value `simulate --agents` cannot use: one sentence naming the flag.
    public struct OptionError: Error, CustomStringConvertible, Equatable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The model from `simulate`'s flags. `agents` is `12` (every one of `queueCount` queues,
    /// named as `TrafficGenerator` names them) or `Billing=12,Sales=8`; `callsPerHour` is
    /// nil (85 % occupancy), one number for every queue, or `Q=N,...` (the rest get the default);
    /// each surge is `START:LENGTH:FACTOR`, e.g. `1h:30m:1.6`.
    public static func parse(agents: String, callsPerHour: String?, patience: String?, handle: String?,
                             surges: [String], queueCount: Int) throws(OptionError) -> StaffedTraffic {
        let patienceMillis = try patience.map { text throws(OptionError) in try positiveDuration(text, flag: "--patience", example: "60s") }
        let handleMillis = try handle.map { text throws(OptionError) in try positiveDuration(text, flag: "--handle", example: "4m") }
        var traffic = StaffedTraffic(queues: try staffing(agents, queueCount: queueCount),
                                     meanPatienceMillis: patienceMillis ?? defaultPatienceMillis,
                                     meanHandleMillis: handleMillis ?? defaultHandleMillis,
                                     surges: try surges.map { text throws(OptionError) in try surge(text) })
        try applyCallsPerHour(callsPerHour, to: &traffic)
        return traffic
    }

    /// `--agents`: queues with their agents, calls an hour still 0.
    private static func staffing(_ text: String, queueCount: Int) throws(OptionError) -> [Queue] {
        if let count = Int(text) {
            guard (1...maximumAgents).contains(count) else {
                throw OptionError("--agents \(text) must be a number of agents from 1 to \(maximumAgents)")
            }
            return TrafficGenerator.queueNames(count: queueCount).map { Queue(name: $0, agents: count, callsPerHour: 0) }
        }
        var queues: [Queue] = []
        for (name, value) in try pairs(text, flag: "--agents", example: "Billing=12,Sales=8") {
            guard let count = Int(value), (1...maximumAgents).contains(count) else {
                throw OptionError("--agents gives \(name) '\(value)', not a number of agents from 1 to \(maximumAgents)")
            }
            queues.append(Queue(name: name, agents: count, callsPerHour: 0))
        }
        return queues
    }

    /// `--calls-per-hour` over the queues of `--agents`; absent ones get 85 % occupancy.
    private static func applyCallsPerHour(_ text: String?, to traffic: inout StaffedTraffic) throws(OptionError) {
        var given: [String: Double] = [:]
        if let text {
            if let every = Double(text) {
                let rate = try callRate(every, text: text, queue: nil)
                for queue in traffic.queues { given[queue.name] = rate }
            } else {
                for (name, value) in try pairs(text, flag: "--calls-per-hour", example: "Billing=150,Sales=90") {
                    guard traffic.queues.contains(where: { $0.name == name }) else {
                        throw OptionError("--calls-per-hour names \(name), which is not one of the queues of --agents (\(traffic.queues.map(\.name).joined(separator: ", ")))")
                    }
                    given[name] = try callRate(Double(value), text: value, queue: name)
                }
            }
        }
        for index in traffic.queues.indices {
            let queue = traffic.queues[index]
            traffic.queues[index].callsPerHour = given[queue.name]
                ?? defaultCallsPerHour(agents: queue.agents, meanHandleMillis: traffic.meanHandleMillis)
        }
        guard traffic.queues.contains(where: { $0.callsPerHour > 0 }) else {
            throw OptionError("--calls-per-hour gives no queue any calls; at least one needs a rate above 0")
        }
    }

    private static func callRate(_ value: Double?, text: String, queue: String?) throws(OptionError) -> Double {
        guard let value, value.isFinite, value == 0 || (minimumCallsPerHour...maximumCallsPerHour).contains(value) else {
            let what = "0 or a number of calls from \(minimumCallsPerHour) to \(Int(maximumCallsPerHour))"
            throw OptionError(queue.map { "--calls-per-hour gives \($0) '\(text)', not \(what)" }
                              ?? "--calls-per-hour '\(text)' is not \(what)")
        }
        return value
    }

    /// `START:LENGTH:FACTOR`.
    private static func surge(_ text: String) throws(OptionError) -> Surge {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let shape = "START:LENGTH:FACTOR such as 1h:30m:1.6 (from 1 h after --start, for 30 min, arrivals × 1.6)"
        guard parts.count == 3, let offset = ValueParsers.duration(parts[0]), let length = ValueParsers.duration(parts[1]),
              let factor = Double(parts[2]) else {
            throw OptionError("--surge '\(text)' must be \(shape)")
        }
        guard length > 0, factor.isFinite, factor > 0, factor <= 1000 else {
            throw OptionError("--surge '\(text)' needs a LENGTH above 0 and a FACTOR above 0 and at most 1000")
        }
        return Surge(offset: offset, length: length, factor: factor)
    }

    /// A duration above 0 and at most a day (longer would be no call at all), in ms.
    private static func positiveDuration(_ text: String, flag: String, example: String) throws(OptionError) -> Double {
        guard let millis = ValueParsers.duration(text), millis > 0, millis <= 86_400_000 else {
            throw OptionError("\(flag) '\(text)' must be a duration above 0 and at most 1d, such as \(example)")
        }
        return Double(millis)
    }

    /// `Q=V,Q=V`: names unique, non-empty, and safe inside the JSON the simulator writes unescaped.
    private static func pairs(_ text: String, flag: String, example: String) throws(OptionError) -> [(String, String)] {
        var result: [(String, String)] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let halves = item.split(separator: "=", omittingEmptySubsequences: false).map(String.init)
            guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty else {
                throw OptionError("\(flag) '\(text)' must be a number or a list such as \(example)")
            }
            guard halves[0].unicodeScalars.allSatisfy(isQueueNameCharacter) else {
                throw OptionError("\(flag): queue name '\(halves[0])' may hold only letters, digits, '.', '_' and '-'")
            }
            guard !result.contains(where: { $0.0 == halves[0] }) else {
                throw OptionError("\(flag) names \(halves[0]) twice")
            }
            result.append((halves[0], halves[1]))
        }
        return result
    }

    private static func isQueueNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
    }

    static let maximumAgents = 100_000
    static let maximumCallsPerHour = 1_000_000.0
    /// Fewer calls an hour than this would be gaps of centuries: 0 says "none" instead.
    static let minimumCallsPerHour = 0.001
}
