/// An endless stream of generated events in time order: what `LivePacer` plays and
/// `simulate --output` writes, whichever model makes them.
public protocol TrafficSource {
    mutating func next() -> TrafficGenerator.Event
}

extension TrafficGenerator: TrafficSource {}
