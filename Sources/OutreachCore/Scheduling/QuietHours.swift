import Foundation

/// Hours of the local day when no message starts (default 20:00–09:00). `start` is quiet, `end` is not.
/// The window may wrap midnight (20:00–09:00) or not (12:00–13:00); `start == end` means no quiet hours.
/// All readings are on the wall clock of the zone passed in, so a window stays 20:00–09:00 local
/// across daylight-saving changes.
public struct QuietWindow: Sendable, Equatable, CustomStringConvertible {
    public let start: ClockTime
    public let end: ClockTime

    public init(start: ClockTime, end: ClockTime) {
        self.start = start
        self.end = end
    }

    public init(_ hours: OutreachConfig.QuietHours) {
        self.init(start: hours.start, end: hours.end)
    }

    /// No quiet hours at all.
    public static let none = QuietWindow(start: ClockTime(hour: 0, minute: 0), end: ClockTime(hour: 0, minute: 0))

    public var isEmpty: Bool { start == end }
    public var description: String { isEmpty ? "no quiet hours" : "\(start)–\(end)" }

    private var wrapsMidnight: Bool { start > end }

    /// Whether the wall clock in `zone` reads a time inside the window at `instant`.
    public func isQuiet(_ instant: Date, in zone: TimeZone) -> Bool {
        isQuiet(secondOfDay: LocalDateTime(instant, in: zone).time.secondsSinceMidnight)
    }

    /// The first instant >= `instant` outside the window: `instant` itself when it is not quiet, otherwise the
    /// window's end on the right local day (the next day for the evening part of a window that wraps midnight).
    /// DST-correct: an end reading skipped by a spring-forward change releases when the clock jumps past it; a
    /// reading that happens twice releases at the first one not before `instant`; and an autumn change that sets
    /// the clock back out of the window releases at the change.
    public func release(_ instant: Date, in zone: TimeZone) -> Date {
        let local = LocalDateTime(instant, in: zone)
        let second = local.time.secondsSinceMidnight
        guard isQuiet(secondOfDay: second) else { return instant }
        let endDate = wrapsMidnight && second >= start.minutesSinceMidnight * 60 ? local.date.adding(days: 1) : local.date
        let endReading = LocalDateTime(date: endDate, time: LocalTime(hour: end.hour, minute: end.minute)!)
        let atEnd = Self.firstInstant(reading: endReading, notBefore: instant, in: zone)
        if let change = Self.offsetChange(after: instant, through: atEnd, in: zone), change < atEnd, !isQuiet(change, in: zone) {
            return change
        }
        return atEnd
    }

    /// The first instant after `instant` at which the window is quiet, for an `instant` outside it (nil without quiet
    /// hours). A sender checks each message against it with one comparison instead of reading the wall clock.
    /// DST-correct: a start reading skipped by a spring-forward change begins the window when the clock jumps past it
    /// (if the window still holds then), and an autumn change that sets the clock back into the window begins it at the change.
    public func nextStart(after instant: Date, in zone: TimeZone) -> Date? {
        guard !isEmpty else { return nil }
        let today = LocalDateTime(instant, in: zone).date
        let startTime = LocalTime(hour: start.hour, minute: start.minute)!
        // The start reading today, tomorrow or the day after (a gap can skip one); `firstInstant` answers
        // `instant` itself when every instant of a reading is before it, hence "after" and "quiet".
        let reading = (0...2).lazy
            .map { Self.firstInstant(reading: LocalDateTime(date: today.adding(days: $0), time: startTime), notBefore: instant, in: zone) }
            .first { $0 > instant && isQuiet($0, in: zone) }
        guard let reading else { return nil }
        if let change = Self.offsetChange(after: instant, through: reading, in: zone), change < reading, isQuiet(change, in: zone) {
            return change
        }
        return reading
    }

    private func isQuiet(secondOfDay second: Int) -> Bool {
        let from = start.minutesSinceMidnight * 60
        let until = end.minutesSinceMidnight * 60
        if from == until { return false }
        if from < until { return second >= from && second < until }
        return second >= from || second < until
    }

    /// The earliest instant >= `notBefore` at which the wall clock in `zone` reads `reading`, or, when the reading
    /// does not exist (a spring-forward gap), the instant the clock jumps past it.
    private static func firstInstant(reading: LocalDateTime, notBefore: Date, in zone: TimeZone) -> Date {
        let wall = TimeInterval(reading.date.daysSinceEpoch) * 86_400 + TimeInterval(reading.time.secondsSinceMidnight)
        func offset(_ utcSeconds: TimeInterval) -> TimeInterval {
            TimeInterval(zone.secondsFromGMT(for: Date(timeIntervalSince1970: utcSeconds)))
        }
        // The offsets a day either side of the reading cover the one change (if any) that makes it skipped or repeated.
        let offsetBefore = offset(wall - 86_400)
        let offsetAfter = offset(wall + 86_400)
        let valid = Set([wall - offsetBefore, wall - offsetAfter]).filter { offset($0) == wall - $0 }.sorted()
        if !valid.isEmpty {
            return valid.map { Date(timeIntervalSince1970: $0) }.first { $0 >= notBefore } ?? notBefore
        }
        // A gap: the clock jumps from before the reading to after it at the change between its two readings.
        let early = Date(timeIntervalSince1970: min(wall - offsetBefore, wall - offsetAfter))
        let late = Date(timeIntervalSince1970: max(wall - offsetBefore, wall - offsetAfter))
        return max(offsetChange(after: early, through: late, in: zone) ?? late, notBefore)
    }

    /// The first whole second in (`from`, `through`] at which `zone`'s offset differs from the one at `from`,
    /// assuming at most one change in between (true of any span shorter than a few weeks).
    private static func offsetChange(after from: Date, through: Date, in zone: TimeZone) -> Date? {
        let offsetAtStart = zone.secondsFromGMT(for: from)
        guard zone.secondsFromGMT(for: through) != offsetAtStart else { return nil }
        var low = from.timeIntervalSince1970.rounded(.down)      // offset as at `from`
        var high = through.timeIntervalSince1970.rounded(.up)    // offset changed
        while high - low > 1 {
            let middle = (low + (high - low) / 2).rounded(.down)
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: middle)) == offsetAtStart { low = middle } else { high = middle }
        }
        return Date(timeIntervalSince1970: high)
    }
}

extension OutreachConfig.QuietHours {
    /// The configured quiet hours as a window to test instants against.
    public var window: QuietWindow { QuietWindow(self) }
}
