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

public enum TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownTemplate(String)
    case channelNotOffered(template: String, channel: Channel)
    case missingInAllLanguages(template: String, channel: Channel, tried: [String])
    case syntax(template: String, language: String, message: String)
    case unknownPlaceholder(name: String, template: String, language: String)
    case unknownFilter(name: String, template: String, language: String)
    case filterNeedsDateTime(filter: String, placeholder: String, template: String, language: String)
    case missingValue(name: String, template: String, language: String)

    public var description: String {
        switch self {
        case .unknownTemplate(let name):
            return "no template '\(name)' in catalog.json5"
        case .channelNotOffered(let template, let channel):
            return "template '\(template)' has no \(channel.rawValue) version in catalog.json5"
        case .missingInAllLanguages(let template, let channel, let tried):
            return "'\(channel.fileName(of: template))' is missing in every language tried (\(tried.joined(separator: ", ")))"
        case .syntax(let template, let language, let message):
            return "\(language)/\(template): \(message)"
        case .unknownPlaceholder(let name, let template, let language):
            return "\(language)/\(template): unknown placeholder '\(name)' (not listed for this template in catalog.json5)"
        case .unknownFilter(let name, let template, let language):
            return "\(language)/\(template): unknown filter '\(name)' (use \(TemplateFilter.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .filterNeedsDateTime(let filter, let placeholder, let template, let language):
            return "\(language)/\(template): filter '\(filter)' needs a date-time, '\(placeholder)' is text"
        case .missingValue(let name, let template, let language):
            return "\(language)/\(template): no value for '\(name)'"
        }
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
        let chain = library.catalog.fallbackChain(for: language)
        guard let used = chain.first(where: { library.text(template: template, channel: channel, language: $0) != nil }),
              let source = library.text(template: template, channel: channel, language: used) else {
            throw .missingInAllLanguages(template: template, channel: channel, tried: chain)
        }
        let text = try Self.fill(source, template: template, allowed: Set(entry.placeholders), language: used,
                                 locale: library.locale(for: used), context: context)
        return RenderedMessage(text: text, language: used, requestedLanguage: language, usedFallback: used != language)
    }

    /// Parses and fills one text. `allowed` is the template's placeholder list from the catalog.
    static func fill(_ source: String, template: String, allowed: Set<String>, language: String, locale: Locale,
                     context: RenderContext) throws(TemplateError) -> String {
        let parsed: Template
        do {
            parsed = try Template(parsing: source)
        } catch {
            throw .syntax(template: template, language: language, message: error.message)
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

/// Formats date-times for prompts: Gregorian calendar (the sessions are in the Nordic countries), the
/// session's time zone, and the language's own digits (Arabic-Indic for ar and ckb, Persian for fa).
struct DateTimeFormatter {
    let locale: Locale
    let timeZone: TimeZone

    func format(_ date: Date, as filter: TemplateFilter) -> String {
        let formatter = DateFormatter()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.locale = locale
        formatter.calendar = calendar
        formatter.locale = locale
        formatter.timeZone = timeZone
        switch filter {
        case .weekday: formatter.setLocalizedDateFormatFromTemplate("EEEE")
        case .date: formatter.setLocalizedDateFormatFromTemplate("dMMMM")
        case .time, .upper: formatter.setLocalizedDateFormatFromTemplate("Hm")
        }
        return formatter.string(from: date)
    }

    /// Languages whose locale data on Linux gives Latin digits unless asked for their own numbering system.
    static let nativeDigits: [String: String] = ["ar": "arab", "fa": "arabext", "ckb": "arab"]

    /// The Foundation locale for a catalog identifier. A "-u-nu-xxx" extension is rewritten to "@numbers=xxx"
    /// (Foundation on Linux crashes on "ar-u-nu-arab"), and Arabic-script languages get their own digits
    /// unless the identifier names a numbering system.
    static func locale(identifier: String, language: String) -> Locale {
        var identifier = identifier
        var numbers: String?
        if let range = identifier.range(of: "-u-nu-") {
            numbers = identifier[range.upperBound...].prefix { $0.isLetter || $0.isNumber }.lowercased()
            identifier.removeSubrange(range.lowerBound..<identifier.index(range.upperBound, offsetBy: numbers!.count))
        }
        if !identifier.contains("numbers=") {
            let primary = language.split(separator: "-").first.map(String.init) ?? language
            if let numbers = numbers ?? nativeDigits[primary] {
                identifier += (identifier.contains("@") ? ";" : "@") + "numbers=\(numbers)"
            }
        }
        return Locale(identifier: identifier)
    }
}
