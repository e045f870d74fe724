/// The GSM 03.38 / 3GPP TS 23.038 default alphabet and its extension table.
///
/// A character of the default alphabet costs one septet; a character of the extension table costs two
/// (the escape septet 0x1B followed by its code), and the pair must stay in one segment.
public enum GSM7Alphabet {
    /// The 128 code points of the default alphabet in code order (0x00...0x7F); 0x1B (escape) is not a character.
    static let basicTable: String =
        "@£$¥èéùìòÇ\nØø\rÅå"
        + "Δ_ΦΓΛΩΠΨΣΘΞ\u{1B}ÆæßÉ"
        + " !\"#¤%&'()*+,-./"
        + "0123456789:;<=>?"
        + "¡ABCDEFGHIJKLMNO"
        + "PQRSTUVWXYZÄÖÑÜ§"
        + "¿abcdefghijklmno"
        + "pqrstuvwxyzäöñüà"

    /// The extension table characters reachable through the escape: form feed, ^ { } \ [ ~ ] | €.
    static let extensionTable: String = "\u{0C}^{}\\[~]|€"

    static let basic: Set<Unicode.Scalar> = Set(basicTable.unicodeScalars).subtracting(["\u{1B}"])
    static let extended: Set<Unicode.Scalar> = Set(extensionTable.unicodeScalars)

    /// Septets the scalar costs in GSM-7: 1 (default alphabet), 2 (extension table), nil when GSM-7 cannot carry it.
    public static func septets(for scalar: Unicode.Scalar) -> Int? {
        if basic.contains(scalar) { return 1 }
        if extended.contains(scalar) { return 2 }
        return nil
    }

    /// True when every scalar of `text` is in the default alphabet or the extension table.
    public static func canEncode(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { basic.contains($0) || extended.contains($0) }
    }
}
