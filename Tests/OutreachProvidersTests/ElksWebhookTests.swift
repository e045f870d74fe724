import Foundation
import OutreachCore
import OutreachTesting
import Testing
@testable import OutreachProviders

/// 46elks callbacks: the secret in the URL first (46elks signs nothing), then parsing and routing.
@Suite("46elks adapter: webhooks")
struct ElksWebhookTests {
    static let hooks = "https://gw.example/hooks/46elks"
    static let sender = PhoneNumber(e164: "+46701740605")
    static let callID = "c719b1eefbf65b1f89c013e6433dbf537"

    /// Webhook handling must never touch the network.
    struct NoNetwork: HTTPClient {
        func send(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
            throw .other(code: -1, message: "no network in webhook tests")
        }
    }

    enum Expect: Sendable, Equatable {
        case outcome(WebhookOutcome)
        case unauthorized
        case malformed
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let request: @Sendable (ElksFake) -> WebhookRequest
        let expected: Expect
        init(_ name: String, _ expected: Expect, _ request: @escaping @Sendable (ElksFake) -> WebhookRequest) {
            testDescription = name
            self.request = request
            self.expected = expected
        }
    }

    static func inbound(_ fake: ElksFake, auth: ElksFake.CallbackAuth = .valid) -> WebhookRequest {
        fake.inboundSMS(url: hooks + "/sms/inbound", from: "+46701740605", to: "+46766860000",
                        message: "Ja tack, jag kommer! 😊", auth: auth)
    }

    static func changedLast(_ text: String) -> String {
        String(text.dropLast()) + (text.last == "8" ? "9" : "8")
    }

    static func outcome(_ event: ProviderEvent, _ response: WebhookResponse = .noContent) -> Expect {
        .outcome(WebhookOutcome(events: [event], response: response))
    }

    static func ended(_ outcome: CallOutcome, _ seconds: Int?, messageID: Int64? = 7) -> Expect {
        Self.outcome(.callEnded(providerCallID: callID, messageID: messageID, outcome: outcome, durationSeconds: seconds))
    }

    static let actions = #"[{"ivr": "https://gw.example/a.mp3", "result": "1"}]"#
    static let legs = #"[{"duration": 7, "to": "+46701740605", "state": "success", "from": "+46766860000"}]"#

