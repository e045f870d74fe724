import OutreachCore

/// `application/x-www-form-urlencoded` with a strict unreserved set.
///
/// Only `A-Z a-z 0-9 - . _ ~` pass through; every other UTF-8 byte becomes `%XX` (upper-case hex),
/// so `+` → `%2B`, space → `%20`, `å` → `%C3%A5`. Providers decode this unambiguously, and signatures
/// are computed over the decoded values.
public enum FormEncoding {
    public static func encode(_ fields: [(String, String)]) -> String {
        String(decoding: encodedBytes(fields), as: UTF8.self)
    }

    /// `encode(fields)` as UTF-8 bytes, written in one buffer (every send builds a form: no temporary strings).
    public static func encodedBytes(_ fields: [(String, String)]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(fields.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 } * 2)
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            append(field.0, to: &out)
            out.append(UInt8(ascii: "="))
            append(field.1, to: &out)
        }
        return out
    }

    /// Percent-encodes every byte outside the unreserved set.
    public static func percentEncode(_ text: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        // Native strings are contiguous UTF-8: walk the buffer, not the view (this runs for every byte of every form).
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes { appendEncoded(byte, to: &out) }
        }
        if done != nil { return }
        for byte in text.utf8 { appendEncoded(byte, to: &out) }
    }

    @inline(__always)
    private static func appendEncoded(_ byte: UInt8, to out: inout [UInt8]) {
        if isUnreserved(byte) {
            out.append(byte)
        } else {
            out.append(UInt8(ascii: "%"))
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
    }

    /// Splits on `&`, then on the first `=`; `+` means space; malformed `%` sequences are kept literally.
    /// Empty pieces (`a=1&&b=2`) are skipped; a name without `=` gets an empty value.
    public static func decode(_ text: String) -> [(String, String)] {
        PercentDecoding.pairs(text).map { ($0.name, $0.value) }
    }

    /// Decodes `%XX` and `+`; invalid UTF-8 becomes U+FFFD.
    public static func percentDecode<S: StringProtocol>(_ text: S) -> String {
        PercentDecoding.decode(text)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
