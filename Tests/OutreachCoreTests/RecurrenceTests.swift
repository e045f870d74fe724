import Foundation
import Testing
@testable import OutreachCore

private let stockholm = TimeZone(identifier: "Europe/Stockholm")!
private let helsinki = TimeZone(identifier: "Europe/Helsinki")!
private let oslo = TimeZone(identifier: "Europe/Oslo")!

private func local(_ text: String) -> LocalDateTime { LocalDateTime(parsing: text)! }
private func day(_ text: String) -> LocalDate { LocalDate(parsing: text)! }
private func instant(_ text: String) -> Date { Timestamp.parse(text)! }
private func rule(_ text: String, _ zone: TimeZone = stockholm) -> RecurrenceRule { try! RecurrenceRule.parse(text, timeZone: zone).get() }

private func starts(_ schedule: SessionSchedule, limit: Int = 100) -> [String] {
    schedule.occurrences(after: .distantPast, limit: limit).map { Timestamp.format($0.start) }
}

@Suite("Wall-clock dates and times")
struct LocalDateTimeTests {
    @Test("parses dates and times people write", arguments: [
        ("2026-11-24 14:00", "2026-11-24 14:00"),
        ("2026-11-24T14:00", "2026-11-24 14:00"),
        ("  2026-11-24 9:05 ", "2026-11-24 09:05"),
        ("2028-02-29 23:59:59", "2028-02-29 23:59:59"),
        ("2026-01-01T00:00:00", "2026-01-01 00:00"),
    ])
    func parsesDateTime(text: String, canonical: String) throws {
        let value = try #require(LocalDateTime(parsing: text))
        #expect(value.description == canonical)
        #expect(LocalDateTime(parsing: value.description) == value)
    }

    @Test("rejects what is not a wall-clock date and time", arguments: [
        "", "2026-12-24", "14:00", "2026-11-24 24:00", "2026-11-24 14:60", "2027-02-29 14:00", "2026-13-01 14:00",
        "2026-11-24  14:00", "2026-11-24 14", "2026-11-24 +4:00", "26-11-24 14:00", "2026-11-24 14:00Z", "2026/11/24 14:00",
    ])
    func rejectsDateTime(text: String) {
        #expect(LocalDateTime(parsing: text) == nil)
    }

