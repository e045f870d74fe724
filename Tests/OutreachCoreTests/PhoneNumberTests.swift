import Foundation
import Testing
@testable import OutreachCore

/// One raw input, the default region, and the expected E.164 result.
struct ValidPhoneCase: Sendable, CustomTestStringConvertible {
    let raw: String
    let region: PhoneRegion
    let e164: String
    init(_ raw: String, _ region: PhoneRegion, _ e164: String) {
        self.raw = raw
        self.region = region
        self.e164 = e164
    }
    var testDescription: String { "\(region.code) \(raw.debugDescription) → \(e164)" }
}

/// One raw input that must fail, and how.
struct InvalidPhoneCase: Sendable, CustomTestStringConvertible {
    let raw: String
    let region: PhoneRegion
    let error: PhoneNumberError
    init(_ raw: String, _ region: PhoneRegion, _ error: PhoneNumberError) {
        self.raw = raw
        self.region = region
        self.error = error
    }
    var testDescription: String { "\(region.code) \(raw.debugDescription) → \(error)" }
}

private let validCases: [ValidPhoneCase] = [
    // Swedish mobiles as people write them.
    .init("070-123 45 67", .sweden, "+46701234567"),
    .init("0701234567", .sweden, "+46701234567"),
    .init("070 123 45 67", .sweden, "+46701234567"),
    .init("070-1234567", .sweden, "+46701234567"),
    .init("070.123.45.67", .sweden, "+46701234567"),
    .init("070/123 45 67", .sweden, "+46701234567"),
    .init("(070) 123 45 67", .sweden, "+46701234567"),
    .init("070–123 45 67", .sweden, "+46701234567"),                 // en dash from a word processor
    .init("  070-123 45 67\t", .sweden, "+46701234567"),
    .init("070\u{00A0}123\u{00A0}45\u{00A0}67", .sweden, "+46701234567"),  // no-break spaces
    .init("070\u{202F}123\u{2009}45\u{2009}67", .sweden, "+46701234567"),  // narrow and thin spaces
    .init("072-345 67 89", .sweden, "+46723456789"),
    .init("076 123 45 67", .sweden, "+46761234567"),
    .init("079-012 34 56", .sweden, "+46790123456"),
    .init("+46 70 123 45 67", .sweden, "+46701234567"),
    .init("+46701234567", .sweden, "+46701234567"),
    .init("+46-70-123 45 67", .sweden, "+46701234567"),
    .init("0046 70 123 45 67", .sweden, "+46701234567"),
    .init("0046701234567", .sweden, "+46701234567"),
    .init("+46 (0)70 123 45 67", .sweden, "+46701234567"),
    .init("+46 (0) 70-123 45 67", .sweden, "+46701234567"),
    .init("+46 070 123 45 67", .sweden, "+46701234567"),            // trunk 0 kept after the code
    .init("46 70 123 45 67", .sweden, "+46701234567"),              // spreadsheet lost the plus
    .init("tel:+46701234567", .sweden, "+46701234567"),
    .init("TEL:070-123 45 67", .sweden, "+46701234567"),
    // Swedish landlines and service numbers.
    .init("08-123 45 67", .sweden, "+4681234567"),
    .init("08-123 456 78", .sweden, "+46812345678"),
    .init("08 - 12 34 56", .sweden, "+468123456"),
    .init("0511-326 96", .sweden, "+4651132696"),                   // Skara
    .init("036-10 50 00", .sweden, "+4636105000"),                  // Jönköping
    .init("031-711 00 00", .sweden, "+46317110000"),
    .init("040-12 34 56", .sweden, "+4640123456"),
    .init("0771-567 567", .sweden, "+46771567567"),
    .init("010-123 45 67", .sweden, "+46101234567"),
    .init("+46 8 123 456 78", .sweden, "+46812345678"),
    .init("+46(0)8-123 45 67", .sweden, "+4681234567"),
    .init("0046 (0)8 123 45 67", .sweden, "+4681234567"),
    // Invisible direction marks from right-to-left text.
    .init("\u{200E}070-123 45 67\u{200F}", .sweden, "+46701234567"),
    .init("\u{202B}+46 70 123 45 67\u{202C}", .sweden, "+46701234567"),
    .init("\u{2066}070 123 45 67\u{2069}", .sweden, "+46701234567"),
    .init("\u{061C}070\u{200F}-123 45 67", .sweden, "+46701234567"),
    .init("\u{FEFF}070-123 45 67", .sweden, "+46701234567"),        // byte order mark from a CSV export
    // Arabic-Indic, Persian and fullwidth digits.
    .init("٠٧٠١٢٣٤٥٦٧", .sweden, "+46701234567"),
    .init("٠٧٠-١٢٣ ٤٥ ٦٧", .sweden, "+46701234567"),
    .init("\u{200F}+٤٦ ٧٠ ١٢٣ ٤٥ ٦٧", .sweden, "+46701234567"),
    .init("۰۷۰۱۲۳۴۵۶۷", .sweden, "+46701234567"),
    .init("۰۷۰ ۱۲۳ ۴۵ ۶۷", .sweden, "+46701234567"),
    .init("٠٧٠-123 ۴۵ ۶۷", .sweden, "+46701234567"),                // mixed scripts in one number
    .init("０７０－１２３ ４５ ６７", .sweden, "+46701234567"),
    .init("＋４６７０１２３４５６７", .sweden, "+46701234567"),
    // Norway: 8 digits, no trunk prefix.
    .init("412 34 567", .norway, "+4741234567"),
    .init("41234567", .norway, "+4741234567"),
    .init("41 23 45 67", .norway, "+4741234567"),
    .init("930 12 345", .norway, "+4793012345"),
    .init("22 12 34 56", .norway, "+4722123456"),
    .init("+47 22 12 34 56", .norway, "+4722123456"),
    .init("4741234567", .norway, "+4741234567"),
    .init("٤١٢ ٣٤ ٥٦٧", .norway, "+4741234567"),
    .init("+47 412 34 567", .sweden, "+4741234567"),
    .init("0047 412 34 567", .sweden, "+4741234567"),
    // Denmark: 8 digits, no trunk prefix.
    .init("20 12 34 56", .denmark, "+4520123456"),
    .init("20123456", .denmark, "+4520123456"),
    .init("33-12-34-56", .denmark, "+4533123456"),
    .init("4520123456", .denmark, "+4520123456"),
    .init("+45 20 12 34 56", .sweden, "+4520123456"),
    .init("0045 33 12 34 56", .sweden, "+4533123456"),
    // Finland: trunk prefix 0.
    .init("040 123 4567", .finland, "+358401234567"),
    .init("040-1234567", .finland, "+358401234567"),
    .init("050 123 4567", .finland, "+358501234567"),
    .init("045 12345678", .finland, "+3584512345678"),
    .init("09 123 4567", .finland, "+35891234567"),
    .init("(09) 123 456", .finland, "+3589123456"),
    .init("۰۴۰ ۱۲۳ ۴۵۶۷", .finland, "+358401234567"),
    .init("358 40 123 4567", .finland, "+358401234567"),
    .init("+358 40 123 4567", .sweden, "+358401234567"),
    .init("+358 (0)40 123 4567", .sweden, "+358401234567"),
    .init("00358 40 123 4567", .sweden, "+358401234567"),
    .init("+358 040 123 4567", .sweden, "+358401234567"),
    // Iceland.
    .init("551 2345", .iceland, "+3545512345"),
    .init("+354 551 2345", .sweden, "+3545512345"),
    // Relatives and guides abroad, in international form.
    .init("+252 61 234 5678", .sweden, "+252612345678"),             // Somalia
    .init("00252 61 2345678", .sweden, "+252612345678"),
    .init("+964 770 123 4567", .sweden, "+9647701234567"),           // Iraq
    .init("+٩٦٤ ٧٧٠ ١٢٣ ٤٥٦٧", .sweden, "+9647701234567"),
    .init("+963 944 123 456", .sweden, "+963944123456"),             // Syria
    .init("+98 912 345 6789", .sweden, "+989123456789"),             // Iran
    .init("+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", .sweden, "+989123456789"),
    .init("+98 0912 345 6789", .sweden, "+989123456789"),
    .init("+291 7 123 456", .sweden, "+2917123456"),                 // Eritrea
    .init("+387 61 123 456", .sweden, "+38761123456"),               // Bosnia
    .init("+90 532 123 45 67", .sweden, "+905321234567"),            // Turkey
    .init("+93 70 123 4567", .sweden, "+93701234567"),               // Afghanistan
    .init("+251 91 123 4567", .sweden, "+251911234567"),             // Ethiopia
    .init("+44 7700 900123", .sweden, "+447700900123"),              // United Kingdom
    .init("+44 (0)7700 900123", .sweden, "+447700900123"),
    .init("+49 151 12345678", .sweden, "+4915112345678"),            // Germany
    .init("+1 (212) 555-0123", .sweden, "+12125550123"),             // USA
    .init("001 212 555 0123", .sweden, "+12125550123"),
    .init("+39 06 1234 5678", .sweden, "+390612345678"),             // Italy keeps its 0
    .init("+298 123456", .sweden, "+298123456"),                     // Faroe Islands: general rule
]