    static let cases: [Case] = [
        // The secret, checked before anything else.
        Case("inbound with the secret", outcome(.inboundSMS(providerID: "sf8425555e5d8db61dda7a7b3f1b91bdb", from: sender,
                                                            to: "+46766860000", body: "Ja tack, jag kommer! 😊"))) { inbound($0) },
        Case("no secret", .unauthorized) { inbound($0, auth: .missing) },
        Case("secret differing in the last character", .unauthorized) { inbound($0, auth: .wrong(changedLast($0.callbackSecret))) },
        Case("secret one character longer", .unauthorized) { inbound($0, auth: .wrong($0.callbackSecret + "0")) },
        Case("secret one character shorter", .unauthorized) { inbound($0, auth: .wrong(String($0.callbackSecret.dropLast()))) },
        Case("secret in upper case", .unauthorized) { inbound($0, auth: .wrong($0.callbackSecret.uppercased())) },
        Case("empty secret", .unauthorized) { inbound($0, auth: .wrong("")) },
        Case("secret in the body instead of the URL", .unauthorized) {
            $0.callback(url: hooks + "/sms/status", fields: [("id", "s1"), ("status", "delivered"), ("secret", $0.callbackSecret)], auth: .missing)
        },
        Case("empty body without secret: unauthorized, not malformed", .unauthorized) {
            $0.callback(url: hooks + "/sms/inbound", body: [], auth: .missing)
        },
        Case("garbage to an unknown path without secret", .unauthorized) {
            $0.callback(url: hooks + "/nowhere", body: [0xFF, 0x00], auth: .wrong("x"))
        },
        // Generic rows with a valid secret.
        Case("empty body", .malformed) { $0.callback(url: hooks + "/sms/inbound", body: [], auth: .valid) },
        Case("unknown path", .malformed) { $0.callback(url: hooks + "/mms/inbound", fields: [("id", "m1")], auth: .valid) },
        Case("GET instead of POST", .malformed) { fake in
            let request = inbound(fake)
            return WebhookRequest(method: "GET", publicURL: request.publicURL, headers: request.headers, body: request.body)
        },
        // Inbound SMS.
        Case("inbound without message", .malformed) {
            $0.callback(url: hooks + "/sms/inbound", fields: [("direction", "incoming"), ("id", "s1"), ("from", "+46701740605"), ("to", "+46766860000")], auth: .valid)
        },
        Case("inbound from a text sender id", outcome(.ignored(reason: "inbound SMS from a text sender id"))) {
            $0.inboundSMS(url: hooks + "/sms/inbound", from: "TestElk", to: "+46766860000", message: "Hi")
        },
        Case("inbound at a path with a trailing slash", outcome(.inboundSMS(providerID: "s2", from: sender, to: "+46766860000", body: "Nej"))) {
            $0.inboundSMS(url: hooks + "/sms/inbound/", from: "+46701740605", to: "+46766860000", message: "Nej", id: "s2")
        },
        // Delivery reports.
        Case("delivered, naming our message", outcome(.receipt(providerID: "s70df59406a1b4643b96f3f91e0bfb7b0",
                                                                status: DeliveryStatus(state: .delivered, providerStatus: "delivered"),
                                                                messageID: 42))) {
            $0.deliveryReport(callbackURL: hooks + "/sms/status?message_id=42", id: "s70df59406a1b4643b96f3f91e0bfb7b0",
                              status: "delivered", delivered: "2016-10-01T12:00:00.110000")
        },
        Case("sent", outcome(.receipt(providerID: "s1", status: DeliveryStatus(state: .sent, providerStatus: "sent")))) {
            $0.deliveryReport(callbackURL: hooks + "/sms/status", id: "s1", status: "sent")
        },
        Case("failed", outcome(.receipt(providerID: "s1", status: DeliveryStatus(state: .failed, providerStatus: "failed")))) {
            $0.deliveryReport(callbackURL: hooks + "/sms/status", id: "s1", status: "failed")
        },
        Case("unknown status is acknowledged", outcome(.ignored(reason: "unknown 46elks delivery status 'created'"))) {
            $0.deliveryReport(callbackURL: hooks + "/sms/status", id: "s1", status: "created")
        },
        Case("report without status", .malformed) { $0.callback(url: hooks + "/sms/status", fields: [("id", "s1")], auth: .valid) },
        // IVR results.
        Case("digit 1", outcome(.callDigits(providerCallID: callID, messageID: 7, digits: "1"), ElksWebhooks.ivrAnswer)) {
            $0.ivrResult(url: hooks + "/voice/ivr?message_id=7", callID: callID, result: "1")
        },
        Case("digit 9", outcome(.callDigits(providerCallID: callID, messageID: 7, digits: "9"), ElksWebhooks.ivrAnswer)) {
            $0.ivrResult(url: hooks + "/voice/ivr?message_id=7", callID: callID, result: "9")
        },
        Case("nothing pressed", outcome(.callDigits(providerCallID: callID, messageID: 7, digits: ""), ElksWebhooks.ivrAnswer)) {
            $0.ivrResult(url: hooks + "/voice/ivr?message_id=7", callID: callID, result: "failed")
        },
        Case("message id that is not a number", outcome(.callDigits(providerCallID: callID, messageID: nil, digits: "2"), ElksWebhooks.ivrAnswer)) {
            $0.ivrResult(url: hooks + "/voice/ivr?message_id=abc", callID: callID, result: "2")
        },
        Case("IVR result without callid", .malformed) { $0.callback(url: hooks + "/voice/ivr", fields: [("result", "1")], auth: .valid) },
        // Hangups.
        Case("answered call", ended(.completed, 8)) {
            $0.hangup(url: hooks + "/voice/hangup?message_id=7", callID: callID, state: "success", duration: 8, actions: actions, legs: legs)
        },
        Case("busy", ended(.busy, 0)) {
            $0.hangup(url: hooks + "/voice/hangup?message_id=7", callID: callID, state: "busy", duration: 0, actions: "[]")
        },
        Case("failed before any action: no answer", ended(.noAnswer, 0)) {
            $0.hangup(url: hooks + "/voice/hangup?message_id=7", callID: callID, state: "failed", duration: 0, actions: "[]")
        },
        Case("failed after an action", ended(.failed, 3)) {
            $0.hangup(url: hooks + "/voice/hangup?message_id=7", callID: callID, state: "failed", duration: 3, actions: actions)
        },
        Case("failed without actions field", ended(.failed, nil)) {
            $0.hangup(url: hooks + "/voice/hangup?message_id=7", callID: callID, state: "failed", duration: nil)
        },
        Case("unreadable actions and legs JSON", ended(.completed, 5)) {
            $0.hangup(url: hooks + "/voice/hangup?message_id=7", callID: callID, state: "success", duration: 5,
                      actions: "[{not json", legs: "{\"duration\":")
        },
        Case("duration from legs", ended(.completed, 7)) {
            $0.hangup(url: hooks + "/voice/hangup?message_id=7", callID: callID, state: "success", duration: nil, legs: legs)
        },
        Case("unknown call state is acknowledged", outcome(.ignored(reason: "unknown 46elks call state 'weird'"))) {
            $0.hangup(url: hooks + "/voice/hangup?message_id=7", callID: callID, state: "weird", duration: 1)
        },
        Case("hangup without id", .malformed) { $0.callback(url: hooks + "/voice/hangup", fields: [("state", "success")], auth: .valid) },
    ]

