/// Milliseconds since the Unix epoch, UTC: the one time unit of the core.
public typealias EpochMillis = Int64

/// Reading and writing the timestamp forms of docs/spec/events.md.
public enum Timestamp {
    /// 9999-12-31T23:59:59.999Z, the last instant accepted.
    public static let latest: EpochMillis = 253_402_300_799_999

    /// Reads a trimmed timestamp string: RFC 3339 (lenient as docs/spec/events.md allows) or epoch digits.
    public static func parse(_ text: UnsafeBufferPointer<UInt8>) -> EpochMillis? {
        if text.count >= 19 && text[4] == UInt8(ascii: "-") { return parseRFC3339(text) }
        return parseEpochString(text)
    }

    /// Reads a JSON number's text as Unix epoch seconds (below 1e11) or milliseconds.
    public static func parseEpochNumber(_ text: UnsafeBufferPointer<UInt8>) -> EpochMillis? {
        guard let decimal = Decimal(jsonNumber: text) else { return nil }
        return decimal.epochMillis()
    }

    /// A string of the form `-?digits(.digits)?`.
    static func parseEpochString(_ text: UnsafeBufferPointer<UInt8>) -> EpochMillis? {
        var i = 0
        if i < text.count && text[i] == 0x2D { i += 1 }
        let intStart = i
        while i < text.count && ASCII.isDigit(text[i]) { i += 1 }
        guard i > intStart else { return nil }
        if i < text.count && text[i] == 0x2E {
            i += 1
            let fracStart = i
            while i < text.count && ASCII.isDigit(text[i]) { i += 1 }
            guard i > fracStart else { return nil }
        }
        guard i == text.count else { return nil }
        return Decimal(jsonNumber: text, allowLeadingZeros: true)?.epochMillis()
    }