    @Test("dates: exact YYYY-MM-DD, real days only", arguments: [
        ("2026-12-24", true), ("2028-02-29", true), ("2000-02-29", true), ("1900-02-29", false), ("2027-02-29", false),
        ("2026-04-31", false), ("2026-12-4", false), ("2026-12-24 ", false), ("+026-12-24", false), ("2026-00-10", false),
    ])
    func parsesDate(text: String, valid: Bool) {
        let date = LocalDate(parsing: text)
        #expect((date != nil) == valid)
        if let date { #expect(date.description == text) }
    }

    @Test("times", arguments: [("14:00", "14:00"), ("9:30", "09:30"), ("00:00", "00:00"), ("23:59:59", "23:59:59")])
    func parsesTime(text: String, canonical: String) {
        #expect(LocalTime(parsing: text)?.description == canonical)
    }

    @Test("weekdays", arguments: [
        ("1970-01-01", Weekday.thursday), ("2026-11-24", .tuesday), ("2026-10-25", .sunday), ("2027-03-28", .sunday),
        ("2026-12-28", .monday), ("1969-12-31", .wednesday), ("2000-02-29", .tuesday),
    ])
    func weekday(text: String, expected: Weekday) {
        #expect(day(text).weekday == expected)
    }

    @Test("day arithmetic crosses months, years and leap days")
    func dayArithmetic() {
        #expect(day("2026-12-31").adding(days: 1) == day("2027-01-01"))
        #expect(day("2028-02-28").adding(days: 1) == day("2028-02-29"))
        #expect(day("2026-03-01").adding(days: -1) == day("2026-02-28"))
        #expect(day("2026-11-24").adding(days: 7 * 52) == day("2027-11-23"))
        #expect(day("2026-11-24") < day("2026-12-01"))
        #expect(local("2026-11-24 09:00") < local("2026-11-24 14:00"))
    }

    @Test("wall clock to instant in a zone", arguments: [
        ("2026-11-24 14:00", "Europe/Stockholm", "2026-11-24T13:00:00Z"),
        ("2026-06-16 14:00", "Europe/Stockholm", "2026-06-16T12:00:00Z"),
        ("2026-06-16 14:00", "Europe/Helsinki", "2026-06-16T11:00:00Z"),
        ("2026-11-24 14:00", "Europe/Oslo", "2026-11-24T13:00:00Z"),
        ("2027-03-28 02:30", "Europe/Stockholm", "2027-03-28T01:30:00Z"),   // skipped: 03:30 CEST
        ("2027-03-28 03:00", "Europe/Stockholm", "2027-03-28T01:00:00Z"),
        ("2026-10-25 02:30", "Europe/Stockholm", "2026-10-25T00:30:00Z"),   // repeated: first, CEST
        ("2026-10-25 03:00", "Europe/Stockholm", "2026-10-25T02:00:00Z"),
        ("2027-03-28 03:30", "Europe/Helsinki", "2027-03-28T01:30:00Z"),    // skipped: 04:30 EEST
        ("2026-10-25 03:30", "Europe/Helsinki", "2026-10-25T00:30:00Z"),    // repeated: first, EEST
        ("1969-12-31 23:00", "UTC", "1969-12-31T23:00:00Z"),
    ])
    func toInstant(text: String, zone: String, expected: String) throws {
        let zone = try #require(TimeZone(identifier: zone))
        #expect(Timestamp.format(local(text).instant(in: zone)) == expected)
    }

    @Test("instant to wall clock and back, every 7 hours for two years in three zones")
    func agreesWithCalendar() {
        for zone in [stockholm, helsinki, oslo] {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            var date = instant("2026-01-01T00:00:00Z")
            for _ in 0..<(2 * 365 * 24 / 7) {
                let reading = LocalDateTime(date, in: zone)
                let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
                #expect([reading.date.year, reading.date.month, reading.date.day, reading.time.hour, reading.time.minute, reading.time.second]
                        == [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second])
                // The second reading of a repeated hour maps back to the first instant, an hour earlier.
                let back = reading.instant(in: zone)
                #expect(back == date || back == date.addingTimeInterval(-3600))
                date = date.addingTimeInterval(7 * 3600)
            }
        }
    }

    @Test("Codable as text")
    func codable() throws {
        let value = local("2026-11-24 14:00")
        let data = try JSONEncoder().encode(value)
        #expect(String(decoding: data, as: UTF8.self) == "\"2026-11-24 14:00\"")
        #expect(try JSONDecoder().decode(LocalDateTime.self, from: data) == value)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LocalDate.self, from: Data("\"2026-02-30\"".utf8)) }
    }
}

@Suite("RRULE parsing")
struct RecurrenceRuleParsingTests {
    @Test("accepts the supported subset and prints it canonically", arguments: [
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU"),
        ("rrule:freq=weekly;byday=th,tu", "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH"),
        ("FREQ=WEEKLY;BYDAY=TU,TU,MO;", "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU"),
        ("FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=1"),
        ("FREQ=WEEKLY;INTERVAL=2;COUNT=10", "FREQ=WEEKLY;INTERVAL=2;COUNT=10"),
        ("FREQ=DAILY;INTERVAL=3", "FREQ=DAILY;INTERVAL=3"),
        ("  FREQ = DAILY ; COUNT = 5 ", "FREQ=DAILY;INTERVAL=1;COUNT=5"),
        ("FREQ=WEEKLY;WKST=MO;BYDAY=FR", "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"),
        ("FREQ=WEEKLY;UNTIL=20261231", "FREQ=WEEKLY;INTERVAL=1;UNTIL=20261231T235959"),
        ("FREQ=WEEKLY;UNTIL=20261231T140000", "FREQ=WEEKLY;INTERVAL=1;UNTIL=20261231T140000"),
        ("FREQ=WEEKLY;UNTIL=20261231T225959Z", "FREQ=WEEKLY;INTERVAL=1;UNTIL=20261231T235959"),     // CET, +1
        ("FREQ=WEEKLY;UNTIL=20260630T120000Z", "FREQ=WEEKLY;INTERVAL=1;UNTIL=20260630T140000"),     // CEST, +2
        ("FREQ=DAILY;UNTIL=20261231T230000Z", "FREQ=DAILY;INTERVAL=1;UNTIL=20270101T000000"),        // next local day
        ("FREQ=WEEKLY;INTERVAL=52;COUNT=10000", "FREQ=WEEKLY;INTERVAL=52;COUNT=10000"),
    ])
    func parsesGood(text: String, canonical: String) throws {
        let parsed = try RecurrenceRule.parse(text, timeZone: stockholm).get()
        #expect(parsed.description == canonical)
        // The canonical text is a fixed point, whatever the zone (it never holds a UTC UNTIL).
        #expect(try RecurrenceRule.parse(canonical, timeZone: helsinki).get() == parsed)
    }

