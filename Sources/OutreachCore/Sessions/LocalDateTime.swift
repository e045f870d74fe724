import Foundation

// Wall-clock values: what a coordinator writes ("Tuesdays 14:00") before any time zone is applied.
// Date arithmetic is done on whole days since 1970-01-01 (Timestamp's civil-date functions), so it
// never depends on a calendar or on the process' default time zone.

/// A day of the week, spelled as RFC 5545 spells it in BYDAY. Declared Monday first: weeks start on Monday (WKST=MO).
public enum Weekday: String, CaseIterable, Sendable, Codable {
    case monday = "MO", tuesday = "TU", wednesday = "WE", thursday = "TH", friday = "FR", saturday = "SA", sunday = "SU"

    /// 0 for Monday ... 6 for Sunday.
    public var indexFromMonday: Int {
        switch self {
        case .monday: 0
        case .tuesday: 1
        case .wednesday: 2
        case .thursday: 3
        case .friday: 4
        case .saturday: 5
        case .sunday: 6
        }
    }
}

/// A calendar date without a time zone, "2026-12-24".
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Years 1 to 9999; nil for a date that does not exist (2027-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Exactly "YYYY-MM-DD".
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Self.asciiNumber(parts[0]), let month = Self.asciiNumber(parts[1]), let day = Self.asciiNumber(parts[2]) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The date `days` days after 1970-01-01 (negative before it).
    public init(daysSinceEpoch days: Int) {
        let (year, month, day) = Timestamp.civil(fromDays: Int64(days))
        self.year = Int(year)
        self.month = Int(month)
        self.day = Int(day)
    }

    public var daysSinceEpoch: Int {
        Int(Timestamp.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (index 3 from Monday).
        let index = ((daysSinceEpoch + 3) % 7 + 7) % 7
        return Weekday.allCases[index]
    }

    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }

    public var description: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A time of day on the wall clock, "14:00" (seconds only when an RRULE UNTIL gives them).
public struct LocalTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int
    public let second: Int

    public init?(hour: Int, minute: Int, second: Int = 0) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { return nil }
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// "14:00", "9:30" or "23:59:59".
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, (1...2).contains(parts[0].count),
              parts.dropFirst().allSatisfy({ $0.count == 2 }),
              let hour = LocalDate.asciiNumber(parts[0]), let minute = LocalDate.asciiNumber(parts[1]) else { return nil }
        var second = 0
        if parts.count == 3 {
            guard let value = LocalDate.asciiNumber(parts[2]) else { return nil }
            second = value
        }
        self.init(hour: hour, minute: minute, second: second)
    }

    public var secondsSinceMidnight: Int { hour * 3600 + minute * 60 + second }

    public var description: String {
        pad(hour, 2) + ":" + pad(minute, 2) + (second == 0 ? "" : ":" + pad(second, 2))
    }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.secondsSinceMidnight < rhs.secondsSinceMidnight }
}

/// A wall-clock date and time, "2026-11-24 14:00", in no particular zone until one is applied.
public struct LocalDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let date: LocalDate
    public let time: LocalTime

    public init(date: LocalDate, time: LocalTime) {
        self.date = date
        self.time = time
    }

    /// "2026-11-24 14:00" or "2026-11-24T14:00" (seconds optional). A bare date is not enough.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let separator = trimmed.firstIndex(where: { $0 == " " || $0 == "T" }),
              let date = LocalDate(parsing: String(trimmed[..<separator])),
              let time = LocalTime(parsing: String(trimmed[trimmed.index(after: separator)...])) else { return nil }
        self.init(date: date, time: time)
    }

    public var description: String { "\(date) \(time)" }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.date, lhs.time) < (rhs.date, rhs.time)
    }
}

extension LocalDateTime {
    /// The wall-clock reading of `instant` in `zone`.
    public init(_ instant: Date, in zone: TimeZone) {
        let utcSeconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        let local = utcSeconds + Int64(zone.secondsFromGMT(for: instant))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        self.init(date: LocalDate(daysSinceEpoch: Int(days)),
                  time: LocalTime(hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60)!)
    }

    /// The instant this reading names in `zone`.
    /// A reading skipped by a spring-forward change moves forward by the size of the gap (02:30 becomes 03:30);
    /// a reading that happens twice in an autumn change takes the first, earlier instant (still summer time).
    public func instant(in zone: TimeZone) -> Date {
        let wall = Int64(date.daysSinceEpoch) * 86_400 + Int64(time.secondsSinceMidnight)
        func offset(at utcSeconds: Int64) -> Int64 {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcSeconds))))
        }
        // Offsets are at most 14 hours, so the offsets in force a day either side of the reading cover the
        // one change (if any) that can make it skipped or repeated.
        let offsetBefore = offset(at: wall - 86_400)
        let offsetAfter = offset(at: wall + 86_400)
        let valid = [wall - offsetBefore, wall - offsetAfter].filter { offset(at: $0) == wall - $0 }
        // No valid candidate: the reading is in a gap; read it with the offset from before the change.
        let utcSeconds = valid.min() ?? wall - offsetBefore
        return Date(timeIntervalSince1970: TimeInterval(utcSeconds))
    }
}

// Codable as the same text people write, e.g. "2026-12-24", "14:00", "2026-11-24 14:00".

extension LocalDate: Codable {
    public init(from decoder: Decoder) throws { self = try decodeText(decoder, LocalDate.init(parsing:), "a date (YYYY-MM-DD)") }
    public func encode(to encoder: Encoder) throws { try encodeText(description, encoder) }
}

extension LocalTime: Codable {
    public init(from decoder: Decoder) throws { self = try decodeText(decoder, LocalTime.init(parsing:), "a time of day (HH:MM)") }
    public func encode(to encoder: Encoder) throws { try encodeText(description, encoder) }
}

extension LocalDateTime: Codable {
    public init(from decoder: Decoder) throws {
        self = try decodeText(decoder, LocalDateTime.init(parsing:), "a date and time (YYYY-MM-DD HH:MM)")
    }
    public func encode(to encoder: Encoder) throws { try encodeText(description, encoder) }
}

private func decodeText<Value>(_ decoder: Decoder, _ parse: (String) -> Value?, _ what: String) throws -> Value {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let value = parse(text) else {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not \(what)")
    }
    return value
}

private func encodeText(_ text: String, _ encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(text)
}

extension LocalDate {
    /// Plain ASCII digits only (Int("+5") would be too lenient), at most 9 of them.
    static func asciiNumber(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
