import Foundation
import OutreachCore
import OutreachTesting
import Testing
@testable import OutreachProviders

/// Twilio webhooks: X-Twilio-Signature (reference §1.6 vectors) and the four routes.
@Suite("Twilio webhooks")
struct TwilioWebhookTests {
    static let base = "https://gw.example/hooks/twilio"
    static let messageSID = "SM" + String(repeating: "1a", count: 16)
    static let callSID = "CA" + String(repeating: "2b", count: 16)
    static let senior = PhoneNumber(e164: "+46701740605")

    static let fake: TwilioFake = try! TwilioFake(authToken: "webhook-token-do-not-print")

    static func provider(authToken: String = fake.authToken, scriptLookup: (@Sendable (Int64) -> VoiceScript?)? = nil) -> TwilioProvider {
        TwilioProvider(settings: TwilioSettings(baseURL: "http://127.0.0.1:9", accountSID: fake.accountSID, authToken: authToken, from: "+46701740600"),
                       client: CurlHTTPClient(maxConcurrent: 1), now: { Date(timeIntervalSince1970: 1_795_000_000) }, scriptLookup: scriptLookup)
    }

    // MARK: Signature vectors (reference §1.6) through handleWebhook

    static let vectorURL = "https://mycompany.com/myapp.php?foo=1&bar=2"

    static func vectorParams(caller: String, digits: String = "1234") -> [(String, String)] {
        [("CallSid", "CA1234567890ABCDE"), ("Caller", caller), ("Digits", digits), ("From", caller), ("To", "+18005551212")]
    }

    static func vectorRequest(url: String = vectorURL, params: [(String, String)], signature: String) -> WebhookRequest {
        WebhookRequest(method: "POST", publicURL: url, headers: ["x-twilio-signature": signature],
                       body: Array(FormEncoding.encode(params).utf8))
    }

