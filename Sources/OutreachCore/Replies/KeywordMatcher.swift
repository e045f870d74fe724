/// What a reply means.
public enum ReplyIntent: String, Sendable, Codable, CaseIterable { case yes, no, stop, start, help }

public struct KeywordMatch: Equatable, Sendable {
    public let intent: ReplyIntent
    /// The language whose table matched; nil for the built-in words (digits, STOP, START, HELP).
    public let language: String?
    /// An escort reply code written before the keyword, upper case: "K7" for "k7 ja".
    public let code: String?

    public init(intent: ReplyIntent, language: String?, code: String? = nil) {
        self.intent = intent
        self.language = language
        self.code = code
    }
}

/// Finds the intent of an SMS reply in the keyword tables of all languages.
///
/// A reply matches when its normalized words start with a keyword, the longest keyword first
/// ("kommer inte, tyvärr" is no, not yes), or when it is `<code> <keyword>` ("K7 JA").
/// Order of trust: built-in words (1/2 in every numeral system, STOP/STOPP/UNSUBSCRIBE/START/HELP, honoured
/// whatever the tables say), then the person's language, then every other language if they agree.
/// Exact forms are tried before diacritic-free ones ("hjalp" finds "hjälp").
public struct KeywordMatcher: Sendable {
    struct Entry: Hashable, Sendable {
        let intent: ReplyIntent
        let language: String?   // nil = built in
    }

    /// Always honoured, in every language: carriers and regulators expect these.
    static let builtIn: [(String, ReplyIntent)] = [
        ("1", .yes), ("2", .no),
        ("stop", .stop), ("stopp", .stop), ("stopall", .stop), ("unsubscribe", .stop),
        ("start", .start), ("unstop", .start),
        ("help", .help),
    ]

    let exact: [String: [Entry]]
    let loose: [String: [Entry]]
    let longestKeyword: Int

    /// `tables`: language code → that language's keywords.
    public init(tables: [String: KeywordList]) {
        var exact: [String: [Entry]] = [:]
        var loose: [String: [Entry]] = [:]
        var longest = 1
        func add(_ word: String, _ entry: Entry) {
            let key = KeywordNormalizer.normalize(word)
            guard !key.isEmpty else { return }
            if !(exact[key]?.contains(entry) ?? false) { exact[key, default: []].append(entry) }
            let looseKey = KeywordNormalizer.loose(key)
            if !(loose[looseKey]?.contains(entry) ?? false) { loose[looseKey, default: []].append(entry) }
            longest = max(longest, key.split(separator: " ").count)
        }
        for (word, intent) in Self.builtIn { add(word, Entry(intent: intent, language: nil)) }
        for language in tables.keys.sorted() {
            for intent in ReplyIntent.allCases {
                for word in tables[language]![intent] { add(word, Entry(intent: intent, language: language)) }
            }
        }
        self.exact = exact
        self.loose = loose
        self.longestKeyword = longest
    }

    public static func normalize(_ text: String) -> String { KeywordNormalizer.normalize(text) }

    /// The intent of `text`, or nil when it is not understood (or ambiguous). `language` is the person's language.
    public func match(_ text: String, language: String?) -> KeywordMatch? {
        let words = KeywordNormalizer.words(text)
        if let found = matchStart(of: words[...], language: language) {
            return found
        }
        if words.count >= 2, let code = Self.replyCode(words[0]),
           let found = matchStart(of: words.dropFirst(), language: language) {
            return KeywordMatch(intent: found.intent, language: found.language, code: code)
        }
        return nil
    }

    /// One line per word that means different things, for lint: "'ne': no (bs), yes (tr)".
    public func collisions() -> [String] {
        exact.keys.sorted().compactMap { word in
            let entries = exact[word]!
            guard Set(entries.map(\.intent)).count > 1 else { return nil }
            let meanings = entries.map { "\($0.intent.rawValue) (\($0.language ?? "built in"))" }
            return "'\(word)': \(meanings.joined(separator: ", "))"
        }
    }

    // MARK: - Matching

    func matchStart(of words: ArraySlice<String>, language: String?) -> KeywordMatch? {
        guard !words.isEmpty else { return nil }
        for count in stride(from: min(words.count, longestKeyword), through: 1, by: -1) {
            let phrase = words.prefix(count).joined(separator: " ")
            let whole = count == words.count
            if let entries = exact[phrase], let found = resolve(entries, language: language, wholeReply: whole) { return found }
            if let entries = loose[KeywordNormalizer.loose(phrase)], let found = resolve(entries, language: language, wholeReply: whole) {
                return found
            }
        }
        return nil
    }

    /// Built-in words win; then the person's own language; another language's word counts only when it is the
    /// whole reply ("ja" from a Bosnian speaker is yes, but "Ja ne mogu" — "I can't" — is not read as Swedish "ja").
    func resolve(_ entries: [Entry], language: String?, wholeReply: Bool = true) -> KeywordMatch? {
        if let builtIn = entries.first(where: { $0.language == nil }) {
            return KeywordMatch(intent: builtIn.intent, language: nil)
        }
        if let language {
            let primary = language.split(separator: "-").first.map(String.init) ?? language
            let own = entries.filter { $0.language == language || $0.language == primary }
            if let agreed = Self.agreed(own) { return agreed }
            if !own.isEmpty || !wholeReply { return nil }
        }
        return Self.agreed(entries)
    }

    /// The common intent of entries, from the first language listed; nil when they disagree or are empty.
    static func agreed(_ entries: [Entry]) -> KeywordMatch? {
        guard let first = entries.first, entries.allSatisfy({ $0.intent == first.intent }) else { return nil }
        return KeywordMatch(intent: first.intent, language: first.language)
    }

    /// "k7" → "K7": one to three ASCII letters then one to four digits.
    static func replyCode(_ word: String) -> String? {
        let letters = word.prefix { $0.isASCII && $0.isLetter }
        let digits = word.dropFirst(letters.count)
        guard (1...3).contains(letters.count), (1...4).contains(digits.count),
              digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return word.uppercased()
    }
}
