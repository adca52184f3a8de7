import CallPulseCore

/// Writes the Prometheus text format 0.0.4 or OpenMetrics 1.0.0 into a byte buffer.
/// Label sets are rendered (and escaped) once and reused for every sample that carries them.
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

    /// Labels rendered as `a="x",b="y"`, values escaped for any bytes they hold.
    public struct Labels: Sendable {
        public fileprivate(set) var bytes: [UInt8] = []

        public init() {}

        public init(_ pairs: KeyValuePairs<String, String>) {
            for (key, value) in pairs { append(key, value) }
        }

        /// These labels plus one more.
        public func adding(_ key: String, _ value: String) -> Labels {
            var copy = self
            copy.append(key, value)
            return copy
        }

        public mutating func append(_ key: String, _ value: String) {
            if !bytes.isEmpty { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: key.utf8)
            bytes.append(contentsOf: "=\"".utf8)
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
                case 0x0A: bytes.append(contentsOf: "\\n".utf8)
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
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
        append("# HELP ")
        append(familyName)
        bytes.append(UInt8(ascii: " "))
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            default: bytes.append(byte)
            }
        }
        append("\n# TYPE ")
        append(familyName)
        bytes.append(UInt8(ascii: " "))
        append(type)
        bytes.append(0x0A)
    }

    @inline(__always)
    private mutating func head(_ name: String, _ labels: borrowing Labels, _ extra: [UInt8]?) {
        append(name)
        if !labels.bytes.isEmpty || extra != nil {
            bytes.append(UInt8(ascii: "{"))
            labels.bytes.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
            if let extra {
                if !labels.bytes.isEmpty { bytes.append(UInt8(ascii: ",")) }
                extra.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
    }

    /// A sample with an integer value.
    public mutating func sample(_ name: String, _ labels: borrowing Labels = Labels(), _ value: Int64,
                                extra: [UInt8]? = nil) {
        head(name, labels, extra)
        appendInteger(value)
        bytes.append(0x0A)
    }

    /// A sample of milliseconds written as seconds.
    public mutating func sample(_ name: String, _ labels: Labels = Labels(), seconds millis: Int64) {
        head(name, labels, nil)
        appendSeconds(millis)
        bytes.append(0x0A)
    }

    /// A sample with a value already in text form.
    public mutating func sample(_ name: String, _ labels: Labels = Labels(), text value: String) {
        head(name, labels, nil)
        append(value)
        bytes.append(0x0A)
    }

    /// `le="…"` label texts for `bounds` (float form) and `+Inf`, to pass to `histogram`.
    public static func bucketLabels(_ bounds: [Double]) -> [[UInt8]] {
        bounds.map { Array("le=\"\(float($0))\"".utf8) } + [Array("le=\"+Inf\"".utf8)]
    }

    /// A histogram's cumulative `_bucket` lines (`+Inf` = count), `_sum` in seconds and `_count`,
    /// summed as they are written (no array built).
    public mutating func histogram(_ names: HistogramNames, _ labels: borrowing Labels, buckets: [[UInt8]],
                                   histogram: borrowing Histogram) {
        var cumulative: Int64 = 0
        let last = buckets.count - 1
        histogram.counts.withUnsafeBufferPointer { counts in
            buckets.withUnsafeBufferPointer { buckets in
                for index in 0..<last {
                    cumulative += counts[index]
                    sample(names.bucket, labels, cumulative, extra: buckets[index])
                }
                sample(names.bucket, labels, histogram.count, extra: buckets[last])
            }
        }
        head(names.sum, labels, nil)
        if histogram.unitsPerSecond == 1000 {
            appendSeconds(histogram.sum)
        } else {
            append(String(Double(histogram.sum) / Double(histogram.unitsPerSecond)))
        }
        bytes.append(0x0A)
        sample(names.count, labels, histogram.count)
    }

    /// The three series names of a histogram family, built once per family.
    public struct HistogramNames: Sendable {
        public let bucket: String, sum: String, count: String
        public init(_ family: String) {
            bucket = family + "_bucket"
            sum = family + "_sum"
            count = family + "_count"
        }
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

    /// Milliseconds as seconds: `12.345`, `330`.
    public static func seconds(_ millis: Int64) -> String {
        var writer = ExpositionWriter(format: .text, capacity: 24)
        writer.appendSeconds(millis)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @inline(__always)
    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Decimal digits without allocating a String.
    public mutating func appendInteger(_ value: Int64) { DecimalBytes.appendInteger(value, to: &bytes) }

    /// Milliseconds as seconds, trailing zeros dropped.
    public mutating func appendSeconds(_ millis: Int64) {
        DecimalBytes.appendSeconds(millis, keepDecimal: false, to: &bytes)
    }
}
