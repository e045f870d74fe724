import Testing
@testable import OutreachCore

@Suite("People CSV import")
struct PeopleImportTests {
    let importer = PeopleImport(region: .sweden, defaultLanguage: "sv")

    @Test("a good file gives every person, normalized")
    func good() throws {
        let csv = """
            name,phone,role,language,channel,pickup,notes
            Fatima Hassan,070-174 06 05,senior,ar,sms,"Råslättsvägen 12, port B",
            Leila Haddad,+46 70 174 06 15,guide,AR,both,,Hälsoguide
            Jenny Lindqvist,0046701740618,coordinator,,,,

            """
        let people = try importer.read(csv).get()
        #expect(people.count == 3)
        #expect(people[0].person.phone.e164 == "+46701740605")
        #expect(people[0].person.pickup == "Råslättsvägen 12, port B")
        #expect(people[0].person.firstName == "Fatima")
        #expect(people[0].line == 2)
        #expect(people[1].person.language == "ar")
        #expect(people[1].person.channel == .both)
        #expect(people[2].person.language == "sv")
        #expect(people[2].person.channel == .sms)
        #expect(people[2].person.role == .coordinator)
    }

    @Test("Swedish headers, semicolons and a byte-order mark")
    func swedish() throws {
        let csv = "\u{FEFF}Namn;Telefon;Roll;Språk;Kanal\nAmina Warsame;070-174 06 06;senior;so;röst\nSara Tesfamariam;070-1740617;hälsoguide;ti;sms\n"
        let people = try importer.read(csv).get()
        #expect(people.map(\.person.role) == [.senior, .guide])
        #expect(people[0].person.channel == .voice)
    }

    @Test("every bad row is reported with its line number and column, and nothing is returned")
    func badRows() {
        let csv = """
            name,phone,role,language,channel
            Fatima Hassan,070-174 06 05,senior,ar,sms
            ,070-174 06 06,senior,so,sms
            Reza Karimi,070-12,senior,fa,sms
            Tesfay,070-174 06 08,chef,ti,fax
            "Aino, Virtanen",070-174 06 05,senior,fi,sms
            Gül Yılmaz,070-174 06 11,senior,t1,sms
            """
        guard case .failure(let failure_problems) = importer.read(csv) else { Issue.record("expected failure"); return }
        let problems = failure_problems.problems
        let lines = problems.map(\.description)
        #expect(lines.contains("line 3: name: is empty"))
        #expect(lines.contains { $0.hasPrefix("line 4: phone: ") && $0.contains("'070-12'") && $0.contains("too short") })
        #expect(lines.contains { $0.hasPrefix("line 5: role: 'chef'") })
        #expect(lines.contains { $0.hasPrefix("line 5: channel: 'fax'") })
        #expect(lines.contains { $0.hasPrefix("line 6: phone: ") && $0.contains("line 2") })
        #expect(lines.contains { $0.hasPrefix("line 7: language: 't1'") })
        #expect(problems.count == 6)
    }

    @Test("line numbers stay right after a quoted field with line breaks")
    func lineNumbersAfterMultilineField() {
        let csv = "name,phone,notes\nA,070-174 06 05,\"first\nsecond\nthird\"\nB,123,\n"
        guard case .failure(let failure_problems) = importer.read(csv) else { Issue.record("expected failure"); return }
        let problems = failure_problems.problems
        #expect(problems.map(\.line) == [5])
    }

    @Test("header problems: unknown column with the known ones, missing phone, duplicate column")
    func header() {
        guard case .failure(let failure_unknown) = importer.read("name,phone,email\n") else { Issue.record("expected failure"); return }
        let unknown = failure_unknown.problems
        #expect(unknown.first?.description.contains("unknown column 'email'") == true)
        guard case .failure(let failure_missing) = importer.read("name,role\nA,senior\n") else { Issue.record("expected failure"); return }
        let missing = failure_missing.problems
        #expect(missing.map(\.description) == ["line 1: missing column 'phone'"])
        guard case .failure(let failure_twice) = importer.read("name,phone,telefon\n") else { Issue.record("expected failure"); return }
        let twice = failure_twice.problems
        #expect(twice.first?.description.contains("appears twice") == true)
    }

    @Test("an empty file and a row with too many fields")
    func shapes() {
        guard case .failure(let failure_empty) = importer.read("") else { Issue.record("expected failure"); return }
        let empty = failure_empty.problems
        #expect(empty.first?.description.contains("empty") == true)
        guard case .failure(let failure_wide) = importer.read("name,phone\nA,070-174 06 05,extra\n") else { Issue.record("expected failure"); return }
        let wide = failure_wide.problems
        #expect(wide.first?.line == 2)
        #expect(wide.first?.message.contains("3 fields") == true)
    }

    @Test("a broken quote is reported with its line")
    func brokenQuote() {
        guard case .failure(let failure_problems) = importer.read("name,phone\n\"A,070\n") else { Issue.record("expected failure"); return }
        let problems = failure_problems.problems
        #expect(problems.first?.line == 2)
    }

    @Test("language codes are canonicalized", arguments: [
        ("sv", "sv"), ("AR", "ar"), ("ckb", "ckb"), ("nb-no", "nb-NO"), ("sr-latn", "sr-Latn"), ("  fa ", "fa"),
    ])
    func languageCodes(raw: String, expected: String) {
        #expect(LanguageCode.canonical(raw) == expected)
    }

    @Test("non-codes are rejected", arguments: ["", "s", "swedish", "sv_SE", "1a", "sv-"])
    func badLanguageCodes(raw: String) {
        #expect(LanguageCode.canonical(raw) == nil)
    }
}
