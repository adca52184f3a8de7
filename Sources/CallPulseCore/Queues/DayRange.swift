import Foundation

/// The local day holding an instant, in an IANA time zone: `[start, end)` in ms.
public struct DayRange: Sendable, Equatable {
    public var start: EpochMillis
    public var end: EpochMillis

    public init(start: EpochMillis, end: EpochMillis) {
        self.start = start
        self.end = end
    }

    public func contains(_ time: EpochMillis) -> Bool { time >= start && time < end }
}

/// Finds local day boundaries; a day starts at the first instant whose local date is that day.
public struct DayCalendar: Sendable {
    private let calendar: Calendar

    /// Nil when the time zone name is unknown.
    public init?(timeZone identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    /// The day that holds `time`.
    public func day(containing time: EpochMillis) -> DayRange {
        let date = Date(timeIntervalSince1970: Double(time) / 1000)
        let start = calendar.startOfDay(for: date)
        // Noon of the next day is safely inside it, whatever the day's length.
        let nextNoon = calendar.date(byAdding: .hour, value: 36, to: start) ?? start.addingTimeInterval(129_600)
        let end = calendar.startOfDay(for: nextNoon)
        return DayRange(start: Self.millis(start), end: Self.millis(end))
    }

    private static func millis(_ date: Date) -> EpochMillis {
        EpochMillis((date.timeIntervalSince1970 * 1000).rounded())
    }
}
