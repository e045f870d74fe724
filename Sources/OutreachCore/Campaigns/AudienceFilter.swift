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
        if trimmed == "all" { return .success(filter) }
        // Everyone must be asked for by name: an empty filter (a forgotten value, a stray `;`) would reach every
        // person in the database, guides and coordinators included.
        let parts = trimmed.split(separator: ";").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !parts.isEmpty else {
            return .failure(ParseError(message: "is empty: write all for everyone, or e.g. role=senior;language=ar"))
        }
        var seen: Set<String> = []
        for part in parts {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard pieces.count == 2, !pieces[1].isEmpty else {
                return .failure(ParseError(message: "'\(part)' is not NAME=VALUE (e.g. role=senior;language=ar)"))
            }
            let values = pieces[1].split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            // `role=,` would otherwise filter nothing, and reach everyone.
            guard !values.isEmpty else {
                return .failure(ParseError(message: "'\(part)' names no value (e.g. role=senior)"))
            }
            let name = Self.partNames[pieces[0].lowercased()] ?? pieces[0].lowercased()
            // Parts combine with AND, so a repeated part would silently replace or narrow the first.
            guard seen.insert(name).inserted else {
                return .failure(ParseError(message: "'\(name)' is given twice: list its values once, separated by commas"))
            }
            switch name {
            case "role":
                for value in values {
                    guard let role = Role(rawValue: value.lowercased()) else {
                        return .failure(ParseError(message: "'\(value)' is not a role (senior, guide, coordinator)"))
                    }
                    filter.roles.append(role)
                }
            case "language":
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
            case "people":
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

    /// Other names accepted for a part.
    static let partNames = ["lang": "language", "person": "people", "ids": "people"]

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
