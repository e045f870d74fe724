import Foundation
import OutreachCore
import OutreachServer
import OutreachTesting
import Testing
@testable import OutreachProviders

/// The 46elks adapter against the loopback `ElksFake`, over real HTTP with `CurlHTTPClient`.
/// Webhooks are in ElksWebhookTests.swift.
@Suite("46elks adapter: sending")
struct ElksProviderTests {
    static let to = PhoneNumber(e164: "+46701740605")
    static let statusURL = "https://gw.example/hooks/46elks/sms/status"
    static let hooks = "https://gw.example/hooks/46elks"
    static let clock = ManualClock()

    static func client(totalMilliseconds: Int = 5_000) -> CurlHTTPClient {
        CurlHTTPClient(maxConcurrent: 2, options: .init(connectTimeoutMilliseconds: 2_000,
                                                        totalTimeoutMilliseconds: totalMilliseconds))
    }

    static func sms(_ body: String, from: String = "Outreach", callback: String? = statusURL) -> OutboundSMS {
        OutboundSMS(messageID: 42, to: to, from: from, body: body, statusCallbackURL: callback)
    }

    static func call(_ script: VoiceScript, base: String = hooks) -> OutboundCall {
        OutboundCall(messageID: 7, to: to, from: "+46766860000", script: script, callbackBaseURL: base)
    }

