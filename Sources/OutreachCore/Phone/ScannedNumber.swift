/// The digits of a raw phone number with the formatting taken out; nil (from `init`) when the text has
/// letters or symbols a phone number cannot have.
struct ScannedNumber {
    /// Decimal digit values 0–9, converted from any script (٠١٢, ۰۱۲, ０１２).
    var digits: [UInt8] = []
    /// Written with a leading + (international form).
    var hasPlus = false
    /// Indices in `digits` of zeros written alone in parentheses, "(0)": a trunk prefix in "+46 (0)70…".
    var parenthesizedZeros: Set<Int> = []

    init?<Text: StringProtocol>(_ text: Text) {
        var openedAt: Int?
        for scalar in text.unicodeScalars {
            if let digit = Self.digitValue(scalar) {
                digits.append(digit)
                continue
            }
            switch scalar {
            case "+", "\u{FF0B}", "\u{FE62}":  // plus, fullwidth plus, small plus
                guard !hasPlus, digits.isEmpty else { return nil }
                hasPlus = true
            case "(", "\u{FF08}", "[":
                openedAt = digits.count
            case ")", "\u{FF09}", "]":
                if let start = openedAt, digits.count == start + 1, digits[start] == 0 { parenthesizedZeros.insert(start) }
                openedAt = nil
            default:
                guard Self.isSeparator(scalar) else { return nil }
            }
        }
    }

    static func digitValue(_ scalar: Unicode.Scalar) -> UInt8? {
        guard scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue,
              value >= 0, value <= 9 else { return nil }
        return UInt8(value)
    }

    /// Spaces of every width, invisible marks (U+200E/U+200F, U+202A–U+202E, U+2066–U+2069, U+061C and other
    /// format characters that numbers pasted from right-to-left text carry), dashes, dots and slashes.
    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        if isInvisible(scalar) || scalar.properties.generalCategory == .dashPunctuation { return true }
        switch scalar {
        case ".", "/", "\u{2212}", "\u{00B7}", "\u{FF0E}", "\u{FF0F}": return true  // minus sign, middle dot, fullwidth . and /
        default: return false
        }
    }

    /// Whitespace (including no-break and ideographic spaces) and format characters (direction marks, zero-width space, BOM).
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar.properties.generalCategory == .format
    }
}