    @Test("refuses the rest, naming the offending part", arguments: [
        ("", RecurrenceError.empty, "empty"),
        ("RRULE:", .empty, "empty"),
        ("FREQ=MONTHLY", .unsupportedFrequency("MONTHLY"), "FREQ=MONTHLY is not supported (use DAILY or WEEKLY)"),
        ("FREQ=YEARLY;BYMONTH=1", .unknownPart("BYMONTH"), "unknown part 'BYMONTH'"),
        ("FREQ=HOURLY", .unsupportedFrequency("HOURLY"), "FREQ=HOURLY"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", .unknownPart("BYMONTHDAY"), "'BYMONTHDAY'"),
        ("BYDAY=TU", .missingFrequency, "FREQ is missing"),
        ("FREQ=WEEKLY;FREQ=DAILY", .duplicatePart("FREQ"), "FREQ is given more than once"),
        ("FREQ=WEEKLY;BYDAY", .malformedPart("BYDAY"), "'BYDAY'"),
        ("FREQ=WEEKLY;=TU", .malformedPart("=TU"), "'=TU'"),
        ("FREQ=WEEKLY;INTERVAL=0", .invalidInterval("0"), "INTERVAL must be a whole number from 1 to 52"),
        ("FREQ=WEEKLY;INTERVAL=53", .invalidInterval("53"), "INTERVAL=53"),
        ("FREQ=WEEKLY;INTERVAL=-1", .invalidInterval("-1"), "INTERVAL=-1"),
        ("FREQ=WEEKLY;INTERVAL=two", .invalidInterval("TWO"), "INTERVAL=TWO"),
        ("FREQ=WEEKLY;BYDAY=TU,XX", .invalidWeekday("XX"), "BYDAY value 'XX'"),
        ("FREQ=WEEKLY;BYDAY=1MO", .invalidWeekday("1MO"), "BYDAY value '1MO'"),
        ("FREQ=WEEKLY;BYDAY=", .invalidWeekday(""), "BYDAY value ''"),
        ("FREQ=DAILY;BYDAY=TU", .byDayNeedsWeekly, "BYDAY is only supported with FREQ=WEEKLY"),
        ("FREQ=WEEKLY;WKST=SU", .unsupportedWeekStart("SU"), "WKST=SU"),
        ("FREQ=WEEKLY;COUNT=5;UNTIL=20261231", .countAndUntil, "COUNT and UNTIL cannot both be given"),
        ("FREQ=WEEKLY;COUNT=0", .invalidCount("0"), "COUNT=0: COUNT must be a whole number from 1 to 10000"),
        ("FREQ=WEEKLY;COUNT=+5", .invalidCount("+5"), "COUNT=+5"),
        ("FREQ=WEEKLY;COUNT=99999999999", .invalidCount("99999999999"), "COUNT=99999999999"),
        ("FREQ=WEEKLY;UNTIL=2026-12-31", .invalidUntil("2026-12-31"), "UNTIL=2026-12-31 is not a date"),
        ("FREQ=WEEKLY;UNTIL=20260231", .invalidUntil("20260231"), "UNTIL=20260231"),
        ("FREQ=WEEKLY;UNTIL=20261231T250000", .invalidUntil("20261231T250000"), "UNTIL=20261231T250000"),
        ("FREQ=WEEKLY;UNTIL=20261231T235959+01", .invalidUntil("20261231T235959+01"), "UNTIL=20261231T235959+01"),
    ])
    func refusesBad(text: String, error: RecurrenceError, message: String) {
        let result = RecurrenceRule.parse(text, timeZone: stockholm)
        #expect(result == .failure(error))
        #expect(error.description.contains(message))
    }

    @Test("Codable as canonical text, validated on decoding")
    func codable() throws {
        let value = rule("FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20261231T225959Z")
        let data = try JSONEncoder().encode(value)
        #expect(String(decoding: data, as: UTF8.self) == "\"FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH;UNTIL=20261231T235959\"")
        #expect(try JSONDecoder().decode(RecurrenceRule.self, from: data) == value)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RecurrenceRule.self, from: Data("\"FREQ=MONTHLY\"".utf8)) }
    }
}

@Suite("Session occurrences")
struct SessionScheduleTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let start: String
        let zone: TimeZone
        let rule: String?
        var exceptions: [String] = []
        var duration = 120
        let expected: [String]
        var testDescription: String { name }
    }

    @Test("expands rules to exact UTC instants", arguments: [
        Case(name: "weekly Tuesday 14:00 Stockholm across the October 2026 change", start: "2026-10-13 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=4",
             expected: ["2026-10-13T12:00:00Z", "2026-10-20T12:00:00Z", "2026-10-27T13:00:00Z", "2026-11-03T13:00:00Z"]),
        Case(name: "weekly Tuesday 14:00 Stockholm across the March 2027 change", start: "2027-03-16 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;COUNT=4",
             expected: ["2027-03-16T13:00:00Z", "2027-03-23T13:00:00Z", "2027-03-30T12:00:00Z", "2027-04-06T12:00:00Z"]),
        Case(name: "Helsinki keeps 14:00 across October 2026 (EEST +3 to EET +2)", start: "2026-10-20 14:00", zone: helsinki,
             rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=2", expected: ["2026-10-20T11:00:00Z", "2026-10-27T12:00:00Z"]),
        Case(name: "Helsinki keeps 14:00 across March 2027", start: "2027-03-23 14:00", zone: helsinki,
             rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=2", expected: ["2027-03-23T12:00:00Z", "2027-03-30T11:00:00Z"]),
        Case(name: "Oslo keeps 10:00 across October 2026", start: "2026-10-22 10:00", zone: oslo,
             rule: "FREQ=WEEKLY;BYDAY=TH;COUNT=2", expected: ["2026-10-22T08:00:00Z", "2026-10-29T09:00:00Z"]),
        Case(name: "Oslo keeps 10:00 across March 2027", start: "2027-03-25 10:00", zone: oslo,
             rule: "FREQ=WEEKLY;BYDAY=TH;COUNT=2", expected: ["2027-03-25T09:00:00Z", "2027-04-01T08:00:00Z"]),
        Case(name: "BYDAY with two days a week", start: "2026-11-24 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=5",
             expected: ["2026-11-24T13:00:00Z", "2026-11-26T13:00:00Z", "2026-12-01T13:00:00Z", "2026-12-03T13:00:00Z", "2026-12-08T13:00:00Z"]),
        Case(name: "BYDAY listing a day before the start's weekday starts the next week", start: "2026-11-25 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3",
             expected: ["2026-11-25T13:00:00Z", "2026-11-30T13:00:00Z", "2026-12-02T13:00:00Z"]),
        Case(name: "INTERVAL=2: every other Tuesday", start: "2026-11-24 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=3",
             expected: ["2026-11-24T13:00:00Z", "2026-12-08T13:00:00Z", "2026-12-22T13:00:00Z"]),
        Case(name: "INTERVAL=2 counts weeks from the start's week (Monday-based), start not in BYDAY", start: "2026-11-25 14:00",
             zone: stockholm, rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;COUNT=5",
             expected: ["2026-11-25T13:00:00Z", "2026-11-27T13:00:00Z", "2026-12-07T13:00:00Z", "2026-12-11T13:00:00Z", "2026-12-21T13:00:00Z"]),
        Case(name: "INTERVAL=2 with a Sunday start: the start's week ends that Sunday", start: "2026-11-29 11:00", zone: stockholm,
             rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;COUNT=3",
             expected: ["2026-11-29T10:00:00Z", "2026-12-07T10:00:00Z", "2026-12-13T10:00:00Z"]),
        Case(name: "DAILY with INTERVAL=3", start: "2026-12-30 09:00", zone: stockholm, rule: "FREQ=DAILY;INTERVAL=3;COUNT=3",
             expected: ["2026-12-30T08:00:00Z", "2027-01-02T08:00:00Z", "2027-01-05T08:00:00Z"]),
        Case(name: "exception dates are skipped but count towards COUNT", start: "2026-12-08 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=4", exceptions: ["2026-12-22", "2026-12-29"],
             expected: ["2026-12-08T13:00:00Z", "2026-12-15T13:00:00Z"]),
        Case(name: "an exception on the first date skips the first occurrence", start: "2026-12-08 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;COUNT=2", exceptions: ["2026-12-08"], expected: ["2026-12-15T13:00:00Z"]),
        Case(name: "UNTIL is inclusive to the second", start: "2026-11-24 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;UNTIL=20261208T140000", expected: ["2026-11-24T13:00:00Z", "2026-12-01T13:00:00Z", "2026-12-08T13:00:00Z"]),
        Case(name: "UNTIL one second before the last start excludes it", start: "2026-11-24 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;UNTIL=20261208T135959", expected: ["2026-11-24T13:00:00Z", "2026-12-01T13:00:00Z"]),
        Case(name: "a date-only UNTIL includes that whole day", start: "2026-11-24 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;UNTIL=20261208", expected: ["2026-11-24T13:00:00Z", "2026-12-01T13:00:00Z", "2026-12-08T13:00:00Z"]),
        Case(name: "a UTC UNTIL is an instant", start: "2026-11-24 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;UNTIL=20261208T130000Z", expected: ["2026-11-24T13:00:00Z", "2026-12-01T13:00:00Z", "2026-12-08T13:00:00Z"]),
        Case(name: "UNTIL before the start: nothing", start: "2026-11-24 14:00", zone: stockholm,
             rule: "FREQ=WEEKLY;UNTIL=20261101", expected: []),
        Case(name: "02:30 does not exist on 28 March 2027: 03:30 CEST that day", start: "2027-03-26 02:30", zone: stockholm,
             rule: "FREQ=DAILY;COUNT=4",
             expected: ["2027-03-26T01:30:00Z", "2027-03-27T01:30:00Z", "2027-03-28T01:30:00Z", "2027-03-29T00:30:00Z"]),
        Case(name: "02:30 happens twice on 25 October 2026: the first, in summer time", start: "2026-10-24 02:30", zone: stockholm,
             rule: "FREQ=DAILY;COUNT=3", expected: ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
        Case(name: "a one-off session", start: "2026-12-24 15:00", zone: stockholm, rule: nil, expected: ["2026-12-24T14:00:00Z"]),
        Case(name: "a one-off session on an exception date", start: "2026-12-24 15:00", zone: stockholm, rule: nil,
             exceptions: ["2026-12-24"], expected: []),
    ])
    func expands(_ example: Case) {
        let schedule = SessionSchedule(start: local(example.start), durationMinutes: example.duration, timeZone: example.zone,
                                       rule: example.rule.map { rule($0, example.zone) },
                                       exceptionDates: Set(example.exceptions.map(day)))
        let occurrences = schedule.occurrences(after: .distantPast, limit: 50)
        #expect(occurrences.map { Timestamp.format($0.start) } == example.expected)
        for occurrence in occurrences {
            #expect(occurrence.end.timeIntervalSince(occurrence.start) == Double(example.duration * 60))
            #expect(LocalDateTime(occurrence.start, in: example.zone).date == occurrence.localDate)
        }
        // The range query agrees with the list.
        let all = schedule.occurrences(from: instant("2026-01-01T00:00:00Z"), to: instant("2028-01-01T00:00:00Z"))
        #expect(all == occurrences)
    }

    private let weekly = SessionSchedule(start: local("2026-11-24 14:00"), durationMinutes: 120, timeZone: stockholm,
                                         rule: rule("FREQ=WEEKLY;BYDAY=TU"), exceptionDates: [day("2026-12-22")])

    @Test("after: the first occurrences that end after the instant, including one in progress", arguments: [
        ("2026-11-24T12:59:59Z", ["2026-11-24T13:00:00Z", "2026-12-01T13:00:00Z"]),
        ("2026-11-24T14:30:00Z", ["2026-11-24T13:00:00Z", "2026-12-01T13:00:00Z"]),   // 15:30 local: still running
        ("2026-11-24T15:00:00Z", ["2026-12-01T13:00:00Z", "2026-12-08T13:00:00Z"]),   // ended exactly then
        ("2026-12-16T00:00:00Z", ["2026-12-29T13:00:00Z", "2027-01-05T13:00:00Z"]),   // 22 December skipped
        ("2027-06-30T00:00:00Z", ["2027-07-06T12:00:00Z", "2027-07-13T12:00:00Z"]),   // summer time
        ("2099-12-30T00:00:00Z", ["2100-01-05T13:00:00Z", "2100-01-12T13:00:00Z"]),   // far ahead, still Tuesdays
    ])
    func after(text: String, expected: [String]) {
        #expect(weekly.occurrences(after: instant(text), limit: 2).map { Timestamp.format($0.start) } == expected)
    }

    @Test("from..to is half-open on the start")
    func range() {
        let found = weekly.occurrences(from: instant("2026-12-01T13:00:00Z"), to: instant("2026-12-29T13:00:00Z"))
        #expect(found.map { Timestamp.format($0.start) } == ["2026-12-01T13:00:00Z", "2026-12-08T13:00:00Z", "2026-12-15T13:00:00Z"])
        #expect(weekly.occurrences(from: instant("2026-12-02T00:00:00Z"), to: instant("2026-12-02T00:00:00Z")).isEmpty)
        #expect(weekly.occurrences(from: instant("2026-11-01T00:00:00Z"), to: instant("2026-11-24T13:00:00Z")).isEmpty)
    }

    @Test("limits and COUNT bound the output")
    func limits() {
        #expect(weekly.occurrences(after: .distantPast, limit: 0).isEmpty)
        #expect(weekly.occurrences(after: .distantPast, limit: 7).count == 7)
        var counted = weekly
        counted.rule?.count = 5
        #expect(counted.occurrences(after: .distantPast, limit: 100).count == 4)   // 5 minus the Christmas exception
        #expect(counted.occurrences(after: instant("2027-01-01T00:00:00Z"), limit: 100).isEmpty)
    }

    @Test("pathological input terminates")
    func bounded() {
        let daily = SessionSchedule(start: local("2026-01-01 10:00"), durationMinutes: 60, timeZone: stockholm, rule: rule("FREQ=DAILY"))
        #expect(daily.occurrences(from: .distantPast, to: .distantFuture).count == SessionSchedule.maximumCandidates)
        #expect(daily.occurrences(after: .distantFuture, limit: 3).map { LocalDateTime($0.start, in: stockholm).time } == Array(repeating: LocalTime(hour: 10, minute: 0)!, count: 3))
        // Every candidate an exception: stops after the candidate cap, finding nothing.
        let everyDay = Set((0..<2_000).map { day("2026-01-01").adding(days: $0) })
        var blocked = SessionSchedule(start: local("2026-01-01 10:00"), durationMinutes: 60, timeZone: stockholm,
                                      rule: rule("FREQ=DAILY;UNTIL=20310101"), exceptionDates: everyDay)
        #expect(blocked.occurrences(after: .distantPast, limit: 1).isEmpty)
        // Values set directly, past what parse allows, do not loop either.
        blocked.rule = RecurrenceRule(frequency: .weekly, interval: 0, byDay: [], count: nil, until: nil)
        #expect(blocked.occurrences(after: .distantPast, limit: 3).count == 3)
        blocked.durationMinutes = .max
        #expect(blocked.occurrences(after: instant("2030-01-01T00:00:00Z"), limit: 1).count == 1)
    }

    @Test("the process' default time zone plays no part")
    func independentOfDefaultZone() {
        // Same wall clock, different session zones, different instants.
        let rows = [(stockholm, "2026-11-24T13:00:00Z"), (helsinki, "2026-11-24T12:00:00Z"), (TimeZone(identifier: "America/New_York")!, "2026-11-24T19:00:00Z")]
        for (zone, expected) in rows {
            let schedule = SessionSchedule(start: local("2026-11-24 14:00"), durationMinutes: 60, timeZone: zone)
            #expect(starts(schedule) == [expected])
        }
    }
}