    /// RFC 3339 date-time with `t`/`z` in either case, a space for `T`, any fraction digits,
    /// `Z`, `±hh:mm` or `±hhmm`, and no offset meaning UTC.
    static func parseRFC3339(_ s: UnsafeBufferPointer<UInt8>) -> EpochMillis? {
        @inline(__always) func digit(_ at: Int) -> Int? {
            let value = Int(s[at]) &- 0x30
            return value >= 0 && value <= 9 ? value : nil
        }
        @inline(__always) func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= s.count else { return nil }
            var value = 0
            for i in at..<(at + count) {
                guard let d = digit(i) else { return nil }
                value = value &* 10 &+ d
            }
            return value
        }
        guard s.count >= 19,
              let year = digits(0, 4), s[4] == 0x2D,
              let month = digits(5, 2), s[7] == 0x2D,
              let day = digits(8, 2),
              s[10] == 0x54 || s[10] == 0x74 || s[10] == 0x20,
              let hour = digits(11, 2), s[13] == 0x3A,
              let minute = digits(14, 2), s[16] == 0x3A,
              let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Civil.daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var i = 19
        var millis = 0
        if i < s.count && s[i] == 0x2E {
            i += 1
            let start = i
            while i < s.count && ASCII.isDigit(s[i]) {
                if i - start < 3 { millis = millis * 10 + Int(s[i] - 0x30) }
                i += 1
            }
            guard i > start else { return nil }
            for _ in min(i - start, 3)..<3 { millis *= 10 }
        }
        var offsetMinutes = 0
        if i < s.count {
            let sign = s[i]
            if sign == 0x5A || sign == 0x7A {
                i += 1
            } else if sign == 0x2B || sign == 0x2D {
                guard let hours = digits(i + 1, 2) else { return nil }
                var next = i + 3
                if next < s.count && s[next] == 0x3A { next += 1 }
                guard let minutes = digits(next, 2), hours <= 23, minutes <= 59 else { return nil }
                offsetMinutes = (hours * 60 + minutes) * (sign == 0x2D ? -1 : 1)
                i = next + 2
            } else {
                return nil
            }
        }
        guard i == s.count else { return nil }
        let days = Civil.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        let result = seconds * 1000 + Int64(millis)
        return (0...latest).contains(result) ? result : nil
    }

    /// `2026-11-24T10:05:40.000Z`.
    public static func format(_ millis: EpochMillis) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(millis, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `2026-11-24T10:05:40.000Z` as bytes (no String built: snapshots write many).
    public static func append(_ millis: EpochMillis, to bytes: inout [UInt8]) {
        let seconds = floorDiv(millis, 1000)
        appendDateTime(seconds, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendDigits(Int(millis - seconds * 1000), width: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// `YYYY-MM-DDTHH:MM:SS` of `seconds` since the epoch (UTC, or local when an offset was added).
    @inline(__always)
    static func appendDateTime(_ seconds: Int64, to bytes: inout [UInt8]) {
        let days = floorDiv(seconds, 86_400)
        let inDay = Int(seconds - days * 86_400)
        let (year, month, day) = Civil.civilFromDays(Int(days))
        appendDigits(year, width: 4, to: &bytes); bytes.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &bytes); bytes.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &bytes); bytes.append(UInt8(ascii: "T"))
        appendDigits(inDay / 3600, width: 2, to: &bytes); bytes.append(UInt8(ascii: ":"))
        appendDigits(inDay / 60 % 60, width: 2, to: &bytes); bytes.append(UInt8(ascii: ":"))
        appendDigits(inDay % 60, width: 2, to: &bytes)
    }

    /// `value` in exactly `width` decimal digits, zero-padded.
    @inline(__always)
    static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}

extension Timestamp {
    /// An RFC 3339 date-time (as events accept it) in ms; nil when it is not one.
    public static func parseRFC3339(_ text: String) -> EpochMillis? {
        var text = text
        return text.withUTF8 { parseRFC3339($0) }
    }

    /// Appends `2026-11-24T09:00:00+01:00`: local time to the second with its offset, never
    /// `Z` (docs/spec/intervals.md). An offset with seconds (old local mean times) shows its minutes.
    public static func appendLocal(_ millis: EpochMillis, offsetSeconds: Int32, to bytes: inout [UInt8]) {
        appendDateTime(floorDiv(millis, 1000) + Int64(offsetSeconds), to: &bytes)
        bytes.append(UInt8(ascii: offsetSeconds < 0 ? "-" : "+"))
        let minutes = Int(offsetSeconds.magnitude / 60)
        appendDigits(minutes / 60, width: 2, to: &bytes); bytes.append(UInt8(ascii: ":"))
        appendDigits(minutes % 60, width: 2, to: &bytes)
    }

    /// The same as a String.
    public static func formatLocal(_ millis: EpochMillis, offsetSeconds: Int32) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(25)
        appendLocal(millis, offsetSeconds: offsetSeconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Floor division for possibly negative millisecond values.
@inline(__always)
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's algorithms).
enum Civil {
    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// An exact decimal read from a JSON number's text, for epoch values ("read from its decimal text").
struct Decimal {
    var negative: Bool
    /// Significant digits without the point, leading zeros removed.
    var digits: [UInt8]
    /// The value is `digits × 10^exponent`.
    var exponent: Int

    init?(jsonNumber text: UnsafeBufferPointer<UInt8>, allowLeadingZeros: Bool = false) {
        var i = 0
        negative = false
        if i < text.count && text[i] == 0x2D { negative = true; i += 1 }
        digits = []
        exponent = 0
        let intStart = i
        while i < text.count && ASCII.isDigit(text[i]) { digits.append(text[i] - 0x30); i += 1 }
        guard i > intStart, allowLeadingZeros || !(i - intStart > 1 && text[intStart] == 0x30) else { return nil }
        if i < text.count && text[i] == 0x2E {
            i += 1
            let start = i
            while i < text.count && ASCII.isDigit(text[i]) { digits.append(text[i] - 0x30); exponent -= 1; i += 1 }
            guard i > start else { return nil }
        }
        if i < text.count && (text[i] == 0x65 || text[i] == 0x45) {
            i += 1
            var expNegative = false
            if i < text.count && (text[i] == 0x2B || text[i] == 0x2D) { expNegative = text[i] == 0x2D; i += 1 }
            let start = i
            var value = 0
            while i < text.count && ASCII.isDigit(text[i]) {
                // Saturate: anything this large is out of range anyway (bounded work).
                value = min(value * 10 + Int(text[i] - 0x30), 1_000_000)
                i += 1
            }
            guard i > start else { return nil }
            exponent += expNegative ? -value : value
        }
        guard i == text.count else { return nil }
        digits.removeFirst(digits.firstIndex(where: { $0 != 0 }) ?? digits.count)
    }

    /// The integer part of `self × 10^shift`, truncated toward zero; nil when beyond `limit`.
    func truncated(shift: Int, limit: Int64) -> Int64? {
        if digits.isEmpty { return 0 }  // zero, whatever its exponent (`0e17`)
        let scale = exponent + shift
        let integerDigits = digits.count + scale
        guard integerDigits <= 19 else { return nil }
        var value: Int64 = 0
        for index in 0..<max(integerDigits, 0) {
            let digit = index < digits.count ? Int64(digits[index]) : 0
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = product + digit
            if value > limit { return nil }
        }
        return negative ? -value : value
    }

    /// Seconds below 100,000,000,000, milliseconds otherwise; nil outside 1970 … 9999.
    func epochMillis() -> EpochMillis? {
        let isSeconds = truncated(shift: 0, limit: Int64.max / 2).map { abs($0) < 100_000_000_000 } ?? false
        guard let millis = truncated(shift: isSeconds ? 3 : 0, limit: Timestamp.latest + 1),
              (0...Timestamp.latest).contains(millis)
        else { return nil }
        return millis
    }
}
