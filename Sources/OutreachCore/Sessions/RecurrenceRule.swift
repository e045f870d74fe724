import Foundation

/// The subset of an RFC 5545 RRULE that meeting-place sessions need:
/// FREQ=DAILY|WEEKLY, INTERVAL, BYDAY (weekly), COUNT, UNTIL, and WKST=MO (the default, accepted and dropped).
/// e.g. "FREQ=WEEKLY;BYDAY=TU" every Tuesday, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10".
public struct RecurrenceRule: Equatable, Sendable, CustomStringConvertible {
    public enum Frequency: String, Sendable, Codable {
        case daily = "DAILY", weekly = "WEEKLY"
    }

    public static let intervalRange = 1...52
    public static let countRange = 1...10_000

    public var frequency: Frequency
    /// Every `interval` days or weeks, >= 1.
    public var interval: Int
    /// WEEKLY only; empty means the weekday of the session's start.
    public var byDay: [Weekday]
    /// Total occurrences including the first (exception dates count too, as in RFC 5545).
    public var count: Int?
    /// Last possible start, inclusive, on the session's wall clock.
    public var until: LocalDateTime?

    public init(frequency: Frequency, interval: Int = 1, byDay: [Weekday] = [], count: Int? = nil, until: LocalDateTime? = nil) {
        self.frequency = frequency
        self.interval = interval
        self.byDay = byDay
        self.count = count
        self.until = until
    }

    /// Canonical text: "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU", then COUNT or UNTIL (wall clock, no Z) when given.
    public var description: String {
        var parts = ["FREQ=\(frequency.rawValue)", "INTERVAL=\(interval)"]
        if !byDay.isEmpty { parts.append("BYDAY=" + byDay.map(\.rawValue).joined(separator: ",")) }
        if let count { parts.append("COUNT=\(count)") }
        if let until { parts.append("UNTIL=" + Self.untilText(until)) }
        return parts.joined(separator: ";")
    }

    /// Parses an RRULE, with or without the "RRULE:" prefix; names and values are case-insensitive.
    /// `timeZone` is the session's zone: a UTC UNTIL ("20261231T230000Z") is converted to its wall clock.
    public static func parse(_ text: String, timeZone: TimeZone) -> Result<RecurrenceRule, RecurrenceError> {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        if body.hasPrefix("RRULE:") { body.removeFirst("RRULE:".count) }
        guard !body.isEmpty else { return .failure(.empty) }

        var values: [String: String] = [:]
        for part in body.split(separator: ";") {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2, !pieces[0].isEmpty else { return .failure(.malformedPart(String(part))) }
            let name = pieces[0].trimmingCharacters(in: .whitespaces)
            let value = pieces[1].trimmingCharacters(in: .whitespaces)
            guard ["FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"].contains(name) else { return .failure(.unknownPart(name)) }
            guard values[name] == nil else { return .failure(.duplicatePart(name)) }
            values[name] = value
        }

        guard let frequencyText = values["FREQ"] else { return .failure(.missingFrequency) }
        guard let frequency = Frequency(rawValue: frequencyText) else { return .failure(.unsupportedFrequency(frequencyText)) }
        var rule = RecurrenceRule(frequency: frequency)

        if let text = values["INTERVAL"] {
            guard let interval = LocalDate.asciiNumber(Substring(text)), intervalRange.contains(interval) else {
                return .failure(.invalidInterval(text))
            }
            rule.interval = interval
        }
        if let text = values["BYDAY"] {
            guard frequency == .weekly else { return .failure(.byDayNeedsWeekly) }
            var days = Set<Weekday>()
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                let code = item.trimmingCharacters(in: .whitespaces)
                guard let day = Weekday(rawValue: code) else { return .failure(.invalidWeekday(code)) }
                days.insert(day)
            }
            rule.byDay = Weekday.allCases.filter(days.contains)
        }
        if let text = values["WKST"], text != Weekday.monday.rawValue {
            return .failure(.unsupportedWeekStart(text))
        }
        if values["COUNT"] != nil, values["UNTIL"] != nil { return .failure(.countAndUntil) }
        if let text = values["COUNT"] {
            guard let count = LocalDate.asciiNumber(Substring(text)), countRange.contains(count) else {
                return .failure(.invalidCount(text))
            }
            rule.count = count
        }
        if let text = values["UNTIL"] {
            guard let until = parseUntil(text, timeZone: timeZone) else { return .failure(.invalidUntil(text)) }
            rule.until = until
        }
        return .success(rule)
    }

    /// "20261231" (the whole day: until 23:59:59), "20261231T235959" (wall clock), "20261231T235959Z" (UTC).
    static func parseUntil(_ text: String, timeZone: TimeZone) -> LocalDateTime? {
        let characters = Array(text)
        guard [8, 15, 16].contains(characters.count) else { return nil }
        func number(_ range: Range<Int>) -> Int? { LocalDate.asciiNumber(Substring(String(characters[range]))) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let date = LocalDate(year: year, month: month, day: day) else { return nil }
        if characters.count == 8 { return LocalDateTime(date: date, time: LocalTime(hour: 23, minute: 59, second: 59)!) }
        guard characters[8] == "T", let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              let time = LocalTime(hour: hour, minute: minute, second: second) else { return nil }
        let reading = LocalDateTime(date: date, time: time)
        if characters.count == 15 { return reading }
        guard characters[15] == "Z" else { return nil }
        let utc = TimeZone(secondsFromGMT: 0)!
        return LocalDateTime(reading.instant(in: utc), in: timeZone)
    }

    static func untilText(_ until: LocalDateTime) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let date = until.date, time = until.time
        return pad(date.year, 4) + pad(date.month, 2) + pad(date.day, 2)
            + "T" + pad(time.hour, 2) + pad(time.minute, 2) + pad(time.second, 2)
    }
}