private let invalidCases: [InvalidPhoneCase] = [
    .init("", .sweden, .empty),
    .init("   ", .sweden, .empty),
    .init("\u{200E}\u{200F}", .sweden, .empty),
    .init("tel:", .sweden, .empty),
    .init("abc", .sweden, .notANumber("abc")),
    .init("070-ABC 45 67", .sweden, .notANumber("070-ABC 45 67")),
    .init("070-123 45 67 mamma", .sweden, .notANumber("070-123 45 67 mamma")),
    .init("070*123#", .sweden, .notANumber("070*123#")),
    .init("46+701234567", .sweden, .notANumber("46+701234567")),
    .init("++46701234567", .sweden, .notANumber("++46701234567")),
    .init("+", .sweden, .notANumber("+")),
    .init("-- --", .sweden, .notANumber("-- --")),
    .init(" 070-12 ", .sweden, .tooShort("070-12")),
    .init("070-123 45", .sweden, .tooShort("070-123 45")),
    .init("08-123", .sweden, .tooShort("08-123")),
    .init("123", .sweden, .tooShort("123")),
    .init("+46", .sweden, .tooShort("+46")),
    .init("+46 70 123 45", .sweden, .tooShort("+46 70 123 45")),
    .init("070-123 45 678", .sweden, .tooLong("070-123 45 678")),
    .init("0511-123 45 67 8", .sweden, .tooLong("0511-123 45 67 8")),
    .init("12345678", .sweden, .invalidForRegion("12345678", region: "SE")),
    .init("701234567", .sweden, .invalidForRegion("701234567", region: "SE")),   // spreadsheet lost the 0
    .init("412 34 56", .norway, .tooShort("412 34 56")),
    .init("412 34 5678", .norway, .tooLong("412 34 5678")),
    .init("012 34 567", .norway, .invalidForRegion("012 34 567", region: "NO")),
    .init("+47 012 34 567", .sweden, .invalidForRegion("+47 012 34 567", region: "NO")),
    .init("20 12 34 5", .denmark, .tooShort("20 12 34 5")),
    .init("112 34 567", .denmark, .invalidForRegion("112 34 567", region: "DK")),
    .init("040 12", .finland, .tooShort("040 12")),
    .init("040 123 4567 89", .finland, .tooLong("040 123 4567 89")),
    .init("+999 123 456", .sweden, .unknownCountryCode("+999 123 456")),
    .init("+0 70 123 45 67", .sweden, .unknownCountryCode("+0 70 123 45 67")),
    .init("000 46 70 123 45 67", .sweden, .unknownCountryCode("000 46 70 123 45 67")),
    .init("+1 212 555 01234", .sweden, .tooLong("+1 212 555 01234")),
    .init("+252 61 2345678901234", .sweden, .tooLong("+252 61 2345678901234")),
    .init("+49 12", .sweden, .tooShort("+49 12")),
]

