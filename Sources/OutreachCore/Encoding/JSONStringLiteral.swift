/// Text as a JSON string literal, quotes included: `"`, `\` and control characters escaped (`\n`, `\r`, `\t`,
/// else `\u00XX`), and also DEL, the C1 controls and the Unicode line and paragraph separators, which JSON allows
/// raw but a reader of lines might break at. Everything else as is. Used for provider requests built by hand and
/// for log values, which must stay one token of one line.
public enum JSONStringLiteral {
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where breaksLines(scalar): out += "\\u" + hex4(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// C0 and C1 controls, DEL, and U+2028/U+2029.
    public static func breaksLines(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
