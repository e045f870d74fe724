import Foundation
import OutreachCore
import OutreachStore
import OutreachService

enum PeopleCommands {
    static let node = CommandNode("people", summary: "import and list seniors, health guides and coordinators", children: [
        CommandNode("import", summary: "import people from a CSV file (all or nothing)", help: """
            Usage: outreach people import FILE.csv [--dry-run]

            Columns (header row, any order; English or Swedish names):
              name | namn            full name (required)
              phone | telefon        phone number, national or international (required)
              role | roll            senior, guide or coordinator (default senior)
              language | språk       BCP-47 code: sv, en, ar, so, fa, ti, bs, fi, nb, tr, ckb (default: config defaultLanguage)
              channel | kanal        sms, voice or both (default sms)
              pickup | hämtadress    where a health guide picks the senior up
              notes | anteckningar   free text
            Comma or semicolon separated, UTF-8 with or without BOM, quoted fields may hold commas and line breaks.
            If any row is bad, nothing is imported and every bad row is listed as 'line N: column: problem'.
            Re-importing the same file changes nothing: people are matched by phone number.

              --dry-run   check the file and show what would change, write nothing
            """, run: importPeople),
        CommandNode("list", summary: "list people", help: """
            Usage: outreach people list [--role senior|guide|coordinator] [--language CODE] [--json]
            Phone numbers are masked in the table; --json shows them in full (E.164).
            """, run: listPeople),
    ])

    static func importPeople(_ arguments: inout Arguments, _ context: AppContext) throws {
        let dryRun = arguments.flag("--dry-run")
        let file = try arguments.requiredPositional("FILE.csv")
        try arguments.finish()
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIError.failure("\(file): cannot read the file (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError.failure("\(file): the file is not UTF-8 text (save it as 'CSV UTF-8')")
        }
        let config = try context.config()
        let importer = PeopleImport(region: config.phoneRegion, defaultLanguage: config.defaultLanguage)
        switch importer.read(text) {
        case .failure(let failure):
            let problems = failure.problems
            let noun = problems.count == 1 ? "problem" : "problems"
            throw CLIError.failures(problems.map { "\(file): \($0)" } + ["\(file): \(problems.count) \(noun), nothing imported"])
        case .success(let rows):
            // A first import sets the database up; a dry run of it checks against an empty one in memory, creating nothing.
            let database = try dryRun && !context.databaseExists()
                ? try Store.open(path: ":memory:", now: context.now())
                : try context.database(mayCreate: true)
            let people = rows.map(\.person)
            let namesakes = try namesakeNotes(rows, PeopleStore(database))
            if dryRun {
                // Run the real upsert inside a transaction that is always rolled back.
                var summary = UpsertSummary()
                struct Rollback: Error {}
                do {
                    try database.transaction {
                        summary = try PeopleStore(database).upsert(people, now: context.now())
                        throw Rollback()
                    }
                } catch is Rollback {}
                context.console.print("\(file): \(rows.count) people would be imported: \(summary.added) new, \(summary.updated) updated, \(summary.unchanged) unchanged (dry run, nothing written)")
                for note in namesakes + languageNotes(rows, context) { context.console.print("\(file): \(note)") }
            } else {
                // One transaction: campaign messages set aside for changed people are enqueued again as they are now, or
                // nothing is written.
                let (summary, again) = try database.transaction {
                    let summary = try PeopleStore(database).upsert(people, now: context.now())
                    return (summary, try enqueueAgain(summary.campaignMessagesSetAside, context))
                }
                context.console.print("\(file): \(rows.count) people: \(summary.added) new, \(summary.updated) updated, \(summary.unchanged) unchanged")
                for note in namesakes + languageNotes(rows, context) { context.console.print("\(file): \(note)") }
                for line in again { context.console.print(line) }
                if summary.inFlightAsMade > 0 {
                    let one = summary.inFlightAsMade == 1
                    context.console.print("note: \(counted(summary.inFlightAsMade, "campaign message")) to people who changed \(one ? "was" : "were") "
                                          + "in flight (being sent, or in doubt after a stop): \(one ? "it goes" : "they go") as made before, if at all "
                                          + "(see 'outreach status')")
                }
                if summary.remindersReplanned > 0 {
                    context.console.print("\(summary.remindersReplanned) reminders still to go to people whose language, channel or role "
                                          + "changed are cancelled and planned again as they are now at the service's next tick "
                                          + "(none for someone who is no longer a senior)")
                }
            }
        }
    }

