/// docs/spec/events.md "Timestamps", plainly: RFC 3339 date-times (lenient as listed there) and Unix
/// epoch values read from their decimal text, kept in whole milliseconds, 1970 … 9999.
public enum ReferenceTimestamp {
    /// 9999-12-31T23:59:59.999Z.
    public static let latest: Int64 = 253_402_300_799_999

    /// The reading of an optional timestamp field.
    public struct Reading: Sendable {
        /// Nil when the field is absent, null, or an empty or white-space-only string.
        public var value: Int64?
    }

    /// A timestamp field's value: nil when it is present but unreadable (`bad_timestamp`).
    public static func field(_ value: ReferenceJSON?) -> Reading? {
        switch value {
        case nil, .null?:
            return Reading(value: nil)
        case .string(let bytes)?:
            let text = ReferenceDecoder.trimmed(bytes)
            if text.isEmpty { return Reading(value: nil) }
            return parseString(text).map { Reading(value: $0) }
        case .number(let text)?:
            return epoch(Array(text.utf8), allowExponent: true).map { Reading(value: $0) }
        default:
            return nil
        }
    }

    /// A trimmed string: `-?digits(.digits)?` epoch, else an RFC 3339 date-time.
    public static func parseString(_ text: [UInt8]) -> Int64? {
        if let millis = epoch(text, allowExponent: false) { return millis }
        return rfc3339(text)
    }

    // MARK: Epoch values

    /// Seconds below 100,000,000,000, milliseconds otherwise; finer digits than a millisecond
    /// are dropped (toward zero), then the range is checked. A JSON number may carry an
    /// exponent; a string may not (and may have leading zeros).
    static func epoch(_ text: [UInt8], allowExponent: Bool) -> Int64? {
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        var i = 0
        var negative = false
        if i < text.count && text[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var integerDigits: [UInt8] = []
        while i < text.count && isDigit(text[i]) { integerDigits.append(text[i] - 0x30); i += 1 }
        if integerDigits.isEmpty { return nil }
        var fractionDigits: [UInt8] = []
        if i < text.count && text[i] == UInt8(ascii: ".") {
            i += 1
            while i < text.count && isDigit(text[i]) { fractionDigits.append(text[i] - 0x30); i += 1 }
            if fractionDigits.isEmpty { return nil }
        }
        var exponent = 0
        if allowExponent && i < text.count && (text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E")) {
            i += 1
            var exponentNegative = false
            if i < text.count && (text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-")) {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            let start = i
            while i < text.count && isDigit(text[i]) {
                // Beyond a billion the value is 0 or out of range either way.
                exponent = min(exponent * 10 + Int(text[i] - 0x30), 1_000_000_000)
                i += 1
            }
            if i == start { return nil }
            if exponentNegative { exponent = -exponent }
        }
        if i != text.count { return nil }

        // The value is `digits × 10^scale`, digits without leading zeros.
        var digits = integerDigits + fractionDigits
        let scale = exponent - fractionDigits.count
        while digits.first == 0 { digits.removeFirst() }
        if digits.isEmpty { return 0 }  // zero, however written ("-0", "0.000", "0e9")

        // Below 100,000,000,000 (every negative value is): seconds.
        let isMilliseconds = !negative && digits.count + scale >= 12
        // How many digits the whole-millisecond part has; the rest is truncated.
        let integerCount = digits.count + scale + (isMilliseconds ? 0 : 3)
        if integerCount <= 0 { return 0 }  // less than a millisecond either way: -0.0004 s is 0 ms
        if integerCount > 16 { return nil }  // far beyond 9999
        var millis: Int64 = 0
        for index in 0..<integerCount {
            millis = millis * 10 + Int64(index < digits.count ? digits[index] : 0)
        }
        if negative && millis != 0 { return nil }  // before 1970
        return millis <= latest ? millis : nil
    }

    // MARK: RFC 3339

    /// `YYYY-MM-DD[Tt ]hh:mm:ss(.fraction)?([Zz]|[+-]hh:mm|[+-]hhmm)?`, no offset meaning UTC.
    static func rfc3339(_ s: [UInt8]) -> Int64? {
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= s.count else { return nil }
            var value = 0
            for byte in s[from..<(from + count)] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard s.count >= 19,
              let year = number(0, 4), s[4] == UInt8(ascii: "-"),
              let month = number(5, 2), s[7] == UInt8(ascii: "-"),
              let day = number(8, 2),
              [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(s[10]),
              let hour = number(11, 2), s[13] == UInt8(ascii: ":"),
              let minute = number(14, 2), s[16] == UInt8(ascii: ":"),
              let second = number(17, 2)
        else { return nil }
        guard year >= 1, month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }

        var i = 19
        var millis = 0
        if i < s.count && s[i] == UInt8(ascii: ".") {
            i += 1
            var fraction: [Int] = []
            while i < s.count && s[i] >= 0x30 && s[i] <= 0x39 {
                fraction.append(Int(s[i] - 0x30))
                i += 1
            }
            if fraction.isEmpty { return nil }
            fraction += [0, 0, 0]
            millis = fraction[0] * 100 + fraction[1] * 10 + fraction[2]
        }

        var offsetMinutes = 0
        let rest = Array(s[i...])
        if rest.isEmpty || rest == [UInt8(ascii: "Z")] || rest == [UInt8(ascii: "z")] {
            offsetMinutes = 0
        } else if rest[0] == UInt8(ascii: "+") || rest[0] == UInt8(ascii: "-") {
            let hours: Int?, minutes: Int?
            if rest.count == 6 && rest[3] == UInt8(ascii: ":") {
                hours = number(i + 1, 2)
                minutes = number(i + 4, 2)
            } else if rest.count == 5 {
                hours = number(i + 1, 2)
                minutes = number(i + 3, 2)
            } else {
                return nil
            }
            guard let hours, let minutes, hours <= 23, minutes <= 59 else { return nil }
            offsetMinutes = (hours * 60 + minutes) * (rest[0] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }

        // Days since 1970-01-01, counted one year and one month at a time.
        var days = 0
        if year >= 1970 {
            for y in 1970..<year { days += isLeap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { days -= isLeap(y) ? 366 : 365 }
        }
        for m in 1..<month { days += daysIn(month: m, year: year) }
        days += day - 1
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        let result = seconds * 1000 + Int64(millis)
        return result >= 0 && result <= latest ? result : nil
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }
}
