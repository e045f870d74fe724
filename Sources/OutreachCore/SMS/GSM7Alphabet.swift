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
        let cost = cost(of: scalar, low: lowTable)
        return cost == 0 ? nil : Int(cost)
    }

    /// True when every scalar of `text` is in the default alphabet or the extension table.
    public static func canEncode(_ text: String) -> Bool {
        let low = lowTable
        return allScalarValues(text) { cost(ofValue: $0, low: low) != 0 }
    }

    /// 0 (not GSM-7), 1 or 2 septets. Every message is inspected several times, so scalars below U+0400
    /// (Latin and Greek, where all but the euro sign live) are looked up in `lowTable` (fetched once by the
    /// caller) instead of hashed into the sets.
    @inline(__always)
    static func cost(of scalar: Unicode.Scalar, low: [UInt8]) -> UInt8 {
        cost(ofValue: scalar.value, low: low)
    }

    @inline(__always)
    static func cost(ofValue value: UInt32, low: [UInt8]) -> UInt8 {
        if value < UInt32(low.count) { return low[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        if basic.contains(scalar) { return 1 }
        if extended.contains(scalar) { return 2 }
        return 0
    }

    /// True when `test` holds for the value of every scalar of `text`, in order, stopping at the first false.
    /// Decodes the string's own UTF-8 bytes (always valid in a Swift string) in place: the per-message inspection
    /// walks every text three times, and this is several times faster than `unicodeScalars`.
    @inline(__always)
    static func allScalarValues(_ text: String, _ test: (UInt32) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var index = 0
            let count = bytes.count
            while index < count {
                let lead = UInt32(bytes[index])
                let value: UInt32
                if lead < 0x80 {
                    value = lead
                    index += 1
                } else if lead < 0xE0 {
                    value = (lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
                    index += 2
                } else if lead < 0xF0 {
                    value = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
                    index += 3
                } else {
                    value = (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
                        | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F)
                    index += 4
                }
                if !test(value) { return false }
            }
            return true
        }
    }

    static let lowTable: [UInt8] = (0..<0x400).map { value -> UInt8 in
        guard let scalar = Unicode.Scalar(UInt32(value)) else { return 0 }
        if basic.contains(scalar) { return 1 }
        if extended.contains(scalar) { return 2 }
        return 0
    }
}
