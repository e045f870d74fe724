import Foundation
import Testing
@testable import OutreachCore

private let stockholm = TimeZone(identifier: "Europe/Stockholm")!
private func instant(_ text: String) -> Date { Timestamp.parse(text)! }
private func local(_ text: String) -> LocalDateTime { LocalDateTime(parsing: text)! }
private func day(_ text: String) -> LocalDate { LocalDate(parsing: text)! }
private func clock(_ text: String) -> ClockTime { ClockTime(parsing: text)! }

private let dayBefore = ReminderRule(name: "day-before", timing: .daysBefore(1, at: ClockTime(hour: 10, minute: 0)))
private let twoHours = ReminderRule(name: "two-hours-before", timing: .minutesBefore(120))
private let defaultQuiet = QuietWindow(start: clock("20:00"), end: clock("09:00"))

/// "Kaffe och samtal": Tuesdays 14:00–16:00 in Stockholm from 6 Oct 2026, through both DST changes.
private let weeklyTuesday = Session(
    id: 7, title: "Kaffe och samtal", place: "Råslätts träffpunkt",
    schedule: SessionSchedule(start: local("2026-10-06 14:00"), durationMinutes: 120, timeZone: stockholm,
                              rule: try! RecurrenceRule.parse("FREQ=WEEKLY;BYDAY=TU", timeZone: stockholm).get()))

private func oneOff(_ start: String, id: Int64 = 9) -> Session {
    Session(id: id, title: "Gympa", place: "Råslätt",
            schedule: SessionSchedule(start: local(start), durationMinutes: 60, timeZone: stockholm))
}

private func person(_ id: Int64?, _ channel: ContactChannel = .sms) -> Person {
    Person(id: id, role: .senior, name: "Aina Berg", phone: PhoneNumber(e164: "+46701740605"), language: "sv", channel: channel)
}

private func enrollment(_ person: Person, _ session: Session = weeklyTuesday) -> Enrollment {
    Enrollment(person: person, sessionID: session.id!, session: session)
}

private func planner(_ rules: [ReminderRule] = [dayBefore, twoHours], quiet: QuietWindow = defaultQuiet) -> ReminderPlanner {
    ReminderPlanner(rules: rules, quietHours: quiet)
}

/// "rule@sendAt→notBefore" plus the suppression reason, compact enough to compare whole plans.
private func summary(_ reminder: PlannedReminder) -> String {
    var text = "\(reminder.rule)@\(Timestamp.format(reminder.sendAt))"
    if reminder.notBefore != reminder.sendAt { text += "→\(Timestamp.format(reminder.notBefore))" }
    if let reason = reminder.suppressed { text += " [\(reason)]" }
    return text
}

