/// One thing wrong with the prompts, one line: "ar/session-reminder.sms: 4 segments with realistic values, budget is 3".
public struct LintProblem: Equatable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    /// A file ("ar/session-reminder.sms", "catalog.json5", "ar/keywords.json5") or "keywords" for cross-language checks.
    public let location: String
    public let message: String
    public let severity: Severity

    public init(_ location: String, _ message: String, severity: Severity = .error) {
        self.location = location
        self.message = message
        self.severity = severity
    }

    public var description: String {
        "\(location): \(severity == .warning ? "warning: " : "")\(message)"
    }
}