    /// Enqueues again, as the people are now, the campaign messages the import set aside; one line per campaign.
    private static func enqueueAgain(_ setAside: [Int64: Set<Int64>], _ context: AppContext) throws -> [String] {
        guard !setAside.isEmpty else { return [] }
        let service: CampaignService
        do {
            service = try CampaignCommands.service(context)
        } catch {
            // Nothing is written (the import's transaction is undone): set aside, those messages would be lost.
            throw CLIError.failure("people import: campaign messages of changed people must be made again as they are now, and "
                                   + "that needs the templates: \(error); nothing imported")
        }
        var lines: [String] = []
        for (campaignID, personIDs) in setAside.sorted(by: { $0.key < $1.key }) {
            let who = counted(personIDs.count, "person", "people")
            let cannot = { (problem: String) in
                lines.append("campaign \(campaignID): the messages not sent yet to \(who) whose language, channel or role changed are "
                             + "cancelled and cannot be made again (\(problem)): they get nothing from this campaign")
            }
            do {
                let again = try service.enqueueAgain(campaignID: campaignID, personIDs: personIDs, now: context.now())
                var line = "campaign \(campaignID): the messages not sent yet to \(who) whose language, channel or role changed "
                    + "are made again as they are now (\(again.queued) to send\(again.suppressed > 0 ? ", \(again.suppressed) cannot be sent" : ""))"
                let gone = personIDs.count - again.people
                if gone > 0 { line += "; \(counted(gone, "person", "people")) no longer in its audience get\(gone == 1 ? "s" : "") nothing" }
                lines.append(line)
            } catch let error as CampaignError {
                cannot(error.message)
            } catch let error as TemplateError {
                cannot(error.description)
            }
        }
        return lines
    }

    /// People are matched by phone, so a corrected number makes a new person, and the old number keeps getting the
    /// reminders (it may be a stranger's now). A new number under the name of someone known at another is named.
    static func namesakeNotes(_ rows: [ImportedPerson], _ store: PeopleStore) throws -> [String] {
        let known = try store.list()
        let phones = Set(known.map(\.phone))
        var byName: [String: [Person]] = [:]
        for person in known { byName[person.name.lowercased(), default: []].append(person) }
        return rows.compactMap { row in
            guard !phones.contains(row.person.phone), let namesake = byName[row.person.name.lowercased()]?.first else { return nil }
            return "note: line \(row.line): \(row.person.name) is new at \(row.person.phone.masked), and person \(namesake.id!) of that "
                + "name is known at \(namesake.phone.masked): if that is their number corrected, the old one still gets their "
                + "reminders (see 'outreach enroll --remove')"
        }
    }

    /// A well-formed language code the prompts have no texts in ("de", or a typo like "xx" for "ar") is imported, but
    /// those people get texts in another language: the coordinator is told which, with the lines. (Prompts that cannot
    /// be read say nothing here: `outreach templates lint` does.)
    static func languageNotes(_ rows: [ImportedPerson], _ context: AppContext) -> [String] {
        guard let catalog = try? context.promptLibrary().catalog else { return [] }
        var lines: [String: [Int]] = [:]
        for row in rows where !catalog.hasTexts(in: row.person.language) { lines[row.person.language, default: []].append(row.line) }
        return lines.keys.sorted().map { language in
            let at = lines[language]!
            return "note: \(at.count == 1 ? "line" : "lines") \(at.map(String.init).joined(separator: ", ")): language '\(language)' has no "
                + "texts in the prompts: \(at.count == 1 ? "this person gets" : "these people get") '\(catalog.textLanguage(for: language))' ones"
        }
    }

    struct PersonJSON: Encodable {
        let id: Int64
        let role: String
        let name: String
        let phone: String
        let language: String
        let channel: String
        let pickup: String
        let notes: String
    }

    static func listPeople(_ arguments: inout Arguments, _ context: AppContext) throws {
        var filter = PeopleFilter()
        if let role = try arguments.option("--role") {
            guard let parsed = Role(rawValue: role) else { throw CLIError.usage("people list: --role must be senior, guide or coordinator") }
            filter.role = parsed
        }
        if let language = try arguments.option("--language") {
            guard let code = LanguageCode.canonical(language) else { throw CLIError.usage("people list: '\(language)' is not a language code") }
            filter.language = code
        }
        let json = arguments.flag("--json")
        try arguments.finish()
        let people = try PeopleStore(try context.database()).list(filter)
        if json {
            context.console.print(try JSONOutput.string(people.map {
                PersonJSON(id: $0.id ?? 0, role: $0.role.rawValue, name: $0.name, phone: $0.phone.e164,
                           language: $0.language, channel: $0.channel.rawValue, pickup: $0.pickup, notes: $0.notes)
            }))
            return
        }
        var table = Table("ID", "ROLE", "NAME", "PHONE", "LANG", "CHANNEL", "PICKUP")
        for person in people {
            table.add(String(person.id ?? 0), person.role.rawValue, person.name, person.phone.masked,
                      person.language, person.channel.rawValue, person.pickup)
        }
        context.console.print(table.render())
        context.console.print("\(people.count) \(people.count == 1 ? "person" : "people")")
    }
}
