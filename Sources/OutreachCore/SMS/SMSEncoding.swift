import Foundation

/// The two SMS data codings a text can be sent in.
public enum SMSEncoding: String, Sendable, Codable {
    case gsm7 = "GSM-7", ucs2 = "UCS-2"

    /// Units one single-part message holds (septets for GSM-7, UTF-16 code units for UCS-2).
    public var singleSegmentUnits: Int { self == .gsm7 ? 160 : 70 }
    /// Units one part of a multipart message holds: the concatenation header takes 6 bytes of each part.
    public var multipartSegmentUnits: Int { self == .gsm7 ? 153 : 67 }
}

/// What sending `text` costs: its encoding, the number of segments and the units it uses.
public struct SMSInspection: Equatable, Sendable {
    /// The text that would be sent (after smart encoding, when asked for).
    public let text: String
    public let encoding: SMSEncoding
    /// Parts the message is split into; 0 for an empty text.
    public let segments: Int
    /// Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2).
    public let units: Int

    public init(text: String, encoding: SMSEncoding, segments: Int, units: Int) {
        self.text = text
        self.encoding = encoding
        self.segments = segments
        self.units = units
    }
}

/// Chooses the encoding of an SMS and splits it into segments as 3GPP TS 23.038 / 23.040 do.
public enum SMSEncoder {
    public static func inspect(_ text: String, smartEncoding: Bool = false) -> SMSInspection {
        // Smart encoding already knows the encoding: the text is not walked a second time for it.
        let (text, encoding) = smartEncoding ? SmartEncoding.applied(text) : (text, encoding(of: text))
        // The same greedy split as `boundaries`, counted in one pass without building the widths (every message
        // of a campaign is inspected).
        var total = 0
        var segments = 0
        var used = 0
        let low = GSM7Alphabet.lowTable
        let limit = encoding.multipartSegmentUnits
        _ = GSM7Alphabet.allScalarValues(text) { value in
            // As `width(of:in:)`.
            let width = encoding == .gsm7 ? max(1, Int(GSM7Alphabet.cost(ofValue: value, low: low))) : (value > 0xFFFF ? 2 : 1)
            total += width
            if segments == 0 || used + width > limit {
                segments += 1
                used = 0
            }
            used += width
            return true
        }
        if total <= encoding.singleSegmentUnits { segments = min(segments, 1) }
        return SMSInspection(text: text, encoding: encoding, segments: segments, units: total)
    }

    /// The parts the message is split into, in order; their concatenation is the (smart-encoded) text.
    public static func segments(of text: String, smartEncoding: Bool = false) -> [String] {
        let text = smartEncoding ? SmartEncoding.apply(text) : text
        let encoding = encoding(of: text)
        let scalars = Array(text.unicodeScalars)
        let widths = scalars.map { width(of: $0, in: encoding) }
        return boundaries(widths: widths, encoding: encoding).map { range in
            var part = String.UnicodeScalarView()
            part.append(contentsOf: scalars[range])
            return String(part)
        }
    }

    public static func encoding(of text: String) -> SMSEncoding {
        GSM7Alphabet.canEncode(text) ? .gsm7 : .ucs2
    }

    /// Septets or UTF-16 code units of one scalar. A scalar is never split, which keeps escape pairs and
    /// surrogate pairs inside one segment.
    static func width(of scalar: Unicode.Scalar, in encoding: SMSEncoding) -> Int {
        switch encoding {
        case .gsm7: return GSM7Alphabet.septets(for: scalar) ?? 1
        case .ucs2: return scalar.utf16.count
        }
    }

    /// Scalar index ranges of the segments: greedy filling, a scalar that does not fit opens the next segment.
    static func boundaries(widths: [Int], encoding: SMSEncoding) -> [Range<Int>] {
        let total = widths.reduce(0, +)
        if widths.isEmpty { return [] }
        if total <= encoding.singleSegmentUnits { return [0..<widths.count] }
        var ranges: [Range<Int>] = []
        var start = 0
        var used = 0
        for (index, width) in widths.enumerated() {
            if used + width > encoding.multipartSegmentUnits {
                ranges.append(start..<index)
                start = index
                used = 0
            }
            used += width
        }
        ranges.append(start..<widths.count)
        return ranges
    }
}

/// Replaces typographic characters (curly quotes, dashes, ellipsis, special spaces) by plain GSM-7 ones,
/// but only when that makes the whole text GSM-7: a text that needs UCS-2 anyway keeps its original characters.
public enum SmartEncoding {
    static let replacements: [Unicode.Scalar: String] = [
        "\u{2018}": "'", "\u{2019}": "'", "\u{201A}": "'", "\u{201B}": "'", "\u{2032}": "'", "\u{2039}": "'", "\u{203A}": "'",
        "\u{201C}": "\"", "\u{201D}": "\"", "\u{201E}": "\"", "\u{201F}": "\"", "\u{2033}": "\"", "\u{00AB}": "\"", "\u{00BB}": "\"",
        "\u{2010}": "-", "\u{2011}": "-", "\u{2012}": "-", "\u{2013}": "-", "\u{2014}": "-", "\u{2015}": "-", "\u{2212}": "-",
        "\u{2026}": "...",
        "\u{00A0}": " ", "\u{2002}": " ", "\u{2003}": " ", "\u{2004}": " ", "\u{2005}": " ", "\u{2006}": " ",
        "\u{2007}": " ", "\u{2008}": " ", "\u{2009}": " ", "\u{200A}": " ", "\u{202F}": " ", "\u{205F}": " ",
        "\u{00AD}": "", "\u{200B}": "", "\u{FEFF}": "",
    ]

    /// The GSM-7 version of `text`, or `text` itself when no replacement makes it GSM-7.
    public static func apply(_ text: String) -> String {
        applied(text).text
    }

    /// `apply(text)` and the encoding that text needs.
    static func applied(_ text: String) -> (text: String, encoding: SMSEncoding) {
        if GSM7Alphabet.canEncode(text) { return (text, .gsm7) }
        if !GSM7Alphabet.allScalarValues(text, { !staysOutsideGSM7($0) }) { return (text, .ucs2) }
        // Decomposed letters ("a" + combining ring) become the precomposed GSM-7 letter ("å").
        let composed = text.precomposedStringWithCanonicalMapping
        var result = ""
        result.unicodeScalars.reserveCapacity(composed.unicodeScalars.count)
        for scalar in composed.unicodeScalars {
            if let replacement = replacements[scalar] {
                result += replacement
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return GSM7Alphabet.canEncode(result) ? (result, .gsm7) : (text, .ucs2)
    }

    /// Arabic-script (Arabic, Persian, Sorani Kurdish) and Ethiopic (Tigrinya) letters stay in
    /// their own block under canonical composition and have no replacement, so a text holding one can never
    /// become GSM-7: the costly normalization is skipped for it.
    static func staysOutsideGSM7(_ value: UInt32) -> Bool {
        (0x0600...0x06FF).contains(value) || (0x1200...0x137F).contains(value)
    }
}
