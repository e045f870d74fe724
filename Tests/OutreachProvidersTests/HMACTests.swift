import Testing
@testable import OutreachProviders

@Suite("HMAC, digests and byte encodings")
struct HMACTests {
    // MARK: Provider vectors (shared/reference/provider-wire-formats.md §1.6, §3.5)

    /// Twilio: URL + each parameter name and value, names sorted by bytes, HMAC-SHA1, base64.
    static func twilioSignature(token: String, url: String, params: [(String, String)]) -> String {
        let sorted = params.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        let signed = url + sorted.map { $0.0 + $0.1 }.joined()
        return ByteEncoding.base64(HMAC.sha1(key: token, message: signed))
    }

    static let twilioURL = "https://mycompany.com/myapp.php?foo=1&bar=2"

    static func twilioParams(caller: String) -> [(String, String)] {
        [("To", "+18005551212"), ("From", caller), ("Digits", "1234"), ("Caller", caller),
         ("CallSid", "CA1234567890ABCDE")]
    }

    @Test("Twilio signature vectors", arguments: [
        (twilioURL, "+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="),
        (twilioURL, "+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "+14158675309", "kvajT1Ptam85bY51eRf/AJRuM3w="),
    ])
    func twilio(url: String, caller: String, expected: String) {
        #expect(Self.twilioSignature(token: "12345", url: url, params: Self.twilioParams(caller: caller)) == expected)
    }

    @Test func twilioStringToSignMatchesReference() {
        let params = Self.twilioParams(caller: "+12349013030")
        let sorted = params.sorted { $0.0 < $1.0 }
        #expect(Self.twilioURL + sorted.map { $0.0 + $0.1 }.joined()
            == "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+12349013030Digits1234From+12349013030To+18005551212")
    }

    @Test func twilioJSONBodyVector() {
        let body = #"{"property": "value", "boolean": true}"#
        let bodyHash = ByteEncoding.hex(Digest.sha256(body))
        #expect(bodyHash == "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620")
        let url = Self.twilioURL + "&bodySHA256=" + bodyHash
        #expect(Self.twilioSignature(token: "12345", url: url, params: []) == "a9nBmqA0ju/hNViExpshrM61xv4=")
    }

    static let vonageString = "&param1=value1&param2=value2&timestamp=1234567890"

