import Foundation
import OutreachCore
import OutreachStore

enum SessionCommands {
    static let node = CommandNode("sessions", summary: "define sessions and see when they happen", children: [
        CommandNode("add", summary: "add a session, one-off or recurring", help: """
            Usage: outreach sessions add --title TEXT --place TEXT --start "YYYY-MM-DD HH:MM" (--duration MINUTES | --end HH:MM)
                                         [--tz ZONE] [--rrule RULE] [--except YYYY-MM-DD,...] [--json]

              --start     local wall-clock start of the first occurrence, in --tz
              --tz        IANA time zone (default: config timeZone, Europe/Stockholm)
              --rrule     RFC 5545 subset: FREQ=DAILY|WEEKLY, INTERVAL, BYDAY, COUNT, UNTIL
                          e.g. "FREQ=WEEKLY;BYDAY=TU" (every Tuesday), "FREQ=WEEKLY;INTERVAL=2;COUNT=10"
              --except    dates with no session (holidays), comma separated
            Occurrences keep their local time across daylight-saving changes.
            """, run: add),
        CommandNode("list", summary: "list sessions", help: "Usage: outreach sessions list [--json]", run: list),
        CommandNode("occurrences", summary: "print upcoming occurrences as UTC instants", help: """
            Usage: outreach sessions occurrences SESSION_ID [--count N] [--from TIME] [--json]

            Prints one UTC ISO-8601 start instant a line (e.g. 2026-11-24T13:00:00Z): the next N (default 10)
            occurrences that have not ended at --from (default: now; an ISO-8601 instant or "all" for the first ones).
            """, run: occurrences),
        CommandNode("cancel", summary: "cancel one date of a session: its reminders are not sent", help: """
            Usage: outreach sessions cancel SESSION_ID --date YYYY-MM-DD

            The date becomes an exception of the session (a holiday, the centre closed): no reminder of it is sent,
            those queued are cancelled with the reason (one being sent at that moment may still go), and so are the
            queued messages of campaigns to the session's audience about that date (an invitation to it). The
            seniors already reminded of it or invited are named, so they can be told. Other dates are untouched.
            """, run: cancel),
    ])