    @Test("Webhooks", arguments: cases)
    func webhook(_ row: Case) throws {
        let fake = try ElksFake()
        defer { fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: NoNetwork(), now: { Date(timeIntervalSince1970: 0) })
        let request = row.request(fake)

        let result = provider.handleWebhook(request)

        switch (row.expected, result) {
        case (.outcome(let expected), .success(let outcome)):
            #expect(outcome == expected)
            #expect((200...204).contains(outcome.response.status))
        case (.unauthorized, .failure(let error)):
            guard case .unauthorized = error else { Issue.record("expected unauthorized, got \(error)"); break }
            #expect(error.httpStatus == 403)
        case (.malformed, .failure(let error)):
            guard case .malformed = error else { Issue.record("expected malformed, got \(error)"); break }
            #expect(error.httpStatus == 400)
        default:
            Issue.record("expected \(row.expected), got \(result)")
        }
        if case .failure(let error) = result {
            #expect(!error.description.contains(fake.callbackSecret))
            #expect(!error.description.contains(Self.changedLast(fake.callbackSecret)))
        }
        #expect(fake.requests.isEmpty)
    }

    @Test func ivrAnswerIsAValidCallAction() throws {
        let answer = ElksWebhooks.ivrAnswer
        #expect(answer.status == 200)
        #expect(answer.contentType == "application/json")
        let action = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: String])
        #expect(action == ["play": "sound/beep"])
    }

    /// The URLs we hand to 46elks come back as they are: a secret with reserved characters survives the trip.
    @Test func callbackURLsWeSendAreAccepted() async throws {
        let fake = try ElksFake(callbackSecret: "p+q/r=s&t ü-0123456789")
        let client = CurlHTTPClient(maxConcurrent: 2, options: .init(connectTimeoutMilliseconds: 2_000, totalTimeoutMilliseconds: 5_000))
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: { Date(timeIntervalSince1970: 0) })
        _ = try await provider.sendSMS(OutboundSMS(messageID: 1, to: Self.sender, from: "Outreach", body: "Hej",
                                                   statusCallbackURL: Self.hooks + "/sms/status")).get()
        _ = try await provider.placeCall(OutboundCall(messageID: 7, to: Self.sender, from: "+46766860000",
                                                      script: .audio(url: "https://gw.example/a.mp3"), callbackBaseURL: Self.hooks)).get()
        let sms = try #require(fake.requests.first)
        let call = try #require(fake.requests.last)
        let whendelivered = try #require(sms.formValue("whendelivered"))
        #expect(whendelivered.hasSuffix("/sms/status?message_id=1&secret=p%2Bq%2Fr%3Ds%26t%20%C3%BC-0123456789"))
        let voiceStart = try #require(try JSONSerialization.jsonObject(with: Data((call.formValue("voice_start") ?? "").utf8)) as? [String: Any])
        let next = try #require(voiceStart["next"] as? String)
        let whenhangup = try #require(call.formValue("whenhangup"))

        func post(_ url: String, _ fields: [(String, String)]) -> Result<WebhookOutcome, WebhookError> {
            provider.handleWebhook(WebhookRequest(method: "POST", publicURL: url, headers: [:], body: Array(FormEncoding.encode(fields).utf8)))
        }
        #expect(post(whendelivered, [("id", "s1"), ("status", "delivered")]).map(\.events)
            == .success([.receipt(providerID: "s1", status: DeliveryStatus(state: .delivered, providerStatus: "delivered"), messageID: 1)]))
        #expect(post(next, [("callid", Self.callID), ("result", "1")]).map(\.events)
            == .success([.callDigits(providerCallID: Self.callID, messageID: 7, digits: "1")]))
        #expect(post(whenhangup, [("id", Self.callID), ("state", "success"), ("duration", "12")]).map(\.events)
            == .success([.callEnded(providerCallID: Self.callID, messageID: 7, outcome: .completed, durationSeconds: 12)]))
        // The same URL with the secret taken off is refused.
        let stripped = String(whendelivered[..<(whendelivered.range(of: "&secret=")?.lowerBound ?? whendelivered.endIndex)])
        #expect(post(stripped, [("id", "s1"), ("status", "delivered")]).map(\.events)
            == .failure(.unauthorized("the 46elks callback URL has no secret parameter")))
    }

    @Test("Secrets are appended to any callback URL", arguments: [
        ("https://a.example/x", "https://a.example/x?secret=k"),
        ("https://a.example/x?m=1", "https://a.example/x?m=1&secret=k"),
        ("https://a.example/x?", "https://a.example/x?secret=k"),
        ("https://a.example/x?m=1#frag", "https://a.example/x?m=1&secret=k#frag"),
        ("https://a.example/x?m=1&", "https://a.example/x?m=1&secret=k"),
        ("https://a.example/x#frag?no", "https://a.example/x?secret=k#frag?no"),
        ("https://a.example/å?m=ü", "https://a.example/å?m=ü&secret=k"),
    ])
    func appendingSecret(url: String, expected: String) {
        #expect(ElksWebhooks.appendingSecret(to: url, secret: "k") == expected)
    }
}