@Suite("Reminder planning")
struct ReminderPlannerTests {
    /// Send times in the session's zone across the 25 Oct 2026 (CEST → CET) and 28 Mar 2027 (CET → CEST) changes.
    @Test("send times are DST-correct", arguments: [
        // Before the autumn change: Tue 20 Oct 14:00 CEST = 12:00Z; Mon 19 Oct 10:00 CEST = 08:00Z.
        ("2026-10-20", ReminderRule.Timing.daysBefore(1, at: ClockTime(hour: 10, minute: 0)), "2026-10-20T12:00:00Z", "2026-10-19T08:00:00Z"),
        ("2026-10-20", .minutesBefore(120), "2026-10-20T12:00:00Z", "2026-10-20T10:00:00Z"),
        // After it: Tue 27 Oct 14:00 CET = 13:00Z; Mon 26 Oct 10:00 CET = 09:00Z.
        ("2026-10-27", .daysBefore(1, at: ClockTime(hour: 10, minute: 0)), "2026-10-27T13:00:00Z", "2026-10-26T09:00:00Z"),
        ("2026-10-27", .minutesBefore(120), "2026-10-27T13:00:00Z", "2026-10-27T11:00:00Z"),
        // Three days before lands on Sat 24 Oct, still summer time: 10:00 CEST = 08:00Z.
        ("2026-10-27", .daysBefore(3, at: ClockTime(hour: 10, minute: 0)), "2026-10-27T13:00:00Z", "2026-10-24T08:00:00Z"),
        // minutesBefore is elapsed time: 3 × 24 h before 13:00Z is 13:00Z, which reads 15:00 CEST on the Saturday.
        ("2026-10-27", .minutesBefore(3 * 1440), "2026-10-27T13:00:00Z", "2026-10-24T13:00:00Z"),
        // Spring: Tue 23 Mar 2027 14:00 CET = 13:00Z; Mon 22 Mar 10:00 CET = 09:00Z.
        ("2027-03-23", .daysBefore(1, at: ClockTime(hour: 10, minute: 0)), "2027-03-23T13:00:00Z", "2027-03-22T09:00:00Z"),
        // Tue 30 Mar 2027 14:00 CEST = 12:00Z; the Monday-10:00 reminder on 29 Mar is 10:00 CEST = 08:00Z.
        ("2027-03-30", .daysBefore(1, at: ClockTime(hour: 10, minute: 0)), "2027-03-30T12:00:00Z", "2027-03-29T08:00:00Z"),
        ("2027-03-30", .minutesBefore(120), "2027-03-30T12:00:00Z", "2027-03-30T10:00:00Z"),
        // Sun 28 Mar, the change day itself (after 01:00Z): 10:00 CEST = 08:00Z; Sat 27 Mar 10:00 CET = 09:00Z.
        ("2027-03-30", .daysBefore(2, at: ClockTime(hour: 10, minute: 0)), "2027-03-30T12:00:00Z", "2027-03-28T08:00:00Z"),
        ("2027-03-30", .daysBefore(3, at: ClockTime(hour: 10, minute: 0)), "2027-03-30T12:00:00Z", "2027-03-27T09:00:00Z"),
        // Same day, before the start.
        ("2027-03-30", .daysBefore(0, at: ClockTime(hour: 13, minute: 59)), "2027-03-30T12:00:00Z", "2027-03-30T11:59:00Z"),
    ])
    func sendTimes(date: String, timing: ReminderRule.Timing, start: String, expected: String) throws {
        let occurrence = weeklyTuesday.schedule.occurrence(on: day(date))
        #expect(Timestamp.format(occurrence.start) == start)
        let rule = ReminderRule(name: "r", timing: timing)
        let sendAt = try #require(planner([rule]).sendTime(of: rule, for: occurrence, in: stockholm))
        #expect(Timestamp.format(sendAt) == expected)

        // The same through a whole plan: the reminder is due exactly at its send time, not a second before.
        let before = planner([rule]).plan([enrollment(person(1))], now: sendAt.addingTimeInterval(-1), horizon: 0)
        #expect(!before.contains { $0.occurrence == occurrence })
        let due = planner([rule]).plan([enrollment(person(1))], now: sendAt, horizon: 0).filter { $0.occurrence == occurrence }
        #expect(due.map(\.sendAt) == [sendAt])
        #expect(due.map(\.notBefore) == [sendAt])
        #expect(due.map(\.expiresAt) == [occurrence.start])
    }

    @Test("a rule that is not before the start is skipped", arguments: [
        ("14:00", false), ("15:00", false), ("23:59", false), ("13:59", true), ("09:00", true),
    ])
    func notBeforeStartSkipped(time: String, planned: Bool) {
        let rule = ReminderRule(name: "same-day", timing: .daysBefore(0, at: clock(time)))
        let plan = planner([rule], quiet: .none).plan([enrollment(person(1))], now: instant("2026-11-23T00:00:00Z"), horizon: 86_400 * 2)
        #expect(plan.count == (planned ? 1 : 0))
    }

