/// The placeholder names a template may use (PROMPTS-CONTRACT.md); each template lists its subset in the catalog.
public enum PlaceholderVocabulary {
    /// Date-times: rendered through the `weekday`, `date` and `time` filters.
    public static let dateTimes: Set<String> = ["session.start", "pickup.time"]
    public static let texts: Set<String> = [
        "first_name", "org.name", "org.phone", "session.title", "session.place",
        "senior.first_name", "senior.name", "senior.pickup", "guide.first_name", "guide.name", "reply_code",
    ]
    public static let all: Set<String> = dateTimes.union(texts)
}

/// The filters a placeholder may pass through: `{{session.start | weekday}}`, `{{first_name | upper}}`.
public enum TemplateFilter: String, Sendable, CaseIterable {
    case weekday, date, time, upper

    /// True for the filters that turn a date-time into text.
    public var formatsDateTime: Bool { self != .upper }
}

/// A prompt text split into literal text and `{{name | filter}}` placeholders.
public struct Template: Equatable, Sendable {
    public struct Placeholder: Equatable, Sendable {
        public let name: String
        /// Applied left to right; names are checked when rendering, not when parsing.
        public let filters: [String]
    }

    public enum Part: Equatable, Sendable {
        case text(String)
        case placeholder(Placeholder)
    }

    public let parts: [Part]

    public var placeholders: [Placeholder] {
        parts.compactMap { if case .placeholder(let placeholder) = $0 { placeholder } else { nil } }
    }

    /// Parses `source`. Templates never contain literal braces, so a single `{` or `}` is an error too
    /// (it is almost always a mistyped placeholder).
    public init(parsing source: String) throws(TemplateSyntaxError) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(source)
        while let brace = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            literal += rest[..<brace]
            let tail = rest[brace...]
            guard tail.hasPrefix("{{") else {
                throw TemplateSyntaxError(message: "stray '\(tail.first!)' near '\(Self.excerpt(tail))' (placeholders are written {{name}})")
            }
            guard let close = tail.range(of: "}}") else {
                throw TemplateSyntaxError(message: "'{{' is not closed near '\(Self.excerpt(tail))'")
            }
            let inside = tail[tail.index(brace, offsetBy: 2)..<close.lowerBound]
            let pieces = inside.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            guard pieces.allSatisfy(Self.isName) else {
                throw TemplateSyntaxError(message: "'{{\(inside)}}' is not a placeholder (write {{name}} or {{name | filter}})")
            }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            parts.append(.placeholder(Placeholder(name: pieces[0], filters: Array(pieces.dropFirst()))))
            rest = tail[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }

    /// Letters, digits, `_`, `.` and `-`: no spaces, no braces.
    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "_.-".contains($0) }
    }

    static func excerpt(_ text: Substring) -> String {
        String(text.prefix(24).map { $0.isNewline ? " " : $0 })
    }
}

public struct TemplateSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
