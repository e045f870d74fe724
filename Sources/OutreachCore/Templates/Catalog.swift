import Foundation

public enum TextDirection: String, Sendable, Codable, CaseIterable { case ltr, rtl }

/// Who a template is written for.
public enum Audience: String, Sendable, Codable, CaseIterable { case senior, guide, coordinator, all }

/// `Prompts/catalog.json5`: the shipped languages and templates.
public struct Catalog: Equatable, Sendable {
    /// The end of every fallback chain.
    public var defaultLanguage: String
    public var languages: [String: CatalogLanguage]
    public var templates: [String: CatalogTemplate]

    public init(defaultLanguage: String, languages: [String: CatalogLanguage], templates: [String: CatalogTemplate]) {
        self.defaultLanguage = defaultLanguage
        self.languages = languages
        self.templates = templates
    }

    /// Languages tried for a text, in order: the language itself, its `fallback` list, then `defaultLanguage`.
    /// A regional tag missing from the catalog ("nb-NO") tries its primary language ("nb") first.
    public func fallbackChain(for language: String) -> [String] {
        var chain: [String] = [language]
        if languages[language] == nil, let primary = language.split(separator: "-").first.map(String.init),
           primary != language {
            chain.append(primary)
        }
        if let known = chain.first(where: { languages[$0] != nil }), let entry = languages[known] {
            chain += entry.fallback
        }
        chain.append(defaultLanguage)
        var seen = Set<String>()
        return chain.filter { seen.insert($0).inserted }
    }

    /// Whether the catalog has texts in `language` (or in its primary language, for a regional tag like "nb-NO").
    public func hasTexts(in language: String) -> Bool {
        languages[language] != nil || language.split(separator: "-").first.map { languages[String($0)] != nil } == true
    }

    /// The language a person with `language` gets their texts in when the catalog has none in it: the first of its
    /// fallback chain the catalog has.
    public func textLanguage(for language: String) -> String {
        fallbackChain(for: language).first { languages[$0] != nil } ?? defaultLanguage
    }

    /// Decodes `catalog.json5` (JSON5); `file` names it in errors.
    public static func decode(_ data: Data, file: String = "catalog.json5") throws(PromptFileError) -> Catalog {
        try decodeJSON5(Catalog.self, from: data, file: file)
    }
}

public struct CatalogLanguage: Equatable, Sendable {
    public var nativeName: String
    public var englishName: String
    public var direction: TextDirection
    /// Foundation locale identifier for dates and times, e.g. "sv_SE", "ar_SE".
    public var locale: String
    public var fallback: [String]
    /// True only after a native speaker checked every text.
    public var reviewed: Bool
    public var tts: TTSVoices

    public init(nativeName: String, englishName: String, direction: TextDirection = .ltr, locale: String,
                fallback: [String] = [], reviewed: Bool = false, tts: TTSVoices = TTSVoices()) {
        self.nativeName = nativeName
        self.englishName = englishName
        self.direction = direction
        self.locale = locale
        self.fallback = fallback
        self.reviewed = reviewed
        self.tts = tts
    }
}

/// The TTS language code each provider uses for a language; nil when the provider has no voice for it.
public struct TTSVoices: Equatable, Sendable {
    public var twilio: String?
    public var elks: String?
    public var vonage: String?
    public var simulator: String?

    public init(twilio: String? = nil, elks: String? = nil, vonage: String? = nil, simulator: String? = nil) {
        self.twilio = twilio
        self.elks = elks
        self.vonage = vonage
        self.simulator = simulator
    }
}

public struct CatalogTemplate: Equatable, Sendable {
    public var audience: Audience
    public var channels: [Channel]
    /// The placeholders this template may use (a subset of `PlaceholderVocabulary.all`).
    public var placeholders: [String]
    /// Most SMS segments allowed in any language with realistic values; nil only for voice-only templates.
    public var segmentBudget: Int?
    public var description: String
    /// Who alone sends it ("the reply flow, after a STOP"): a text that answers a person's own reply, or one the
    /// scheduler sends, is not a campaign's (a confirmation of a STOP to someone who never sent one). nil: anyone.
    public var sentOnlyBy: String?

