import Foundation

/// The values a template is filled with. Date-times are formatted in `timeZone` (the session's).
public struct RenderContext: Sendable {
    public var values: [String: String]
    public var dates: [String: Date]
    public var timeZone: TimeZone

    public init(values: [String: String] = [:], dates: [String: Date] = [:], timeZone: TimeZone) {
        self.values = values
        self.dates = dates
        self.timeZone = timeZone
    }
}

public struct RenderedMessage: Equatable, Sendable {
    public let text: String
    /// The language of the text actually used (differs from `requestedLanguage` after a fallback).
    public let language: String
    public let requestedLanguage: String
    public let usedFallback: Bool

    public init(text: String, language: String, requestedLanguage: String, usedFallback: Bool) {
        self.text = text
        self.language = language
        self.requestedLanguage = requestedLanguage
        self.usedFallback = usedFallback
    }
}

/// Fills prompt templates in a person's language, falling back along the catalog's chain.
public struct TemplateRenderer: Sendable {
    public let library: PromptLibrary

    public init(library: PromptLibrary) {
        self.library = library
    }

    public func render(template: String, channel: Channel, language: String,
                       context: RenderContext) throws(TemplateError) -> RenderedMessage {
        guard let entry = library.catalog.templates[template] else { throw .unknownTemplate(template) }
        guard entry.channels.contains(channel) else { throw .channelNotOffered(template: template, channel: channel) }
        let chain = library.fallbackChain(for: language)
        let file = channel.fileName(of: template)
        guard let used = chain.first(where: { library.parsedTexts[$0]?[file] != nil }),
              let parsing = library.parsedTexts[used]?[file] else {
            throw .missingInAllLanguages(template: template, channel: channel, tried: chain)
        }
        let text = try Self.fill(parsing, template: template, allowed: library.placeholderSet(template: template, entry: entry),
                                 language: used, locale: library.locale(for: used), context: context)
        return RenderedMessage(text: text, language: used, requestedLanguage: language, usedFallback: used != language)
    }

    /// Parses and fills one text. `allowed` is the template's placeholder list from the catalog.
    static func fill(_ source: String, template: String, allowed: Set<String>, language: String, locale: Locale,
                     context: RenderContext) throws(TemplateError) -> String {
        try fill(Result { () throws(TemplateSyntaxError) -> Template in try Template(parsing: source) }, template: template,
                 allowed: allowed, language: language, locale: locale, context: context)
    }

    /// Fills a text parsed earlier (`PromptLibrary` parses every text once, at load).
    static func fill(_ parsing: Result<Template, TemplateSyntaxError>, template: String, allowed: Set<String>, language: String,
                     locale: Locale, context: RenderContext) throws(TemplateError) -> String {
        let parsed: Template
        switch parsing {
        case .success(let template): parsed = template
        case .failure(let error): throw .syntax(template: template, language: language, message: error.message)
        }
        var output = ""
        for part in parsed.parts {
            switch part {
            case .text(let text):
                output += text
            case .placeholder(let placeholder):
                output += try value(of: placeholder, template: template, allowed: allowed, language: language,
                                    locale: locale, context: context)
            }
        }
        return output
    }

    static func value(of placeholder: Template.Placeholder, template: String, allowed: Set<String>, language: String,
                      locale: Locale, context: RenderContext) throws(TemplateError) -> String {
        let name = placeholder.name
        guard PlaceholderVocabulary.all.contains(name), allowed.contains(name) else {
            throw .unknownPlaceholder(name: name, template: template, language: language)
        }
        let filters = try placeholder.filters.map { raw throws(TemplateError) -> TemplateFilter in
            guard let filter = TemplateFilter(rawValue: raw) else {
                throw .unknownFilter(name: raw, template: template, language: language)
            }
            return filter
        }
        var text: String
        var remaining = filters[...]
        if let date = context.dates[name] {
            let formatter = DateTimeFormatter(locale: locale, timeZone: context.timeZone)
            if let first = remaining.first, first.formatsDateTime {
                text = formatter.format(date, as: first)
                remaining = remaining.dropFirst()
            } else {
                text = [TemplateFilter.weekday, .date, .time].map { formatter.format(date, as: $0) }.joined(separator: " ")
            }
        } else if let value = context.values[name] {
            text = value
        } else {
            throw .missingValue(name: name, template: template, language: language)
        }
        for filter in remaining {
            guard !filter.formatsDateTime else {
                throw .filterNeedsDateTime(filter: filter.rawValue, placeholder: name, template: template, language: language)
            }
            text = text.uppercased(with: locale)
        }
        return text
    }
}