    static func add(_ arguments: inout Arguments, _ context: AppContext) throws {
        let config = try context.config()
        let title = try arguments.requiredOption("--title").trimmingWhitespace()
        let place = try arguments.option("--place")?.trimmingWhitespace() ?? ""
        let startText = try arguments.requiredOption("--start")
        let duration = try arguments.intOption("--duration")
        let endText = try arguments.option("--end")
        let zoneName = try arguments.option("--tz")
        let ruleText = try arguments.option("--rrule")
        let exceptText = try arguments.option("--except")
        let json = arguments.flag("--json")
        try arguments.finish()

        guard !title.isEmpty else { throw CLIError.usage("sessions add: --title is empty") }
        var zone = config.timeZone
        if let zoneName {
            switch ZoneName.parse(zoneName) {
            case .success(let parsed): zone = parsed
            case .failure(let error): throw CLIError.usage("sessions add: --tz \(error.description)")
            }
        }
        guard let start = LocalDateTime(parsing: startText) else {
            throw CLIError.usage("sessions add: --start '\(startText)' is not a date and time (use \"2026-11-24 14:00\")")
        }
        let minutes: Int
        switch (duration, endText) {
        case (let duration?, nil):
            guard duration > 0, duration <= 24 * 60 else { throw CLIError.usage("sessions add: --duration must be 1 to 1440 minutes") }
            minutes = duration
        case (nil, let endText?):
            guard let end = LocalTime(parsing: endText) else { throw CLIError.usage("sessions add: --end '\(endText)' is not a time (HH:MM)") }
            let startMinutes = start.time.hour * 60 + start.time.minute
            let endMinutes = end.hour * 60 + end.minute
            guard endMinutes > startMinutes else { throw CLIError.usage("sessions add: --end \(endText) is not after the start") }
            minutes = endMinutes - startMinutes
        case (nil, nil):
            throw CLIError.usage("sessions add: give --duration MINUTES or --end HH:MM")
        case (_?, _?):
            throw CLIError.usage("sessions add: give --duration or --end, not both")
        }
        var rule: RecurrenceRule?
        if let ruleText {
            switch RecurrenceRule.parse(ruleText, timeZone: zone) {
            case .success(let parsed): rule = parsed
            case .failure(let error): throw CLIError.usage("sessions add: --rrule: \(error.description)")
            }
        }
        // The start is the first date (RFC 5545's DTSTART), so one on a day the rule does not list would be an extra
        // date: seniors reminded to come on a Tuesday to a Wednesday group.
        if let rule, rule.frequency == .weekly, !rule.byDay.isEmpty, !rule.byDay.contains(start.date.weekday) {
            let first = (1...6).map { start.date.adding(days: $0) }.first { rule.byDay.contains($0.weekday) }!
            throw CLIError.usage("sessions add: --start \(start.date) is a \(dayName(start.date.weekday)), but the rule meets on "
                                 + rule.byDay.map { dayName($0) }.joined(separator: ", ")
                                 + ": start on its first date (--start \"\(first) \(start.time)\")")
        }
        var exceptions = Set<LocalDate>()
        for part in (exceptText ?? "").split(separator: ",") {
            let text = part.trimmingWhitespace()
            guard let date = LocalDate(parsing: text) else {
                throw CLIError.usage("sessions add: --except '\(text)' is not a date (YYYY-MM-DD)")
            }
            exceptions.insert(date)
        }
        // A date the session never meets on cancels nothing: most often a slip of a day, and the real date's reminders
        // would still go.
        let plain = SessionSchedule(start: start, durationMinutes: minutes, timeZone: zone, rule: rule, exceptionDates: [])
        for date in exceptions.sorted() {
            let occurrence = plain.occurrence(on: date)
            guard plain.occurrences(from: occurrence.start, to: occurrence.start.addingTimeInterval(1)) == [occurrence] else {
                throw CLIError.usage("sessions add: --except \(date) (a \(dayName(date.weekday))) is not one of the session's dates, "
                                     + "so it would cancel nothing (see 'outreach sessions occurrences' once it is added)")
            }
        }
        // People carry no zone: quiet hours are read in the config's, which may not be this session's seniors' zone.
        if zone.identifier != config.timeZone.identifier {
            context.console.error("note: quiet hours stay in \(config.timeZone.identifier) (the config's timeZone, taken as the "
                                  + "seniors' zone); this session's times are read in \(zone.identifier)")
        }
        // A start the clocks skip (02:30 on the last Sunday of March) is moved forward: say so, as `due --at` does.
        let read = LocalDateTime(start.instant(in: zone), in: zone)
        if read != start {
            context.console.error("note: \(start) does not exist in \(zone.identifier) (the clocks go forward); that date is read as \(read)")
        }
        let schedule = SessionSchedule(start: start, durationMinutes: minutes, timeZone: zone, rule: rule, exceptionDates: exceptions)
        let session = Session(title: title, place: place, schedule: schedule)
        let id = try SessionStore(try context.database(mayCreate: true)).add(session, now: context.now())
        if json {
            context.console.print(try JSONOutput.string(SessionJSON(Session(id: id, title: title, place: place, schedule: schedule), enrolled: 0, now: context.now())))
        } else {
            context.console.print("session \(id) added: \(title), \(describe(schedule))")
            // A start typed in the past (last year's date) is kept, but nothing will be sent for it.
            if schedule.occurrences(after: context.now(), limit: 1).isEmpty {
                context.console.print("note: session \(id) has no date to come (it is over by now): no reminder will be sent for it")
            }
        }
    }

