/// A coding key that accepts any name, used to find keys a config file has but we do not know.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

/// Thrown while decoding config: `key` is the dotted path, e.g. "quietHours.start".
public struct ConfigValueError: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let message: String
    public var description: String { "\(key): \(message)" }
}

extension Decoder {
    /// Fails on a key that `Keys` does not list, naming it and suggesting the closest known key.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try container(keyedBy: AnyCodingKey.self)
        let known = Keys.allCases.map(\.stringValue)
        for key in container.allKeys where !known.contains(key.stringValue) {
            let path = configKeyPath(codingPath + [key])
            var message = "unknown key"
            if let suggestion = Suggestion.closest(to: key.stringValue, among: known) {
                message += " (did you mean '\(suggestion)'?)"
            } else {
                message += " (known here: \(known.joined(separator: ", ")))"
            }
            throw ConfigValueError(key: path, message: message)
        }
    }

    func valueError(_ key: some CodingKey, _ message: String) -> ConfigValueError {
        ConfigValueError(key: configKeyPath(codingPath + [key]), message: message)
    }
}

extension KeyedDecodingContainer {
    /// A whole number. Decoded as a number first: Foundation's decoder fails a fractional one (1.5) for `Int` with
    /// "not valid JSON" and no key, which would send a coordinator looking for a syntax error.
    func decodeWholeNumberIfPresent(forKey key: Key) throws -> Int? {
        guard let number = try decodeIfPresent(Double.self, forKey: key) else { return nil }
        guard number.rounded() == number, abs(number) < 1e15 else {
            throw ConfigValueError(key: configKeyPath(codingPath + [key]), message: "must be a whole number (found \(number))")
        }
        return Int(number)
    }
}

/// "Did you mean": the candidate within a small edit distance, if any.
public enum Suggestion {
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        let scored = candidates.map { ($0, distance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let limit = max(1, min(3, word.count / 3))
        return best.1 <= limit ? best.0 : nil
    }

    /// Edit distance counting a swap of two neighbouring letters as one edit ("lsit" → "list"),
    /// the optimal-string-alignment variant of Damerau–Levenshtein.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}

/// "reminders[0].name": dotted keys, list positions in brackets.
func configKeyPath(_ keys: [any CodingKey]) -> String {
    var text = ""
    for key in keys {
        if let index = key.intValue {
            text += "[\(index)]"
        } else {
            text += (text.isEmpty ? "" : ".") + key.stringValue
        }
    }
    return text
}
