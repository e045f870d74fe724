import Foundation
import Testing
@testable import OutreachProviders

@Suite("HTTP request and response values")
struct HTTPMessageTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000) // 2023-11-14T22:13:20Z

    @Test("Retry-After", arguments: [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30.0),       // IMF-fixdate, 30 s after now
        ("Tuesday, 14-Nov-23 22:14:20 GMT", 60.0),     // RFC 850
        ("Tue Nov 14 22:15:20 2023", 120.0),           // asctime
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0.0),        // in the past
    ])
    func retryAfter(header: String, seconds: Double) {
        let response = HTTPResponse(status: 429, headers: ["retry-after": header])
        #expect(response.retryAfter(now: Self.now) == seconds)
    }

    @Test("Unreadable Retry-After", arguments: ["", "soon", "-5", "1.5"])
    func unreadableRetryAfter(header: String) {
        #expect(HTTPResponse(status: 503, headers: ["Retry-After": header]).retryAfter(now: Self.now) == nil)
        #expect(HTTPResponse(status: 503).retryAfter(now: Self.now) == nil)
    }

    @Test func headersAreCaseInsensitiveAndOrdered() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "Set-Cookie": "a=1"]
        headers.add("set-cookie", "b=2")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers.values(for: "Set-Cookie") == ["a=1", "b=2"])
        headers.set("SET-COOKIE", "c=3")
        #expect(headers.values(for: "set-cookie") == ["c=3"])
        headers.remove("content-type")
        #expect(headers["Content-Type"] == nil)
        #expect(headers.fields == [HTTPHeader(name: "SET-COOKIE", value: "c=3")])
        // Only ASCII letters fold: same length is not enough, and non-letters must match exactly.
        #expect(HTTPHeaders.sameName("X-Twilio-Signature", "x-twilio-signature"))
        #expect(!HTTPHeaders.sameName("Content-Type", "Content_Type"))
        #expect(!HTTPHeaders.sameName("Accept", "Accep"))
        #expect(!HTTPHeaders.sameName("[", "{"))  // 0x5B and 0x7B differ by the case bit but are not letters
    }

    @Test func basicAuth() {
        let request = HTTPRequest(url: "https://api.twilio.com/").basicAuth(user: "AC123", password: "s3cret")
        #expect(request.headers["authorization"] == "Basic QUMxMjM6czNjcmV0")
    }

    @Test("Redacted description hides query and credentials", arguments: [
        ("https://user:pw@api.example.com/a1/sms?key=secret", "POST https://api.example.com/a1/sms"),
        ("http://127.0.0.1:8080/hooks", "POST http://127.0.0.1:8080/hooks"),
        ("::::", "POST <unparseable URL>"),
    ])
    func redacted(url: String, expected: String) {
        #expect(HTTPRequest(method: .post, url: url).redactedDescription == expected)
    }

    @Test func errorMessagesAreReadable() {
        #expect(HTTPClientError.timedOut.description == "the request timed out")
        #expect(HTTPClientError.connectionFailed("Connection refused").description.contains("Connection refused"))
        #expect(HTTPClientError.other(code: 23, message: "x").description.contains("code 23"))
    }
}