    public init(audience: Audience, channels: [Channel], placeholders: [String], segmentBudget: Int? = nil, description: String = "",
                sentOnlyBy: String? = nil) {
        self.audience = audience
        self.channels = channels
        self.placeholders = placeholders
        self.segmentBudget = segmentBudget
        self.description = description
        self.sentOnlyBy = sentOnlyBy
    }
}

// MARK: - Decoding (unknown keys are errors naming the key)

extension Catalog: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case defaultLanguage, languages, templates }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        defaultLanguage = try container.decode(String.self, forKey: .defaultLanguage)
        languages = try container.decode([String: CatalogLanguage].self, forKey: .languages)
        templates = try container.decode([String: CatalogTemplate].self, forKey: .templates)
        for code in languages.keys where LanguageCode.canonical(code) != code {
            let hint = LanguageCode.canonical(code).map { " (write '\($0)')" } ?? ""
            throw decoder.valueError(CodingKeys.languages, "'\(code)' is not a language code as folders are named\(hint)")
        }
    }
}

extension CatalogLanguage: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case nativeName, englishName, direction, locale, fallback, reviewed, tts
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        nativeName = try container.decode(String.self, forKey: .nativeName)
        englishName = try container.decode(String.self, forKey: .englishName)
        direction = try decoder.decodeChoice(TextDirection.self, in: container, forKey: .direction) ?? .ltr
        locale = try container.decode(String.self, forKey: .locale)
        fallback = try container.decodeIfPresent([String].self, forKey: .fallback) ?? []
        reviewed = try container.decodeIfPresent(Bool.self, forKey: .reviewed) ?? false
        tts = try container.decodeIfPresent(TTSVoices.self, forKey: .tts) ?? TTSVoices()
    }
}

extension TTSVoices: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case twilio, elks, vonage, simulator }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        twilio = try container.decodeIfPresent(String.self, forKey: .twilio)
        elks = try container.decodeIfPresent(String.self, forKey: .elks)
        vonage = try container.decodeIfPresent(String.self, forKey: .vonage)
        simulator = try container.decodeIfPresent(String.self, forKey: .simulator)
    }
}

extension CatalogTemplate {
    /// Whether the text names a session (its title, place or start): a campaign with it is about that session's next date.
    public var isAboutSession: Bool { placeholders.contains { $0.hasPrefix("session.") } }
}

extension CatalogTemplate: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case audience, channels, placeholders, segmentBudget, description, sentOnlyBy }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        audience = try decoder.decodeChoice(Audience.self, in: container, forKey: .audience) ?? .all
        channels = []
        for raw in try container.decode([String].self, forKey: .channels) {
            guard let channel = Channel(rawValue: raw) else {
                throw decoder.valueError(CodingKeys.channels, "'\(raw)' is not a channel (use sms, voice)")
            }
            channels.append(channel)
        }
        placeholders = try container.decodeIfPresent([String].self, forKey: .placeholders) ?? []
        segmentBudget = try container.decodeIfPresent(Int.self, forKey: .segmentBudget)
        if let budget = segmentBudget, budget < 1 {
            throw decoder.valueError(CodingKeys.segmentBudget, "must be 1 or more")
        }
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
        sentOnlyBy = try container.decodeIfPresent(String.self, forKey: .sentOnlyBy)
    }
}

extension Decoder {
    /// A string that must be one of an enum's raw values, with the choices named in the error.
    func decodeChoice<Choice: RawRepresentable & CaseIterable, Keys: CodingKey>(
        _ type: Choice.Type, in container: KeyedDecodingContainer<Keys>, forKey key: Keys
    ) throws -> Choice? where Choice.RawValue == String {
        guard let raw = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = Choice(rawValue: raw) else {
            throw valueError(key, "'\(raw)' is not allowed (use \(Choice.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return value
    }
}

// Encoding uses the same keys (e.g. for `templates list --json`).
extension Catalog: Encodable {}
extension CatalogLanguage: Encodable {}
extension TTSVoices: Encodable {}
extension CatalogTemplate: Encodable {}
