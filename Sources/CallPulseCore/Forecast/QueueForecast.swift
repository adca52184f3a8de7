/// A queue's forecast (docs/spec/forecast.md, "Forecast"): the inputs as measured, and the
/// Erlang C outputs computed from them as reported. Nil where the spec says `null`.
public struct QueueForecast: Sendable {
    /// λ: `offered` over the arrival window ÷ that window's observed span, per second.
    public var arrivalRatePerSecond: Double?
    /// `avg_handle_seconds` of the handle window, in ms (as reported: rounded to the ms).
    public var handleMillis: Int64?
    /// A = λ × handle seconds.
    public var offeredLoad: Double?
    /// `waiting + connected + in_acw` now, every call type.
    public var busyAgents: Int
    /// N: configured, or the largest `busyAgents` within the agents window.
    public var agents: Int
    public var agentsConfigured: Bool
    public var serviceLevelTarget: Double
    public var overloaded: Bool?
    public var waitProbability: Double?
    public var serviceLevelAtStaffing: Double?
    /// Rounded to the ms; nil when overloaded.
    public var estimatedWaitMillis: Int64?
    public var requiredAgents: Int?
    /// For the current interval, `[intervalStart, intervalEnd)`.
    public var projectedServiceLevel: Double?
    /// The projection's denominator: calls counted, ringing and still expected this interval
    /// (the volume a rule's `min_volume` compares).
    public var projectedCalls: Double = 0
    public var intervalStart: EpochMillis
    public var intervalEnd: EpochMillis
    /// Whether a whole handle window has been observed. Before, the handle time counts only
    /// the short calls that already ended and busy agents miss the calls in progress at the
    /// start, so the outputs run pessimistic: rules do not read them yet (a restart is not
    /// a staffing problem).
    public var settled = false
    /// The UTC offsets of the interval's start and end in the configured zone, in seconds.
    public var intervalOffsets: (start: Int32, end: Int32) = (0, 0)

    /// `required_agents − agents`, the rule metric `agents_short`.
    public var agentsShort: Int? { requiredAgents.map { $0 - agents } }
}

/// What the forecast of one queue is computed from, all read from the engine at `now`.
public struct ForecastInputs: Sendable {
    /// `offered` over the arrival window, and that window's observed span in ms.
    public var offered: Int64
    public var arrivalSpanMillis: Int64
    public var handleMillis: Int64?
    public var busyAgents: Int
    public var agents: Int
    public var agentsConfigured: Bool
    public var serviceLevelTarget: Double
    /// The queue's `service_level_seconds`, in ms.
    public var serviceLevelMillis: Int64
    /// The numerator and denominator of the queue's service-level formula over the current
    /// interval so far.
    public var intervalMet: Int64
    public var intervalCounted: Int64
    /// How long each inbound call ringing now has waited since its queue entry, in ms.
    public var ringingAges: [Int64]
    public var now: EpochMillis
    public var intervalStart: EpochMillis
    public var intervalEnd: EpochMillis

    public init(offered: Int64, arrivalSpanMillis: Int64, handleMillis: Int64?, busyAgents: Int, agents: Int,
                agentsConfigured: Bool, serviceLevelTarget: Double, serviceLevelMillis: Int64, intervalMet: Int64,
                intervalCounted: Int64, ringingAges: [Int64], now: EpochMillis, intervalStart: EpochMillis,
                intervalEnd: EpochMillis) {
        self.offered = offered
        self.arrivalSpanMillis = arrivalSpanMillis
        self.handleMillis = handleMillis
        self.busyAgents = busyAgents
        self.agents = agents
        self.agentsConfigured = agentsConfigured
        self.serviceLevelTarget = serviceLevelTarget
        self.serviceLevelMillis = serviceLevelMillis
        self.intervalMet = intervalMet
        self.intervalCounted = intervalCounted
        self.ringingAges = ringingAges
        self.now = now
        self.intervalStart = intervalStart
        self.intervalEnd = intervalEnd
    }
}

extension QueueForecast {
    /// Applies the spec's formulas to `inputs`.
    public init(_ inputs: ForecastInputs) {
        busyAgents = inputs.busyAgents
        agents = inputs.agents
        agentsConfigured = inputs.agentsConfigured
        serviceLevelTarget = inputs.serviceLevelTarget
        intervalStart = inputs.intervalStart
        intervalEnd = inputs.intervalEnd
        handleMillis = inputs.handleMillis
        guard inputs.arrivalSpanMillis > 0 else { return }
        let rate = Double(inputs.offered) / (Double(inputs.arrivalSpanMillis) / 1000)
        arrivalRatePerSecond = rate
        guard let handleMillis = inputs.handleMillis else { return }
        let handle = Double(handleMillis) / 1000
        let load = rate * handle
        offeredLoad = load
        let threshold = Double(inputs.serviceLevelMillis) / 1000
        let n = inputs.agents
        let staffing = ErlangC.staffing(agents: n, load: load, targetSeconds: threshold, handleSeconds: handle,
                                        target: inputs.serviceLevelTarget)
        requiredAgents = staffing.requiredAgents
        guard n > 0 else { return }
        let isOverloaded = Double(n) <= load
        overloaded = isOverloaded
        let c = staffing.waitProbability
        waitProbability = c
        let level = staffing.serviceLevel
        serviceLevelAtStaffing = level
        // A wait beyond 285,000 years (N a few ulps above A) has no millisecond count: null.
        estimatedWaitMillis = staffing.meanWaitSeconds.flatMap { seconds in
            let millis = (seconds * 1000).rounded()
            return millis < 9e15 ? Int64(millis) : nil
        }
        // The interval's projection: calls counted so far, calls ringing now, and the arrivals
        // still expected before the interval ends.
        var met = Double(inputs.intervalMet)
        var counted = Double(inputs.intervalCounted)
        for age in inputs.ringingAges {
            counted += 1
            guard age <= inputs.serviceLevelMillis, !isOverloaded else { continue }  // late: a certain miss
            met += ErlangC.answeredWithin(c, agents: n, load: load, seconds: Double(inputs.serviceLevelMillis - age) / 1000,
                                          handleSeconds: handle)
        }
        let expected = rate * Double(max(0, inputs.intervalEnd - inputs.now)) / 1000
        met += expected * level
        counted += expected
        projectedCalls = counted
        projectedServiceLevel = counted > 0 ? met / counted : nil
    }
}