    private static func dayName(_ day: Weekday) -> String {
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][day.indexFromMonday]
    }

    static func list(_ arguments: inout Arguments, _ context: AppContext) throws {
        let json = arguments.flag("--json")
        try arguments.finish()
        let database = try context.database()
        let store = SessionStore(database)
        let sessions = try store.list()
        let now = context.now()
        if json {
            context.console.print(try JSONOutput.string(try sessions.map {
                SessionJSON($0, enrolled: try store.enrollmentCount(sessionID: $0.id!), now: now)
            }))
            return
        }
        var table = Table("ID", "TITLE", "PLACE", "WHEN", "NEXT (LOCAL)", "ENROLLED")
        for session in sessions {
            let next = session.schedule.occurrences(after: now, limit: 1).first
            table.add(String(session.id!), session.title, session.place, describe(session.schedule),
                      next.map { localText($0.start, session.schedule.timeZone) } ?? "-",
                      String(try store.enrollmentCount(sessionID: session.id!)))
        }
        context.console.print(table.render())
        context.console.print("\(sessions.count) \(sessions.count == 1 ? "session" : "sessions")")
    }

    static func occurrences(_ arguments: inout Arguments, _ context: AppContext) throws {
        let idText = try arguments.requiredPositional("SESSION_ID")
        let count = try arguments.intOption("--count") ?? 10
        let fromText = try arguments.option("--from")
        let json = arguments.flag("--json")
        try arguments.finish()
        guard let id = Int64(idText) else { throw CLIError.usage("sessions occurrences: '\(idText)' is not a session id") }
        guard (1...10_000).contains(count) else { throw CLIError.usage("sessions occurrences: --count must be 1 to 10000") }
        var from = context.now()
        if let fromText {
            if fromText == "all" {
                from = .distantPast
            } else if let instant = ISO8601.parse(fromText) {
                from = instant
            } else {
                throw CLIError.usage("sessions occurrences: --from '\(fromText)' is not an ISO-8601 instant (2026-11-24T13:00:00Z) or 'all'")
            }
        }
        guard let session = try SessionStore(try context.database()).find(id: id) else {
            throw CLIError.failure("sessions occurrences: there is no session with id \(id)")
        }
        let starts = session.schedule.occurrences(after: from, limit: count).map { Timestamp.format($0.start) }
        if json {
            context.console.print(try JSONOutput.string(starts))
            return
        }
        for start in starts { context.console.print(start) }
    }

    static func cancel(_ arguments: inout Arguments, _ context: AppContext) throws {
        let idText = try arguments.requiredPositional("SESSION_ID")
        let dateText = try arguments.requiredOption("--date")
        try arguments.finish()
        guard let id = Int64(idText) else { throw CLIError.usage("sessions cancel: '\(idText)' is not a session id") }
        guard let date = LocalDate(parsing: dateText) else {
            throw CLIError.usage("sessions cancel: --date '\(dateText)' is not a date (YYYY-MM-DD)")
        }
        let database = try context.existingDatabase(for: "sessions cancel")
        let store = context.sessionStore(database)
        guard let session = try store.find(id: id) else {
            throw CLIError.failure("sessions cancel: there is no session with id \(id) (see 'outreach sessions list')")
        }
        let schedule = session.schedule
        let zone = schedule.timeZone
        let occurrence = schedule.occurrence(on: date)
        if schedule.exceptionDates.contains(date) {
            context.console.print("session \(id) (\(session.title)) on \(date) is cancelled already")
            return
        }
        guard schedule.occurrences(from: occurrence.start, to: occurrence.start.addingTimeInterval(1)) == [occurrence] else {
            let next = schedule.occurrences(after: context.now(), limit: 3).map { localText($0.start, zone) }
            throw CLIError.failure("sessions cancel: session \(id) (\(session.title)) does not meet on \(date)"
                                   + (next.isEmpty ? "" : "; its next dates: \(next.joined(separator: ", "))"))
        }
        guard occurrence.start > context.now() else {
            throw CLIError.failure("sessions cancel: session \(id) on \(date) has started already (\(localText(occurrence.start, zone)))")
        }
        let stopped = try store.cancel(occurrence, sessionID: id, now: context.now())
        context.console.print("session \(id) (\(session.title)) on \(localText(occurrence.start, zone)) \(zone.identifier) is cancelled: "
                              + "\(counted(stopped.cancelled, "reminder")) not sent"
                              + (stopped.campaignMessages > 0 ? ", nor \(counted(stopped.campaignMessages, "campaign message")) about it" : ""))
        if !stopped.alreadyReminded.isEmpty {
            let ids = stopped.alreadyReminded.map(String.init).joined(separator: ",")
            context.console.print("\(counted(stopped.alreadyReminded.count, "person", "people")) reminded of it or invited already (people "
                                  + "\(ids)): tell them, by phone or by a campaign to --audience people=\(ids) with a template of "
                                  + "your own (none ships for a cancelled date)")
        }
    }

    struct SessionJSON: Encodable {
        let id: Int64
        let title: String
        let place: String
        let start: String
        let durationMinutes: Int
        let timeZone: String
        let rrule: String?
        let exceptionDates: [String]
        let next: String?
        let enrolled: Int

        init(_ session: Session, enrolled: Int, now: Date) {
            id = session.id ?? 0
            title = session.title
            place = session.place
            start = session.schedule.start.description
            durationMinutes = session.schedule.durationMinutes
            timeZone = session.schedule.timeZone.identifier
            rrule = session.schedule.rule?.description
            exceptionDates = session.schedule.exceptionDates.sorted().map(\.description)
            next = session.schedule.occurrences(after: now, limit: 1).first.map { Timestamp.format($0.start) }
            self.enrolled = enrolled
        }
    }

    static func describe(_ schedule: SessionSchedule) -> String {
        var text = "\(schedule.start) (\(schedule.durationMinutes) min, \(schedule.timeZone.identifier))"
        if let rule = schedule.rule { text += " \(rule.description)" }
        if !schedule.exceptionDates.isEmpty { text += " except \(schedule.exceptionDates.sorted().map(\.description).joined(separator: ","))" }
        return text
    }

    static func localText(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!)
    }
}

