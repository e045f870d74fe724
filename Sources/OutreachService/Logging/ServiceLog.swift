import Foundation
import OutreachCore

/// Structured log lines: `2026-11-24T09:00:00Z info sent message=42 to=+46 70 *** ** 05 provider=twilio`.
/// Phone numbers are logged masked; bodies are never logged. Libraries take a log; they never make a global one.
public struct ServiceLog: Sendable {
    public enum Level: String, Sendable { case debug, info, warning, error }

    private let write: @Sendable (String) -> Void
    private let now: @Sendable () -> Date
    public let minimumLevel: Level

    public init(minimumLevel: Level = .info, now: @escaping @Sendable () -> Date, write: @escaping @Sendable (String) -> Void) {
        self.minimumLevel = minimumLevel
        self.now = now
        self.write = write
    }

    /// A log that drops everything (tests that do not look at logs).
    public static let silent = ServiceLog(now: { Date(timeIntervalSince1970: 0) }, write: { _ in })

    public func log(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard Self.rank(level) >= Self.rank(minimumLevel) else { return }
        var line = "\(Timestamp.format(now())) \(level.rawValue) \(event)"
        for (key, value) in fields {
            line += " \(key)=" + (value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value)
        }
        write(line)
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
