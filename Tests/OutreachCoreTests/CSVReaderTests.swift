import Testing
@testable import OutreachCore

@Suite("RFC 4180 CSV reader")
struct CSVReaderTests {
    func read(_ text: String, delimiter: Unicode.Scalar = ",") -> [Result<CSVRecord, CSVError>] {
        Array(CSVReader(text: text, delimiter: delimiter))
    }

    func records(_ text: String) throws -> [CSVRecord] {
        try read(text).map { try $0.get() }
    }

    @Test("plain fields, LF and CRLF line ends, with line numbers")
    func plain() throws {
        let rows = try records("a,b,c\r\n1,2,3\n4,5,6")
        #expect(rows.map(\.fields) == [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"]])
        #expect(rows.map(\.line) == [1, 2, 3])
    }

    @Test("quoted fields hold commas, doubled quotes and line breaks; the next record's line number counts them")
    func quoted() throws {
        let rows = try records("name,note\n\"Hassan, Fatima\",\"says \"\"hej\"\"\"\n\"Amina\",\"two\r\nlines\"\nReza,x\n")
        #expect(rows[1].fields == ["Hassan, Fatima", "says \"hej\""])
        #expect(rows[2].fields == ["Amina", "two\nlines"])
        #expect(rows[2].line == 3)
        #expect(rows[3].line == 5)
    }

    @Test("a byte-order mark is dropped")
    func bom() throws {
        let rows = try records("\u{FEFF}name,phone\nA,1\n")
        #expect(rows[0].fields == ["name", "phone"])
    }

    @Test("empty fields and blank lines")
    func empties() throws {
        let rows = try records("a,,c\n\n,,\n")
        #expect(rows.map(\.fields) == [["a", "", "c"], ["", "", ""]])
        #expect(rows.map(\.line) == [1, 3])
    }

    @Test("semicolon-separated files (Swedish Excel)")
    func semicolons() throws {
        let rows = try read("namn;telefon\nÅsa;070\n", delimiter: ";").map { try $0.get() }
        #expect(rows[1].fields == ["Åsa", "070"])
    }

    @Test("an unclosed quote names the line where the field starts")
    func unclosed() {
        let results = read("a,b\n1,\"open\n2,3\n")
        guard case .failure(let error) = results.last else { Issue.record("expected a failure"); return }
        #expect(error.line == 2)
        #expect(error.description.contains("never closed"))
    }

    @Test("a quote in the middle of an unquoted field is an error with its line")
    func strayQuote() {
        let results = read("a,b\nx,y\"z\n")
        guard case .failure(let error) = results.last else { Issue.record("expected a failure"); return }
        #expect(error.line == 2)
    }

    @Test("text after a closing quote is an error")
    func afterClosingQuote() {
        let results = read("a\n\"x\"y\n")
        guard case .failure(let error) = results.last else { Issue.record("expected a failure"); return }
        #expect(error.line == 2)
        #expect(error.message.contains("closing quote"))
    }
}
