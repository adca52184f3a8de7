/// Decimal numbers appended as ASCII bytes without building Strings: the JSON and
/// Prometheus writers share these.
public enum DecimalBytes {
    /// `value` in decimal digits.
    @inline(__always)
    public static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for any Int64
        withUnsafeMutableBytes(of: &scratch) { digits in
            var index = 24
            while magnitude > 0 {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: digits[index...])
        }
    }

    /// Milliseconds as seconds with trailing zeros dropped: `12.345`, `62.5`; a whole second
    /// is `330.0` when `keepDecimal` (JSON's seconds), else `330` (Prometheus samples).
    @inline(__always)
    public static func appendSeconds(_ millis: Int64, keepDecimal: Bool, to bytes: inout [UInt8]) {
        if millis < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = millis.magnitude
        appendInteger(Int64(magnitude / 1000), to: &bytes)
        var fraction = magnitude % 1000
        if fraction == 0 {
            if keepDecimal { bytes.append(contentsOf: [UInt8(ascii: "."), UInt8(ascii: "0")]) }
            return
        }
        bytes.append(UInt8(ascii: "."))
        var divisor: UInt64 = 100
        while fraction > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }
}