    struct VectorCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let url: String
        let caller: String
        let digits: String
        let signature: String
        let accepted: Bool
    }

    @Test("reference signature vectors", arguments: [
        VectorCase(testDescription: "docs vector", url: vectorURL, caller: "+12349013030", digits: "1234", signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", accepted: true),
        VectorCase(testDescription: "twilio-python vector", url: vectorURL, caller: "+14158675309", digits: "1234", signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", accepted: true),
        VectorCase(testDescription: "signed with :443, received without", url: vectorURL, caller: "+14158675309", digits: "1234", signature: "kvajT1Ptam85bY51eRf/AJRuM3w=", accepted: true),
        VectorCase(testDescription: "signed without port, received with :443", url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", caller: "+14158675309", digits: "1234", signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", accepted: true),
        VectorCase(testDescription: "tampered Digits", url: vectorURL, caller: "+12349013030", digits: "1235", signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", accepted: false),
        VectorCase(testDescription: "tampered URL query", url: "https://mycompany.com/myapp.php?foo=1&bar=3", caller: "+12349013030", digits: "1234", signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", accepted: false),
        VectorCase(testDescription: "tampered signature", url: vectorURL, caller: "+12349013030", digits: "1234", signature: "0/KCTR6DLpKmkAf8muzZqo1nDgR=", accepted: false),
        VectorCase(testDescription: "http scheme", url: "http://mycompany.com/myapp.php?foo=1&bar=2", caller: "+12349013030", digits: "1234", signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", accepted: false),
    ])
    func vector(vector: VectorCase) {
        let request = Self.vectorRequest(url: vector.url, params: Self.vectorParams(caller: vector.caller, digits: vector.digits), signature: vector.signature)
        let result = Self.provider(authToken: "12345").handleWebhook(request)
        if vector.accepted {
            // Authenticated, then refused only because /myapp.php is none of our routes.
            guard case .failure(.malformed(let reason)) = result else { Issue.record("expected authenticated, got \(result)"); return }
            #expect(reason.contains("no Twilio webhook route"))
        } else {
            guard case .failure(.unauthorized) = result else { Issue.record("expected unauthorized, got \(result)"); return }
        }
    }

    @Test func vectorStringToSign() {
        #expect(TwilioSignature.stringToSign(url: Self.vectorURL, params: Self.vectorParams(caller: "+12349013030").reversed())
            == "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+12349013030Digits1234From+12349013030To+18005551212")
        #expect(TwilioSignature.compute(url: Self.vectorURL, params: Self.vectorParams(caller: "+12349013030"), authToken: "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    }

    @Test func jsonBodyVector() {
        let body = Array(#"{"property": "value", "boolean": true}"#.utf8)
        let url = Self.vectorURL + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        #expect(TwilioSignature.isValid("a9nBmqA0ju/hNViExpshrM61xv4=", url: url, params: [], body: body, authToken: "12345"))
        #expect(!TwilioSignature.isValid("a9nBmqA0ju/hNViExpshrM61xv4=", url: url, params: [], body: body + [32], authToken: "12345"))
    }

    @Test("URL variants tried for the port quirk", arguments: [
        ("https://a.example/x?y=1", ["https://a.example/x?y=1", "https://a.example:443/x?y=1"]),
        ("https://a.example:443/x", ["https://a.example:443/x", "https://a.example/x"]),
        ("http://a.example", ["http://a.example", "http://a.example:80"]),
        ("https://u:p@a.example:8443/x", ["https://u:p@a.example:8443/x", "https://u:p@a.example/x"]),
        ("https://[::1]:8443/x", ["https://[::1]:8443/x", "https://[::1]/x"]),
    ])
    func urlVariants(url: String, expected: [String]) {
        #expect(TwilioSignature.urlVariants(url) == expected)
    }

    // MARK: Routes

    struct WebhookCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let request: WebhookRequest
        let events: [ProviderEvent]
        var response: WebhookResponse = WebhookResponse(status: 200, contentType: "text/xml; charset=utf-8", body: TwilioTwiML.empty)
    }

    static let statusURL = base + "/sms/status"
    static let inboundURL = base + "/sms/inbound"
    static let gatherURL = base + "/voice/gather?message_id=42"
    static let callStatusURL = base + "/voice/status?message_id=42"
    static let hangup = WebhookResponse(status: 200, contentType: "text/xml; charset=utf-8", body: TwilioTwiML.hangup)

    static func receipt(_ state: DeliveryState, _ word: String, errorCode: String? = nil, optedOut: Bool = false) -> [ProviderEvent] {
        [.receipt(providerID: messageSID, status: DeliveryStatus(state: state, providerStatus: word, errorCode: errorCode, optedOut: optedOut))]
    }

    static func ended(_ outcome: CallOutcome, _ duration: Int?) -> [ProviderEvent] {
        [.callEnded(providerCallID: callSID, messageID: 42, outcome: outcome, durationSeconds: duration)]
    }

    @Test("webhook routes", arguments: [
        WebhookCase(testDescription: "sent", request: fake.signedStatusCallback(url: statusURL, messageSID: messageSID, status: "sent"), events: receipt(.sent, "sent")),
        WebhookCase(testDescription: "delivered", request: fake.signedStatusCallback(url: statusURL, messageSID: messageSID, status: "delivered"), events: receipt(.delivered, "delivered")),
        WebhookCase(testDescription: "delivered, naming our message (signed over the URL with its query)",
                    request: fake.signedStatusCallback(url: statusURL + "?message_id=42", messageSID: messageSID, status: "delivered"),
                    events: [.receipt(providerID: messageSID, status: DeliveryStatus(state: .delivered, providerStatus: "delivered"), messageID: 42)]),
        WebhookCase(testDescription: "read", request: fake.signedStatusCallback(url: statusURL, messageSID: messageSID, status: "read"), events: receipt(.delivered, "read")),
        WebhookCase(testDescription: "undelivered 30003", request: fake.signedStatusCallback(url: statusURL, messageSID: messageSID, status: "undelivered", errorCode: "30003"),
                    events: receipt(.undelivered, "undelivered", errorCode: "30003")),
        WebhookCase(testDescription: "failed 21610 = opted out", request: fake.signedStatusCallback(url: statusURL, messageSID: messageSID, status: "failed", errorCode: "21610"),
                    events: receipt(.failed, "failed", errorCode: "21610", optedOut: true)),
        WebhookCase(testDescription: "queued is not a receipt", request: fake.signedStatusCallback(url: statusURL, messageSID: messageSID, status: "queued"),
                    events: [.ignored(reason: "message \(messageSID) status 'queued' is not a delivery receipt")]),
        WebhookCase(testDescription: "unknown status acknowledged", request: fake.signedStatusCallback(url: statusURL, messageSID: messageSID, status: "teleported"),
                    events: [.ignored(reason: "message \(messageSID) status 'teleported' is not a delivery receipt")]),
        WebhookCase(testDescription: "inbound JA", request: fake.signedInboundSMS(url: inboundURL, from: "+46701740605", body: "JA", messageSID: messageSID),
                    events: [.inboundSMS(providerID: messageSID, from: senior, to: "+46701740600", body: "JA")]),
        WebhookCase(testDescription: "inbound Swedish with +", request: fake.signedInboundSMS(url: inboundURL, from: "+46701740605", body: "Nej tack, åker bort + sjuk", messageSID: messageSID),
                    events: [.inboundSMS(providerID: messageSID, from: senior, to: "+46701740600", body: "Nej tack, åker bort + sjuk")]),
        WebhookCase(testDescription: "inbound Arabic", request: fake.signedInboundSMS(url: inboundURL, from: "+46701740605", body: "نعم", messageSID: messageSID),
                    events: [.inboundSMS(providerID: messageSID, from: senior, to: "+46701740600", body: "نعم")]),
        WebhookCase(testDescription: "inbound from a short code", request: fake.signedInboundSMS(url: inboundURL, from: "72000", body: "Info", messageSID: messageSID),
                    events: [.ignored(reason: "inbound SMS \(messageSID) from a sender that is not a phone number")]),
        WebhookCase(testDescription: "gather 1", request: fake.signedGather(url: gatherURL, callSID: callSID, digits: "1"),
                    events: [.callDigits(providerCallID: callSID, messageID: 42, digits: "1")], response: hangup),
        WebhookCase(testDescription: "gather 9 without a script lookup", request: fake.signedGather(url: gatherURL, callSID: callSID, digits: "9"),
                    events: [.callDigits(providerCallID: callSID, messageID: 42, digits: "9")], response: hangup),
        WebhookCase(testDescription: "no key pressed (Redirect)", request: fake.signedGather(url: gatherURL + "&empty=1", callSID: callSID, digits: nil),
                    events: [.callDigits(providerCallID: callSID, messageID: 42, digits: "")], response: hangup),
        WebhookCase(testDescription: "completed by a person", request: fake.signedCallStatus(url: callStatusURL, callSID: callSID, status: "completed", answeredBy: "human", durationSeconds: 49),
                    events: ended(.completed, 49)),
        WebhookCase(testDescription: "answering machine", request: fake.signedCallStatus(url: callStatusURL, callSID: callSID, status: "completed", answeredBy: "machine_end_beep", durationSeconds: 20),
                    events: ended(.machine, 20)),
        WebhookCase(testDescription: "busy", request: fake.signedCallStatus(url: callStatusURL, callSID: callSID, status: "busy", durationSeconds: 0), events: ended(.busy, 0)),
        WebhookCase(testDescription: "no answer", request: fake.signedCallStatus(url: callStatusURL, callSID: callSID, status: "no-answer"), events: ended(.noAnswer, nil)),
        WebhookCase(testDescription: "failed", request: fake.signedCallStatus(url: callStatusURL, callSID: callSID, status: "failed"), events: ended(.failed, nil)),
        WebhookCase(testDescription: "canceled", request: fake.signedCallStatus(url: callStatusURL, callSID: callSID, status: "canceled"), events: ended(.cancelled, nil)),
        WebhookCase(testDescription: "ringing is not the end", request: fake.signedCallStatus(url: callStatusURL, callSID: callSID, status: "ringing"),
                    events: [.ignored(reason: "call \(callSID) status 'ringing' is not the end of the call")]),
    ])
    func route(webhook: WebhookCase) {
        let result = Self.provider().handleWebhook(webhook.request)
        #expect(result == .success(WebhookOutcome(events: webhook.events, response: webhook.response)))
    }

    @Test func inboundAnswerIsEmptyTwiML() throws {
        let outcome = try Self.provider().handleWebhook(Self.fake.signedInboundSMS(url: Self.inboundURL, from: "+46701740605", body: "JA")).get()
        #expect(outcome.response.status == 200)
        #expect(outcome.response.contentType.hasPrefix("text/xml"))
        #expect(outcome.response.body == #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
    }

    // MARK: Key 9 replays the script

    static let script = VoiceScript.speech(text: "Fika på torsdag kl 14. Tryck 1 för ja, 2 för nej, 9 för att höra igen.", language: "sv-SE")

    @Test func nineReplaysTheScriptUpToTheLimit() throws {
        let provider = Self.provider(scriptLookup: { $0 == 42 ? Self.script : nil })
        var url = Self.gatherURL
        for replay in 1...TwilioTwiML.maxReplays {
            let outcome = try provider.handleWebhook(Self.fake.signedGather(url: url, callSID: Self.callSID, digits: "9")).get()
            #expect(outcome.events == [.callDigits(providerCallID: Self.callSID, messageID: 42, digits: "9")])
            #expect(outcome.response.body == TwilioTwiML.xmlDeclaration
                + TwilioTwiML.prompt(script: Self.script, callbackBaseURL: Self.base, messageID: 42, replay: replay))
            url = Self.gatherURL + "&replay=\(replay)"
            #expect(outcome.response.body.contains(TwilioTwiML.escape(url)))
        }
        let last = try provider.handleWebhook(Self.fake.signedGather(url: url, callSID: Self.callSID, digits: "9")).get()
        #expect(last.response == Self.hangup)
        // Other keys end the call even with a script at hand.
        let yes = try provider.handleWebhook(Self.fake.signedGather(url: Self.gatherURL, callSID: Self.callSID, digits: "1")).get()
        #expect(yes.response == Self.hangup)
    }

    /// The Gather URL placed in the call's TwiML comes back signed and carries our message id.
    @Test func placedCallGatherURLRoundTrips() async throws {
        let fake = try TwilioFake()
        let client = CurlHTTPClient(maxConcurrent: 2, options: .init(connectTimeoutMilliseconds: 2000, totalTimeoutMilliseconds: 5000))
        defer { client.close(); fake.stop() }
        let provider = TwilioProvider(settings: fake.settings(), client: client, now: { Date() })
        let call = OutboundCall(messageID: 9001, to: Self.senior, from: "+46701740600", script: Self.script, callbackBaseURL: Self.base)
        let accepted = try await provider.placeCall(call).get()
        let twiml = try #require(fake.requests.first?.formValue("Twiml"))
        let action = try #require(twiml.firstMatch(of: /action="([^"]+)"/)).1
        let outcome = try provider.handleWebhook(fake.signedGather(url: String(action), callSID: accepted.providerID, digits: "2")).get()
        #expect(outcome.events == [.callDigits(providerCallID: accepted.providerID, messageID: 9001, digits: "2")])
        let statusURL = try #require(fake.requests.first?.formValue("StatusCallback"))
        let ended = try provider.handleWebhook(fake.signedCallStatus(url: statusURL, callSID: accepted.providerID, status: "completed", durationSeconds: 31)).get()
        #expect(ended.events == [.callEnded(providerCallID: accepted.providerID, messageID: 9001, outcome: .completed, durationSeconds: 31)])
    }

    // MARK: Generic rows

    struct RejectedCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let request: WebhookRequest
        let unauthorized: Bool
    }

    static let delivered = fake.signedStatusCallback(url: statusURL, messageSID: messageSID, status: "delivered")

    @Test("rejected webhooks", arguments: [
        RejectedCase(testDescription: "missing signature",
                     request: WebhookRequest(method: "POST", publicURL: statusURL, headers: [:], body: delivered.body), unauthorized: true),
        RejectedCase(testDescription: "empty signature",
                     request: WebhookRequest(method: "POST", publicURL: statusURL, headers: ["x-twilio-signature": ""], body: delivered.body), unauthorized: true),
        RejectedCase(testDescription: "bad signature",
                     request: WebhookRequest(method: "POST", publicURL: statusURL, headers: ["x-twilio-signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="], body: delivered.body), unauthorized: true),
        RejectedCase(testDescription: "signed with another token",
                     request: fake.signedStatusCallback(url: statusURL, messageSID: messageSID, status: "delivered", authToken: "another-token"), unauthorized: true),
        RejectedCase(testDescription: "body changed after signing",
                     request: WebhookRequest(method: "POST", publicURL: statusURL, headers: delivered.headers,
                                             body: Array(String(decoding: delivered.body, as: UTF8.self).replacingOccurrences(of: "delivered", with: "failed").utf8)),
                     unauthorized: true),
        RejectedCase(testDescription: "signed for another URL",
                     request: WebhookRequest(method: "POST", publicURL: base + "/sms/inbound", headers: delivered.headers, body: delivered.body), unauthorized: true),
        RejectedCase(testDescription: "empty body, correctly signed",
                     request: TwilioFake.signedRequest(url: statusURL, params: [], authToken: fake.authToken), unauthorized: false),
        RejectedCase(testDescription: "unknown path",
                     request: fake.signedStatusCallback(url: base + "/mms/status", messageSID: messageSID, status: "delivered"), unauthorized: false),
        RejectedCase(testDescription: "status callback without MessageStatus",
                     request: TwilioFake.signedRequest(url: statusURL, params: [("MessageSid", messageSID)], authToken: fake.authToken), unauthorized: false),
        RejectedCase(testDescription: "gather without CallSid",
                     request: TwilioFake.signedRequest(url: gatherURL, params: [("Digits", "1")], authToken: fake.authToken), unauthorized: false),
    ])
    func rejected(rejected: RejectedCase) {
        let result = Self.provider().handleWebhook(rejected.request)
        switch result {
        case .failure(.unauthorized(let reason)):
            #expect(rejected.unauthorized, "unexpectedly unauthorized: \(reason)")
        case .failure(.malformed):
            #expect(!rejected.unauthorized)
        case .success(let outcome):
            Issue.record("accepted: \(outcome)")
        }
        if case .failure(let error) = result {
            #expect(!error.description.contains(Self.fake.authToken))
            #expect(error.httpStatus == (rejected.unauthorized ? 403 : 400))
        }
    }

    @Test func getWebhookSignsTheURLAlone() throws {
        let url = Self.callStatusURL + "&CallSid=\(Self.callSID)&CallStatus=busy"
        let request = WebhookRequest(method: "GET", publicURL: url,
                                     headers: ["x-twilio-signature": TwilioSignature.compute(url: url, params: [], authToken: Self.fake.authToken)], body: [])
        let outcome = try Self.provider().handleWebhook(request).get()
        #expect(outcome.events == Self.ended(.busy, nil))
    }
}
