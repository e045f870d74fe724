import Testing
@testable import OutreachCore

@Suite("SMS encoding and segments")
struct SMSEncodingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let text: String
        let encoding: SMSEncoding
        let segments: Int
        let units: Int
        var testDescription: String { label }
    }

    static let counting: [Case] = [
        Case(label: "empty", text: "", encoding: .gsm7, segments: 0, units: 0),
        Case(label: "GSM-7 160", text: String(repeating: "a", count: 160), encoding: .gsm7, segments: 1, units: 160),
        Case(label: "GSM-7 161", text: String(repeating: "a", count: 161), encoding: .gsm7, segments: 2, units: 161),
        Case(label: "GSM-7 306", text: String(repeating: "a", count: 306), encoding: .gsm7, segments: 2, units: 306),
        Case(label: "GSM-7 307", text: String(repeating: "a", count: 307), encoding: .gsm7, segments: 3, units: 307),
        Case(label: "GSM-7 459", text: String(repeating: "a", count: 459), encoding: .gsm7, segments: 3, units: 459),
        Case(label: "UCS-2 70", text: String(repeating: "ş", count: 70), encoding: .ucs2, segments: 1, units: 70),
        Case(label: "UCS-2 71", text: String(repeating: "ş", count: 71), encoding: .ucs2, segments: 2, units: 71),
        Case(label: "UCS-2 134", text: String(repeating: "س", count: 134), encoding: .ucs2, segments: 2, units: 134),
        Case(label: "UCS-2 135", text: String(repeating: "س", count: 135), encoding: .ucs2, segments: 3, units: 135),
        Case(label: "one non-GSM char makes it all UCS-2", text: String(repeating: "a", count: 69) + "ğ",
             encoding: .ucs2, segments: 1, units: 70),
        Case(label: "Swedish letters are GSM-7", text: "Åsa, Äng, Östen, é: räksmörgås", encoding: .gsm7, segments: 1, units: 30),
        Case(label: "Norwegian/Danish æ ø å", text: "Blåbærsyltetøy ÆØÅ", encoding: .gsm7, segments: 1, units: 18),
        Case(label: "Finnish", text: "Hyvää päivää, tervetuloa", encoding: .gsm7, segments: 1, units: 24),
        Case(label: "Turkish ş ğ ı are not GSM-7", text: "Hoş geldiniz, ığ", encoding: .ucs2, segments: 1, units: 16),
        Case(label: "Greek capitals and symbols of the default alphabet", text: "ΔΦΓΛΩΠΨΣΘΞ@£$¥§¿¡¤_", encoding: .gsm7, segments: 1, units: 19),
        Case(label: "extension characters count two", text: "€[]{}~^|\\", encoding: .gsm7, segments: 1, units: 18),
        Case(label: "159 + euro = 161 septets", text: String(repeating: "a", count: 159) + "€", encoding: .gsm7, segments: 2, units: 161),
        Case(label: "158 + euro = 160 septets", text: String(repeating: "a", count: 158) + "€", encoding: .gsm7, segments: 1, units: 160),
        Case(label: "emoji is two UTF-16 units", text: "Hej 👍", encoding: .ucs2, segments: 1, units: 6),
        Case(label: "CR LF counts two", text: "a\r\nb", encoding: .gsm7, segments: 1, units: 4),
        Case(label: "lower-case ç is not in the alphabet", text: "ça", encoding: .ucs2, segments: 1, units: 2),
    ]

    @Test("encoding, segments and units", arguments: counting)
    func counts(_ item: Case) {
        let inspection = SMSEncoder.inspect(item.text)
        #expect(inspection.encoding == item.encoding)
        #expect(inspection.segments == item.segments)
        #expect(inspection.units == item.units)
        #expect(inspection.text == item.text)
        let parts = SMSEncoder.segments(of: item.text)
        #expect(parts.count == item.segments)
        #expect(parts.joined() == item.text)
    }

    @Test("an escape pair is never split: it moves to the next segment")
    func escapeAtBoundary() {
        // 152 septets + "€" (2) does not fit 153: the euro opens segment two.
        let text = String(repeating: "a", count: 152) + "€" + String(repeating: "b", count: 10)
        let parts = SMSEncoder.segments(of: text)
        #expect(parts.count == 2)
        #expect(parts[0] == String(repeating: "a", count: 152))
        #expect(parts[1].hasPrefix("€"))
        #expect(SMSEncoder.inspect(text).units == 164)
    }

    @Test("an escape pair that fits exactly stays in the segment")
    func escapeFitsExactly() {
        let text = String(repeating: "a", count: 151) + "€" + String(repeating: "b", count: 10)
        let parts = SMSEncoder.segments(of: text)
        #expect(parts[0] == String(repeating: "a", count: 151) + "€")
        #expect(parts[1] == String(repeating: "b", count: 10))
    }

    @Test("a surrogate pair is never split across UCS-2 segments")
    func emojiAtBoundary() {
        // 66 units + 👍 (2 units) does not fit 67: the emoji opens segment two.
        let text = String(repeating: "س", count: 66) + "👍" + String(repeating: "س", count: 10)
        let parts = SMSEncoder.segments(of: text)
        #expect(parts.count == 2)
        #expect(parts[0] == String(repeating: "س", count: 66))
        #expect(parts[1].hasPrefix("👍"))
        #expect(parts.allSatisfy { $0.utf16.count <= 67 })
        #expect(SMSEncoder.inspect(text).units == 78)
    }

    @Test("every multipart segment stays within 153 septets / 67 units", arguments: [
        String(repeating: "a€", count: 200),
        String(repeating: "😀س", count: 100),
        String(repeating: "{x}", count: 120),
    ])
    func segmentSizes(_ text: String) {
        let inspection = SMSEncoder.inspect(text)
        let parts = SMSEncoder.segments(of: text)
        #expect(parts.joined() == text)
        for part in parts {
            let units = part.unicodeScalars.map { SMSEncoder.width(of: $0, in: inspection.encoding) }.reduce(0, +)
            #expect(units <= inspection.encoding.multipartSegmentUnits)
        }
    }

    struct SmartCase: Sendable, CustomTestStringConvertible {
        let original: String
        let smart: String
        let encoding: SMSEncoding
        var testDescription: String { original }
    }

    static let smart: [SmartCase] = [
        SmartCase(original: "Välkommen – ”Kaffe och samtal” …", smart: "Välkommen - \"Kaffe och samtal\" ...", encoding: .gsm7),
        SmartCase(original: "It‘s Anna’s turn — kl.\u{00A0}14:00", smart: "It's Anna's turn - kl. 14:00", encoding: .gsm7),
        SmartCase(original: "«Hei» 10\u{202F}000\u{2007}kr, av\u{00AD}gift", smart: "\"Hei\" 10 000 kr, avgift", encoding: .gsm7),
        SmartCase(original: "„Ja“ ‚nej‘", smart: "\"Ja\" 'nej'", encoding: .gsm7),
        // Decomposed å (a + U+030A) becomes the GSM-7 letter.
        SmartCase(original: "Ra\u{030A}slätt", smart: "Råslätt", encoding: .gsm7),
        // Turkish needs UCS-2 anyway: the typographic characters stay.
        SmartCase(original: "“Hoş geldiniz” – ığ", smart: "“Hoş geldiniz” – ığ", encoding: .ucs2),
        SmartCase(original: "مرحبا – “أهلا”", smart: "مرحبا – “أهلا”", encoding: .ucs2),
        SmartCase(original: "plain text", smart: "plain text", encoding: .gsm7),
    ]

    @Test("smart encoding replaces typography only when the whole text becomes GSM-7", arguments: smart)
    func smartEncoding(_ item: SmartCase) {
        let inspection = SMSEncoder.inspect(item.original, smartEncoding: true)
        #expect(inspection.text == item.smart)
        #expect(inspection.encoding == item.encoding)
        #expect(SMSEncoder.segments(of: item.original, smartEncoding: true).joined() == item.smart)
    }

    @Test("smart encoding turns a 3-segment UCS-2 text into a 1-segment GSM-7 text")
    func smartEncodingSaves() {
        let text = "Hej Anna! Välkommen till ”Kaffe och samtal” på onsdag 24 september kl. 13:30 – Råslätts centrum. Svara 1 om du kommer, 2 om du inte kan…"
        #expect(SMSEncoder.inspect(text).encoding == .ucs2)
        #expect(SMSEncoder.inspect(text).segments == 3)
        let smart = SMSEncoder.inspect(text, smartEncoding: true)
        #expect(smart.encoding == .gsm7)
        #expect(smart.segments == 1)
    }

    @Test("the default alphabet has 127 characters plus 10 extension characters")
    func alphabetSize() {
        #expect(GSM7Alphabet.basicTable.unicodeScalars.count == 128)
        #expect(GSM7Alphabet.basic.count == 127)
        #expect(GSM7Alphabet.extended.count == 10)
        #expect(GSM7Alphabet.basic.isDisjoint(with: GSM7Alphabet.extended))
    }
}
