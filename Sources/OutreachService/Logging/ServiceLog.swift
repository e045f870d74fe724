import Foundation
import OutreachCore

/// Structured log lines: `2026-11-24T09:00:00Z info sent message=42 to=+46 70 *** ** 05 provider=twilio`.
/// Phone numbers are logged masked; bodies are never logged. Libraries take a log; they never make a global one.
public struct ServiceLog: Sendable {
    public enum Level: String, Sendable { case debug, info, warning, error }

    private let write: @Sendable (String) -> Void
    private let now: @Sendable () -> Date
    public let minimumLevel: Level
    /// True for `silent`: lines are not even formatted.
    private let dropsEverything: Bool

    public init(minimumLevel: Level = .info, now: @escaping @Sendable () -> Date, write: @escaping @Sendable (String) -> Void) {
        self.init(minimumLevel: minimumLevel, now: now, write: write, dropsEverything: false)
    }

    private init(minimumLevel: Level, now: @escaping @Sendable () -> Date, write: @escaping @Sendable (String) -> Void,
                 dropsEverything: Bool) {
        self.minimumLevel = minimumLevel
        self.now = now
        self.write = write
        self.dropsEverything = dropsEverything
    }

    /// A log that drops everything (tests that do not look at logs, the benchmark).
    public static let silent = ServiceLog(minimumLevel: .error, now: { Date(timeIntervalSince1970: 0) }, write: { _ in },
                                          dropsEverything: true)

    public func log(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard !dropsEverything, Self.rank(level) >= Self.rank(minimumLevel) else { return }
        var line = "\(Timestamp.format(now())) \(level.rawValue) \(event)"
        for (key, value) in fields {
            line += " \(key)=" + Self.quoted(value)
        }
        write(line)
    }

    /// A value as one token of one line: as it is when plain, else as a JSON string literal (quoted, with quotes,
    /// backslashes and line breaks escaped). A provider's error text (an HTML page from a proxy) may hold line breaks:
    /// unescaped, its second line could read as a log line of its own.
    static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && !value.unicodeScalars.contains {
            $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || JSONStringLiteral.breaksLines($0)
        }
        return plain ? value : JSONStringLiteral.quoted(value)
    }

    public func info(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.info, event, fields) }
    public func warning(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.warning, event, fields) }
    public func error(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.error, event, fields) }

    private static func rank(_ level: Level) -> Int {
        switch level {
        case .debug: return 0
        case .info: return 1
        case .warning: return 2
        case .error: return 3
        }
    }
}
