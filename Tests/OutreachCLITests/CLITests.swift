import Foundation
import Testing
@testable import OutreachCLI

@Suite("outreach command line")
struct CLITests {
    static let peopleCSV = """
        name,phone,role,language,channel,pickup
        Fatima Hassan,070-174 06 05,senior,ar,sms,"Råslättsvägen 12, port B"
        Amina Warsame,070-174 06 06,senior,so,voice,
        Leila Haddad,+46 70 174 06 15,guide,ar,sms,
        Jenny Lindqvist,070-174 06 18,coordinator,sv,sms,

        """

    @Test("help on every level, exit 0")
    func help() async {
        let cli = CLIHarness()
        for arguments in [["--help"], ["people", "--help"], ["people", "import", "--help"], ["sessions", "add", "--help"],
                          ["sessions", "occurrences", "--help"], ["phone", "normalize", "--help"], ["enroll", "--help"],
                          ["init", "--help"], ["demo", "--help"], ["config", "check", "--help"]] {
            let outcome = await cli.run(arguments)
            #expect(outcome.code == 0, "\(arguments)")
            #expect(outcome.out.contains("outreach"), "\(arguments)")
        }
        #expect(await cli.run("people", "import", "--help").out.contains("hämtadress"))
    }

    @Test("a mistyped command gets a did-you-mean and exit 2")
    func didYouMean() async {
        let cli = CLIHarness()
        let outcome = await cli.run("peple", "list")
        #expect(outcome.code == 2)
        #expect(outcome.err == "outreach: unknown command 'peple' (did you mean 'people'?)\n")
        let sub = await cli.run("sessions", "lsit")
        #expect(sub.code == 2)
        #expect(sub.err.contains("did you mean 'list'?"))
        let option = await cli.run("people", "list", "--rol", "senior")
        #expect(option.code == 2)
        #expect(option.err.contains("unknown option --rol (did you mean --role?)"))
    }

    @Test("init creates and then finds an up-to-date schema")
    func initCommand() async {
        let cli = CLIHarness()
        let first = await cli.run("init")
        #expect(first.code == 0)
        #expect(first.out.contains("applied migrations 1, 2, 3"))
        #expect(await cli.run("init").out.contains("up to date"))
    }

    @Test("people import: good file, then re-import changes nothing")
    func importGood() async {
        let cli = CLIHarness()
        let file = cli.write("people.csv", Self.peopleCSV)
        let first = await cli.run("people", "import", file)
        #expect(first.code == 0)
        #expect(first.out.contains("4 people: 4 new, 0 updated, 0 unchanged"))
        let again = await cli.run("people", "import", file)
        #expect(again.out.contains("4 people: 0 new, 0 updated, 4 unchanged"))
        let list = await cli.run("people", "list", "--role", "senior")
        #expect(list.code == 0)
        #expect(list.out.contains("Fatima Hassan"))
        #expect(!list.out.contains("Leila"))
        #expect(list.out.contains("+46 70 *** ** 05"))
        #expect(!list.out.contains("+46701740605"))
    }

    @Test("people import: bad rows are all reported with line numbers and nothing is imported")
    func importBad() async {
        let cli = CLIHarness()
        let file = cli.write("bad.csv", Self.peopleCSV + "Reza Karimi,070-12,senior,fa,sms,\nTesfay,070-174 06 08,boss,ti,sms,\n")
        let outcome = await cli.run("people", "import", file)
        #expect(outcome.code == 1)
        let lines = outcome.err.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(file): line 6: phone: ") && $0.contains("too short") })
        #expect(lines.contains { $0.hasPrefix("\(file): line 7: role: 'boss'") })
        #expect(lines.last == "\(file): 2 problems, nothing imported")
        // Not even the database file: a list after it says so, rather than "0 people" from a new empty one.
        let list = await cli.run("people", "list")
        #expect(list.code == 1 && list.err.contains("there is no database at "), "\(list.err)")
        #expect(await cli.run("init").code == 0)
        #expect(await cli.run("people", "list").out.contains("0 people"))
    }

