import Testing
@testable import CallPulseCore

/// docs/spec/events.md, "Timestamps": every accepted form, truncation and the range.
struct TimestampTests {
    static let accepted: [(String, EpochMillis)] = [
        ("2026-11-24T10:00:00Z", t0),
        ("2026-11-24t10:00:00z", t0),
        ("2026-11-24 10:00:00Z", t0),
        ("2026-11-24T10:00:00", t0),
        ("2026-11-24T10:00:00.5Z", t0 + 500),
        ("2026-11-24T10:00:00.123456789Z", t0 + 123),
        ("2026-11-24T11:00:00+01:00", t0),
        ("2026-11-24T05:30:00-0430", t0),
        ("1795514400", t0),
        ("1795514400.123", t0 + 123),
        ("1795514400.1239", t0 + 123),
        ("1795514400123", t0 + 123),
        ("99999999999", 99_999_999_999_000),
        ("100000000000", 100_000_000_000),
        ("-0", 0),
        ("0", 0),
        ("1970-01-01T00:00:00Z", 0),
        ("9999-12-31T23:59:59.999Z", Timestamp.latest),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),
    ]

    @Test("accepted forms", arguments: accepted)
    func accepts(_ text: String, _ millis: EpochMillis) {
        #expect(Array(text.utf8).withUnsafeBufferPointer { Timestamp.parse($0) } == millis)
    }

    static let refused = [
        "24/11/2026 10:00", "2026-11-24", "2026-11-24T10:00Z", "2026-11-24T10:00:60Z", "2026-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T10:00:00.Z", "2026-11-24T10:00:00+1:00",
        "2026-11-24T10:00:00+24:00", "1969-12-31T23:59:59.999Z", "1970-01-01T00:30:00+01:00", "-1", "1e9", "1.",
        ".5", "253402300800000", "10000-01-01T00:00:00Z", "2026-11-24T10:00:00Z ", "abc", "",
    ]

    @Test("refused forms", arguments: refused)
    func refuses(_ text: String) {
        #expect(Array(text.utf8).withUnsafeBufferPointer { Timestamp.parse($0) } == nil)
    }

    static let numbers: [(String, EpochMillis?)] = [
        ("1795514400", t0), ("1795514400.123", t0 + 123), ("1795514400123", t0 + 123), ("1.7955144e9", t0),
        ("17955144001239e-4", t0 + 123), ("-5", nil), ("1e400", nil), ("253402300799999", Timestamp.latest),
        ("253402300800000", nil),
        // Zero with any exponent is zero (the exponent once counted as integer digits).
        ("0", 0), ("0e17", 0), ("0e20", 0), ("0.0e25", 0), ("-0e30", 0), ("0.0001", 0), ("-0.0001", 0),
    ]

    @Test("JSON numbers read from their decimal text", arguments: numbers)
    func epochNumbers(_ text: String, _ millis: EpochMillis?) {
        #expect(Array(text.utf8).withUnsafeBufferPointer { Timestamp.parseEpochNumber($0) } == millis)
    }

    @Test func formatting() {
        #expect(Timestamp.format(t0 + 40_000 + 300_000) == "2026-11-24T10:05:40.000Z")
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Timestamp.latest) == "9999-12-31T23:59:59.999Z")
    }

    @Test func numericTimestampInAnEvent() {
        guard case .event(let e) = decodeOne(#"{"id": "a", "event": "hold", "ResponseFields": {"CurrentStateTime": 1795514400.123}}"#)
        else { Issue.record("not decoded"); return }
        #expect(e.stateTime == t0 + 123)
    }
}