/// Codable as its canonical text, validated on decoding. The canonical text never holds a UTC UNTIL,
/// so decoding needs no time zone.
extension RecurrenceRule: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        switch Self.parse(text, timeZone: TimeZone(secondsFromGMT: 0)!) {
        case .success(let rule): self = rule
        case .failure(let error):
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "RRULE '\(text)': \(error)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why an RRULE was refused; each message names the offending part.
public enum RecurrenceError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case malformedPart(String)
    case unknownPart(String)
    case duplicatePart(String)
    case missingFrequency
    case unsupportedFrequency(String)
    case invalidInterval(String)
    case byDayNeedsWeekly
    case invalidWeekday(String)
    case unsupportedWeekStart(String)
    case countAndUntil
    case invalidCount(String)
    case invalidUntil(String)

    public var description: String {
        switch self {
        case .empty:
            "the rule is empty (e.g. FREQ=WEEKLY;BYDAY=TU)"
        case .malformedPart(let part):
            "part '\(part)' is not NAME=VALUE (e.g. FREQ=WEEKLY)"
        case .unknownPart(let name):
            "unknown part '\(name)' (supported: FREQ, INTERVAL, BYDAY, COUNT, UNTIL)"
        case .duplicatePart(let name):
            "\(name) is given more than once"
        case .missingFrequency:
            "FREQ is missing (use FREQ=DAILY or FREQ=WEEKLY)"
        case .unsupportedFrequency(let value):
            "FREQ=\(value) is not supported (use DAILY or WEEKLY)"
        case .invalidInterval(let value):
            "INTERVAL=\(value): INTERVAL must be a whole number from \(RecurrenceRule.intervalRange.lowerBound) to \(RecurrenceRule.intervalRange.upperBound)"
        case .byDayNeedsWeekly:
            "BYDAY is only supported with FREQ=WEEKLY"
        case .invalidWeekday(let value):
            "BYDAY value '\(value)' is not a weekday (use MO, TU, WE, TH, FR, SA, SU)"
        case .unsupportedWeekStart(let value):
            "WKST=\(value) is not supported (weeks start on Monday, WKST=MO)"
        case .countAndUntil:
            "COUNT and UNTIL cannot both be given"
        case .invalidCount(let value):
            "COUNT=\(value): COUNT must be a whole number from \(RecurrenceRule.countRange.lowerBound) to \(RecurrenceRule.countRange.upperBound)"
        case .invalidUntil(let value):
            "UNTIL=\(value) is not a date (use 20261231, 20261231T235959 or 20261231T225959Z)"
        }
    }
}
