/// When a reminder of a session goes out: a fixed time some days before ("the day before at 10:00"),
/// or an offset before the start ("2 hours before").
public struct ReminderRule: Sendable, Equatable {
    public enum Timing: Sendable, Equatable {
        case daysBefore(Int, at: ClockTime)
        case minutesBefore(Int)
    }

    /// Part of every dedupe key: renaming a rule re-sends, so names are stable identifiers.
    public let name: String
    public let timing: Timing

    public init(name: String, timing: Timing) {
        self.name = name
        self.timing = timing
    }

    public static let defaults = [
        ReminderRule(name: "day-before", timing: .daysBefore(1, at: ClockTime(hour: 10, minute: 0))),
        ReminderRule(name: "two-hours-before", timing: .minutesBefore(120)),
    ]
}

extension ReminderRule: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case name, daysBefore, at, hoursBefore, minutesBefore }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .name)
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw decoder.valueError(CodingKeys.name, "'\(name)' must be letters, digits, '-' or '_'")
        }
        // A call's dedupe key ends in `:voice`: a rule of that name would make an SMS key read as a call's.
        guard name != "voice" else {
            throw decoder.valueError(CodingKeys.name, "'voice' is reserved (it marks a call in a reminder's key); choose another name")
        }
        let days = try container.decodeWholeNumberIfPresent(forKey: .daysBefore)
        let at = try container.decodeIfPresent(ClockTime.self, forKey: .at)
        let hours = try container.decodeWholeNumberIfPresent(forKey: .hoursBefore)
        let minutes = try container.decodeWholeNumberIfPresent(forKey: .minutesBefore)
        switch (days, at, hours, minutes) {
        case let (days?, at?, nil, nil):
            guard (0...30).contains(days) else { throw decoder.valueError(CodingKeys.daysBefore, "must be from 0 to 30") }
            self.init(name: name, timing: .daysBefore(days, at: at))
        case let (nil, nil, hours?, nil):
            guard (1...720).contains(hours) else { throw decoder.valueError(CodingKeys.hoursBefore, "must be from 1 to 720") }
            self.init(name: name, timing: .minutesBefore(hours * 60))
        case let (nil, nil, nil, minutes?):
            guard (1...43_200).contains(minutes) else { throw decoder.valueError(CodingKeys.minutesBefore, "must be from 1 to 43200") }
            self.init(name: name, timing: .minutesBefore(minutes))
        default:
            throw ConfigValueError(key: configKeyPath(decoder.codingPath),
                message: "reminder '\(name)' needs either daysBefore with at, or hoursBefore, or minutesBefore")
        }
    }
}