@Suite("Phone number normalization")
struct PhoneNumberTests {
    @Test("real-world inputs normalize to E.164", arguments: validCases)
    func normalizes(_ testCase: ValidPhoneCase) {
        let result = PhoneNormalizer.normalize(testCase.raw, region: testCase.region)
        #expect(result == .success(PhoneNumber(e164: testCase.e164)))
    }

    @Test("normalizing an E.164 result again gives the same number, whatever the region", arguments: validCases)
    func idempotent(_ testCase: ValidPhoneCase) throws {
        for region in PhoneRegion.supported {
            let again = try PhoneNormalizer.normalize(testCase.e164, region: region).get()
            #expect(again.e164 == testCase.e164)
            #expect(PhoneNumber.isE164(again.e164))
        }
    }

    @Test("invalid inputs fail with the expected error", arguments: invalidCases)
    func rejects(_ testCase: InvalidPhoneCase) {
        let result = PhoneNormalizer.normalize(testCase.raw, region: testCase.region)
        #expect(result == .failure(testCase.error))
    }

    @Test("the tables are as large as promised")
    func tableSizes() {
        #expect(validCases.count >= 60)
        #expect(invalidCases.count >= 12)
        // Every error case appears: empty, notANumber, tooShort, tooLong, unknownCountryCode, invalidForRegion.
        let kinds = Set(invalidCases.map { Mirror(reflecting: $0.error).children.first?.label ?? "empty" })
        #expect(kinds.count == 6)
    }

