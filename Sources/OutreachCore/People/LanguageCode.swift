/// Checks the shape of a BCP-47 language tag as coordinators write them: "sv", "ar", "ckb", "nb-NO", "sr-Latn".
public enum LanguageCode {
    /// The tag in canonical case ("SV" → "sv", "nb-no" → "nb-NO", "sr-latn" → "sr-Latn"), or nil when it is not a tag.
    public static func canonical(_ raw: String) -> String? {
        let parts = raw.trimmingWhitespace().split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let primary = parts.first, (2...3).contains(primary.count), primary.allSatisfy(\.isASCIILetter) else { return nil }
        var result = [primary.lowercased()]
        for part in parts.dropFirst() {
            guard (2...8).contains(part.count), part.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit }) else { return nil }
            if part.count == 2, part.allSatisfy(\.isASCIILetter) {
                result.append(part.uppercased())            // region
            } else if part.count == 4, part.allSatisfy(\.isASCIILetter) {
                result.append(part.prefix(1).uppercased() + part.dropFirst().lowercased())  // script
            } else {
                result.append(part.lowercased())
            }
        }
        return result.joined(separator: "-")
    }
}

extension Character {
    var isASCIILetter: Bool { isASCII && isLetter }
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// Trims spaces, tabs, newlines and Unicode spaces (no Foundation needed).
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