/// ISO-8601 instants as coordinators type them: "2026-11-24T13:00:00Z", "2026-11-24T14:00:00+01:00", "2026-11-24T13:00Z".
enum ISO8601 {
    static func parse(_ text: String) -> Date? {
        if let date = Timestamp.parse(text) { return date }
        // Minutes only, in UTC: "2026-11-24T13:00Z".
        if text.utf8.count == 17, text.hasSuffix("Z") { return Timestamp.parse(String(text.dropLast()) + ":00Z") }
        // The formatter rolls an impossible date over (2027-02-30 would be 2 March): the date must exist as typed.
        guard LocalDate(parsing: String(text.prefix(10))) != nil, offsetIsReal(text) else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// The formatter takes any two-digit offset ("+25:00", "+0199"): a real one is at most 14 hours, in whole minutes.
    static func offsetIsReal(_ text: String) -> Bool {
        // The offset follows the time, which follows the "T": its sign is the last + or - there.
        guard let time = text.firstIndex(where: { $0 == "T" || $0 == "t" }),
              let sign = text[time...].lastIndex(where: { $0 == "+" || $0 == "-" }) else { return true }
        let digits = text[text.index(after: sign)...].filter { $0 != ":" }
        guard digits.count == 2 || digits.count == 4, digits.allSatisfy(\.isASCII), let hours = Int(digits.prefix(2)),
              let minutes = Int(digits.count == 4 ? digits.suffix(2) : "00") else { return false }
        return minutes < 60 && hours * 60 + minutes <= 14 * 60
    }
}
