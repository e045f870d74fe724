/// Provider credentials by name ("TWILIO_AUTH_TOKEN" → value), read at the edge from the environment
/// and an optional secrets file. Never printed: `description` lists names only.
public struct ProviderSecrets: Sendable, CustomStringConvertible {
    private let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    /// Environment variables win over the file's `NAME=value` lines (so a deploy can override one secret).
    public init(environment: [String: String], fileText: String?) {
        var values: [String: String] = [:]
        for line in (fileText ?? "").split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            values[name] = value
        }
        for (name, value) in environment where !value.isEmpty { values[name] = value }
        self.values = values
    }

    public subscript(name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// The value or an error naming the missing variable.
    public func required(_ name: String, for provider: String) throws(ProviderConfigError) -> String {
        guard let value = self[name] else {
            throw ProviderConfigError("\(provider) needs \(name): set it in the environment or in the provider's secretsFile")
        }
        return value
    }

    public var description: String { "ProviderSecrets(\(values.keys.sorted().joined(separator: ", ")))" }
}

public struct ProviderConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

import Foundation
