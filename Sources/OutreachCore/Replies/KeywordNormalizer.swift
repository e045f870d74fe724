import Foundation

/// Turns an SMS reply into comparable words, so that "Ja, jag kommer!", "  JA 👍", "نَعَـــم؟" and "١" compare
/// equal to the keywords "ja", "نعم" and the digit "1".
///
/// Two forms: `words` (NFKC, lower case, Arabic cleanup, ASCII digits, no punctuation/emoji/direction marks)
/// and `loose` (the same without diacritics and apostrophes: "hjälp" → "hjalp", "na'am" → "naam", "hayır" → "hayir").
public enum KeywordNormalizer {
    /// The reply as normalized words joined by single spaces.
    public static func normalize(_ text: String) -> String {
        words(text).joined(separator: " ")
    }

    /// The normalized words of a reply, in order.
    public static func words(_ text: String) -> [String] {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.precomposedStringWithCompatibilityMapping.unicodeScalars {
            if isIgnorable(scalar) { continue }
            cleaned.append(unified(scalar))
        }
        let lowered = String(cleaned).lowercased()
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func finishWord() {
            let word = trimmedApostrophes(current)
            if !word.isEmpty { words.append(word) }
            current = String.UnicodeScalarView()
        }
        for scalar in lowered.unicodeScalars {
            if isSeparator(scalar) {
                finishWord()
            } else {
                current.append(scalar)
            }
        }
        finishWord()
        return words
    }

    /// The diacritic-free form of normalized text, for a second, looser comparison.
    public static func loose(_ normalized: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in normalized.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark: continue
            default: break
            }
            if apostrophes.contains(scalar) { continue }
            result.append(looseLetters[scalar] ?? scalar)
        }
        return String(result).precomposedStringWithCanonicalMapping
    }

    // MARK: - Scalar classes

    /// Letters without a decomposition that people replace by their plain neighbour when typing in a hurry.
    static let looseLetters: [Unicode.Scalar: Unicode.Scalar] = ["ı": "i", "đ": "d", "ø": "o", "ł": "l"]

    static let apostrophes: Set<Unicode.Scalar> = ["'", "\u{2019}", "\u{2018}", "\u{02BC}", "`"]

    /// Scalars dropped before anything else: tatweel, Arabic harakat, direction marks, zero-width joiners,
    /// variation selectors, the keycap mark (so "1️⃣" is "1").
    static func isIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0640, 0x064B...0x065F, 0x0670: return true                     // tatweel, harakat, superscript alef
        case 0x200B...0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: return true  // zero width, bidi
        case 0xFE00...0xFE0F, 0x20E3: return true                              // variation selectors, keycap
        default: return false
        }
    }

    /// Unifies Arabic-script letter variants and turns every decimal digit into ASCII.
    static func unified(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x06CC, 0x0649: return "\u{064A}"                   // Persian yeh, alef maksura → Arabic yeh
        case 0x06A9: return "\u{0643}"                           // Persian keheh → Arabic kaf
        case 0x0622, 0x0623, 0x0625, 0x0671: return "\u{0627}"   // alef with madda/hamza/wasla → alef
        case 0x1369...0x1371: return Unicode.Scalar(UInt8(0x31 + scalar.value - 0x1369))  // Ge'ez ፩...፱
        case 0x2018, 0x2019, 0x02BC, 0x0060: return "'"          // phones type ’ for '
        // Sorani typed on an Arabic or Persian keyboard, which has none of Kurdish's own letters: ە and ھ as ه, ڕ as ر,
        // ڵ as ل, ێ as ی, ۆ as و. None of these letters is used in Arabic or Persian, so nothing else changes.
        case 0x06D5, 0x06BE: return "\u{0647}"
        case 0x0695: return "\u{0631}"
        case 0x06B5: return "\u{0644}"
        case 0x06CE: return "\u{064A}"
        case 0x06C6: return "\u{0648}"
        case 0x12A3: return "\u{12A0}"                           // Tigrinya ኣ, typed አ on an Amharic keyboard
        default: break
        }
        if scalar.properties.numericType == .decimal, !scalar.isASCII,
           let value = scalar.properties.numericValue, (0...9).contains(value) {
            return Unicode.Scalar(UInt8(0x30 + Int(value)))
        }
        return scalar
    }

    /// Whitespace, punctuation other than apostrophes and hyphens, symbols and emoji separate words.
    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        if apostrophes.contains(scalar) || scalar == "-" { return false }
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
             .privateUse, .surrogate, .unassigned:
            return true
        default:
            return scalar.properties.isWhitespace
        }
    }

    /// Drops apostrophes and hyphens at the ends of a word ("'ja'" → "ja"), keeps them inside ("na'am").
    static func trimmedApostrophes(_ word: String.UnicodeScalarView) -> String {
        let isEdge: (Unicode.Scalar) -> Bool = { apostrophes.contains($0) || $0 == "-" }
        guard let first = word.firstIndex(where: { !isEdge($0) }),
              let last = word.lastIndex(where: { !isEdge($0) }) else { return "" }
        return String(String.UnicodeScalarView(word[first...last]))
    }
}