    @Test("the window: sendAt <= now + horizon, occurrences not yet started")
    func window() {
        let plan = { (now: String, horizon: TimeInterval) in
            planner().plan([enrollment(person(1))], now: instant(now), horizon: horizon).map(summary)
        }
        // Monday 26 Oct 2026, 08:59:59Z: the day-before reminder of Tuesday 27 Oct is one second away.
        #expect(plan("2026-10-26T08:59:59Z", 0) == [])
        #expect(plan("2026-10-26T08:59:59Z", 1) == ["day-before@2026-10-26T09:00:00Z"])
        #expect(plan("2026-10-26T09:00:00Z", 0) == ["day-before@2026-10-26T09:00:00Z"])
        // A 26-hour horizon also reaches the two-hours-before reminder on Tuesday.
        #expect(plan("2026-10-26T09:00:00Z", 26 * 3600) == ["day-before@2026-10-26T09:00:00Z", "two-hours-before@2026-10-27T11:00:00Z"])
        // Three weeks ahead from a quiet Sunday: three occurrences, two reminders each, in send order.
        #expect(plan("2026-10-25T12:00:00Z", 21 * 86_400) == [
            "day-before@2026-10-26T09:00:00Z", "two-hours-before@2026-10-27T11:00:00Z",
            "day-before@2026-11-02T09:00:00Z", "two-hours-before@2026-11-03T11:00:00Z",
            "day-before@2026-11-09T09:00:00Z", "two-hours-before@2026-11-10T11:00:00Z",
        ])
        // A negative horizon counts as 0.
        #expect(plan("2026-10-26T09:00:00Z", -3600) == ["day-before@2026-10-26T09:00:00Z"])
    }

    @Test("catch-up after downtime: past reminders of occurrences not yet started still go, once")
    func catchUp() {
        let plan = { (now: String) in planner().plan([enrollment(person(1))], now: instant(now), horizon: 0).map(summary) }
        // Down since Sunday; back Tuesday 27 Oct at 10:00Z (11:00 CET), session at 13:00Z: the day-before reminder
        // goes now (notBefore = now), the two-hours-before one is not due yet.
        #expect(plan("2026-10-27T10:00:00Z") == ["day-before@2026-10-26T09:00:00Z→2026-10-27T10:00:00Z"])
        // Back at 10:30Z, half an hour before the two-hours-before one: the day-before one would land just before it.
        #expect(plan("2026-10-27T10:30:00Z") == [
            "day-before@2026-10-26T09:00:00Z→2026-10-27T10:30:00Z [superseded by reminder 'two-hours-before', which goes out soon after it]",
        ])
        // Back at 12:00Z (13:00 CET, one hour before): both are late; only the latest goes, the other is kept as
        // suppressed so the senior does not get two reminders at once.
        #expect(plan("2026-10-27T12:00:00Z") == [
            "day-before@2026-10-26T09:00:00Z→2026-10-27T12:00:00Z [superseded by reminder 'two-hours-before', which goes out no later]",
            "two-hours-before@2026-10-27T11:00:00Z→2026-10-27T12:00:00Z",
        ])
        #expect(plan("2026-10-27T12:59:59Z").count == 2)
    }

    @Test("expiry: nothing for an occurrence that has started", arguments: [
        "2026-10-27T13:00:00Z", "2026-10-27T13:00:01Z", "2026-10-27T14:59:00Z",
    ])
    func expiry(now: String) {
        let plan = planner().plan([enrollment(person(1))], now: instant(now), horizon: 3600)
        #expect(!plan.contains { $0.occurrence.localDate == day("2026-10-27") })
        #expect(plan.isEmpty)
    }

    @Test("quiet hours: held to 09:00, or suppressed when that is too late")
    func quietHours() {
        // An 08:00 session (Wed 25 Nov 2026, 07:00Z): two hours before is 06:00, held to 09:00, after the start.
        let early = oneOff("2026-11-25 08:00")
        let plan = planner().plan([enrollment(person(1), early)], now: instant("2026-11-23T00:00:00Z"), horizon: 3 * 86_400)
        #expect(plan.map(summary) == [
            "day-before@2026-11-24T09:00:00Z",
            "two-hours-before@2026-11-25T05:00:00Z→2026-11-25T08:00:00Z [quiet hours until 09:00 would make it too late]",
        ])
        #expect(plan.allSatisfy { $0.expiresAt == instant("2026-11-25T07:00:00Z") })

        // A day-before at 21:00 for a Tuesday 14:00 session: Mon 21:00 CET (20:00Z) → Tue 09:00 CET (08:00Z).
        let evening = ReminderRule(name: "evening", timing: .daysBefore(1, at: clock("21:00")))
        let held = planner([evening]).plan([enrollment(person(1))], now: instant("2026-11-23T00:00:00Z"), horizon: 86_400)
        #expect(held.map(summary) == ["evening@2026-11-23T20:00:00Z→2026-11-24T08:00:00Z"])

        // The same across the autumn change: Sat 24 Oct 21:00 CEST (19:00Z) → Sun 25 Oct 09:00 CET (08:00Z),
        // for a Sunday 14:00 session.
        let sunday = oneOff("2026-10-25 14:00")
        let autumn = planner([evening]).plan([enrollment(person(1), sunday)], now: instant("2026-10-24T00:00:00Z"), horizon: 86_400)
        #expect(autumn.map(summary) == ["evening@2026-10-24T19:00:00Z→2026-10-25T08:00:00Z"])

        // Without quiet hours nothing is held.
        let open = planner(quiet: .none).plan([enrollment(person(1), early)], now: instant("2026-11-23T00:00:00Z"), horizon: 3 * 86_400)
        #expect(open.map(summary) == ["day-before@2026-11-24T09:00:00Z", "two-hours-before@2026-11-25T05:00:00Z"])
    }

    @Test("quiet hours are read in the recipients' zone when one is given, not the session's")
    func quietHoursInRecipientsZone() {
        // A Tuesday 14:00 session in Helsinki (24 Nov 2026, 12:00Z) with a day-before at 08:30 local: Mon 06:30Z.
        // That is 07:30 in Stockholm, quiet there until 09:00 (08:00Z); read in Helsinki it would be 08:30, also
        // quiet until 09:00 Helsinki (07:00Z). The recipients' zone decides, as the dispatcher's check does.
        let helsinki = TimeZone(identifier: "Europe/Helsinki")!
        let session = Session(id: 11, title: "Kahvila", place: "Kontula",
                              schedule: SessionSchedule(start: local("2026-11-24 14:00"), durationMinutes: 60, timeZone: helsinki))
        let early = ReminderRule(name: "early", timing: .daysBefore(1, at: clock("08:30")))
        let now = instant("2026-11-23T00:00:00Z")
        let inStockholm = ReminderPlanner(rules: [early], quietHours: defaultQuiet, quietZone: stockholm)
            .plan([enrollment(person(1), session)], now: now, horizon: 86_400)
        #expect(inStockholm.map(summary) == ["early@2026-11-23T06:30:00Z→2026-11-23T08:00:00Z"])
        let inSessionZone = planner([early]).plan([enrollment(person(1), session)], now: now, horizon: 86_400)
        #expect(inSessionZone.map(summary) == ["early@2026-11-23T06:30:00Z→2026-11-23T07:00:00Z"])
    }

    @Test("two reminders held to the same morning: only the later rule goes")
    func heldTogether() {
        // A Tuesday 10:00 session (24 Nov 2026, 09:00Z): day-before at 21:00 and two hours before (08:00) both
        // wait for 09:00 CET (08:00Z).
        let evening = ReminderRule(name: "evening", timing: .daysBefore(1, at: clock("21:00")))
        let plan = planner([evening, twoHours]).plan([enrollment(person(1), oneOff("2026-11-24 10:00"))],
                                                     now: instant("2026-11-23T00:00:00Z"), horizon: 2 * 86_400)
        #expect(plan.map(summary) == [
            "evening@2026-11-23T20:00:00Z→2026-11-24T08:00:00Z [superseded by reminder 'two-hours-before', which goes out no later]",
            "two-hours-before@2026-11-24T07:00:00Z→2026-11-24T08:00:00Z",
        ])
    }

    @Test("channels: sms, voice, or both with distinct keys", arguments: [
        (ContactChannel.sms, ["reminder:1:7:2026-10-27T13:00:00Z:day-before"]),
        (.voice, ["reminder:1:7:2026-10-27T13:00:00Z:day-before:voice"]),
        (.both, ["reminder:1:7:2026-10-27T13:00:00Z:day-before", "reminder:1:7:2026-10-27T13:00:00Z:day-before:voice"]),
    ])
    func channels(preference: ContactChannel, keys: [String]) {
        let plan = planner().plan([enrollment(person(1, preference))], now: instant("2026-10-26T09:00:00Z"), horizon: 0)
        #expect(plan.map(\.dedupeKey) == keys)
        #expect(plan.map(\.channel) == keys.map { $0.hasSuffix(":voice") ? .voice : .sms })
        #expect(plan.allSatisfy { $0.personID == 1 && $0.sessionID == 7 && $0.suppressed == nil })
    }

    @Test("dedupe keys are stable across calls, ticks and catch-up")
    func stableKeys() {
        let enrollments = [enrollment(person(1, .both)), enrollment(person(2))]
        let first = planner().plan(enrollments, now: instant("2026-10-25T00:00:00Z"), horizon: 3 * 86_400)
        let again = planner().plan(enrollments, now: instant("2026-10-25T00:00:00Z"), horizon: 3 * 86_400)
        #expect(first == again)
        #expect(first.count == 6)
        #expect(Set(first.map(\.dedupeKey)).count == 6)
        // A later tick sees the same reminders under the same keys.
        let later = planner().plan(enrollments, now: instant("2026-10-26T09:30:00Z"), horizon: 3 * 86_400)
        #expect(Set(later.map(\.dedupeKey)) == Set(first.map(\.dedupeKey)))
        #expect(first.map(\.dedupeKey).contains("reminder:2:7:2026-10-27T13:00:00Z:two-hours-before"))
    }

    @Test("results are ordered by notBefore, then key")
    func ordering() {
        let enrollments = [enrollment(person(3)), enrollment(person(1)), enrollment(person(2, .voice))]
        let plan = planner().plan(enrollments, now: instant("2026-10-26T09:00:00Z"), horizon: 86_400)
        #expect(plan.map(\.dedupeKey) == [
            "reminder:1:7:2026-10-27T13:00:00Z:day-before",
            "reminder:2:7:2026-10-27T13:00:00Z:day-before:voice",
            "reminder:3:7:2026-10-27T13:00:00Z:day-before",
        ])
    }

    @Test("skipped dates, unsaved people and no rules plan nothing")
    func nothingToPlan() {
        var skipping = weeklyTuesday
        skipping.schedule.exceptionDates = [day("2026-10-27")]
        let now = instant("2026-10-26T09:00:00Z")
        #expect(planner().plan([enrollment(person(1), skipping)], now: now, horizon: 86_400).isEmpty)
        #expect(planner().plan([enrollment(person(nil))], now: now, horizon: 86_400).isEmpty)
        #expect(planner([]).plan([enrollment(person(1))], now: now, horizon: 86_400).isEmpty)
        #expect(planner().plan([], now: now, horizon: 86_400).isEmpty)
    }

    @Test("the configured defaults plan the day before at 10:00 and two hours before")
    func configDefaults() {
        let config = OutreachConfig()
        let plan = ReminderPlanner(rules: config.reminders, quietHours: config.quietHours.window)
            .plan([enrollment(person(1))], now: instant("2027-03-28T00:00:00Z"), horizon: 3 * 86_400)
        #expect(plan.map(summary) == ["day-before@2027-03-29T08:00:00Z", "two-hours-before@2027-03-30T10:00:00Z"])
    }
}
