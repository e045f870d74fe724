/// One problem with one row of an import file: "line 14: phone: '070-12' is too short".
public struct ImportProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: String?
    public let message: String

    public init(line: Int, column: String?, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let column { return "line \(line): \(column): \(message)" }
        return "line \(line): \(message)"
    }
}

/// Every problem of a file that was not imported.
public struct ImportFailure: Error, Equatable, Sendable {
    public let problems: [ImportProblem]
    public init(_ problems: [ImportProblem]) { self.problems = problems }
}

/// A validated row, ready to upsert by phone.
public struct ImportedPerson: Equatable, Sendable {
    public let line: Int
    public let person: Person
}

/// Reads a coordinator's people list. All-or-nothing: the result is every person, or every problem.
///
/// Columns (header names, English or Swedish, any order, case-insensitive):
/// `name`/`namn` (required), `phone`/`telefon` (required), `role`/`roll` (senior, guide, coordinator;
/// default senior), `language`/`språk` (BCP-47, default sv), `channel`/`kanal` (sms, voice, both;
/// default sms), `pickup`/`hämtadress`, `notes`/`anteckningar`.
public struct PeopleImport: Sendable {
    public enum Column: String, CaseIterable, Sendable {
        case name, phone, role, language, channel, pickup, notes

        static let aliases: [String: Column] = [
            "name": .name, "namn": .name, "full name": .name,
            "phone": .phone, "telefon": .phone, "mobile": .phone, "mobil": .phone, "telefonnummer": .phone,
            "role": .role, "roll": .role,
            "language": .language, "språk": .language, "lang": .language,
            "channel": .channel, "kanal": .channel,
            "pickup": .pickup, "hämtadress": .pickup, "address": .pickup, "adress": .pickup,
            "notes": .notes, "anteckningar": .notes, "note": .notes,
        ]
    }

    public let region: PhoneRegion
    public let defaultLanguage: String

    public init(region: PhoneRegion, defaultLanguage: String = "sv") {
        self.region = region
        self.defaultLanguage = defaultLanguage
    }

    public func read(_ text: String) -> Result<[ImportedPerson], ImportFailure> {
        var reader = CSVReader(text: text, delimiter: Self.guessDelimiter(text))
        guard let headerResult = reader.next() else {
            return .failure(ImportFailure([ImportProblem(line: 1, column: nil, message: "the file is empty: expected a header row such as 'name,phone,role,language,channel'")]))
        }
        let header: CSVRecord
        switch headerResult {
        case .failure(let error): return .failure(ImportFailure([ImportProblem(line: error.line, column: nil, message: error.message)]))
        case .success(let record): header = record
        }
        var problems: [ImportProblem] = []
        var columns: [Column?] = []
        for rawName in header.fields {
            let key = rawName.trimmingWhitespace().lowercased()
            if let column = Column.aliases[key] {
                if columns.contains(column) {
                    problems.append(ImportProblem(line: header.line, column: nil, message: "column '\(rawName)' appears twice"))
                }
                columns.append(column)
            } else if key.isEmpty {
                columns.append(nil)
            } else {
                let known = Column.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(ImportProblem(line: header.line, column: nil, message: "unknown column '\(rawName)' (known: \(known))"))
                columns.append(nil)
            }
        }
        for required in [Column.name, .phone] where !columns.contains(required) {
            problems.append(ImportProblem(line: header.line, column: nil, message: "missing column '\(required.rawValue)'"))
        }
        guard problems.isEmpty else { return .failure(ImportFailure(problems)) }

        var people: [ImportedPerson] = []
        var lineOfPhone: [PhoneNumber: Int] = [:]
        while let next = reader.next() {
            let record: CSVRecord
            switch next {
            case .failure(let error):
                problems.append(ImportProblem(line: error.line, column: nil, message: error.message))
                continue
            case .success(let value): record = value
            }
            if record.fields.count > columns.count {
                problems.append(ImportProblem(line: record.line, column: nil,
                    message: "\(record.fields.count) fields but the header has \(columns.count) (a comma in a value needs quotes)"))
                continue
            }
            var values: [Column: String] = [:]
            for (index, field) in record.fields.enumerated() {
                if let column = columns[index] { values[column] = field.trimmingWhitespace() }
            }
            switch person(from: values, line: record.line) {
            case .failure(let rowProblems): problems.append(contentsOf: rowProblems.problems)
            case .success(let person):
                if let firstLine = lineOfPhone[person.phone] {
                    problems.append(ImportProblem(line: record.line, column: Column.phone.rawValue,
                        message: "\(person.phone.masked) is already on line \(firstLine)"))
                } else {
                    lineOfPhone[person.phone] = record.line
                    people.append(ImportedPerson(line: record.line, person: person))
                }
            }
        }
        return problems.isEmpty ? .success(people) : .failure(ImportFailure(problems))
    }

    private func person(from values: [Column: String], line: Int) -> Result<Person, ImportFailure> {
        var problems: [ImportProblem] = []
        func problem(_ column: Column, _ message: String) {
            problems.append(ImportProblem(line: line, column: column.rawValue, message: message))
        }
        let name = values[.name] ?? ""
        if name.isEmpty { problem(.name, "is empty") }

        var phone: PhoneNumber?
        switch PhoneNormalizer.normalize(values[.phone] ?? "", region: region) {
        case .success(let number): phone = number
        case .failure(let error): problem(.phone, error.description)
        }

        var role = Role.senior
        if let raw = values[.role], !raw.isEmpty {
            if let parsed = Role(rawValue: raw.lowercased()) ?? Self.swedishRoles[raw.lowercased()] {
                role = parsed
            } else {
                problem(.role, "'\(raw)' is not a role (senior, guide or coordinator)")
            }
        }

        var language = defaultLanguage
        if let raw = values[.language], !raw.isEmpty {
            if let code = LanguageCode.canonical(raw) {
                language = code
            } else {
                problem(.language, "'\(raw)' is not a language code (use codes like sv, ar, so, fa, ti, bs, fi, nb, tr, ckb)")
            }
        }

        var channel = ContactChannel.sms
        if let raw = values[.channel], !raw.isEmpty {
            if let parsed = ContactChannel(rawValue: raw.lowercased()) ?? Self.swedishChannels[raw.lowercased()] {
                channel = parsed
            } else {
                problem(.channel, "'\(raw)' is not a channel (sms, voice or both)")
            }
        }

        guard problems.isEmpty, let phone else { return .failure(ImportFailure(problems)) }
        return .success(Person(role: role, name: name, phone: phone, language: language, channel: channel,
                               pickup: values[.pickup] ?? "", notes: values[.notes] ?? ""))
    }

    static let swedishRoles: [String: Role] = ["senior": .senior, "hälsoguide": .guide, "guide": .guide, "samordnare": .coordinator, "koordinator": .coordinator]
    static let swedishChannels: [String: ContactChannel] = ["röst": .voice, "samtal": .voice, "båda": .both]

    /// Swedish Excel saves CSV with semicolons: take whichever of ',' and ';' the header line uses more.
    static func guessDelimiter(_ text: String) -> Unicode.Scalar {
        let headerLine = text.prefix { $0 != "\n" && $0 != "\r" }
        let commas = headerLine.filter { $0 == "," }.count
        let semicolons = headerLine.filter { $0 == ";" }.count
        return semicolons > commas ? ";" : ","
    }
}
