/// A phone number in E.164 form ("+46701234567"), made by `PhoneNormalizer`.
///
/// Phone numbers are personal data: `description`, `debugDescription` and the reflection used by
/// `dump` all show the masked form, so a number interpolated into a log line never leaks. Use `e164`
/// deliberately where the full number is needed (the provider request, the database, `--json`).
public struct PhoneNumber: Hashable, Sendable, Codable, Comparable,
    CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// "+46701234567": a plus, the country code and the national significant number, digits only.
    public let e164: String

    /// Unchecked: for values that were validated before they were stored (the database, a provider's webhook
    /// that already speaks E.164). Anything a person typed goes through `PhoneNormalizer.normalize`.
    public init(e164 validated: String) {
        self.e164 = validated
    }

    /// The country calling code without the plus, "46"; best effort for unchecked values.
    public var callingCode: String { parts.code }

    /// The digits after the country code, "701234567".
    public var nationalNumber: String { parts.rest }

    /// The supported region the number belongs to, nil for the rest of the world.
    public var region: PhoneRegion? { PhoneRegion(callingCode: callingCode) }

    /// "+46 70 *** ** 67": the country code, the first two and last two digits of the national number.
    /// Numbers too short to hide anything that way show only the country code.
    public var masked: String {
        let national = Array(nationalNumber)
        guard national.count >= 6 else { return "+\(callingCode) *** **" }
        return "+\(callingCode) \(String(national.prefix(2))) *** ** \(String(national.suffix(2)))"
    }

    public var description: String { masked }
    public var debugDescription: String { "PhoneNumber(\(masked))" }
    public var customMirror: Mirror { Mirror(self, children: ["masked": masked], displayStyle: .struct) }

    /// Whether a string has the shape of an E.164 number: a plus and 2–15 digits, the first not 0.
    public static func isE164(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.first == UInt8(ascii: "+"), (3...16).contains(utf8.count), utf8[1] != UInt8(ascii: "0") else { return false }
        return utf8.dropFirst().allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool {
        lhs.e164 < rhs.e164
    }

    /// Encoded as the bare E.164 string, `"+46701234567"`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard Self.isE164(text) else {
            // The value itself stays out of the message: it is personal data.
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an E.164 phone number (+ and up to 15 digits)")
        }
        self.e164 = text
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }

    private var parts: (code: String, rest: String) {
        let digits = e164.utf8.dropFirst().compactMap { byte -> UInt8? in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? byte - UInt8(ascii: "0") : nil
        }
        if let split = CallingCodes.split(digits) {
            return (split.code, String(phoneDigits: split.rest))
        }
        // Unknown code in an unchecked value: treat the first digit as the code so masking still hides the rest.
        return (String(phoneDigits: digits.prefix(1)), String(phoneDigits: digits.dropFirst()))
    }
}