    /// No credential or callback secret in anything a coordinator or a log could see.
    static func expectNoSecrets(_ text: String, _ fake: ElksFake, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(fake.password), sourceLocation: sourceLocation)
        #expect(!text.contains(fake.callbackSecret), sourceLocation: sourceLocation)
    }

    // MARK: - Outgoing requests

    struct BodyCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let text: String
        let encoded: String
    }

    @Test("An SMS is exactly the documented form POST", arguments: [
        BodyCase(testDescription: "Swedish å", text: "Hej på dig", encoded: "Hej%20p%C3%A5%20dig"),
        BodyCase(testDescription: "plus, equals, ampersand", text: "1+1=2 & mer", encoded: "1%2B1%3D2%20%26%20mer"),
        BodyCase(testDescription: "Arabic", text: "مرحبا", encoded: "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7"),
        BodyCase(testDescription: "newline and emoji", text: "Fika\n☕", encoded: "Fika%0A%E2%98%95"),
    ])
    func smsRequest(body: BodyCase) async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)

        let result = await provider.sendSMS(Self.sms(body.text))

        #expect(try result.get().providerID.hasPrefix("s"))
        let request = try #require(fake.requests.first)
        #expect(fake.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/a1/sms")
        #expect(request.header("content-type") == "application/x-www-form-urlencoded")
        let basic = try #require(request.header("authorization"))
        #expect(basic.hasPrefix("Basic "))
        let decoded = Data(base64Encoded: String(basic.dropFirst(6))).map { String(decoding: $0, as: UTF8.self) }
        #expect(decoded == "\(fake.username):\(fake.password)")
        #expect(request.bodyText == "from=Outreach&to=%2B46701740605&message=\(body.encoded)"
            + "&whendelivered=https%3A%2F%2Fgw.example%2Fhooks%2F46elks%2Fsms%2Fstatus%3Fmessage_id%3D42%26secret%3D\(fake.callbackSecret)")
        #expect(request.formValue("message") == body.text)
        #expect(request.formValue("whendelivered") == Self.statusURL + "?message_id=42&secret=" + fake.callbackSecret)
    }

    @Test func callbackURLWithAQueryKeepsItAndNoCallbackMeansNoField() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(from: "Traffen"), client: client, now: Self.clock.function)

        _ = try await provider.sendSMS(Self.sms("a", from: "", callback: Self.statusURL + "?x=1")).get()
        _ = try await provider.sendSMS(Self.sms("b", callback: nil)).get()

        let requests = fake.requests
        #expect(requests.count == 2)
        #expect(requests[0].formValue("whendelivered") == Self.statusURL + "?x=1&message_id=42&secret=" + fake.callbackSecret)
        #expect(requests[0].formValue("from") == "Traffen")  // the settings' sender when the message has none
        #expect(requests[1].formValues("whendelivered").isEmpty)
        #expect(requests[1].form.map(\.name) == ["from", "to", "message"])
    }

    @Test func dryRunAsksForDryrunAndIsAcceptedWithoutAnID() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(dryRun: true), client: client, now: Self.clock.function)

        let result = await provider.sendSMS(Self.sms(String(repeating: "a", count: 170)))

        #expect(result == .success(ProviderAccepted(providerID: "dryrun-42", segments: 2)))
        #expect(fake.requests.first?.formValue("dryrun") == "yes")
        #expect(fake.requests.first?.bodyText.hasSuffix("&dryrun=yes") == true)
    }

    // MARK: - Results

    enum Script: Sendable {
        case none
        case fail(Int, String)
        case outOfCredits
        case throttle(String?)
        case serverError(Int)
        case respond(String)
    }

    enum Expected: Sendable, Equatable {
        case accepted(segments: Int)
        case failure(SendFailure)
        case permanentCode(String)
    }

    struct ResultCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let text: String
        let script: Script
        let expected: Expected
        init(_ name: String, text: String = "Hej", _ script: Script, _ expected: Expected) {
            testDescription = name
            self.text = text
            self.script = script
            self.expected = expected
        }
    }

    static let retryDate: String = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: clock.now.addingTimeInterval(90))
    }()

    @Test("Answers are classified", arguments: [
        ResultCase("success, one part", .none, .accepted(segments: 1)),
        ResultCase("success, two parts", text: String(repeating: "å", count: 200), .none, .accepted(segments: 2)),
        ResultCase("success, UCS-2 Arabic", text: String(repeating: "م", count: 71), .none, .accepted(segments: 2)),
        ResultCase("400 text trimmed", .fail(400, "  Invalid to number.\n"),
                   .failure(.permanent(code: "http-400", reason: "Invalid to number."))),
        ResultCase("400 quoting the number", .fail(400, "Invalid to number +46701740605."),
                   .failure(.permanent(code: "http-400", reason: "Invalid to number +46 70 *** ** 05."))),
        ResultCase("403 parameter error", .fail(403, "Missing key message."),
                   .failure(.permanent(code: "http-403", reason: "Missing key message."))),
        // A bare "Forbidden" may refuse one message: it is not taken for the account's (which pauses all sending).
        ResultCase("403 forbidden", .fail(403, "Forbidden"), .failure(.permanent(code: "http-403", reason: "Forbidden"))),
        // One destination refused: that message fails, and sending goes on.
        ResultCase("403 not authorized for one destination", .fail(403, "Not authorized to send to this destination."),
                   .failure(.permanent(code: "http-403", reason: "Not authorized to send to this destination."))),
        ResultCase("401", .fail(401, "Unauthorized"), .failure(.account(code: "auth", reason: "Unauthorized"))),
        // The config's sender: every message would fail alike, so sending pauses instead of failing the campaign.
        ResultCase("403 invalid from number", .fail(403, "Invalid from number."),
                   .failure(.account(code: "sender", reason: "Invalid from number. (check provider.from)"))),
        ResultCase("out of credits", .outOfCredits, .failure(.account(code: "no-credit", reason: "Not enough credits."))),
        ResultCase("out of credits as JSON", .fail(403, #"{"error":"Not enough credits"}"#),
                   .failure(.account(code: "no-credit", reason: "Not enough credits"))),
        ResultCase("404 without text", .fail(404, ""),
                   .failure(.permanent(code: "http-404", reason: "HTTP 404 without an explanation"))),
        ResultCase("429 with Retry-After seconds", .throttle("17"),
                   .failure(.transient(reason: "throttled by the provider (HTTP 429)", retryAfter: 17))),
        ResultCase("429 with Retry-After date", .throttle(retryDate),
                   .failure(.transient(reason: "throttled by the provider (HTTP 429)", retryAfter: 90))),
        ResultCase("429 without Retry-After", .throttle(nil),
                   .failure(.transient(reason: "throttled by the provider (HTTP 429)", retryAfter: nil))),
        ResultCase("503", .serverError(503), .failure(.transient(reason: "provider server error (HTTP 503)", retryAfter: nil))),
        ResultCase("500", .serverError(500), .failure(.unconfirmed(reason: "provider server error (HTTP 500) after it had the request"))),
        ResultCase("200 not JSON", .respond("<html>ok</html>"), .permanentCode("malformed-response")),
        ResultCase("200 JSON without id", .respond(#"{"status":"created"}"#), .permanentCode("malformed-response")),
        ResultCase("200 JSON array", .respond("[1,2]"), .permanentCode("malformed-response")),
        ResultCase("200 empty", .respond(""), .permanentCode("malformed-response")),
    ])
    func classification(_ row: ResultCase) async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        switch row.script {
        case .none: break
        case .fail(let status, let text): fake.failNext(status: status, text: text)
        case .outOfCredits: fake.outOfCreditsNext()
        case .throttle(let retryAfter): fake.throttleNext(retryAfter: retryAfter)
        case .serverError(let status): fake.serverErrorNext(status: status)
        case .respond(let body): fake.respondNext(body: body)
        }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)

        let result = await provider.sendSMS(Self.sms(row.text))

        switch (row.expected, result) {
        case (.accepted(let segments), .success(let accepted)):
            #expect(accepted.segments == segments)
            #expect(accepted.providerID.count == 33)
            #expect(accepted.providerID.dropFirst().allSatisfy { $0.isHexDigit })
        case (.failure(let expected), .failure(let failure)):
            #expect(failure == expected)
        case (.permanentCode(let code), .failure(.permanent(let actual, let reason))):
            #expect(actual == code)
            #expect(reason.contains("may have been sent"))
        default:
            Issue.record("expected \(row.expected), got \(result)")
        }
        if case .failure(let failure) = result { Self.expectNoSecrets(failure.description, fake) }
        #expect(fake.requests.count == 1)
        #expect(fake.unusedSteps == 0)
    }

    @Test func wrongPasswordIsAPermanentAuthFailure() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(password: "not-the-password"), client: client, now: Self.clock.function)

        let result = await provider.sendSMS(Self.sms("Hej"))

        #expect(result == .failure(.account(code: "auth", reason: "Invalid API credentials.")))
        #expect(!"\(result)".contains("not-the-password"))
    }

    @Test func secretsEchoedInAnErrorAreRedacted() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        fake.failNext(status: 400, text: "Invalid whendelivered https://gw.example/x?secret=\(fake.callbackSecret) for \(fake.password)")
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)

        let result = await provider.sendSMS(Self.sms("Hej"))

        #expect(result == .failure(.permanent(code: "http-400", reason: "Invalid whendelivered https://gw.example/x?secret=*** for ***")))
        if case .failure(let failure) = result { Self.expectNoSecrets(failure.description, fake) }
        #expect(fake.unusedSteps == 0)
    }

    @Test("a timeout after the request went out is unconfirmed: 46elks had it and may send it")
    func timeoutIsUnconfirmed() async throws {
        let fake = try ElksFake()
        let client = Self.client(totalMilliseconds: 300)
        defer { client.close(); fake.stop() }
        fake.delayNext(seconds: 1.0)
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)

        let result = await provider.sendSMS(Self.sms("Hej"))

        guard case .failure(.unconfirmed(let reason)) = result else { Issue.record("expected unconfirmed, got \(result)"); return }
        #expect(reason.localizedCaseInsensitiveContains("timed out"))
        #expect(fake.unusedSteps == 0)
    }

    @Test func refusedConnectionIsTransient() async throws {
        let client = Self.client()
        defer { client.close() }
        let settings = ElksSettings(baseURL: ClosedPort.refusing(), username: "u1", password: "p1",
                                    callbackSecret: "cb-secret-6f1d2a9e7b3c4d58", from: "Outreach")
        let result = await ElksProvider(settings: settings, client: client, now: Self.clock.function).sendSMS(Self.sms("Hej"))
        guard case .failure(.transient(_, nil)) = result else {
            Issue.record("expected a transient failure, got \(result)")
            return
        }
    }

    @Test("a connection dropped after the request went out is unconfirmed: 46elks may have sent it")
    func droppedConnectionIsUnconfirmed() async throws {
        let dropping = DroppingServer()
        let client = Self.client()
        defer { client.close(); dropping.stop() }
        let settings = ElksSettings(baseURL: dropping.baseURL, username: "u1", password: "p1",
                                    callbackSecret: "cb-secret-6f1d2a9e7b3c4d58", from: "Outreach")
        let result = await ElksProvider(settings: settings, client: client, now: Self.clock.function).sendSMS(Self.sms("Hej"))
        guard case .failure(.unconfirmed) = result else {
            Issue.record("expected an unconfirmed send, got \(result)")
            return
        }
        #expect(dropping.requestsReceived == 1)
    }

    // MARK: - Calls

    @Test func audioCallIsAnIVRActionWithSecretCallbacks() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)

        let result = await provider.placeCall(Self.call(.audio(url: "https://gw.example/audio/påminnelse-sv.mp3"),
                                                        base: Self.hooks + "/"))

        let accepted = try result.get()
        #expect(accepted.providerID.hasPrefix("c") && accepted.providerID.count == 33)
        #expect(accepted.segments == nil)
        let request = try #require(fake.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/a1/calls")
        #expect(request.form.map(\.name) == ["from", "to", "voice_start", "whenhangup", "timeout"])
        #expect(request.formValue("from") == "+46766860000")
        #expect(request.formValue("to") == "+46701740605")
        #expect(request.bodyText.hasPrefix("from=%2B46766860000&to=%2B46701740605&voice_start=%7B%22ivr%22%3A%22https%3A%2F%2Fgw.example%2Faudio%2Fp%C3%A5minnelse-sv.mp3%22"))
        let secret = fake.callbackSecret
        #expect(request.formValue("voice_start") ==
            #"{"ivr":"https://gw.example/audio/påminnelse-sv.mp3","digits":1,"timeout":10,"repeat":3,"next":"https://gw.example/hooks/46elks/voice/ivr?message_id=7&secret=\#(secret)"}"#)
        #expect(request.formValue("whenhangup") == "https://gw.example/hooks/46elks/voice/hangup?message_id=7&secret=\(secret)")
        #expect(request.formValue("timeout") == "30")
        let action = try #require(try JSONSerialization.jsonObject(with: Data((request.formValue("voice_start") ?? "").utf8)) as? [String: Any])
        #expect(action["digits"] as? Int == 1)
        #expect(action["repeat"] as? Int == 3)
    }

    @Test func speechCallIsRefusedWithoutARequest() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)

        let result = await provider.placeCall(Self.call(.speech(text: "Hej Åsa", language: "sv-SE")))

        #expect(result == .failure(.refusedBeforeSending(code: "no-tts", reason: "46elks cannot speak text; a recording is needed")))
        #expect(fake.requests.isEmpty)
    }

    @Test("Call errors are classified like SMS errors", arguments: [
        (403, "Invalid to number.", SendFailure.permanent(code: "http-403", reason: "Invalid to number.")),
        (503, "down", SendFailure.transient(reason: "provider server error (HTTP 503)", retryAfter: nil)),
    ])
    func callErrors(status: Int, text: String, expected: SendFailure) async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        fake.failNext(status: status, text: text)
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)

        let result = await provider.placeCall(Self.call(.audio(url: "https://gw.example/a.mp3")))

        #expect(result == .failure(expected))
        #expect(fake.unusedSteps == 0)
    }

    @Test("a call from a sender name is held back before any request: 46elks calls from a number only")
    func callFromSenderName() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)
        let call = OutboundCall(messageID: 7, to: Self.to, from: "Raslatt", script: .audio(url: "https://gw.example/a.mp3"),
                                callbackBaseURL: Self.hooks)
        guard case .failure(.misconfigured(let code, let reason)) = await provider.placeCall(call) else {
            Issue.record("expected it held back by the config"); return
        }
        #expect(code == "caller-not-a-number" && reason.contains("provider.callFrom"))
        #expect(fake.requests.isEmpty)
    }

    // MARK: - Lookup

    @Test func lookupFollowsTheMessage() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)
        let id = try await provider.sendSMS(Self.sms("Hej")).get().providerID

        #expect(await provider.lookupStatus(providerID: id) == .success(DeliveryStatus(state: .sent, providerStatus: "created")))
        fake.setStatus("delivered", forSMS: id)
        #expect(await provider.lookupStatus(providerID: id) == .success(DeliveryStatus(state: .delivered, providerStatus: "delivered")))
        fake.setStatus("failed", forSMS: id)
        #expect(await provider.lookupStatus(providerID: id) == .success(DeliveryStatus(state: .failed, providerStatus: "failed")))
        #expect(await provider.lookupStatus(providerID: "s" + String(repeating: "f", count: 32))
            == .failure(.permanent(code: "http-404", reason: "SMS not found.")))
        #expect(fake.requests.last?.method == "GET")
        #expect(fake.requests.last?.path == "/a1/sms/s" + String(repeating: "f", count: 32))
    }

    @Test("after a stop, the SMS history tells whether an interrupted send reached 46elks")
    func findSentSearchesTheHistory() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)
        let since = Timestamp.parse("2026-11-23T09:00:00Z")!
        _ = try await provider.sendSMS(Self.sms("Påminnelse: kaffe i morgon")).get()
        let id = try await provider.sendSMS(Self.sms("تذكير: قهوة اليوم ١٤:٠٠")).get().providerID
        fake.setStatus("delivered", forSMS: id)

        let found = await provider.findSent(SentLookup(messageID: 42, to: Self.to, body: "تذكير: قهوة اليوم ١٤:٠٠", since: since))
        #expect(found == .success(.found(providerID: id, status: DeliveryStatus(state: .delivered, providerStatus: "delivered"))))
        let request = try #require(fake.requests.last)
        #expect(request.method == "GET" && request.path == "/a1/sms")
        #expect(request.query == "to=%2B46701740605&end=2026-11-23T08%3A45%3A00.000000&limit=100")
        #expect(await provider.findSent(SentLookup(messageID: 43, to: Self.to, body: "Påminnelse: fredag", since: since))
            == .success(.notFound))
        // Another number's history is not ours.
        #expect(await provider.findSent(SentLookup(messageID: 44, to: PhoneNumber(e164: "+46701740613"),
                                                   body: "Påminnelse: kaffe i morgon", since: since)) == .success(.notFound))
        // The same text, already another message's SMS: not ours; a second SMS of that text is.
        #expect(await provider.findSent(SentLookup(messageID: 45, to: Self.to, body: "تذكير: قهوة اليوم ١٤:٠٠", since: since,
                                                   taken: [id])) == .success(.notFound))
        let twin = try await provider.sendSMS(Self.sms("تذكير: قهوة اليوم ١٤:٠٠")).get().providerID
        guard case .success(.found(let twinFound, _))? = await provider.findSent(
            SentLookup(messageID: 45, to: Self.to, body: "تذكير: قهوة اليوم ١٤:٠٠", since: since, taken: [id])) else {
            Issue.record("the second SMS of the text was not found"); return
        }
        #expect(twinFound == twin)
    }

    @Test("the history is read page by page: a send 100 SMS back is found on the second page, an older twin never")
    func findSentFollowsTheHistoryPages() async throws {
        let elksClock = ManualClock(Timestamp.parse("2026-11-23T08:00:00Z")!)
        let fake = try ElksFake(now: elksClock.function)
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)
        // Yesterday's reminder had the same words: it was sent before this send, so it is not this send.
        _ = try await provider.sendSMS(Self.sms("Påminnelse: kaffe i dag 14:00")).get()
        let since = Timestamp.parse("2026-11-23T09:00:00Z")!
        #expect(await provider.findSent(SentLookup(messageID: 42, to: Self.to, body: "Påminnelse: kaffe i dag 14:00", since: since))
            == .success(.notFound))
        elksClock.set(Timestamp.parse("2026-11-23T09:00:30Z")!)
        let ours = try await provider.sendSMS(Self.sms("Påminnelse: kaffe i dag 14:00")).get().providerID
        for index in 0..<100 { _ = try await provider.sendSMS(Self.sms("Meddelande \(index)")).get() }

        let searchesBefore = fake.requests.count
        let found = await provider.findSent(SentLookup(messageID: 42, to: Self.to, body: "Påminnelse: kaffe i dag 14:00", since: since))
        #expect(found == .success(.found(providerID: ours, status: DeliveryStatus(state: .sent, providerStatus: "created"))))
        let pages = fake.requests.dropFirst(searchesBefore).map(\.query)
        // The second page starts before the first page's oldest: "Meddelande 0", 1 µs after ours.
        #expect(pages == ["to=%2B46701740605&end=2026-11-23T08%3A45%3A00.000000&limit=100",
                          "to=%2B46701740605&end=2026-11-23T08%3A45%3A00.000000&limit=100&start=2026-11-23T09%3A00%3A30.000001"])

        // Words sent to no one: not found, after reading both pages.
        #expect(await provider.findSent(SentLookup(messageID: 43, to: Self.to, body: "Påminnelse: fredag", since: since))
            == .success(.notFound))
        #expect(fake.requests.count == searchesBefore + 4)

        // A `next` that is no time cannot be followed: a failure, not "not found".
        fake.enqueue(.respond(ServerResponse(status: 200, headers: [.init("Content-Type", "application/json")],
                                             body: Array(#"{"data": [], "next": 42}"#.utf8))))
        guard case .failure(.permanent(let code, _))? = await provider.findSent(
            SentLookup(messageID: 44, to: Self.to, body: "Påminnelse: fredag", since: since)) else {
            Issue.record("expected a failure"); return
        }
        #expect(code == "malformed-response")
    }

    @Test("more than ten pages of history since the send is a failure, never 'not found' (a partial search re-sends nothing)")
    func findSentNeverGuessesFromAPartialHistory() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = ElksProvider(settings: fake.settings(), client: client, now: Self.clock.function)
        let since = Date().addingTimeInterval(-5)
        _ = try await provider.sendSMS(Self.sms("Påminnelse: kaffe i dag 14:00")).get()
        for index in 0..<(100 * ElksProvider.historyPages) { _ = try await provider.sendSMS(Self.sms("Meddelande \(index)")).get() }
        // Ours is the 1,001st newest: beyond the pages searched.
        let searchesBefore = fake.requests.count
        guard case .failure(.permanent(let code, _))? = await provider.findSent(
            SentLookup(messageID: 42, to: Self.to, body: "Påminnelse: kaffe i dag 14:00", since: since)) else {
            Issue.record("expected a failure"); return
        }
        #expect(code == "search-pages")
        #expect(fake.requests.count - searchesBefore == ElksProvider.historyPages)
        // Within the pages it is found as before.
        let onLastPage = await provider.findSent(SentLookup(messageID: 43, to: Self.to, body: "Meddelande 0", since: since))
        guard case .success(.found)? = onLastPage else { Issue.record("expected found, got \(String(describing: onLastPage))"); return }
    }

    // MARK: - Settings

    static let fullSecrets = ["ELKS_API_USERNAME": "u0a1b2c3d4e5f6", "ELKS_API_PASSWORD": "pw-0123456789",
                              "ELKS_CALLBACK_SECRET": "cb-0123456789abcdef"]

    @Test func settingsFromSecrets() throws {
        let settings = try ElksSettings.from(secrets: ProviderSecrets(Self.fullSecrets), baseURL: "http://127.0.0.1:9/a1/",
                                             from: " Outreach ")
        #expect(settings.baseURL == "http://127.0.0.1:9")
        #expect(settings.username == "u0a1b2c3d4e5f6")
        #expect(settings.from == "Outreach")
        #expect(settings.callRingSeconds == 30)
        #expect(try ElksSettings.from(secrets: ProviderSecrets(Self.fullSecrets), baseURL: nil, from: "X").baseURL
            == "https://api.46elks.com")
        for secret in Self.fullSecrets.values { #expect(!settings.description.contains(secret)) }
    }

    @Test("Missing or weak secrets are named", arguments: ["ELKS_API_USERNAME", "ELKS_API_PASSWORD", "ELKS_CALLBACK_SECRET"])
    func settingsErrors(missing: String) throws {
        var values = Self.fullSecrets
        values[missing] = nil
        let error = #expect(throws: ProviderConfigError.self) {
            try ElksSettings.from(secrets: ProviderSecrets(values), baseURL: nil, from: "Outreach")
        }
        #expect(error?.message.contains(missing) == true)
        values = Self.fullSecrets
        values["ELKS_CALLBACK_SECRET"] = "short"
        #expect(throws: ProviderConfigError.self) {
            try ElksSettings.from(secrets: ProviderSecrets(values), baseURL: nil, from: "Outreach")
        }
    }

    // MARK: - The fake itself

    @Test func fakeSpeaksLike46elks() async throws {
        let fake = try ElksFake()
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let auth = HTTPRequest.basicAuthorization(user: fake.username, password: fake.password)
        let fields = [("from", "Outreach"), ("to", "+46701740606"), ("message", "Hej")]

        let upper = try await client.send(.form(url: fake.baseURL + "/a1/SMS", fields: fields, headers: ["Authorization": auth]))
        #expect(upper.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(upper.body)) as? [String: Any])
        #expect(object["status"] as? String == "created")
        #expect(object["direction"] as? String == "outgoing")
        #expect(object["parts"] as? Int == 1)
        #expect(object["cost"] as? Int == 5000)
        #expect((object["id"] as? String)?.count == 33)

        let alias = try await client.send(HTTPRequest(
            url: fake.baseURL + "/a1/SMS/POST?" + FormEncoding.encode(fields), headers: ["Authorization": auth]))
        #expect(alias.status == 200)

        let dry = try await client.send(.form(url: fake.baseURL + "/a1/sms", fields: fields + [("dryrun", "yes")],
                                              headers: ["Authorization": auth]))
        let dryObject = try #require(try JSONSerialization.jsonObject(with: Data(dry.body)) as? [String: Any])
        #expect(dryObject["id"] == nil)
        #expect(dryObject["estimated_cost"] as? Int == 5000)

        let unauthorized = try await client.send(.form(url: fake.baseURL + "/a1/sms", fields: fields))
        #expect(unauthorized.status == 401)
        #expect(unauthorized.headers["Content-Type"]?.hasPrefix("text/plain") == true)

        let invalid = try await client.send(.form(url: fake.baseURL + "/a1/sms", fields: [("from", "Outreach"), ("to", "0701740606"), ("message", "x")],
                                                  headers: ["Authorization": auth]))
        #expect(invalid.status == 403)
        #expect(invalid.bodyText == "Invalid to number.")
    }
}
