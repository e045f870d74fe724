import Foundation
import OutreachCore
import OutreachServer
import OutreachTesting
import Testing
@testable import OutreachProviders

/// The Twilio adapter's outgoing side, over loopback against `TwilioFake` with a real `CurlHTTPClient`.
@Suite("Twilio provider: sending, calls, lookups")
struct TwilioProviderTests {
    static let to = PhoneNumber(e164: "+46701740605")
    static let sender = "+46701740600"
    static let apiKey = "SK" + String(repeating: "b", count: 32)
    static let apiSecret = "api-secret-do-not-print"
    static let authToken = "auth-token-do-not-print"
    static let callbackBase = "https://gw.example/hooks/twilio"

    static func makeFake() throws -> TwilioFake {
        try TwilioFake(authToken: authToken, apiKey: apiKey, apiSecret: apiSecret)
    }

    static func makeClient(totalTimeoutMilliseconds: Int = 5000) -> CurlHTTPClient {
        CurlHTTPClient(maxConcurrent: 2, options: .init(connectTimeoutMilliseconds: 2000, totalTimeoutMilliseconds: totalTimeoutMilliseconds))
    }

    static func provider(_ settings: TwilioSettings, _ client: any HTTPClient) -> TwilioProvider {
        TwilioProvider(settings: settings, client: client, now: { Date(timeIntervalSince1970: 1_795_000_000) })
    }

    static func sms(_ body: String, from: String = sender, callback: String? = callbackBase + "/sms/status?x=1") -> OutboundSMS {
        OutboundSMS(messageID: 42, to: to, from: from, body: body, statusCallbackURL: callback)
    }

    static func decodedBasicAuth(_ header: String?) -> String? {
        guard let header, header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Secrets must not leak into anything a coordinator or a log sees.
    static func expectNoSecrets(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in [authToken, apiSecret] {
            #expect(!text.contains(secret), "a secret leaked: \(text)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Outgoing requests

    struct BodyCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let body: String
        /// The exact `Body=` field as it must appear in the raw request.
        let encoded: String
        let segments: Int
    }

    @Test("an SMS is exactly the documented request", arguments: [
        BodyCase(testDescription: "Swedish with + and å", body: "Hej Åsa! Fika på torsdag kl 14 + kaka",
                 encoded: "Hej%20%C3%85sa%21%20Fika%20p%C3%A5%20torsdag%20kl%2014%20%2B%20kaka", segments: 1),
        BodyCase(testDescription: "Arabic", body: "مرحبا", encoded: "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7", segments: 1),
        BodyCase(testDescription: "two GSM-7 segments", body: String(repeating: "Fika ", count: 40),
                 encoded: String(repeating: "Fika%20", count: 40), segments: 2),
    ])
    func smsRequest(bodyCase: BodyCase) async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        let result = await Self.provider(fake.settings(useAPIKey: false), client).sendSMS(Self.sms(bodyCase.body))

        let accepted = try result.get()
        #expect(accepted.providerID.wholeMatch(of: /SM[0-9a-f]{32}/) != nil)
        #expect(accepted.segments == bodyCase.segments)
        #expect(fake.requests.count == 1)
        let request = try #require(fake.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/2010-04-01/Accounts/\(fake.accountSID)/Messages.json")
        #expect(Self.decodedBasicAuth(request.header("Authorization")) == "\(fake.accountSID):\(Self.authToken)")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(request.header("Accept") == "application/json")
        #expect(request.bodyText == "To=%2B46701740605&From=%2B46701740600&Body=\(bodyCase.encoded)"
            + "&StatusCallback=https%3A%2F%2Fgw.example%2Fhooks%2Ftwilio%2Fsms%2Fstatus%3Fx%3D1%26message_id%3D42")
        #expect(request.formValue("Body") == bodyCase.body)
    }

