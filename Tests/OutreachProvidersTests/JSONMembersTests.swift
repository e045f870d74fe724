import Foundation
import Testing
@testable import OutreachProviders

@Suite("JSON members")
struct JSONMembersTests {
    /// Twilio's 201 sample for a created message (reference/provider-wire-formats.md §1).
    static let twilioCreated = #"""
        {
          "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "api_version": "2010-04-01",
          "body": "Hello! 👍",
          "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
          "direction": "outbound-api",
          "error_code": null,
          "num_media": "0",
          "num_segments": "1",
          "price": null,
          "sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "status": "queued",
          "subresource_uris": {"media": "/2010-04-01/Accounts/AC/Messages/SM/Media.json"},
          "to": "+14155552345"
        }
        """#

    @Test func readsTopLevelScalarsAndMarksNestedValues() throws {
        let members = try #require(JSONMembers(Array(Self.twilioCreated.utf8)))
        #expect(members.string("sid") == "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        #expect(members.string("body") == "Hello! 👍")
        #expect(members["error_code"] == .null)
        #expect(members["subresource_uris"] == .nested)
        #expect(members.stringOrInteger("num_segments") == "1")
        #expect(members.values.count == 13)
        #expect(members["media"] == nil, "members of nested objects are not top-level members")
    }

    @Test func keepsOnlyTheNamedMembersButChecksThemAll() throws {
        let members = try #require(JSONMembers(Array(Self.twilioCreated.utf8), keeping: ["sid", "num_segments"]))
        #expect(members.values == ["sid": .string("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "num_segments": .string("1")])
        #expect(JSONMembers(Array(#"{"sid": "SM1", "body": "bad \x escape"}"#.utf8), keeping: ["sid"]) == nil)
        #expect(JSONMembers(Array(#"{"sid": "SM1", "n": 01}"#.utf8), keeping: ["sid"]) == nil)
        #expect(JSONMembers(Array(#"{"sid": "SM1", "uris": {"media": [1, }}"#.utf8), keeping: ["sid"]) == nil)
        #expect(JSONMembers(Array(#"{"sid": "SM1", "to": "+46\u0037"}"#.utf8), keeping: ["sid"])?.string("sid") == "SM1")
    }

    @Test("kept names are matched on their text, escaped or not; near misses and bad names are not kept")
    func keptNames() throws {
        let escaped = try #require(JSONMembers(Array(#"{"s\u0069d": "SM2", "sids": "x", "si": "y", "Sid": "z"}"#.utf8), keeping: ["sid"]))
        #expect(escaped.values == ["sid": .string("SM2")])
        let skippedEscape = try #require(JSONMembers(Array(#"{"b\u00f6dy": "x", "sid": "SM3"}"#.utf8), keeping: ["sid"]))
        #expect(skippedEscape.values == ["sid": .string("SM3")])
        #expect(JSONMembers(Array("{\"si\u{01}d\": \"SM4\"}".utf8), keeping: ["sid"]) == nil)  // a control byte in a name
        #expect(JSONMembers(Array(#"{"sid": "SM5", "bad\q": 1}"#.utf8), keeping: ["sid"]) == nil)
        #expect(JSONMembers(Array(#"{"sid"#.utf8), keeping: ["sid"]) == nil)
        let unicode = try #require(JSONMembers(Array(#"{"kön": "f", "sid": "SM6"}"#.utf8), keeping: ["kön"]))
        #expect(unicode.values == ["kön": .string("f")])
    }

    @Test func agreesWithJSONDecoderOnEveryTopLevelString() throws {
        let bytes = Array(Self.twilioCreated.utf8)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let members = try #require(JSONMembers(bytes))
        for (name, value) in decoded {
            if let text = value as? String { #expect(members.string(name) == text, "\(name)") }
        }
    }

    @Test("Scalars", arguments: [
        (#"{"a": "x"}"#, JSONMembers.Value.string("x")),
        (#"{"a": ""}"#, .string("")),
        (#"{"a": 21211}"#, .number("21211")),
        (#"{"a": -0.5e+3}"#, .number("-0.5e+3")),
        (#"{"a": 0}"#, .number("0")),
        (#"{"a": true}"#, .bool(true)),
        (#"{"a": false}"#, .bool(false)),
        (#"{"a": null}"#, .null),
        (#"{"a": []}"#, .nested),
        (#"{"a": [1, "two", {"b": [null, true]}]}"#, .nested),
        (#"{"a": {}}"#, .nested),
        (" \n\t{\r\n\"a\" :\t\"x\" } \n", .string("x")),
        (#"{"a": 1, "a": "last"}"#, .string("last")),
    ])
    func scalar(json: String, expected: JSONMembers.Value) throws {
        let members = try #require(JSONMembers(Array(json.utf8)), "\(json)")
        #expect(members["a"] == expected)
    }

    @Test("Escapes", arguments: [
        (#"{"a": "line\nbreak \"quoted\" back\\slash \/ \t\b\f\r"}"#, "line\nbreak \"quoted\" back\\slash / \t\u{8}\u{C}\r"),
        (#"{"a": "\u00e5\u00C4 \u20ac"}"#, "åÄ €"),
        (#"{"a": "\ud83d\udc4d"}"#, "👍"),
        (#"{"a": "lone \ud83d high"}"#, "lone \u{FFFD} high"),
        (#"{"a": "lone \udc4d low"}"#, "lone \u{FFFD} low"),
        (#"{"a": "\ud83d\u0041"}"#, "\u{FFFD}A"),
        (#"{"a": "ሰላም مرحبا"}"#, "ሰላም مرحبا"),
    ])
    func escapes(json: String, expected: String) throws {
        let members = try #require(JSONMembers(Array(json.utf8)), "\(json)")
        #expect(members.string("a") == expected)
    }

    @Test("Escaped member names are unescaped") func escapedNames() throws {
        let members = try #require(JSONMembers(Array(#"{"n\u0061me": 1}"#.utf8)))
        #expect(members["name"] == .number("1"))
    }

    @Test("Not one JSON object", arguments: [
        "", " ", "[]", #""sid""#, "42", "null", "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a": 1,}"#, #"{"a": 1 "b": 2}"#,
        #"{"a": 1} x"#, #"{"a": 1}{"b": 2}"#, #"{'a': 1}"#, #"{a: 1}"#, #"{"a": "unterminated}"#,
        #"{"a": "bad \x escape"}"#, #"{"a": "\u12"}"#, #"{"a": "\u12G4"}"#, "{\"a\": \"raw\ttab\"}",
        #"{"a": 01}"#, #"{"a": 1.}"#, #"{"a": .5}"#, #"{"a": -}"#, #"{"a": 1e}"#, #"{"a": +1}"#,
        #"{"a": tru}"#, #"{"a": nul}"#, #"{"a": True}"#, #"{"a": [1, 2}"#, #"{"a": {"b": 1]}"#, #"{"a": [1,]}"#,
    ])
    func rejects(json: String) {
        #expect(JSONMembers(Array(json.utf8)) == nil, "\(json)")
    }

    @Test func nestingIsBounded() {
        // The object itself is the first level.
        let deepest = JSONMembers.maxDepth - 1
        let deep = #"{"a": "# + String(repeating: "[", count: deepest) + String(repeating: "]", count: deepest) + "}"
        #expect(JSONMembers(Array(deep.utf8)) != nil)
        let oneTooDeep = #"{"a": "# + String(repeating: "[", count: deepest + 1) + String(repeating: "]", count: deepest + 1) + "}"
        #expect(JSONMembers(Array(oneTooDeep.utf8)) == nil)
        let tooDeep = #"{"a": "# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(JSONMembers(Array(tooDeep.utf8)) == nil, "refused, not a stack overflow")
    }

    @Test func stringOrIntegerTakesTwilioCountsAndCodes() throws {
        let members = try #require(JSONMembers(Array(#"{"s": "1", "n": 21211, "e": "", "f": 1.5, "b": true}"#.utf8)))
        #expect(members.stringOrInteger("s") == "1")
        #expect(members.stringOrInteger("n") == "21211")
        #expect(members.stringOrInteger("e") == nil)
        #expect(members.stringOrInteger("f") == nil)
        #expect(members.stringOrInteger("b") == nil)
        #expect(members.stringOrInteger("missing") == nil)
    }
}