    @Test("error messages quote the input and say what is wrong")
    func errorMessages() {
        #expect(PhoneNumberError.empty.description == "the phone number is empty")
        #expect(PhoneNumberError.notANumber("abc").description == "'abc' is not a phone number")
        #expect(PhoneNumberError.tooShort("070-12").description == "'070-12' is too short for a phone number")
        #expect(PhoneNumberError.tooLong("070-123 45 678").description == "'070-123 45 678' is too long for a phone number")
        #expect(PhoneNumberError.unknownCountryCode("+999 1").description == "'+999 1' does not start with a known country code")
        let swedish = PhoneNumberError.invalidForRegion("701234567", region: "SE").description
        #expect(swedish.hasPrefix("'701234567' is not a valid number in Sweden"))
        #expect(swedish.contains("+46"))
        #expect(PhoneNumberError.invalidForRegion("012", region: "NO").description.contains("8 digits"))
        #expect(PhoneNumberError.invalidForRegion("012", region: "XX").description == "'012' is not a valid number in region XX")
        for testCase in invalidCases where testCase.error != .empty {
            #expect(testCase.error.description.hasPrefix("'\(testCase.error.input)'"))
        }
    }

    @Test("masking shows the country code, two leading and two trailing digits", arguments: [
        ("+46701234567", "+46 70 *** ** 67"),
        ("+46701740605", "+46 70 *** ** 05"),
        ("+4681234567", "+46 81 *** ** 67"),
        ("+4741234567", "+47 41 *** ** 67"),
        ("+4520123456", "+45 20 *** ** 56"),
        ("+358401234567", "+358 40 *** ** 67"),
        ("+3545512345", "+354 55 *** ** 45"),
        ("+12125550123", "+1 21 *** ** 23"),
        ("+9647701234567", "+964 77 *** ** 67"),
        ("+2901234", "+290 *** **"),          // too short to show any digit safely
    ])
    func masking(_ e164: String, _ expected: String) {
        let number = PhoneNumber(e164: e164)
        #expect(number.masked == expected)
        #expect(number.description == expected)
    }