    @Test func apiKeyIsUsedForBasicAuthWhenConfigured() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        _ = try await Self.provider(fake.settings(useAPIKey: true), client).sendSMS(Self.sms("Hej")).get()
        let request = try #require(fake.requests.first)
        #expect(Self.decodedBasicAuth(request.header("Authorization")) == "\(Self.apiKey):\(Self.apiSecret)")
        // The Account SID stays in the path with an API key.
        #expect(request.path == "/2010-04-01/Accounts/\(fake.accountSID)/Messages.json")
    }

    @Test func messagingServiceSenderAndNoCallback() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        let service = "MG" + String(repeating: "c", count: 32)
        let accepted = try await Self.provider(fake.settings(), client).sendSMS(Self.sms("Hej", from: service, callback: nil)).get()
        let request = try #require(fake.requests.first)
        #expect(request.bodyText == "To=%2B46701740605&MessagingServiceSid=\(service)&Body=Hej")
        #expect(request.formValue("From") == nil)
        #expect(accepted.segments == nil, "num_segments is \"0\" until the service picks a sender")
    }

    @Test func emptySenderFallsBackToSettings() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        _ = try await Self.provider(fake.settings(from: "Traffpunkt"), client).sendSMS(Self.sms("Hej", from: "")).get()
        #expect(fake.requests.first?.formValue("From") == "Traffpunkt")
    }

    // MARK: Results

    struct ResultCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let step: ServerResponse
        let expected: SendFailure
    }

    static let json = [ServerResponse.Header("Content-Type", "application/json")]

    @Test("each Twilio answer is classified", arguments: [
        ResultCase(testDescription: "400/21211 invalid To: permanent, number redacted", step: TwilioFake.invalidTo,
                   expected: .permanent(code: "21211", reason: "The 'To' number *** is not a valid phone number.")),
        ResultCase(testDescription: "400/21610 unsubscribed: opted out", step: TwilioFake.optedOut,
                   expected: .optedOut(reason: "Attempt to send to unsubscribed recipient")),
        ResultCase(testDescription: "400/21635 landline: permanent", step: TwilioFake.landline,
                   expected: .permanent(code: "21635", reason: "The 'To' number is not a mobile number.")),
        ResultCase(testDescription: "400/21606 From not SMS-capable", step: TwilioFake.error(code: 21606, message: "The From phone number is not a valid, SMS-capable number", status: 400),
                   expected: .permanent(code: "21606", reason: "The From phone number is not a valid, SMS-capable number")),
        // The config's sender, not the message: were it permanent, one wrong `from` would fail a whole campaign for good.
        ResultCase(testDescription: "400/21212 invalid From: the account's", step: TwilioFake.error(code: 21212, message: "Invalid 'From' Phone Number", status: 400),
                   expected: .account(code: "21212", reason: "Invalid 'From' Phone Number")),
        // Too many went before it: tried again later, not failed.
        ResultCase(testDescription: "400/21611 sender queue full: later", step: TwilioFake.error(code: 21611, message: "This 'From' number has exceeded the maximum number of queued messages", status: 400),
                   expected: .transient(reason: "Twilio's queue for this sender is full (21611): This 'From' number has exceeded the maximum number of queued messages", retryAfter: 900)),
        ResultCase(testDescription: "408 request timeout: never acted on", step: .text("", status: 408, contentType: "text/plain"),
                   expected: .transient(reason: "the provider timed out reading the request (HTTP 408)", retryAfter: nil)),
        ResultCase(testDescription: "429 with Retry-After", step: TwilioFake.throttled(retryAfter: "7"),
                   expected: .transient(reason: "throttled by the provider (HTTP 429)", retryAfter: 7)),
        ResultCase(testDescription: "429 without Retry-After", step: TwilioFake.throttled(retryAfter: nil),
                   expected: .transient(reason: "throttled by the provider (HTTP 429)", retryAfter: nil)),
        ResultCase(testDescription: "code 20429 on another status is still throttling", step: TwilioFake.error(code: 20429, message: "Too Many Requests", status: 400, retryAfter: "3"),
                   expected: .transient(reason: "throttled by Twilio (20429): Too Many Requests", retryAfter: 3)),
        ResultCase(testDescription: "503 empty body", step: TwilioFake.serverError,
                   expected: .transient(reason: "provider server error (HTTP 503)", retryAfter: nil)),
        // Twilio had the request and may have sent it (no idempotency key): settled from its records, never re-sent blindly.
        ResultCase(testDescription: "500 with a JSON body", step: TwilioFake.error(code: 20500, message: "Internal Server Error", status: 500),
                   expected: .unconfirmed(reason: "provider server error (HTTP 500) after it had the request")),
        // The account's, not the message's: sending pauses and the messages wait.
        ResultCase(testDescription: "401/20003 credentials rejected: the account's", step: TwilioFake.error(code: 20003, message: "Authenticate", status: 401),
                   expected: .account(code: "20003", reason: "Authenticate")),
        ResultCase(testDescription: "401 with a non-JSON body: the account's", step: .text("Unauthorized", status: 401, contentType: "text/plain"),
                   expected: .account(code: "http-401", reason: "Twilio answered HTTP 401 without a readable error body; check the account SID and key")),
        ResultCase(testDescription: "400 with a non-JSON body", step: .text("<html>Bad Request</html>", status: 400, contentType: "text/html"),
                   expected: .permanent(code: "http-400", reason: "Twilio answered HTTP 400 without a readable error body")),
        ResultCase(testDescription: "RFC 9457 body", step: ServerResponse(status: 400, headers: json, body: Array(#"{"type":"x","title":"Bad","detail":"Invalid parameter","code":21201,"status":400}"#.utf8)),
                   expected: .permanent(code: "21201", reason: "Invalid parameter")),
        ResultCase(testDescription: "201 with malformed JSON", step: ServerResponse(status: 201, headers: json, body: Array(#"{"sid": "SM12"#.utf8)),
                   expected: TwilioErrors.malformed("HTTP 201, 13 bytes")),
        ResultCase(testDescription: "201 without a sid", step: ServerResponse(status: 201, headers: json, body: Array(#"{"status":"queued"}"#.utf8)),
                   expected: TwilioErrors.malformed("the answer has no sid")),
        ResultCase(testDescription: "201 with trailing text after the JSON", step: ServerResponse(status: 201, headers: json, body: Array(#"{"sid":"SM1"} x"#.utf8)),
                   expected: TwilioErrors.malformed("HTTP 201, 15 bytes")),
        ResultCase(testDescription: "201 with a call SID for a message", step: ServerResponse(status: 201, headers: json, body: Array(#"{"sid":"CA1"}"#.utf8)),
                   expected: TwilioErrors.malformed("sid is not a message SID")),
    ])
    func sendResult(resultCase: ResultCase) async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        fake.enqueue(.respond(resultCase.step))
        let result = await Self.provider(fake.settings(), client).sendSMS(Self.sms("Hej"))
        #expect(result == .failure(resultCase.expected))
        #expect(fake.unusedSteps == 0)
        #expect(fake.requests.count == 1)
        if case .failure(let failure) = result { Self.expectNoSecrets(failure.description) }
    }

    @Test func malformedSuccessIsPermanentSoItIsNeverResent() {
        guard case .permanent(let code, let reason) = TwilioErrors.malformed("x") else { Issue.record("not permanent"); return }
        #expect(code == "malformed-response")
        #expect(reason.contains("not re-sent"))
    }

    @Test func wrongCredentialsGet401AndAnAccountFailure() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        let wrong = TwilioSettings(baseURL: fake.baseURL, accountSID: fake.accountSID, authToken: "wrong-token-do-not-print", from: Self.sender)
        let result = await Self.provider(wrong, client).sendSMS(Self.sms("Hej"))
        #expect(result == .failure(.account(code: "20003", reason: "Authenticate")))
        if case .failure(let failure) = result { #expect(!failure.description.contains("wrong-token-do-not-print")) }
    }

    @Test("a timeout after the request went out is unconfirmed: Twilio had it and may send it")
    func timeoutIsUnconfirmed() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient(totalTimeoutMilliseconds: 300)
        defer { client.close(); fake.stop() }
        fake.enqueue(.delay(seconds: 1.0, .text("{}", status: 201)))
        let result = await Self.provider(fake.settings(), client).sendSMS(Self.sms("Hej"))
        guard case .failure(.unconfirmed(let reason)) = result else { Issue.record("expected unconfirmed, got \(result)"); return }
        #expect(reason.localizedCaseInsensitiveContains("timed out"))
        #expect(fake.unusedSteps == 0)
    }

    @Test func refusedConnectionIsTransient() async throws {
        let client = Self.makeClient()
        defer { client.close() }
        let settings = TwilioSettings(baseURL: ClosedPort.refusing(), accountSID: "AC1", authToken: Self.authToken, from: Self.sender)
        let result = await Self.provider(settings, client).sendSMS(Self.sms("Hej"))
        guard case .failure(.transient(let reason, nil)) = result else { Issue.record("expected transient, got \(result)"); return }
        Self.expectNoSecrets(reason)
    }

    @Test("a connection dropped after the request went out is unconfirmed: Twilio may have sent it")
    func droppedConnectionIsUnconfirmed() async throws {
        let dropping = DroppingServer()
        let client = Self.makeClient()
        defer { client.close(); dropping.stop() }
        let settings = TwilioSettings(baseURL: dropping.baseURL, accountSID: "AC1", authToken: Self.authToken, from: Self.sender)
        let result = await Self.provider(settings, client).sendSMS(Self.sms("Hej"))
        guard case .failure(.unconfirmed(let reason)) = result else { Issue.record("expected unconfirmed, got \(result)"); return }
        Self.expectNoSecrets(reason)
        #expect(dropping.requestsReceived == 1)
    }

    // MARK: Calls

    @Test func callIsExactlyTheDocumentedRequest() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        let call = OutboundCall(messageID: 42, to: Self.to, from: Self.sender,
                                script: .speech(text: "Hej! Fika & kaka <i morgon>. Tryck 1 för ja.", language: "sv-SE"),
                                callbackBaseURL: Self.callbackBase + "/")
        let accepted = try await Self.provider(fake.settings(), client).placeCall(call).get()
        #expect(accepted.providerID.wholeMatch(of: /CA[0-9a-f]{32}/) != nil)
        let request = try #require(fake.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/2010-04-01/Accounts/\(fake.accountSID)/Calls.json")
        #expect(Self.decodedBasicAuth(request.header("Authorization")) == "\(Self.apiKey):\(Self.apiSecret)")
        let twiml = #"<Response><Gather input="dtmf" numDigits="1" timeout="8" action="https://gw.example/hooks/twilio/voice/gather?message_id=42">"#
            + #"<Say language="sv-SE" voice="Google.sv-SE-Standard-A">Hej! Fika &amp; kaka &lt;i morgon&gt;. Tryck 1 för ja.</Say></Gather>"#
            + "<Redirect>https://gw.example/hooks/twilio/voice/gather?message_id=42&amp;empty=1</Redirect></Response>"
        #expect(request.form.map(\.name) == ["To", "From", "Twiml", "StatusCallback", "StatusCallbackEvent", "MachineDetection", "Timeout"])
        #expect(request.formValue("To") == "+46701740605")
        #expect(request.formValue("From") == Self.sender)
        #expect(request.formValue("Twiml") == twiml)
        #expect(request.formValue("StatusCallback") == "https://gw.example/hooks/twilio/voice/status?message_id=42")
        #expect(request.formValue("StatusCallbackEvent") == "completed")
        #expect(request.formValue("MachineDetection") == "Enable")
        #expect(request.formValue("Timeout") == "30")
        #expect(request.bodyText.hasPrefix("To=%2B46701740605&From=%2B46701740600&Twiml=%3CResponse%3E%3CGather%20input%3D%22dtmf%22"))
        #expect(request.bodyText.contains("f%C3%B6r%20ja"))
    }

    @Test("<Say> names a voice of the language: Twilio's default voice speaks a handful of languages")
    func sayVoices() {
        #expect(TwilioTwiML.voice(for: "ar-XA") == "Google.ar-XA-Standard-A")
        #expect(TwilioTwiML.voice(for: "nb-NO") == "Google.nb-NO-Standard-A")
        #expect(TwilioTwiML.voice(for: "ar") == nil && TwilioTwiML.voice(for: "sv-SE\"x") == nil)
        let twiml = TwilioTwiML.prompt(script: .speech(text: "مرحبا", language: "ar-XA"), callbackBaseURL: Self.callbackBase, messageID: 7)
        #expect(twiml.contains(#"<Say language="ar-XA" voice="Google.ar-XA-Standard-A">مرحبا</Say>"#))
        #expect(!TwilioTwiML.prompt(script: .speech(text: "Hej", language: "sv"), callbackBaseURL: Self.callbackBase, messageID: 7).contains("voice="))
    }

    @Test func audioScriptPlaysTheRecording() {
        let twiml = TwilioTwiML.prompt(script: .audio(url: "https://cdn.example/sv/reminder.mp3?a=1&b=2"),
                                       callbackBaseURL: Self.callbackBase, messageID: 7)
        #expect(twiml.contains("<Play>https://cdn.example/sv/reminder.mp3?a=1&amp;b=2</Play></Gather>"))
        #expect(!twiml.contains("<Say"))
    }

    struct RefusedCall: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let call: OutboundCall
        let code: String
    }

    @Test("calls Twilio cannot place fail without a request", arguments: [
        RefusedCall(testDescription: "script over 4000 TwiML characters",
                    call: OutboundCall(messageID: 1, to: to, from: sender, script: .speech(text: String(repeating: "Hej ", count: 1000), language: "sv-SE"), callbackBaseURL: callbackBase),
                    code: "script-too-long"),
        RefusedCall(testDescription: "Messaging Service as caller",
                    call: OutboundCall(messageID: 1, to: to, from: "MG" + String(repeating: "d", count: 32), script: .speech(text: "Hej", language: "sv-SE"), callbackBaseURL: callbackBase),
                    code: "no-caller-id"),
        // Networks place calls from numbers only: a sender name would be refused by Twilio, and count as its trouble.
        RefusedCall(testDescription: "a sender name as caller",
                    call: OutboundCall(messageID: 1, to: to, from: "Raslatt", script: .speech(text: "Hej", language: "sv-SE"), callbackBaseURL: callbackBase),
                    code: "caller-not-a-number"),
    ])
    func refusedCall(refused: RefusedCall) async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        let result = await Self.provider(fake.settings(), client).placeCall(refused.call)
        let code: String
        switch result {
        case .failure(.refusedBeforeSending(let refusedCode, _)), .failure(.misconfigured(let refusedCode, _)): code = refusedCode
        default: Issue.record("expected refused before sending, got \(result)"); return
        }
        #expect(code == refused.code)
        #expect(fake.requests.isEmpty)
    }

    @Test func callErrorsAreClassifiedLikeMessages() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        fake.enqueue(.respond(TwilioFake.error(code: 21217, message: "Phone number is not a valid phone number.", status: 400)),
                     .respond(TwilioFake.throttled(retryAfter: "2")))
        let provider = Self.provider(fake.settings(), client)
        let call = OutboundCall(messageID: 1, to: Self.to, from: Self.sender, script: .speech(text: "Hej", language: "sv-SE"), callbackBaseURL: Self.callbackBase)
        #expect(await provider.placeCall(call) == .failure(.permanent(code: "21217", reason: "Phone number is not a valid phone number.")))
        #expect(await provider.placeCall(call) == .failure(.transient(reason: "throttled by the provider (HTTP 429)", retryAfter: 2)))
        #expect(fake.unusedSteps == 0)
    }

    // MARK: Lookups

    @Test("a lookup reports what Twilio knows", arguments: [
        ("queued", nil, DeliveryStatus(state: .sent, providerStatus: "queued")),
        ("sent", nil, DeliveryStatus(state: .sent, providerStatus: "sent")),
        ("delivered", nil, DeliveryStatus(state: .delivered, providerStatus: "delivered")),
        ("undelivered", 30003, DeliveryStatus(state: .undelivered, providerStatus: "undelivered", errorCode: "30003")),
        ("failed", 21610, DeliveryStatus(state: .failed, providerStatus: "failed", errorCode: "21610", optedOut: true)),
    ] as [(String, Int?, DeliveryStatus)])
    func lookup(status: String, errorCode: Int?, expected: DeliveryStatus) async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        let provider = Self.provider(fake.settings(), client)
        let sid = try await provider.sendSMS(Self.sms("Hej")).get().providerID
        if status != "queued" { fake.setStatus(of: sid, to: status, errorCode: errorCode) }
        let result = await provider.lookupStatus(providerID: sid)
        #expect(result == .success(expected))
        let request = try #require(fake.requests.last)
        #expect(request.method == "GET")
        #expect(request.path == "/2010-04-01/Accounts/\(fake.accountSID)/Messages/\(sid).json")
    }

    @Test func lookupOfUnknownMessageOrStatusFails() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        let provider = Self.provider(fake.settings(), client)
        guard case .failure(.permanent(let code, _))? = await provider.lookupStatus(providerID: "SM" + String(repeating: "0", count: 32)) else {
            Issue.record("expected a permanent failure"); return
        }
        #expect(code == "20404")
        let sid = try await provider.sendSMS(Self.sms("Hej")).get().providerID
        fake.setStatus(of: sid, to: "teleported")
        guard case .failure(.permanent(let unknown, _))? = await provider.lookupStatus(providerID: sid) else {
            Issue.record("expected a permanent failure"); return
        }
        #expect(unknown == "unknown-status")
    }

    @Test("after a stop, the message list tells whether an interrupted send reached Twilio")
    func findSentSearchesTheMessageList() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        let provider = Self.provider(fake.settings(), client)
        let since = Date().addingTimeInterval(-5)
        _ = try await provider.sendSMS(Self.sms("Påminnelse: kaffe i morgon")).get()
        let sid = try await provider.sendSMS(Self.sms("Påminnelse: kaffe i dag 14:00")).get().providerID
        fake.setStatus(of: sid, to: "delivered")

        let found = await provider.findSent(SentLookup(messageID: 42, to: Self.to, body: "Påminnelse: kaffe i dag 14:00", since: since))
        #expect(found == .success(.found(providerID: sid, status: DeliveryStatus(state: .delivered, providerStatus: "delivered"))))
        let request = try #require(fake.requests.last)
        #expect(request.method == "GET")
        #expect(request.path == "/2010-04-01/Accounts/\(fake.accountSID)/Messages.json")
        #expect(request.query == "To=\(Self.to.e164.replacingOccurrences(of: "+", with: "%2B"))&PageSize=50")

        let other = await provider.findSent(SentLookup(messageID: 43, to: Self.to, body: "Påminnelse: kaffe på fredag", since: since))
        #expect(other == .success(.notFound))
        // The same text, already another message's SMS, is not ours.
        let taken = await provider.findSent(SentLookup(messageID: 48, to: Self.to, body: "Påminnelse: kaffe i dag 14:00", since: since,
                                                       taken: [sid]))
        #expect(taken == .success(.notFound))
        // A message with the same text sent long before the interrupted one does not count.
        let later = await provider.findSent(SentLookup(messageID: 44, to: Self.to, body: "Påminnelse: kaffe i morgon",
                                                       since: Date().addingTimeInterval(3600)))
        #expect(later == .success(.notFound))
        // Our clock five minutes ahead of Twilio's: the message it stamped "before" the send is still found.
        let skewed = await provider.findSent(SentLookup(messageID: 42, to: Self.to, body: "Påminnelse: kaffe i dag 14:00",
                                                        since: Date().addingTimeInterval(300)))
        #expect(skewed == .success(.found(providerID: sid, status: DeliveryStatus(state: .delivered, providerStatus: "delivered"))))
        // A trial account's prefix before our text: still ours (else the senior would get it twice).
        let trial = try await provider.sendSMS(Self.sms("Sent from your Twilio trial account - Påminnelse: fika på torsdag")).get().providerID
        let prefixed = await provider.findSent(SentLookup(messageID: 45, to: Self.to, body: "Påminnelse: fika på torsdag", since: since))
        guard case .success(.found(let prefixedID, _))? = prefixed else {
            Issue.record("a trial prefix hid our text: \(String(describing: prefixed))"); return
        }
        #expect(prefixedID == trial)
        // Another text that merely ends like ours is not ours.
        _ = try await provider.sendSMS(Self.sms("Hej! Glöm inte: yoga kl 10.")).get()
        let suffix = await provider.findSent(SentLookup(messageID: 46, to: Self.to, body: "Glöm inte: yoga kl 10.", since: since))
        #expect(suffix == .success(.notFound))
        // Stored with CRLF and without our trailing newline (a provider may keep it either way): still ours, else the
        // senior would get it twice.
        let crlf = try await provider.sendSMS(Self.sms("مرحبا\r\nتذكير: قهوة")).get().providerID
        let trimmed = await provider.findSent(SentLookup(messageID: 47, to: Self.to, body: "مرحبا\nتذكير: قهوة\n", since: since))
        guard case .success(.found(let trimmedID, _))? = trimmed else {
            Issue.record("line ends hid our text: \(String(describing: trimmed))"); return
        }
        #expect(trimmedID == crlf)
        fake.enqueue(.respond(TwilioFake.serverError))
        guard case .failure(.transient)? = await provider.findSent(SentLookup(messageID: 42, to: Self.to, body: "x", since: since)) else {
            Issue.record("a 503 while searching must be a transient failure"); return
        }
    }

    @Test("the search follows next_page_uri back to the interrupted send, and stops at a page created wholly before it")
    func findSentFollowsPages() async throws {
        let fake = try Self.makeFake()
        let client = Self.makeClient()
        defer { client.close(); fake.stop() }
        let provider = Self.provider(fake.settings(), client)
        let since = Date().addingTimeInterval(-5)
        let ours = try await provider.sendSMS(Self.sms("Påminnelse: kaffe i dag 14:00")).get().providerID
        for index in 0..<110 { _ = try await provider.sendSMS(Self.sms("Meddelande \(index)")).get() }
        let before = fake.requests.count

        let found = await provider.findSent(SentLookup(messageID: 42, to: Self.to, body: "Påminnelse: kaffe i dag 14:00", since: since))
        #expect(found == .success(.found(providerID: ours, status: DeliveryStatus(state: .sent, providerStatus: "queued"))))
        let pages = fake.requests.dropFirst(before)
        #expect(pages.count == 3, "50 + 50 + 11 messages, ours the oldest")
        #expect(pages.last?.query.contains("Page=2") == true)

        // Everything listed was created long before this send: the first page ends the search.
        let afterAll = fake.requests.count
        let none = await provider.findSent(SentLookup(messageID: 43, to: Self.to, body: "Påminnelse: kaffe i dag 14:00",
                                                      since: Date().addingTimeInterval(3600)))
        #expect(none == .success(.notFound))
        #expect(fake.requests.count == afterAll + 1)

        // A next page off Twilio's host is never fetched: our credentials would go with it.
        let offHost = Array(#"{"messages": [], "next_page_uri": "https://collector.example/Messages.json"}"#.utf8)
        fake.enqueue(.respond(ServerResponse(status: 200, headers: Self.json, body: offHost)))
        guard case .failure(.permanent(let code, _))? = await provider.findSent(
            SentLookup(messageID: 42, to: Self.to, body: "x", since: since)) else { Issue.record("expected a failure"); return }
        #expect(code == "malformed-response")
        #expect(fake.requests.count == afterAll + 2)
    }

    // MARK: Settings

    @Test func settingsFromSecrets() throws {
        let settings = try TwilioSettings.from(secrets: ProviderSecrets(["TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": Self.authToken,
                                                                         "TWILIO_API_KEY": Self.apiKey, "TWILIO_API_SECRET": Self.apiSecret]),
                                               baseURL: nil, from: Self.sender)
        #expect(settings.baseURL == "https://api.twilio.com")
        #expect(settings.credentials.user == Self.apiKey)
        #expect(settings.credentials.password == Self.apiSecret)
        Self.expectNoSecrets(settings.description)
        Self.expectNoSecrets(String(describing: settings))

        let tokenOnly = try TwilioSettings.from(secrets: ProviderSecrets(["TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": Self.authToken]),
                                                baseURL: "http://127.0.0.1:9/", from: Self.sender)
        #expect(tokenOnly.baseURL == "http://127.0.0.1:9")
        #expect(tokenOnly.credentials.user == "AC123")
        Self.expectNoSecrets(tokenOnly.description)
    }

    @Test("settings errors name what is missing", arguments: [
        (["TWILIO_AUTH_TOKEN": "t"], "TWILIO_ACCOUNT_SID"),
        (["TWILIO_ACCOUNT_SID": "AC1"], "TWILIO_AUTH_TOKEN"),
        (["TWILIO_ACCOUNT_SID": "SK1", "TWILIO_AUTH_TOKEN": "t"], "starts with AC"),
        (["TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_API_KEY": "SK1"], "TWILIO_API_SECRET is missing"),
        (["TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_API_SECRET": "s"], "TWILIO_API_KEY is missing"),
    ])
    func settingsErrors(values: [String: String], expected: String) {
        #expect {
            _ = try TwilioSettings.from(secrets: ProviderSecrets(values), baseURL: nil, from: Self.sender)
        } throws: { error in
            (error as? ProviderConfigError)?.message.contains(expected) == true
        }
    }
}
