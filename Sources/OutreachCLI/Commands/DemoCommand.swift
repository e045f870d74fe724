import Foundation
import OutreachCore
import OutreachProviders
import OutreachService
import OutreachStore

/// The whole loop on a fresh database with the Simulator, on a simulated clock: import, schedule, remind,
/// replies and an opt-out, a campaign, and a summary.
enum DemoCommand {
    static let node = CommandNode("demo", summary: "run the whole loop on a fresh database with the Simulator", help: """
        Usage: outreach demo [--people FILE.csv] [--keep]

        Creates a fresh SQLite file (or uses --db), imports the sample people (default: sample-people.csv beside
        the config file, Config/sample-people.csv), adds a weekly session, enrolls the seniors, then moves a
        simulated clock through the day-before and two-hours-before reminders, replies (1, STOPP), a campaign,
        and prints what happened. The provider is always the Simulator: nothing leaves the machine. The reminder
        rules and quiet hours are always the shipped ones, as the steps tell them.
        --keep leaves the temporary database in place and prints its path.
        """, run: run)

    /// The demo's own clock, moved forward by hand.
    final class DemoClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current: Date
        init(_ start: Date) { current = start }
        var now: Date { lock.withLock { current } }
        func set(_ date: Date) { lock.withLock { current = date } }
    }

    static func run(_ arguments: inout Arguments, _ outer: AppContext) async throws {
        let peopleOption = try arguments.option("--people")
        let keep = arguments.flag("--keep")
        try arguments.finish()
        let console = outer.console
        var config = try outer.config()
        config.provider = OutreachConfig.ProviderSettings()  // always the Simulator
        // The steps below tell the shipped rules' story (the day before at 10:00, two hours before, quiet 20–09): a
        // config's own rules would make them untrue, "0 sent" at 10:00 and every suppression called an opt-out.
        config.reminders = OutreachConfig().reminders
        config.quietHours = OutreachConfig().quietHours

        let configFolder = outer.configFile.map { ($0 as NSString).deletingLastPathComponent } ?? "Config"
        let peopleFile = peopleOption ?? ((configFolder.isEmpty ? "." : configFolder) as NSString).appendingPathComponent("sample-people.csv")
        // Only --db: $OUTREACH_DB names the real database in a coordinator's shell, and the demo must never touch it.
        let explicitDatabase = outer.databaseOverride
        let databasePath = explicitDatabase ?? (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("outreach-demo-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).sqlite")
        func removeDatabase() { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) } }
        if explicitDatabase == nil { removeDatabase() }
        defer { if explicitDatabase == nil && !keep { removeDatabase() } }

        let clock = DemoClock(outer.now())
        let context = AppContext(console: console, environment: outer.environment, now: { clock.now }, configPath: outer.configPath,
                                 databaseOverride: databasePath, config: config)
        let lock = try explicitDatabase.flatMap { try RunLock.acquire(databasePath: $0) }
        defer { withExtendedLifetime(lock) {} }
        let database = try context.database(mayCreate: true)
        if let explicitDatabase {
            let used = try database.statement("SELECT EXISTS (SELECT 1 FROM people) OR EXISTS (SELECT 1 FROM messages)").firstRow { $0.int(0) } ?? 0
            guard used == 0 else {
                throw CLIError.failure("demo: \(explicitDatabase) already has people or messages; the demo needs a fresh database (leave out --db for a temporary one)")
            }
        }
        let zone = config.timeZone
        console.print("== outreach demo: provider Simulator (nothing leaves this machine), " +
                      (explicitDatabase == nil && !keep ? "a temporary database" : "database \(databasePath)"))

        // 1. People.
        guard let data = FileManager.default.contents(atPath: peopleFile), let text = String(data: data, encoding: .utf8) else {
            throw CLIError.failure("demo: cannot read \(peopleFile)")
        }
        let rows: [ImportedPerson]
        switch PeopleImport(region: config.phoneRegion, defaultLanguage: config.defaultLanguage).read(text) {
        case .success(let value): rows = value
        case .failure(let failure): throw CLIError.failures(failure.problems.map { "\(peopleFile): \($0)" })
        }
        let people = PeopleStore(database)
        let first = try people.upsert(rows.map(\.person), now: clock.now)
        let again = try people.upsert(rows.map(\.person), now: clock.now)
        console.print("")
        console.print("1. Imported \(peopleFile): \(first.added) new, \(first.updated) updated, \(first.unchanged) unchanged")
        console.print("   Imported it again:        \(again.added) new, \(again.updated) updated, \(again.unchanged) unchanged (idempotent)")

        // 2. A weekly session, next Tuesday 14:00 local time, skipping the Christmas week; every senior enrolled.
        let start = nextWeekday(3, hour: 14, after: clock.now, in: zone)
        // The Tuesday of the first Christmas week after the start (22–28 December).
        let christmasWeek = [start.date.year, start.date.year + 1].lazy
            .flatMap { year in (22...28).map { LocalDate(year: year, month: 12, day: $0)! } }
            .first { $0.weekday == .tuesday && $0 > start.date }!
        let rule = try RecurrenceRule.parse("FREQ=WEEKLY;BYDAY=TU;COUNT=20", timeZone: zone).get()
        let schedule = SessionSchedule(start: start, durationMinutes: 120, timeZone: zone, rule: rule, exceptionDates: [christmasWeek])
        let sessions = SessionStore(database)
        let sessionID = try sessions.add(Session(title: "Kaffe och samtal", place: "Råslätts träffpunkt, Gamla Råslättsvägen 2",
                                                 schedule: schedule), now: clock.now)
        let seniors = try people.list(PeopleFilter(role: .senior))
        for senior in seniors { try sessions.enroll(personID: senior.id!, sessionID: sessionID, now: clock.now) }
        let occurrences = schedule.occurrences(after: clock.now, limit: 3)
        console.print("")
        console.print("2. Session \(sessionID): Kaffe och samtal, \(SessionCommands.describe(schedule)); \(seniors.count) seniors enrolled")
        console.print("   next: " + occurrences.map { SessionCommands.localText($0.start, zone) }.joined(separator: ", "))

        // 3. The day before at 10:00: reminders in each senior's language, by SMS or voice.
        let log = ServiceLog(minimumLevel: .warning, now: { clock.now }, write: { console.error($0) })
        let gateway = try context.makeGateway(log: log, clock: { clock.now })
        guard let simulator = gateway.provider as? SimulatorProvider else { throw CLIError.failure("demo: expected the Simulator") }
        let occurrence = occurrences[0]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let dayBefore = calendar.date(byAdding: .day, value: -1, to: occurrence.start)!
        let dayBeforeTen = calendar.date(bySettingHour: 10, minute: 0, second: 0, of: dayBefore)!
        clock.set(dayBeforeTen.addingTimeInterval(-3600))
        let early = try await runPass(gateway)
        clock.set(dayBeforeTen)
        let pass1 = try await runPass(gateway)
        console.print("")
        console.print("3. \(SessionCommands.localText(dayBeforeTen, zone)): the day-before reminders")
        console.print("   an hour earlier: \(early.scheduled.enqueued) reminders enqueued, \(early.dispatched.sent) sent (not due yet)")
        console.print("   at 10:00: \(pass1.dispatched.sent) sent (SMS and calls), \(pass1.events) receipts processed")
        try showSamples(database, console: console)

        // 4. Replies through the real inbound path: Fatima says 1 (coming) in Arabic digits, Birgitta says STOPP.
        let fatima = try people.list().first { $0.name.hasPrefix("Fatima") }
        let birgitta = try people.list().first { $0.name.hasPrefix("Birgitta") }
        clock.set(dayBeforeTen.addingTimeInterval(15 * 60))
        console.print("")
        console.print("4. Replies")
        for (person, reply) in [(fatima, "١"), (birgitta, "STOPP")] {
            guard let person else { continue }
            _ = try gateway.handleWebhook(simulator.inboundRequest(from: person.phone, to: config.provider.from, text: reply))
            let intent = try database.statement("SELECT intent FROM inbound WHERE from_phone = ? ORDER BY id DESC LIMIT 1")
                .bind(person.phone.e164).firstRow { $0.optionalString(0) } ?? nil
            console.print("   \(person.name) (\(person.phone.masked)) replied '\(reply)' → \(intent ?? "not understood")")
        }

        // 5. Two hours before: the second reminder; Birgitta's is suppressed by her STOPP.
        let twoHoursBefore = occurrence.start.addingTimeInterval(-2 * 3600)
        clock.set(twoHoursBefore)
        let pass2 = try await runPass(gateway)
        console.print("")
        console.print("5. \(SessionCommands.localText(twoHoursBefore, zone)): two hours before")
        console.print("   \(pass2.dispatched.sent) sent, \(pass2.scheduled.suppressed + pass2.dispatched.suppressed) suppressed (opted out)")
        let rerun = try await runPass(gateway)
        console.print("   scheduler run again: \(rerun.scheduled.enqueued) new, \(rerun.dispatched.sent) sent (nothing twice)")

        // 6. A campaign: invite the Arabic- and Somali-speaking seniors to a special session.
        clock.set(occurrence.end.addingTimeInterval(3600))
        let campaigns = CampaignStore(database)
        let campaignID = try campaigns.create(Campaign(name: "Eid-fika", template: "session-invite",
                                                       audience: AudienceFilter(roles: [.senior], languages: ["ar", "so", "ti"], sessionID: sessionID),
                                                       channel: nil, sendAt: nil), now: clock.now)
        let service = try CampaignCommands.service(context)
        let campaign = try campaigns.find(id: campaignID)!
        let preview = try service.preview(campaign, now: clock.now)
        console.print("")
        console.print("6. Campaign \(campaignID) 'Eid-fika' (session-invite to ar, so, ti seniors)")
        for language in preview.languages {
            console.print("   preview \(language.language) \(language.channel.rawValue): \(language.recipients) recipient(s)" +
                          (language.inspection.map { ", \($0.encoding.rawValue), \($0.segments) segment(s)" } ?? ""))
        }
        for warning in preview.fallbacks + preview.warnings { console.print("   warning: \(warning)") }
        let enqueued = try service.launch(campaign, now: clock.now).total
        let pass3 = try await runPass(gateway)
        console.print("   launched: \(enqueued) enqueued, \(pass3.dispatched.sent) sent")
        console.print("   " + CampaignCommands.progressLine(try OutboxStore(database).counts(campaignID: campaignID),
                                                              replies: try CampaignCommands.replies(campaignID: campaignID, database)))
        console.print("   campaign status: \(try campaigns.find(id: campaignID)!.status.rawValue)")

        // 7. Summary.
        let counts = try OutboxStore(database).counts()
        let everyone = try people.list()
        let byRole = Dictionary(grouping: everyone, by: \.role).mapValues(\.count)
        let simulated = try database.statement("SELECT count(*) FROM simulator_outbox").firstRow { $0.int(0) } ?? 0
        console.print("")
        console.print("7. Summary")
        console.print("   people: \(byRole[.senior] ?? 0) seniors, \(byRole[.guide] ?? 0) health guides, \(byRole[.coordinator] ?? 0) coordinator(s)")
        console.print("   messages: " + MessageStatus.allCases.compactMap { status in counts[status].map { "\(status.rawValue) \($0)" } }.joined(separator: ", "))
        console.print("   the Simulator recorded \(simulated) SMS and calls; opt-outs: \(try OptOutStore(database).active().count)")
        if keep || explicitDatabase != nil { console.print("   database: \(databasePath)") }
        console.print("Demo finished.")
    }

    static func runPass(_ gateway: Gateway) async throws -> Gateway.PassReport {
        try await gateway.pass()
    }

    /// A few of the messages as sent, one per language, to show the languages and scripts.
    static func showSamples(_ database: Database, console: Console) throws {
        let rows = try database.statement("""
            SELECT m.language, m.channel, m.status, m.segments, s.body FROM messages m
            JOIN simulator_outbox s ON s.provider_id = m.provider_id
            WHERE m.language IN ('ar', 'so', 'ti', 'sv') GROUP BY m.language, m.channel ORDER BY m.language, m.channel
            """).rows { ($0.string(0), $0.string(1), $0.string(2), $0.optionalInt(3), $0.string(4)) }
        for (language, channel, status, segments, body) in rows {
            let shown = body.count > 150 ? String(body.prefix(150)) + "…" : body
            console.print("   [\(language) \(channel), \(status)\(segments.map { ", \($0) segment(s)" } ?? "")] \(shown.replacingOccurrences(of: "\n", with: " "))")
        }
    }

    /// The next given weekday (1 = Sunday ... 7 = Saturday, Foundation's numbering) at `hour`:00 local time.
    static func nextWeekday(_ weekday: Int, hour: Int, after now: Date, in zone: TimeZone) -> LocalDateTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let next = calendar.nextDate(after: now.addingTimeInterval(86_400), matching: DateComponents(hour: hour, minute: 0, weekday: weekday),
                                     matchingPolicy: .nextTime) ?? now
        let parts = calendar.dateComponents([.year, .month, .day], from: next)
        return LocalDateTime(parsing: String(format: "%04d-%02d-%02d %02d:00", parts.year!, parts.month!, parts.day!, hour))!
    }
}
