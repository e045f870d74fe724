import Testing
@testable import OutreachProviders

@Suite("Form encoding")
struct FormEncodingTests {
    @Test("Strict percent-encoding", arguments: [
        ("+46701234567", "%2B46701234567"),
        ("a b", "a%20b"),
        ("å", "%C3%A5"),
        ("Hej då!", "Hej%20d%C3%A5%21"),
        ("مرحبا", "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7"),
        ("a&b=c", "a%26b%3Dc"),
        ("AZaz09-._~", "AZaz09-._~"),
        ("/?#%*'", "%2F%3F%23%25%2A%27"),
        ("", ""),
        ("😀", "%F0%9F%98%80"),
    ])
    func percentEncode(input: String, expected: String) {
        #expect(FormEncoding.percentEncode(input) == expected)
    }

    @Test("every byte of every UTF-8 length: unreserved ASCII as itself, the rest as %XX in upper-case hex")
    func everyByte() {
        // One of each ASCII character, then scalars of two, three and four UTF-8 bytes (ä, ش, ሰ, 😀 and their neighbours).
        var scalars = (0...0x7F).compactMap(Unicode.Scalar.init)
        for start in [0xE4, 0x634, 0x1230, 0x1F600] { scalars += (start..<start + 64).compactMap(Unicode.Scalar.init) }
        let text = String(String.UnicodeScalarView(scalars))
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        let expected = text.utf8.map { unreserved.contains($0) ? String(UnicodeScalar($0)) : "%" + hex($0) }.joined()
        #expect(FormEncoding.percentEncode(text) == expected)
        #expect(FormEncoding.encode([(text, text)]) == expected + "=" + expected)
        #expect(FormEncoding.decode(FormEncoding.encode([("k", text)])).first?.1 == text)
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    @Test func encodesPairsInOrder() {
        let encoded = FormEncoding.encode([("To", "+46701234567"), ("From", "Träffen"), ("Body", "Kaffe & bulle = 10 kr")])
        #expect(encoded == "To=%2B46701234567&From=Tr%C3%A4ffen&Body=Kaffe%20%26%20bulle%20%3D%2010%20kr")
        #expect(FormEncoding.encode([]) == "")
    }

    @Test("Decoding", arguments: [
        ("a=1&b=2", [("a", "1"), ("b", "2")]),
        ("Body=Hej+d%C3%A5", [("Body", "Hej då")]),
        ("To=%2B4670", [("To", "+4670")]),
        ("flag&x=", [("flag", ""), ("x", "")]),
        ("a=1&&b=2", [("a", "1"), ("b", "2")]),
        ("eq=a%3Db=c", [("eq", "a=b=c")]),
        ("bad=%zz%4", [("bad", "%zz%4")]),
        ("lower=%c3%a5", [("lower", "å")]),
        ("", []),
    ])
    func decode(input: String, expected: [(String, String)]) {
        let decoded = FormEncoding.decode(input)
        #expect(decoded.map(\.0) == expected.map(\.0))
        #expect(decoded.map(\.1) == expected.map(\.1))
    }

    @Test func roundTrip() {
        let fields = [("To", "+358401234567"), ("Body", "Välkommen på fika! مرحبا & tack = 100%"),
                      ("Empty", ""), ("Sp ace", "a+b c"), ("Emoji", "☕️")]
        let decoded = FormEncoding.decode(FormEncoding.encode(fields))
        #expect(decoded.map(\.0) == fields.map(\.0))
        #expect(decoded.map(\.1) == fields.map(\.1))
    }

    @Test func formRequestHelper() {
        let request = HTTPRequest.form(url: "https://api.example/sms", fields: [("to", "+4670"), ("message", "å")])
        #expect(request.method == .post)
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(String(decoding: request.body, as: UTF8.self) == "to=%2B4670&message=%C3%A5")
    }
}