    @Test func vonageHMACSHA256() {
        #expect(ByteEncoding.hex(HMAC.sha256(key: "signature_secret", message: Self.vonageString))
            == "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287")
    }

    @Test func vonageHMACMD5() {
        #expect(ByteEncoding.hex(HMAC.md5(key: "signature_secret", message: Self.vonageString))
            == "724c2bf6ca423c36e20631b11d1c5753")
    }

    @Test func vonagePlainMD5() {
        #expect(ByteEncoding.hex(Digest.md5(Self.vonageString + "signature_secret")) == "d72f75ac8cda9bbce891c4fa62bee6cd")
    }

    // MARK: RFC 2202 (HMAC-MD5, HMAC-SHA1) and RFC 4231 (HMAC-SHA256, HMAC-SHA512)

    enum Algorithm: String, CaseIterable { case md5, sha1, sha256, sha512 }

    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let algorithm: Algorithm
        let key: [UInt8]
        let message: [UInt8]
        let hex: String
        var testDescription: String { "\(name) \(algorithm.rawValue)" }
    }

    static let hiThere = Array("Hi There".utf8)
    static let jefe = Array("Jefe".utf8)
    static let whatDoYaWant = Array("what do ya want for nothing?".utf8)
    static let largerKey = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)

    static let rfcVectors: [Vector] = [
        Vector(name: "RFC2202-1", algorithm: .md5, key: .init(repeating: 0x0b, count: 16), message: hiThere,
               hex: "9294727a3638bb1c13f48ef8158bfc9d"),
        Vector(name: "RFC2202-2", algorithm: .md5, key: jefe, message: whatDoYaWant,
               hex: "750c783e6ab0b503eaa86e310a5db738"),
        Vector(name: "RFC2202-3", algorithm: .md5, key: .init(repeating: 0xaa, count: 16),
               message: .init(repeating: 0xdd, count: 50), hex: "56be34521d144c88dbb8c733f0e8b3f6"),
        Vector(name: "RFC2202-1", algorithm: .sha1, key: .init(repeating: 0x0b, count: 20), message: hiThere,
               hex: "b617318655057264e28bc0b6fb378c8ef146be00"),
        Vector(name: "RFC2202-2", algorithm: .sha1, key: jefe, message: whatDoYaWant,
               hex: "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        Vector(name: "RFC2202-3", algorithm: .sha1, key: .init(repeating: 0xaa, count: 20),
               message: .init(repeating: 0xdd, count: 50), hex: "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
        Vector(name: "RFC2202-6", algorithm: .sha1, key: .init(repeating: 0xaa, count: 80), message: largerKey,
               hex: "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
        Vector(name: "RFC4231-1", algorithm: .sha256, key: .init(repeating: 0x0b, count: 20), message: hiThere,
               hex: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Vector(name: "RFC4231-2", algorithm: .sha256, key: jefe, message: whatDoYaWant,
               hex: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Vector(name: "RFC4231-6", algorithm: .sha256, key: .init(repeating: 0xaa, count: 131), message: largerKey,
               hex: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Vector(name: "RFC4231-1", algorithm: .sha512, key: .init(repeating: 0x0b, count: 20), message: hiThere,
               hex: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                  + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
        Vector(name: "RFC4231-2", algorithm: .sha512, key: jefe, message: whatDoYaWant,
               hex: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                  + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
    ]

    @Test("RFC vectors", arguments: rfcVectors)
    func rfc(vector: Vector) {
        let mac: [UInt8] = switch vector.algorithm {
        case .md5: HMAC.md5(key: vector.key, message: vector.message)
        case .sha1: HMAC.sha1(key: vector.key, message: vector.message)
        case .sha256: HMAC.sha256(key: vector.key, message: vector.message)
        case .sha512: HMAC.sha512(key: vector.key, message: vector.message)
        }
        #expect(ByteEncoding.hex(mac) == vector.hex)
    }

    @Test func emptyKeyAndMessage() {
        // Well-known HMAC-SHA256 of empty key and empty message.
        #expect(ByteEncoding.hex(HMAC.sha256(key: [], message: []))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("Digests", arguments: [
        ("md5", "", "d41d8cd98f00b204e9800998ecf8427e"),
        ("sha1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("sha256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("sha256", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ])
    func digest(algorithm: String, input: String, hex: String) {
        let bytes: [UInt8] = switch algorithm {
        case "md5": Digest.md5(input)
        case "sha1": Digest.sha1(input)
        default: Digest.sha256(input)
        }
        #expect(ByteEncoding.hex(bytes) == hex)
    }

    // MARK: Encodings and comparison

    @Test func hexRoundTripAndCase() {
        let bytes: [UInt8] = [0x00, 0x0f, 0xa0, 0xff]
        #expect(ByteEncoding.hex(bytes) == "000fa0ff")
        #expect(ByteEncoding.bytes(fromHex: "000FA0ff") == bytes)
        #expect(ByteEncoding.bytes(fromHex: "abc") == nil)
        #expect(ByteEncoding.bytes(fromHex: "zz") == nil)
        #expect(ByteEncoding.bytes(fromHex: "") == [])
    }

    @Test func base64RoundTrip() {
        let bytes = Array("Hej å".utf8)
        let text = ByteEncoding.base64(bytes)
        #expect(text == "SGVqIMOl")
        #expect(ByteEncoding.bytes(fromBase64: text) == bytes)
        #expect(ByteEncoding.bytes(fromBase64: "not base64!") == nil)
    }

    @Test("Constant-time comparison", arguments: [
        ("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", true),
        ("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "0/KCTR6DLpKmkAf8muzZqo1nDgQ", false),
        ("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "1/KCTR6DLpKmkAf8muzZqo1nDgQ=", false),
        ("", "", true),
        ("a", "", false),
    ])
    func constantTime(a: String, b: String, equal: Bool) {
        #expect(ByteEncoding.constantTimeEquals(a, b) == equal)
        #expect(ByteEncoding.constantTimeEquals(Array(a.utf8), Array(b.utf8)) == equal)
    }
}
