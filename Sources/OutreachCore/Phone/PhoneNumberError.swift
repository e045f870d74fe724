/// Why a raw phone number could not be normalized. Each case carries the input as the coordinator
/// wrote it (trimmed), so the message can point at the cell to fix.
public enum PhoneNumberError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    /// Letters or symbols that have no place in a phone number.
    case notANumber(String)
    case tooShort(String)
    case tooLong(String)
    /// International form whose country code is not assigned to any country.
    case unknownCountryCode(String)
    /// Digits that no number of the region (ISO code) can begin with, or a national number without its trunk 0.
    case invalidForRegion(String, region: String)

    /// The input the error is about ("" for `.empty`).
    public var input: String {
        switch self {
        case .empty: ""
        case .notANumber(let raw), .tooShort(let raw), .tooLong(let raw), .unknownCountryCode(let raw): raw
        case .invalidForRegion(let raw, _): raw
        }
    }

    public var description: String {
        switch self {
        case .empty:
            "the phone number is empty"
        case .notANumber(let raw):
            "'\(raw)' is not a phone number"
        case .tooShort(let raw):
            "'\(raw)' is too short for a phone number"
        case .tooLong(let raw):
            "'\(raw)' is too long for a phone number"
        case .unknownCountryCode(let raw):
            "'\(raw)' does not start with a known country code"
        case .invalidForRegion(let raw, let code):
            "'\(raw)' is not a valid number" + Self.hint(forRegion: code)
        }
    }

    /// What numbers of the region look like, so the coordinator sees how to fix the cell.
    private static func hint(forRegion code: String) -> String {
        guard let region = PhoneRegion(code: code) else { return " in region \(code)" }
        switch region.code {
        case "SE": return " in Sweden: Swedish numbers start with 0 (070…, 08…) or +46"
        case "FI": return " in Finland: Finnish numbers start with 0 (040…, 09…) or +358"
        case "NO": return " in Norway: Norwegian numbers have 8 digits and start with 2–9, or write +47"
        case "DK": return " in Denmark: Danish numbers have 8 digits and start with 2–9, or write +45"
        case "IS": return " in Iceland: Icelandic numbers have 7 digits and start with 4–9, or write +354"
        default: return " in \(region.name)"
        }
    }
}
