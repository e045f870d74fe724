/// Who a campaign reaches: `role=senior;language=ar,so;session=3` or `people=4,7,9`.
/// Parts combine with AND; comma lists within a part with OR.
public struct AudienceFilter: Sendable, Equatable, CustomStringConvertible {
    public var roles: [Role] = []
    public var languages: [String] = []
    public var sessionID: Int64?
    public var personIDs: [Int64] = []

    public init(roles: [Role] = [], languages: [String] = [], sessionID: Int64? = nil, personIDs: [Int64] = []) {
        self.roles = roles
        self.languages = languages
        self.sessionID = sessionID
        self.personIDs = personIDs
    }

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public static func parse(_ text: String) -> Result<AudienceFilter, ParseError> {
        var filter = AudienceFilter()
        let trimmed = text.trimmingWhitespace()
        if trimmed == "all" || trimmed.isEmpty { return .success(filter) }
        for part in trimmed.split(separator: ";") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard pieces.count == 2, !pieces[1].isEmpty else {
                return .failure(ParseError(message: "'\(part)' is not NAME=VALUE (e.g. role=senior;language=ar)"))
            }
            let values = pieces[1].split(separator: ",").map { $0.trimmingWhitespace() }
            switch pieces[0].lowercased() {
            case "role":
                for value in values {
                    guard let role = Role(rawValue: value.lowercased()) else {
                        return .failure(ParseError(message: "'\(value)' is not a role (senior, guide, coordinator)"))
                    }
                    filter.roles.append(role)
                }
            case "language", "lang":
                for value in values {
                    guard let code = LanguageCode.canonical(value) else {
                        return .failure(ParseError(message: "'\(value)' is not a language code"))
                    }
                    filter.languages.append(code)
                }
            case "session":
                guard values.count == 1, let id = Int64(values[0]) else {
                    return .failure(ParseError(message: "session takes one session id, e.g. session=3"))
                }
                filter.sessionID = id
            case "people", "person", "ids":
                for value in values {
                    guard let id = Int64(value) else { return .failure(ParseError(message: "'\(value)' is not a person id")) }
                    filter.personIDs.append(id)
                }
            default:
                return .failure(ParseError(message: "unknown audience part '\(pieces[0])' (use role, language, session, people)"))
            }
        }
        return .success(filter)
    }

    /// The canonical text, stored with the campaign and parsed back.
    public var description: String {
        var parts: [String] = []
        if !roles.isEmpty { parts.append("role=" + roles.map(\.rawValue).joined(separator: ",")) }
        if !languages.isEmpty { parts.append("language=" + languages.joined(separator: ",")) }
        if let sessionID { parts.append("session=\(sessionID)") }
        if !personIDs.isEmpty { parts.append("people=" + personIDs.map(String.init).joined(separator: ",")) }
        return parts.isEmpty ? "all" : parts.joined(separator: ";")
    }
}
