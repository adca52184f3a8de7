/// Decimal numbers written as ASCII bytes without building Strings: the JSON and
/// Prometheus writers share these.
public enum DecimalBytes {
    /// The most bytes `writeSeconds` or `writeInteger` writes (`-9223372036854775.808`).
    public static let maxWidth = 24

    /// `value` in decimal digits at `out`; returns how many bytes were written.
    @inline(__always)
    public static func writeInteger(_ value: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var written = 0
        if value < 0 {
            out[0] = UInt8(ascii: "-")
            written = 1
        }
        return written + writeMagnitude(value.magnitude, to: out + written)
    }

    @inline(__always)
    private static func writeMagnitude(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if value < 10 {
            out[0] = UInt8(ascii: "0") + UInt8(value)
            return 1
        }
        var digits = 0
        var rest = value
        while rest > 0 { digits += 1; rest /= 10 }
        rest = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return digits
    }

    /// Milliseconds as seconds with trailing zeros dropped: `12.345`, `62.5`; a whole second
    /// is `330.0` when `keepDecimal` (JSON's seconds), else `330` (Prometheus samples).
    @inline(__always)
    public static func writeSeconds(_ millis: Int64, keepDecimal: Bool, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var written = 0
        if millis < 0 {
            out[0] = UInt8(ascii: "-")
            written = 1
        }
        let magnitude = millis.magnitude
        written += writeMagnitude(magnitude / 1000, to: out + written)
        var fraction = magnitude % 1000
        if fraction == 0 {
            if keepDecimal {
                out[written] = UInt8(ascii: ".")
                out[written + 1] = UInt8(ascii: "0")
                written += 2
            }
            return written
        }
        out[written] = UInt8(ascii: ".")
        written += 1
        var divisor: UInt64 = 100
        while fraction > 0 {
            out[written] = UInt8(ascii: "0") + UInt8(fraction / divisor)
            written += 1
            fraction %= divisor
            divisor /= 10
        }
        return written
    }

    /// `value` in decimal digits, appended.
    @inline(__always)
    public static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        appendWritten(to: &bytes) { writeInteger(value, to: $0) }
    }

    /// Milliseconds as seconds, appended (see `writeSeconds`).
    @inline(__always)
    public static func appendSeconds(_ millis: Int64, keepDecimal: Bool, to bytes: inout [UInt8]) {
        appendWritten(to: &bytes) { writeSeconds(millis, keepDecimal: keepDecimal, to: $0) }
    }

    @inline(__always)
    private static func appendWritten(to bytes: inout [UInt8], _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxWidth) { scratch in
            let count = write(scratch.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<count]))
        }
    }
}