    @Test("a global option after the command says where it goes")
    func globalOptionAfterCommand() async {
        let cli = CLIHarness()
        for (arguments, command) in [(["campaign", "list", "--db", "other.sqlite"], "campaign list"), (["demo", "--config", "x.json5"], "demo")] {
            let outcome = await cli.run(arguments)
            #expect(outcome.code == 2)
            #expect(outcome.err.contains("outreach \(command): \(arguments[arguments.count - 2]) is a global option and goes before the command: "
                                         + "outreach \(arguments[arguments.count - 2]) FILE \(command) ..."), "\(outcome.err)")
        }
    }

    @Test("a mistyped --db is refused by every command but those that set a database up")
    func missingDatabase() async {
        let cli = CLIHarness()
        let typo = cli.databasePath  // the harness's --db, not created yet
        for command in [["campaign", "list"], ["campaign", "create", "--name", "A", "--template", "help", "--audience", "all"],
                        ["status"], ["due"], ["run", "--once"], ["people", "list"], ["sessions", "list"], ["optouts", "list"],
                        ["settle", "1", "--sent"], ["enroll", "--senior", "1", "--session", "1"]] {
            let outcome = await cli.run(command)
            #expect(outcome.code == 1 && outcome.err.contains("there is no database at "), "\(command): \(outcome.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: typo))
        #expect(!FileManager.default.fileExists(atPath: typo + ".run-lock"))  // run refuses before it takes the lock
        // A dry run of a first import checks the list against an empty database, and creates none.
        let dry = await cli.run(["people", "import", cli.write("people.csv", Self.peopleCSV), "--dry-run"])
        #expect(dry.code == 0 && dry.out.contains("dry run"), "\(dry.out) \(dry.err)")
        #expect(!FileManager.default.fileExists(atPath: typo))
        let doctor = await cli.run("doctor")
        #expect(doctor.out.contains("there is no database at ") || doctor.err.contains("there is no database at "), "\(doctor.out)")
        #expect(!FileManager.default.fileExists(atPath: typo))
        let ahead = await cli.run(["sessions", "add", "--title", "Fika", "--start", "2026-11-24 14:00", "--duration", "60"])
        #expect(ahead.code == 0 && !ahead.out.contains("note:"))
        #expect(FileManager.default.fileExists(atPath: typo))
        // Last year's date, typed by mistake: kept, and said to send nothing.
        let past = await cli.run(["sessions", "add", "--title", "Fika", "--start", "2025-11-24 14:00", "--duration", "60"])
        #expect(past.code == 0 && past.out.contains("note: session 2 has no date to come (it is over by now)"), "\(past.out)")
    }

    @Test("people import --dry-run writes nothing")
    func dryRun() async {
        let cli = CLIHarness()
        let file = cli.write("people.csv", Self.peopleCSV)
        let outcome = await cli.run("people", "import", file, "--dry-run")
        #expect(outcome.code == 0)
        #expect(outcome.out.contains("4 people would be imported: 4 new"))
        // Not even the database file was made; once there, it holds no one.
        #expect(!FileManager.default.fileExists(atPath: cli.databasePath))
        #expect(await cli.run("init").code == 0)
        #expect(await cli.run("people", "import", file, "--dry-run").out.contains("4 people would be imported: 4 new"))
        #expect(await cli.run("people", "list").out.contains("0 people"))
    }

    @Test("people list --json shows full numbers for machines")
    func listJSON() async throws {
        let cli = CLIHarness()
        _ = await cli.run("people", "import", cli.write("people.csv", Self.peopleCSV))
        let outcome = await cli.run("people", "list", "--language", "ar", "--json")
        let decoded = try JSONSerialization.jsonObject(with: Data(outcome.out.utf8)) as? [[String: Any]]
        #expect(decoded?.count == 2)
        #expect(decoded?.first?["phone"] as? String == "+46701740615" || decoded?.first?["phone"] as? String == "+46701740605")
    }

    @Test("a missing file is a one-line failure")
    func missingFile() async {
        let outcome = await CLIHarness().run("people", "import", "/nonexistent/people.csv")
        #expect(outcome.code == 1)
        #expect(outcome.err == "/nonexistent/people.csv: cannot read the file (does it exist?)\n")
    }

    @Test("sessions: add weekly, list, and occurrences across the October DST change")
    func sessions() async {
        let cli = CLIHarness()
        cli.now = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09
        let add = await cli.run("sessions", "add", "--title", "Kaffe och samtal", "--place", "Råslätts träffpunkt",
                          "--start", "2026-10-20 14:00", "--end", "16:00", "--rrule", "FREQ=WEEKLY;BYDAY=TU", "--except", "2026-11-03")
        #expect(add.code == 0, "\(add.err)")
        #expect(add.out.hasPrefix("session 1 added: Kaffe och samtal"))
        let occurrences = await cli.run("sessions", "occurrences", "1", "--count", "3")
        #expect(occurrences.outLines == ["2026-10-20T12:00:00Z", "2026-10-27T13:00:00Z", "2026-11-10T13:00:00Z"])
        let list = await cli.run("sessions", "list")
        #expect(list.out.contains("Kaffe och samtal"))
        #expect(list.out.contains("1 session"))
    }

    @Test("sessions add: bad input is a usage error naming the problem", arguments: [
        (["--title", "X", "--start", "2026-10-20 25:00", "--duration", "60"], "is not a date and time"),
        (["--title", "X", "--start", "2026-10-20 14:00"], "give --duration MINUTES or --end HH:MM"),
        (["--title", "X", "--start", "2026-10-20 14:00", "--duration", "60", "--tz", "Mars/Olympus"], "'Mars/Olympus' is not a time zone"),
        (["--title", "X", "--start", "2026-10-20 14:00", "--duration", "60", "--rrule", "FREQ=MONTHLY"], "--rrule"),
        (["--title", "X", "--start", "2026-10-20 14:00", "--duration", "60", "--except", "24/12"], "'24/12' is not a date"),
        // "UTC+1" is a fixed offset: in summer every time would be an hour off.
        (["--title", "X", "--start", "2026-10-20 14:00", "--duration", "60", "--tz", "UTC+1"], "--tz 'UTC+1' is a fixed offset with no summer time"),
        (["--title", "X", "--start", "2026-10-20 14:00", "--duration", "60", "--tz", "GMT+1"], "--tz 'GMT+1' is a fixed offset"),
        // A Wednesday excepted from a Tuesday group cancels nothing: the real holiday's reminders would still go.
        (["--title", "X", "--start", "2026-12-01 14:00", "--duration", "60", "--rrule", "FREQ=WEEKLY;BYDAY=TU", "--except", "2026-12-22,2026-12-30"],
         "--except 2026-12-30 (a Wednesday) is not one of the session's dates, so it would cancel nothing"),
        (["--title", "X", "--start", "2026-12-01 14:00", "--duration", "60", "--except", "2026-12-08"], "--except 2026-12-08 (a Tuesday) is not one"),
        // A Tuesday start for a Wednesday group would be an extra first date (seniors told to come on the Tuesday).
        (["--title", "X", "--start", "2026-12-01 14:00", "--duration", "60", "--rrule", "FREQ=WEEKLY;BYDAY=WE"],
         "--start 2026-12-01 is a Tuesday, but the rule meets on Wednesday: start on its first date (--start \"2026-12-02 14:00\")"),
    ])
    func badSessions(arguments: [String], expected: String) async {
        let outcome = await CLIHarness().run(["sessions", "add"] + arguments)
        #expect(outcome.code == 2)
        #expect(outcome.err.contains(expected), "got: \(outcome.err)")
    }

    @Test("sessions add: a start the clocks skip is moved forward, and says so; named zones of any kind are taken")
    func sessionStartInGap() async {
        let cli = CLIHarness()
        let gap = await cli.run("sessions", "add", "--title", "Natt", "--start", "2027-03-28 02:30", "--duration", "60")
        #expect(gap.code == 0 && gap.err.contains("note: 2027-03-28 02:30 does not exist in Europe/Stockholm (the clocks go forward); "
                                                  + "that date is read as 2027-03-28 03:30"), "\(gap.err)")
        #expect(await cli.run("sessions", "occurrences", "1", "--count", "1").outLines == ["2027-03-28T01:30:00Z"])
        let helsinki = await cli.run("sessions", "add", "--title", "Kouvola", "--start", "2027-03-30 09:30", "--duration", "60",
                                     "--tz", "Europe/Helsinki", "--except", "2027-03-30")
        #expect(helsinki.code == 0 && helsinki.err == "note: quiet hours stay in Europe/Stockholm (the config's timeZone, taken as the "
                + "seniors' zone); this session's times are read in Europe/Helsinki\n", "\(helsinki.err)")
        #expect(await cli.run("sessions", "add", "--title", "U", "--start", "2027-03-30 09:30", "--duration", "60", "--tz", "UTC").code == 0)
    }

    @Test("enroll a senior, twice is harmless; guides cannot be enrolled")
    func enroll() async {
        let cli = CLIHarness()
        _ = await cli.run("people", "import", cli.write("people.csv", Self.peopleCSV))
        _ = await cli.run("sessions", "add", "--title", "Kaffe", "--start", "2026-11-24 14:00", "--duration", "120")
        let seniorID = await cli.run("people", "list", "--role", "senior", "--json").out
        #expect(seniorID.contains("\"id\""))
        let first = await cli.run("enroll", "--senior", "2", "--session", "1")
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.contains("is enrolled in Kaffe"))
        #expect(await cli.run("enroll", "--senior", "2", "--session", "1").out.contains("already enrolled"))
        let guide = await cli.run("enroll", "--senior", "4", "--session", "1")
        #expect(guide.code == 1)
        #expect(guide.err.contains("not a senior") || guide.err.contains("is a"))
        #expect(await cli.run("enroll", "--senior", "99", "--session", "1").code == 1)
    }

    @Test("phone normalize reads stdin and prints E.164 or INVALID<TAB>reason")
    func phoneNormalize() async {
        let outcome = await CLIHarness().run(["phone", "normalize", "--region", "SE"], input: ["070-174 06 05", "abc", "+47 412 34 567"])
        #expect(outcome.code == 0)
        #expect(outcome.outLines.count == 3)
        #expect(outcome.outLines[0] == "+46701740605")
        #expect(outcome.outLines[1].hasPrefix("INVALID\t"))
        #expect(outcome.outLines[2] == "+4741234567")
        #expect(await CLIHarness().run("phone", "normalize", "--region", "XX").code == 2)
    }

    @Test("a bad config file stops every command with the file and key named, exit 1")
    func badConfig() async {
        let cli = CLIHarness()
        let config = cli.write("outreach.json5", "{ quietHours: { strat: '20:00' } }")
        let outcome = await cli.run(["config", "check"], config: config)
        #expect(outcome.code == 1)
        #expect(outcome.err == "\(config): quietHours.strat: unknown key (did you mean 'start'?)\n")
        let good = cli.write("good.json5", "{ timeZone: 'Europe/Oslo', phoneRegion: 'NO' }")
        let check = await cli.run(["config", "check"], config: good)
        #expect(check.code == 0)
        #expect(check.out.contains("Europe/Oslo"))
    }

    @Test("demo imports the shipped sample people, schedules a session and exits 0")
    func demo() async {
        let cli = CLIHarness()
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = repository.appendingPathComponent("Config/sample-people.csv").path
        let outcome = await cli.run("demo", "--people", sample)
        #expect(outcome.code == 0, "\(outcome.err)")
        #expect(outcome.out.contains("Imported it again:        0 new, 0 updated, 14 unchanged"))
        #expect(outcome.out.contains("10 seniors enrolled"))
        #expect(outcome.out.contains("Demo finished."))
        #expect(!outcome.out.contains("+46701740605"))
        // A database that has people or messages is never the demo's.
        let again = await cli.run("demo", "--people", sample)
        #expect(again.code == 1 && again.err.contains("already has people or messages; the demo needs a fresh database"), "\(again.err)")

        // $OUTREACH_DB names the coordinator's real database: the demo leaves it alone and uses a temporary one.
        let real = cli.path("real.sqlite")
        let captured = CapturedConsole()
        let fixed = cli.now
        let code = await OutreachCLI.run(["demo", "--people", sample], console: captured.console, environment: ["OUTREACH_DB": real],
                                         now: { fixed })
        #expect(code == 0, "\(captured.err)")
        #expect(captured.out.contains("a temporary database"))
        #expect(!FileManager.default.fileExists(atPath: real))
    }

    @Test("demo tells the shipped rules' story even when the config has rules of its own")
    func demoWithOwnRules() async {
        let cli = CLIHarness()
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = repository.appendingPathComponent("Config/sample-people.csv").path
        let config = cli.write("own.json5", """
            { prompts: '\(repository.appendingPathComponent("Prompts").path)',
              reminders: [{ name: "day-before", daysBefore: 1, at: "17:00" }, { name: "morning", hoursBefore: 4 }],
              quietHours: { start: "21:00", end: "08:00" } }
            """)
        let outcome = await cli.run(["demo", "--people", sample], config: config)
        #expect(outcome.code == 0, "\(outcome.err)")
        // Before, step 3 said "0 sent" at 10:00, and step 5 called twelve superseded reminders opted out.
        #expect(!outcome.out.contains("at 10:00: 0 sent"), "\(outcome.out)")
        #expect(outcome.out.contains("messages: delivered 26, suppressed 1"), "\(outcome.out)")
    }

    @Test("global options: unknown option is a usage error, --version works")
    func globals() async {
        let captured = CapturedConsole()
        #expect(await OutreachCLI.run(["--verbose", "init"], console: captured.console) == 2)
        #expect(captured.err.contains("unknown option --verbose"))
        let version = CapturedConsole()
        #expect(await OutreachCLI.run(["--version"], console: version.console) == 0)
        #expect(version.out.hasPrefix("outreach "))
    }
}

