extension Duration {
    /// Whole milliseconds, rounded down: the unit the core and the state directory count in.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
