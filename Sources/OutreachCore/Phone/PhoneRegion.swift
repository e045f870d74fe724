/// A country whose national number formats we understand: the default region for numbers written
/// without a country code ("070-123 45 67" in Sweden, "412 34 567" in Norway).
public struct PhoneRegion: Hashable, Sendable, CustomStringConvertible {
    /// ISO 3166 alpha-2 code, "SE".
    public let code: String
    /// Country calling code without the plus, "46".
    public let callingCode: String
    /// English country name for messages, "Sweden".
    public let name: String
    /// Whether national numbers are dialled with a leading trunk `0` (Sweden, Finland) or not (Norway, Denmark, Iceland).
    public let hasTrunkPrefix: Bool

    private init(code: String, callingCode: String, name: String, hasTrunkPrefix: Bool) {
        self.code = code
        self.callingCode = callingCode
        self.name = name
        self.hasTrunkPrefix = hasTrunkPrefix
    }

    public static let sweden = PhoneRegion(code: "SE", callingCode: "46", name: "Sweden", hasTrunkPrefix: true)
    public static let norway = PhoneRegion(code: "NO", callingCode: "47", name: "Norway", hasTrunkPrefix: false)
    public static let finland = PhoneRegion(code: "FI", callingCode: "358", name: "Finland", hasTrunkPrefix: true)
    public static let denmark = PhoneRegion(code: "DK", callingCode: "45", name: "Denmark", hasTrunkPrefix: false)
    public static let iceland = PhoneRegion(code: "IS", callingCode: "354", name: "Iceland", hasTrunkPrefix: false)

    public static var supported: [PhoneRegion] { [.sweden, .norway, .finland, .denmark, .iceland] }

    /// The region for an ISO code, case-insensitive ("se", " NO "); nil for regions we have no rules for.
    public init?(code: String) {
        let wanted = String(code.unicodeScalars.filter { !$0.properties.isWhitespace }).uppercased()
        guard let region = Self.supported.first(where: { $0.code == wanted }) else { return nil }
        self = region
    }

    /// The supported region that owns a calling code ("46" → Sweden), nil for the rest of the world.
    public init?(callingCode: String) {
        guard let region = Self.supported.first(where: { $0.callingCode == callingCode }) else { return nil }
        self = region
    }

    public var description: String { code }
}

/// Why a national significant number (the digits after the country code, without trunk `0`) is wrong.
enum NationalNumberProblem: Equatable, Sendable {
    case tooShort, tooLong, invalidStart
}

extension PhoneRegion {
    /// Checks the length and first digit of a national significant number, e.g. `701234567` for Sweden.
    /// The ranges follow the national numbering plans, limited to numbers a person can be texted or called on.
    func problem(withNationalNumber digits: [UInt8]) -> NationalNumberProblem? {
        guard let first = digits.first else { return .tooShort }
        let allowed: ClosedRange<Int>
        switch code {
        case "SE":
            // Mobiles 07X XXX XX XX: 9 digits after the 0. Landlines 7–9 including the area code (08-123 45 67, 0511-326 96).
            guard first != 0 else { return .invalidStart }
            allowed = first == 7 ? 9...9 : 7...9
        case "FI":
            // Mobiles 04X / 050: 6–10 digits after the 0; landlines and service numbers 5–10 (09 123 4567).
            guard first != 0 else { return .invalidStart }
            allowed = first == 4 || (first == 5 && digits.dropFirst().first == 0) ? 6...10 : 5...10
        case "NO", "DK":
            // Always 8 digits; 0 and 1 only begin short service codes.
            guard first >= 2 else { return .invalidStart }
            allowed = 8...8
        case "IS":
            // 7 digits beginning with 4–9.
            guard first >= 4 else { return .invalidStart }
            allowed = 7...7
        default:
            return nil
        }
        if digits.count < allowed.lowerBound { return .tooShort }
        if digits.count > allowed.upperBound { return .tooLong }
        return nil
    }
}