@Suite("outreach sms and templates commands")
struct MessageCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func config(_ cli: CLIHarness) -> String {
        cli.write("outreach.json5", "{ prompts: '\(Self.repository.appendingPathComponent("Prompts").path)' }")
    }

    @Test("sms inspect prints ENCODING<TAB>SEGMENTS<TAB>UNITS a line, with \\n unescaped")
    func smsInspect() async {
        let outcome = await CLIHarness().run(["sms", "inspect"], input: [
            "Hej Fatima", String(repeating: "a", count: 160), String(repeating: "a", count: 161), "€", "مرحبا", "rad ett\\nrad två",
        ])
        #expect(outcome.code == 0)
        #expect(outcome.outLines == ["GSM-7\t1\t10", "GSM-7\t1\t160", "GSM-7\t2\t161", "GSM-7\t1\t2", "UCS-2\t1\t5", "GSM-7\t1\t15"])
    }

    @Test("templates lint exits 0 on the shipped Prompts")
    func lint() async {
        let cli = CLIHarness()
        let outcome = await cli.run(["templates", "lint"], config: config(cli))
        #expect(outcome.code == 0, "\(outcome.out)\(outcome.err)")
        #expect(outcome.out.contains("no problems"))
    }

    @Test("templates lint exits 1 with one line per problem on a broken folder")
    func lintBroken() async throws {
        let cli = CLIHarness()
        let prompts = cli.path("Prompts")
        try FileManager.default.createDirectory(atPath: prompts + "/sv", withIntermediateDirectories: true)
        cli.write("Prompts/catalog.json5", """
            { defaultLanguage: "sv", languages: { sv: { nativeName: "Svenska", englishName: "Swedish", direction: "ltr", locale: "sv_SE",
              fallback: [], reviewed: false, tts: { twilio: "sv-SE", elks: null, vonage: "sv-SE", simulator: "sv-SE" } } },
              templates: { "help": { audience: "senior", channels: ["sms"], placeholders: ["org.name"], segmentBudget: 1, description: "x" } } }
            """)
        cli.write("Prompts/sv/help.sms", "Hej {{first_name}} från {{org.name}}\n")
        cli.write("Prompts/sv/keywords.json5", "{ yes: ['ja'], no: ['nej'], stop: ['stopp'], start: ['start'], help: ['hjälp'] }")
        let config = cli.write("broken.json5", "{ prompts: '\(prompts)' }")
        let outcome = await cli.run(["templates", "lint"], config: config)
        #expect(outcome.code == 1)
        #expect(outcome.out.contains("first_name"))
        #expect(outcome.err.contains("templates lint: 1 problem"))
    }

    @Test("templates preview shows text, encoding, segments and cost")
    func preview() async {
        let cli = CLIHarness()
        let outcome = await cli.run(["templates", "preview", "session-reminder", "--lang", "sv"], config: config(cli))
        #expect(outcome.code == 0, "\(outcome.err)")
        #expect(outcome.out.contains("encoding:  GSM-7"))
        #expect(outcome.out.contains("segments:"))
        #expect(outcome.out.contains("cost:"))
        let arabic = await cli.run(["templates", "preview", "session-reminder", "--lang", "ar"], config: config(cli))
        #expect(arabic.out.contains("UCS-2"))
        #expect(arabic.out.contains("rtl"))
        let voice = await cli.run(["templates", "preview", "session-reminder", "--lang", "so", "--channel", "voice"], config: config(cli))
        #expect(voice.code == 0, "\(voice.err)")
        let unknown = await cli.run(["templates", "preview", "no-such-template", "--lang", "sv"], config: config(cli))
        #expect(unknown.code == 1)
        #expect(unknown.err.contains("no-such-template"))
    }

    @Test("templates preview --person uses the person's name and language")
    func previewPerson() async {
        let cli = CLIHarness()
        _ = await cli.run("people", "import", cli.write("people.csv", "name,phone,language\nFatima Hassan,070-174 06 05,ar\n"))
        let outcome = await cli.run(["templates", "preview", "session-reminder", "--person", "1"], config: config(cli))
        #expect(outcome.code == 0, "\(outcome.err)")
        #expect(outcome.out.contains("Fatima"))
        #expect(outcome.out.contains("language:  ar"))
    }
}
