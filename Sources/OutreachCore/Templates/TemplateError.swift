/// Why a template could not be rendered; the description names the file and the placeholder.
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
