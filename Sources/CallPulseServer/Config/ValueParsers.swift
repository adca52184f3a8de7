/// Parsers for the config's value forms: Prometheus-style durations and byte sizes.
public enum ValueParsers {
    /// `500ms`, `30s`, `5m`, `1h30m`, `2d`, `1w` (units in descending order); `0` alone. Milliseconds.
    public static func duration(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        let units: [(String, Int64)] = [("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000),
                                        ("h", 3_600_000), ("ms", 1), ("m", 60_000), ("s", 1000)]
        var rest = Substring(text)
        var total: Int64 = 0
        var lastUnit = Int.max
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unitIndex = units.firstIndex(where: { rest.hasPrefix($0.0) }) else { return nil }
            // "ms" is listed before "m" so it wins; order of magnitude must fall.
            let magnitude = units[unitIndex].1
            guard magnitude < lastUnit else { return nil }
            lastUnit = Int(magnitude)
            rest = rest.dropFirst(units[unitIndex].0.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: magnitude)
            guard !overflow else { return nil }
            total += product
        }
        return total
    }

    /// `8388608`, `512KiB`, `8MiB`, `1GiB`. Bytes.
    public static func size(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Int(text.dropLast(suffix.count)), value >= 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        guard let value = Int(text), value >= 0 else { return nil }
        return value
    }
}