    @Test("no text form of a number contains the full number", arguments: validCases)
    func descriptionNeverLeaks(_ testCase: ValidPhoneCase) {
        let number = PhoneNumber(e164: testCase.e164)
        var dumped = ""
        dump(number, to: &dumped)
        let texts = [number.description, number.debugDescription, "\(number)", String(describing: number),
                     String(reflecting: number), "\([number])", "\(Optional(number) as Any)", dumped]
        for text in texts {
            #expect(!text.contains(number.e164))
            #expect(!text.contains(number.nationalNumber))
            #expect(!text.filter(\.isNumber).contains(number.nationalNumber))
        }
        #expect(number.description == number.masked)
    }

    @Test("parts of a number")
    func parts() {
        let number = PhoneNumber(e164: "+358401234567")
        #expect(number.callingCode == "358")
        #expect(number.nationalNumber == "401234567")
        #expect(number.region == .finland)
        #expect(PhoneNumber(e164: "+252612345678").region == nil)
    }

    @Test("Codable as the bare E.164 string; decoding checks the shape and never echoes the value")
    func codable() throws {
        let number = PhoneNumber(e164: "+46701234567")
        let data = try JSONEncoder().encode([number])
        #expect(String(decoding: data, as: UTF8.self) == #"["+46701234567"]"#)
        #expect(try JSONDecoder().decode([PhoneNumber].self, from: data) == [number])
        for bad in ["0701234567", "+0701234567", "+46 70", "+4670123456789012", "46701234567"] {
            do {
                _ = try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["\#(bad)"]"#.utf8))
                Issue.record("decoded \(bad.count)-character invalid value")
            } catch {
                #expect(!"\(error)".contains(bad))
            }
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["+"]"#.utf8)) }
    }

    @Test("comparable and hashable by the E.164 string")
    func ordering() throws {
        let numbers = ["+4741234567", "+46701234567", "+358401234567"].map(PhoneNumber.init(e164:))
        #expect(numbers.sorted().map(\.e164) == ["+358401234567", "+46701234567", "+4741234567"])
        let spellings = ["070-123 45 67", "+46 70 123 45 67", "٠٧٠١٢٣٤٥٦٧", "0046 (0)70 123 45 67"]
        let distinct = try Set(spellings.map { try PhoneNormalizer.normalize($0, region: .sweden).get() })
        #expect(distinct.count == 1)
    }

    @Test("regions: case-insensitive codes, calling codes, unsupported ones are nil")
    func regions() {
        #expect(PhoneRegion(code: "se") == .sweden)
        #expect(PhoneRegion(code: " NO ") == .norway)
        #expect(PhoneRegion(code: "Fi") == .finland)
        #expect(PhoneRegion(code: "dk") == .denmark)
        #expect(PhoneRegion(code: "is") == .iceland)
        #expect(PhoneRegion(code: "XX") == nil)
        #expect(PhoneRegion(code: "") == nil)
        #expect(PhoneRegion.supported.map(\.code) == ["SE", "NO", "FI", "DK", "IS"])
        #expect(PhoneRegion.supported.map(\.callingCode) == ["46", "47", "358", "45", "354"])
        #expect(PhoneRegion(callingCode: "358") == .finland)
        #expect(PhoneRegion.sweden.description == "SE")
    }

    @Test("every assigned calling code is 1–3 digits and none is the start of another")
    func callingCodesArePrefixFree() {
        let codes = CallingCodes.assigned
        #expect(codes.allSatisfy { (1...3).contains($0.count) && $0.allSatisfy(\.isNumber) && !$0.hasPrefix("0") })
        for code in codes {
            #expect(!codes.contains { $0 != code && $0.hasPrefix(code) }, "\(code) begins another code")
        }
        for code in ["46", "47", "358", "45", "354", "252", "964", "963", "98", "291", "387", "90", "93", "44", "49", "1"] {
            #expect(codes.contains(code))
        }
    }
}
