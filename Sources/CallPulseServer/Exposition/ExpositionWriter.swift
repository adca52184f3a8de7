/// Writes the Prometheus text format 0.0.4 or OpenMetrics 1.0.0 into a byte buffer.
public struct ExpositionWriter {
    public enum Format: Sendable {
        case text
        case openMetrics

        public var contentType: String {
            switch self {
            case .text: "text/plain; version=0.0.4; charset=utf-8"
            case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
            }
        }
    }

    public let format: Format
    public private(set) var bytes: [UInt8] = []

    public init(format: Format, capacity: Int = 64 * 1024) {
        self.format = format
        bytes.reserveCapacity(capacity)
    }

    /// `# HELP` and `# TYPE` lines. OpenMetrics names a counter family without `_total`.
    public mutating func family(_ name: String, _ type: String, _ help: String) {
        let familyName = format == .openMetrics && type == "counter" && name.hasSuffix("_total")
            ? String(name.dropLast(6)) : name
        append("# HELP \(familyName) ")
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": append("\\\\")
            case "\n": append("\\n")
            default: bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        append("\n# TYPE \(familyName) \(type)\n")
    }

    /// One sample line; label values are escaped for any bytes they hold.
    public mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: String) {
        append(name)
        if !labels.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, labelValue) in labels {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                append(key)
                append("=\"")
                appendEscaped(labelValue)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        append(value)
        bytes.append(0x0A)
    }

    /// A sample with labels given as an array (for label sets built at run time).
    public mutating func sample(_ name: String, labels: [(String, String)], _ value: String) {
        append(name)
        if !labels.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            for (index, (key, labelValue)) in labels.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(key)
                append("=\"")
                appendEscaped(labelValue)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        append(value)
        bytes.append(0x0A)
    }

    /// A histogram's `_bucket` lines (cumulative, `le` in float form, ending `+Inf`), `_sum` and `_count`.
    public mutating func histogram(_ name: String, labels: [(String, String)], bounds: [Double], cumulative: [Int64],
                                   sum: String, count: Int64) {
        for (index, bound) in bounds.enumerated() {
            sample(name + "_bucket", labels: labels + [("le", Self.float(bound))], String(cumulative[index]))
        }
        sample(name + "_bucket", labels: labels + [("le", "+Inf")], String(count))
        sample(name + "_sum", labels: labels, sum)
        sample(name + "_count", labels: labels, String(count))
    }

    /// Ends the exposition (`# EOF` for OpenMetrics).
    public mutating func finish() {
        if format == .openMetrics { append("# EOF\n") }
    }

    /// A float in the form Prometheus keeps stable for `le`: `5.0`, `0.25`, `+Inf`.
    public static func float(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.isNaN { return "NaN" }
        return String(value)
    }

    /// Milliseconds as seconds: `12.345`.
    public static func seconds(_ millis: Int64) -> String {
        let sign = millis < 0 ? "-" : ""
        let magnitude = millis.magnitude
        let fraction = magnitude % 1000
        if fraction == 0 { return "\(sign)\(magnitude / 1000)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(sign)\(magnitude / 1000).\(digits)"
    }

    private mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    private mutating func appendEscaped(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\""): append("\\\"")
            case 0x0A: append("\\n")
            default: bytes.append(byte)
            }
        }
    }
}
