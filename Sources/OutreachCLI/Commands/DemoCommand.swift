import Foundation
import OutreachCore
import OutreachStore

/// The whole loop on a fresh database with the Simulator: for now import, sessions, enrollments and a summary.
enum DemoCommand {
    static let node = CommandNode("demo", summary: "run the whole loop on a fresh database with the Simulator", help: """
        Usage: outreach demo [--people FILE.csv] [--keep]

        Creates a fresh SQLite file (or uses --db), imports the sample people (default: sample-people.csv
        beside the config file, Config/sample-people.csv), adds a weekly session, enrolls the seniors and
        prints what is in the database. --keep leaves the temporary database in place and prints its path.
        """, run: run)

    static func run(_ arguments: inout Arguments, _ context: AppContext) throws {
        let peopleOption = try arguments.option("--people")
        let keep = arguments.flag("--keep")
        try arguments.finish()
        let console = context.console
        let config = try context.config()

        let configFolder = context.configFile.map { ($0 as NSString).deletingLastPathComponent } ?? "Config"
        let peopleFile = peopleOption ?? ((configFolder.isEmpty ? "." : configFolder) as NSString).appendingPathComponent("sample-people.csv")

        let explicitDatabase = context.databaseOverride ?? context.environment["OUTREACH_DB"]
        let databasePath = explicitDatabase ?? (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("outreach-demo-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).sqlite")
        if explicitDatabase == nil {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        }
        defer {
            if explicitDatabase == nil && !keep {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
            }
        }
        let database = try Store.open(path: databasePath, now: context.now())
        console.print("== outreach demo (provider: Simulator, database: \(explicitDatabase == nil && !keep ? "temporary file" : databasePath))")

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
        let first = try people.upsert(rows.map(\.person), now: context.now())
        let again = try people.upsert(rows.map(\.person), now: context.now())
        console.print("")
        console.print("1. Imported \(peopleFile): \(first.added) new, \(first.updated) updated, \(first.unchanged) unchanged")
        console.print("   Imported it again:        \(again.added) new, \(again.updated) updated, \(again.unchanged) unchanged (idempotent)")

        // 2. A weekly session, starting next Tuesday 14:00 local time, skipping the Christmas week.
        let zone = config.timeZone
        let start = nextWeekday(3, hour: 14, after: context.now(), in: zone)
        let christmasWeek = LocalDate(parsing: String(format: "%04d-12-22", start.date.year))!
        let rule = try RecurrenceRule.parse("FREQ=WEEKLY;BYDAY=TU;COUNT=20", timeZone: zone).get()
        let schedule = SessionSchedule(start: start, durationMinutes: 120, timeZone: zone, rule: rule, exceptionDates: [christmasWeek])
        let sessions = SessionStore(database)
        let sessionID = try sessions.add(Session(title: "Kaffe och samtal", place: "Råslätts träffpunkt, Gamla Råslättsvägen 2",
                                                 schedule: schedule), now: context.now())
        let seniors = try people.list(PeopleFilter(role: .senior))
        for senior in seniors { try sessions.enroll(personID: senior.id!, sessionID: sessionID, now: context.now()) }
        console.print("")
        console.print("2. Session \(sessionID): Kaffe och samtal, \(SessionCommands.describe(schedule))")
        console.print("   \(seniors.count) seniors enrolled. Next occurrences (local time, and UTC):")
        for occurrence in schedule.occurrences(after: context.now(), limit: 4) {
            console.print("   - \(SessionCommands.localText(occurrence.start, zone))  \(Timestamp.format(occurrence.start))")
        }

        // 3. What is in the database.
        let everyone = try people.list()
        console.print("")
        console.print("3. People in the database (phone numbers masked):")
        var table = Table("ROLE", "NAME", "PHONE", "LANG", "CHANNEL")
        for person in everyone {
            table.add(person.role.rawValue, person.name, person.phone.masked, person.language, person.channel.rawValue)
        }
        console.print(table.render().split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))
        let byRole = Dictionary(grouping: everyone, by: \.role).mapValues(\.count)
        let byLanguage = Dictionary(grouping: everyone.filter { $0.role == .senior }, by: \.language).mapValues(\.count)
        console.print("")
        console.print("Summary: \(byRole[.senior] ?? 0) seniors, \(byRole[.guide] ?? 0) health guides, \(byRole[.coordinator] ?? 0) coordinator\(byRole[.coordinator] == 1 ? "" : "s"); " +
                      "seniors' languages: " + byLanguage.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        console.print("Voice only: \(everyone.filter { $0.channel == .voice }.count), SMS and voice: \(everyone.filter { $0.channel == .both }.count)")
        if keep || explicitDatabase != nil { console.print("Database: \(databasePath)") }
        console.print("Demo finished.")
    }

    /// The next given weekday (1 = Sunday ... 7 = Saturday, Foundation's numbering) at `hour`:00 local time.
    static func nextWeekday(_ weekday: Int, hour: Int, after now: Date, in zone: TimeZone) -> LocalDateTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let next = calendar.nextDate(after: now, matching: DateComponents(hour: hour, minute: 0, weekday: weekday),
                                     matchingPolicy: .nextTime) ?? now
        let parts = calendar.dateComponents([.year, .month, .day], from: next)
        return LocalDateTime(parsing: String(format: "%04d-%02d-%02d %02d:00", parts.year!, parts.month!, parts.day!, hour))!
    }
}
