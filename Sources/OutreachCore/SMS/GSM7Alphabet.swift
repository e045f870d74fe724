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
        let cost = cost(of: scalar)
        return cost == 0 ? nil : Int(cost)
    }

    /// True when every scalar of `text` is in the default alphabet or the extension table.
    public static func canEncode(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { cost(of: $0) != 0 }
    }

    /// 0 (not GSM-7), 1 or 2 septets. Every message is inspected several times, so scalars below U+0400
    /// (Latin and Greek, where all but the euro sign live) are looked up in a table instead of hashed into the sets.
    @inline(__always)
    static func cost(of scalar: Unicode.Scalar) -> UInt8 {
        if scalar.value < UInt32(lowTable.count) { return lowTable[Int(scalar.value)] }
        if basic.contains(scalar) { return 1 }
        if extended.contains(scalar) { return 2 }
        return 0
    }

    private static let lowTable: [UInt8] = (0..<0x400).map { value -> UInt8 in
        guard let scalar = Unicode.Scalar(UInt32(value)) else { return 0 }
        if basic.contains(scalar) { return 1 }
        if extended.contains(scalar) { return 2 }
        return 0
    }
}
