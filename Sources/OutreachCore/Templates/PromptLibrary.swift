import Foundation

/// Everything in the Prompts folder, in memory: the catalog, every text and every keyword table.
/// The caller reads the files; this type only holds and looks up.
public struct PromptLibrary: Sendable {
    public let catalog: Catalog
    /// Language → file name ("session-reminder.sms") → text, with one trailing newline already removed.
    public let texts: [String: [String: String]]
    /// Language → its keywords.json5.
    public let keywords: [String: KeywordList]
    /// A matcher over all keyword tables.
    public let matcher: KeywordMatcher
    /// Every text parsed once here, same keys as `texts`: rendering a campaign must not re-parse per recipient.
    let parsedTexts: [String: [String: Result<Template, TemplateSyntaxError>]]
    /// `locale(for:)` of every language that has texts, computed once for the same reason.
    private let locales: [String: Locale]
    /// `catalog.fallbackChain(for:)` of every language the catalog or the texts name.
    private let chains: [String: [String]]
    /// Each template's placeholder list as a set.
    private let placeholderSets: [String: Set<String>]

    /// `texts` are the files' contents as read: ONE trailing newline ("\n" or "\r\n") is stripped here,
    /// inner newlines are kept (PROMPTS-CONTRACT.md).
    public init(catalog: Catalog, texts: [String: [String: String]], keywords: [String: KeywordList]) {
        self.catalog = catalog
        let texts = texts.mapValues { files in files.mapValues(Self.strippingTrailingNewline) }
        self.texts = texts
        self.keywords = keywords
        self.matcher = KeywordMatcher(tables: keywords)
        self.parsedTexts = texts.mapValues { files in
            files.mapValues { source in Result { () throws(TemplateSyntaxError) -> Template in try Template(parsing: source) } }
        }
        var locales: [String: Locale] = [:]
        for language in texts.keys {
            locales[language] = Self.makeLocale(catalog: catalog, language: language)
        }
        self.locales = locales
        var chains: [String: [String]] = [:]
        for language in Set(texts.keys).union(catalog.languages.keys) {
            chains[language] = catalog.fallbackChain(for: language)
        }
        self.chains = chains
        self.placeholderSets = catalog.templates.mapValues { Set($0.placeholders) }
    }

    /// `catalog.fallbackChain(for:)`, from the table built at load when the language is known.
    func fallbackChain(for language: String) -> [String] {
        chains[language] ?? catalog.fallbackChain(for: language)
    }

    /// The names `template` may use.
    func placeholderSet(template: String, entry: CatalogTemplate) -> Set<String> {
        placeholderSets[template] ?? Set(entry.placeholders)
    }

    /// The text of one template in exactly this language (no fallback), or nil.
    public func text(template: String, channel: Channel, language: String) -> String? {
        texts[language]?[channel.fileName(of: template)]
    }

    /// `text(template:channel:language:)` already parsed, or nil when there is no such text.
    func parsedText(template: String, channel: Channel, language: String) -> Result<Template, TemplateSyntaxError>? {
        parsedTexts[language]?[channel.fileName(of: template)]
    }

    /// The locale dates are formatted with in `language`: the catalog's `locale`, with the language's own digits.
    public func locale(for language: String) -> Locale {
        locales[language] ?? Self.makeLocale(catalog: catalog, language: language)
    }

    private static func makeLocale(catalog: Catalog, language: String) -> Locale {
        DateTimeFormatter.locale(identifier: catalog.languages[language]?.locale ?? language, language: language)
    }

    /// "text\n" → "text"; "text\n\n" → "text\n"; "text" → "text". "\r\n" is one Character in Swift.
    static func strippingTrailingNewline(_ text: String) -> String {
        guard let last = text.last, last == "\n" || last == "\r\n" else { return text }
        return String(text.dropLast())
    }
}
