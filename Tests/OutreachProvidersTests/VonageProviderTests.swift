import Foundation
import OutreachCore
import OutreachServer
import OutreachTesting
import Testing
@testable import OutreachProviders

/// Vonage adapter against `VonageFake` over loopback (real libcurl), plus webhook and signature tables.
@Suite("Vonage provider")
struct VonageProviderTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)
    static let hooks = "https://gw.example/hooks/vonage"
    static let recipient = PhoneNumber(e164: "+46701740605")
    static let secrets = ["abcdef0123456789", "signature_secret"]

    static func client(totalTimeoutMilliseconds: Int = 5_000) -> CurlHTTPClient {
        CurlHTTPClient(maxConcurrent: 2, options: .init(connectTimeoutMilliseconds: 2_000,
                                                        totalTimeoutMilliseconds: totalTimeoutMilliseconds))
    }

    static func provider(baseURL: String, apiSecret: String = "abcdef0123456789", signatureSecret: String? = "signature_secret",
                         client: any HTTPClient = client(), now: Date = now) -> VonageProvider {
        VonageProvider(settings: VonageSettings(baseURL: baseURL, apiKey: "abcd1234", apiSecret: apiSecret,
                                                signatureSecret: signatureSecret, from: "Kaffestugan"),
                       client: client, now: { now })
    }

    static func sms(_ body: String, to: PhoneNumber = recipient, from: String = "",
                    callback: String? = "https://gw.example/hooks/vonage/sms/status") -> OutboundSMS {
        OutboundSMS(messageID: 42, to: to, from: from, body: body, statusCallbackURL: callback)
    }

    // MARK: - Outgoing request

    struct OutgoingCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let sms: OutboundSMS
        let fields: [String]
        let rawFragments: [String]
    }

    static let outgoing: [OutgoingCase] = [
        OutgoingCase(testDescription: "Swedish GSM-7, + and space",
                     sms: sms("Hej där, fika på torsdag! 1+1"),
                     fields: ["api_key=abcd1234", "api_secret=abcdef0123456789", "from=Kaffestugan", "to=46701740605",
                              "text=Hej där, fika på torsdag! 1+1", "callback=https://gw.example/hooks/vonage/sms/status",
                              "client-ref=42"],
                     rawFragments: ["text=Hej%20d%C3%A4r%2C%20fika%20p%C3%A5%20torsdag%21%201%2B1&",
                                    "to=46701740605&", "callback=https%3A%2F%2Fgw.example%2Fhooks%2Fvonage%2Fsms%2Fstatus"]),
        OutgoingCase(testDescription: "Arabic needs type=unicode, numeric sender without +",
                     sms: sms("مرحبا", from: "+46701740699", callback: nil),
                     fields: ["api_key=abcd1234", "api_secret=abcdef0123456789", "from=46701740699", "to=46701740605",
                              "text=مرحبا", "type=unicode", "client-ref=42"],
                     rawFragments: ["text=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7&type=unicode", "from=46701740699&"]),
        OutgoingCase(testDescription: "emoji needs type=unicode",
                     sms: sms("Välkommen 🙂", from: "Kaffe+Te"),
                     fields: ["api_key=abcd1234", "api_secret=abcdef0123456789", "from=Kaffe+Te", "to=46701740605",
                              "text=Välkommen 🙂", "type=unicode", "callback=https://gw.example/hooks/vonage/sms/status",
                              "client-ref=42"],
                     rawFragments: ["from=Kaffe%2BTe&", "text=V%C3%A4lkommen%20%F0%9F%99%82&type=unicode"]),
    ]

    @Test("a send produces exactly the documented request", arguments: outgoing)
    func outgoingRequest(row: OutgoingCase) async throws {
        let fake = try VonageFake()
        defer { fake.stop() }
        let result = await Self.provider(baseURL: fake.baseURL).sendSMS(row.sms)
        #expect(result == .success(ProviderAccepted(providerID: "0A00000000000001", segments: 1)))
        let request = try #require(fake.requests.first)
        #expect(fake.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/sms/json")
        #expect(request.query == "")
        #expect(request.header("content-type") == "application/x-www-form-urlencoded")
        #expect(request.header("authorization") == nil)  // credentials travel as form fields
        #expect(request.form.map { "\($0.name)=\($0.value)" } == row.fields)
        for fragment in row.rawFragments {
            #expect(request.bodyText.contains(fragment), "raw body lacks \(fragment)")
        }
        #expect(!request.bodyText.contains("+"))
    }

    @Test func longTextIsOneRequestWithSegmentsFromMessageCount() async throws {
        let fake = try VonageFake()
        defer { fake.stop() }
        let body = String(repeating: "Fika på torsdag kl 14. ", count: 10)  // 230 GSM-7 characters: 2 parts
        let result = await Self.provider(baseURL: fake.baseURL).sendSMS(Self.sms(body))
        #expect(result == .success(ProviderAccepted(providerID: "0A00000000000001", segments: 2)))
        #expect(fake.requests.count == 1)
        #expect(fake.requests.first?.formValue("type") == nil)
    }

    // MARK: - Results

    enum Expected: Sendable, Equatable {
        case accepted(String, Int?)
        case permanent(String)
        case transient(TimeInterval?)
        case optedOut
        case unconfirmed
        case account(String)
        case refusedBeforeSending(String)

        init(_ result: Result<ProviderAccepted, SendFailure>) {
            switch result {
            case .success(let accepted): self = .accepted(accepted.providerID, accepted.segments)
            case .failure(.permanent(let code, _)): self = .permanent(code)
            case .failure(.transient(_, let retryAfter)): self = .transient(retryAfter)
            case .failure(.optedOut): self = .optedOut
            case .failure(.unconfirmed): self = .unconfirmed
            case .failure(.account(let code, _)): self = .account(code)
            case .failure(.refusedBeforeSending(let code, _)), .failure(.misconfigured(let code, _)): self = .refusedBeforeSending(code)
            }
        }
    }

    struct ResultCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let response: ServerResponse
        let expected: Expected
        var reasonContains: String? = nil
    }

    static func raw(_ text: String, status: Int = 200, headers: [ServerResponse.Header] = []) -> ServerResponse {
        ServerResponse(status: status, headers: [.init("Content-Type", "application/json")] + headers, body: Array(text.utf8))
    }

    static let results: [ResultCase] = [
        ResultCase(testDescription: "success, SDK fixture body",
                   response: raw(#"{"message-count": "1", "messages": [{"to": "46701740605", "message-id": "3295d748-4e14-4681-af78-166dca3c5aab", "status": "0", "remaining-balance": "38.07243628", "message-price": "0.04120000", "network": "24001"}]}"#),
                   expected: .accepted("3295d748-4e14-4681-af78-166dca3c5aab", 1)),
        ResultCase(testDescription: "two parts accepted: first id, message-count segments",
                   response: VonageFake.messages([VonageFake.acceptedPart(to: "46701740605", messageID: "AAA1"),
                                                  VonageFake.acceptedPart(to: "46701740605", messageID: "AAA2")]),
                   expected: .accepted("AAA1", 2)),
        ResultCase(testDescription: "throttled with a wait → transient 0.25 s", response: VonageFake.throttle(),
                   expected: .transient(0.25)),
        ResultCase(testDescription: "throttled, wait 2000 ms", response: VonageFake.throttle(waitMilliseconds: 2000),
                   expected: .transient(2)),
        ResultCase(testDescription: "throttled without a wait", response: raw(#"{"messages":[{"status":"1","error-text":"Throttled"}]}"#),
                   expected: .transient(nil)),
        ResultCase(testDescription: "status 5 internal error", response: raw(#"{"message-count":"1","messages":[{"status":"5","error-text":"Internal Error"}]}"#),
                   expected: .transient(nil)),
        ResultCase(testDescription: "status 10 too many binds", response: raw(#"{"message-count":"1","messages":[{"status":"10","error-text":"Too many existing binds"}]}"#),
                   expected: .transient(nil)),
        ResultCase(testDescription: "status 7 number barred", response: raw(#"{"message-count": "1", "messages": [{"status": "7", "error-text": "Number barred."}]}"#),
                   expected: .permanent("7"), reasonContains: "Number barred."),
        // The config's sender: every message would fail alike, so sending pauses instead of failing the campaign.
        ResultCase(testDescription: "status 15 invalid sender is the account's",
                   response: raw(#"{"message-count":"1","messages":[{"status":"15","error-text":"Illegal Sender Address - rejected"}]}"#),
                   expected: .account("15"), reasonContains: "provider.from"),
        ResultCase(testDescription: "status 9 is insufficient credit (the account's), not an opt-out",
                   response: raw(#"{"message-count":"1","messages":[{"status":"9","error-text":"Quota Exceeded - rejected"}]}"#),
                   expected: .account("9"), reasonContains: "insufficient credit"),
        ResultCase(testDescription: "status 8 account barred is the account's",
                   response: raw(#"{"message-count":"1","messages":[{"status":"8","error-text":"Account barred"}]}"#),
                   expected: .account("8")),
        ResultCase(testDescription: "status 11 not enabled for HTTP is the account's",
                   response: raw(#"{"message-count":"1","messages":[{"status":"11","error-text":"Account not enabled for HTTP"}]}"#),
                   expected: .account("11")),
        ResultCase(testDescription: "status 14 invalid signature is the account's",
                   response: raw(#"{"message-count":"1","messages":[{"status":"14","error-text":"Invalid Signature"}]}"#),
                   expected: .account("14")),
        ResultCase(testDescription: "status 32 signature and secret disallowed is the account's",
                   response: raw(#"{"message-count":"1","messages":[{"status":"32","error-text":"Signature and API secret disallowed"}]}"#),
                   expected: .account("32")),
        ResultCase(testDescription: "status 29 non-whitelisted destination", response: raw(#"{"message-count":"1","messages":[{"status":"29","error-text":"Non White-listed Destination - rejected"}]}"#),
                   expected: .permanent("29")),
        ResultCase(testDescription: "unknown status code → permanent", response: raw(#"{"message-count":"1","messages":[{"status":"99","error-text":"Something new"}]}"#),
                   expected: .permanent("99")),
        ResultCase(testDescription: "partial failure: part 1 sent, part 2 throttled → never resent",
                   response: raw(#"{"message-count":"2","messages":[{"to":"46701740605","message-id":"AAA1","status":"0"},{"status":"1","error-text":"Throttled"}]}"#),
                   expected: .permanent("partial"), reasonContains: "part 2 of 2"),
        ResultCase(testDescription: "HTTP 401 RFC 7807", response: raw(#"{"type":"https://developer.vonage.com/api-errors#unauthorized","title":"Unauthorized","detail":"You did not provide correct credentials."}"#, status: 401),
                   expected: .account("http-401"), reasonContains: "Unauthorized"),
        ResultCase(testDescription: "HTTP 403 is this message's", response: raw(#"{"title":"Forbidden"}"#, status: 403),
                   expected: .permanent("http-403"), reasonContains: "Forbidden"),
        ResultCase(testDescription: "HTTP 429 with Retry-After",
                   response: raw(#"{"type":"https://developer.vonage.com/api-errors#rate-limit","title":"Rate Limit Hit"}"#, status: 429, headers: [.init("Retry-After", "7")]),
                   expected: .transient(7)),
        ResultCase(testDescription: "HTTP 503 empty body", response: ServerResponse(status: 503), expected: .transient(nil)),
        ResultCase(testDescription: "HTTP 500", response: raw("oops", status: 500), expected: .unconfirmed),  // it may have sent it
        ResultCase(testDescription: "malformed JSON on 200", response: raw("<html>gateway</html>"), expected: .permanent("malformed-response")),
        ResultCase(testDescription: "empty messages on 200", response: raw(#"{"message-count":"0","messages":[]}"#), expected: .permanent("malformed-response")),
        ResultCase(testDescription: "status 0 without message-id", response: raw(#"{"message-count":"1","messages":[{"status":"0"}]}"#), expected: .permanent("malformed-response")),
        ResultCase(testDescription: "numbers instead of strings are tolerated", response: raw(#"{"message-count":1,"messages":[{"message-id":"AAA9","status":0}]}"#),
                   expected: .accepted("AAA9", 1)),
    ]

    @Test("each provider answer is classified", arguments: results)
    func classified(row: ResultCase) async throws {
        let fake = try VonageFake()
        defer { fake.stop() }
        fake.enqueue(.respond(row.response))
        let result = await Self.provider(baseURL: fake.baseURL).sendSMS(Self.sms("Hej"))
        #expect(Expected(result) == row.expected)
        if case .failure(let failure) = result {
            if let text = row.reasonContains { #expect(failure.description.contains(text), "\(failure)") }
            for secret in Self.secrets { #expect(!failure.description.contains(secret)) }
        }
        #expect(fake.requests.count == 1)
        #expect(fake.unusedSteps == 0)
    }

    @Test("the fake checks like Vonage: credentials (4) and to (3) with HTTP 200")
    func fakeRefusals() async throws {
        let fake = try VonageFake()
        defer { fake.stop() }
        let badKey = await Self.provider(baseURL: fake.baseURL, apiSecret: "wrong-secret-value").sendSMS(Self.sms("Hej"))
        #expect(Expected(badKey) == .account("4"))
        if case .failure(let failure) = badKey {
            #expect(!failure.description.contains("wrong-secret-value"))
            #expect(failure.description.contains("VONAGE_API_SECRET"))
        }
        let shortNumber = await Self.provider(baseURL: fake.baseURL).sendSMS(Self.sms("Hej", to: PhoneNumber(e164: "+4670")))
        #expect(Expected(shortNumber) == .permanent("3"))
        #expect(fake.requests.count == 2)
    }

    @Test func throttleThenSuccessUsesTheScriptInOrder() async throws {
        let fake = try VonageFake()
        defer { fake.stop() }
        fake.enqueueThrottle()
        fake.enqueueError(status: "6", errorText: "Invalid Message")
        let provider = Self.provider(baseURL: fake.baseURL)
        #expect(Expected(await provider.sendSMS(Self.sms("Hej"))) == .transient(0.25))
        #expect(Expected(await provider.sendSMS(Self.sms("Hej"))) == .permanent("6"))
        #expect(Expected(await provider.sendSMS(Self.sms("Hej"))) == .accepted("0A00000000000001", 1))
        #expect(fake.unusedSteps == 0)
    }

    // MARK: - Search of sent messages (Reports API)

    static func searches(_ fake: VonageFake) -> [[String: String]] {
        fake.requests.filter { $0.method == "GET" && $0.path == "/v2/reports/records" }.map { request in
            var query: [String: String] = [:]
            for item in ServerRequest(method: "GET", target: "/?" + request.query, headers: [:], body: []).queryItems {
                query[item.name] = item.value
            }
            return query
        }
    }

    @Test("after a stop, the message Vonage accepted is found by its client-ref: sent, with Vonage's id; another is not")
    func findSentByClientRef() async throws {
        let fake = try VonageFake(clock: { Self.now })
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let accepted = try await Self.provider(baseURL: fake.baseURL, client: client).sendSMS(Self.sms("Hej")).get()
        // Someone else's message to the same number, the same minute, is not ours.
        fake.reports.add(messageID: "0B00000000000099", to: "46701740605", clientRef: "7", receivedAt: Self.now)
        let later = Self.provider(baseURL: fake.baseURL, client: client, now: Self.now.addingTimeInterval(600))

        let found = await later.findSent(SentLookup(messageID: 42, to: Self.recipient, body: "Hej", since: Self.now))
        #expect(found == .success(.found(providerID: accepted.providerID, status: DeliveryStatus(state: .sent, providerStatus: "accepted"))))
        let missing = await later.findSent(SentLookup(messageID: 43, to: Self.recipient, body: "Hej", since: Self.now))
        #expect(missing == .success(.notFound))

        let query = try #require(Self.searches(fake).first)
        #expect(query["account_id"] == "abcd1234" && query["product"] == "SMS" && query["direction"] == "outbound")
        #expect(query["to"] == "46701740605")
        #expect(query["date_start"] == Timestamp.format(Self.now.addingTimeInterval(-SentLookup.clockAllowance)))
        #expect(query["date_end"] == Timestamp.format(Self.now.addingTimeInterval(600)))
        let search = try #require(fake.requests.last)
        #expect(search.header("Authorization") == "Basic " + Data("abcd1234:abcdef0123456789".utf8).base64EncodedString())
        #expect(!search.query.contains("abcdef0123456789"), "the secret goes in the Authorization header, not the URL")
    }

    @Test("truncated pages are followed to the end; a long span is searched in windows of at most 24 hours")
    func findSentPagesAndWindows() async throws {
        let fake = try VonageFake(clock: { Self.now })
        let client = Self.client()
        defer { client.close(); fake.stop() }
        fake.reports.setPageSize(2)
        for index in 0..<5 {
            fake.reports.add(messageID: "0B0000000000000\(index)", to: "46701740605", clientRef: "\(100 + index)",
                             receivedAt: Self.now.addingTimeInterval(Double(index)))
        }
        let provider = Self.provider(baseURL: fake.baseURL, client: client, now: Self.now.addingTimeInterval(60))
        let found = await provider.findSent(SentLookup(messageID: 104, to: Self.recipient, body: "Hej", since: Self.now))
        #expect(found == .success(.found(providerID: "0B00000000000004", status: DeliveryStatus(state: .sent, providerStatus: "accepted"))))
        #expect(Self.searches(fake).count == 3, "pages of 2, 2 and 1")

        // Sent (if at all) 30 hours ago: two windows, contiguous, none longer than a day; nothing there.
        let since = Self.now.addingTimeInterval(-30 * 3600)
        let before = Self.searches(fake).count
        let old = await provider.findSent(SentLookup(messageID: 1, to: PhoneNumber(e164: "+46701740613"), body: "Hej", since: since))
        #expect(old == .success(.notFound))
        let windows = Self.searches(fake).dropFirst(before).map { ($0["date_start"] ?? "", $0["date_end"] ?? "") }
        #expect(windows.count == 2)
        #expect(windows.first?.0 == Timestamp.format(since.addingTimeInterval(-SentLookup.clockAllowance)))
        #expect(windows.first?.1 == windows.last?.0)
        #expect(windows.last?.1 == Timestamp.format(Self.now.addingTimeInterval(60)))

        // Beyond a week nothing is claimed either way: the message stays unknown for the coordinator.
        let tooOld = await provider.findSent(SentLookup(messageID: 1, to: Self.recipient, body: "Hej", since: Self.now.addingTimeInterval(-8 * 86_400)))
        guard case .failure(.permanent(let code, _))? = tooOld else { Issue.record("expected a permanent failure, got \(String(describing: tooOld))"); return }
        #expect(code == "search-span")
    }

    @Test("an account without the Reports API cannot search (nil: the message stays unknown); throttling and bad pages are failures, never 'not found'")
    func findSentRefusals() async throws {
        let fake = try VonageFake(clock: { Self.now })
        let client = Self.client()
        defer { client.close(); fake.stop() }
        let provider = Self.provider(baseURL: fake.baseURL, client: client, now: Self.now.addingTimeInterval(60))
        let lookup = SentLookup(messageID: 42, to: Self.recipient, body: "Hej", since: Self.now)

        fake.reports.setAccess(false)
        #expect(await provider.findSent(lookup) == nil)
        fake.reports.setAccess(true)
        #expect(await Self.provider(baseURL: fake.baseURL, apiSecret: "wrong", client: client, now: Self.now.addingTimeInterval(60))
            .findSent(lookup) == nil)

        fake.enqueue(.respond(ServerResponse(status: 429, headers: [.init("Retry-After", "2")], body: [])))
        #expect(await provider.findSent(lookup) == .failure(.transient(reason: "throttled by the provider (HTTP 429)", retryAfter: 2)))

        let truncatedWithoutLink = Array(#"{"request_status":"TRUNCATED","records":[]}"#.utf8)
        fake.enqueue(.respond(ServerResponse(status: 200, headers: [.init("Content-Type", "application/json")], body: truncatedWithoutLink)))
        guard case .failure(.permanent(let code, _))? = await provider.findSent(lookup) else { Issue.record("expected a failure"); return }
        #expect(code == "malformed-response")

        let elsewhere = Array(#"{"request_status":"TRUNCATED","records":[],"_links":{"next":{"href":"https://collector.example/v2/reports/records"}}}"#.utf8)
        fake.enqueue(.respond(ServerResponse(status: 200, headers: [.init("Content-Type", "application/json")], body: elsewhere)))
        guard case .failure(.permanent(_, let reason))? = await provider.findSent(lookup) else { Issue.record("expected a failure"); return }
        #expect(reason.contains("another host"), "our credentials never follow a link off Vonage's host")

        fake.enqueue(.respond(ServerResponse(status: 200, headers: [.init("Content-Type", "application/json")], body: Array("[]".utf8))))
        guard case .failure(.permanent(let listCode, _))? = await provider.findSent(lookup) else { Issue.record("expected a failure"); return }
        #expect(listCode == "malformed-response")
    }

    @Test("the Reports API follows a fake's base URL, and is Vonage's own otherwise")
    func reportsBaseURL() {
        #expect(VonageSettings(apiKey: "k", apiSecret: "s", from: "x").reportsBaseURL == "https://api.nexmo.com")
        #expect(VonageSettings(baseURL: "http://127.0.0.1:9/", apiKey: "k", apiSecret: "s", from: "x").reportsBaseURL == "http://127.0.0.1:9")
        #expect(VonageSettings(reportsBaseURL: "https://reports.example/", apiKey: "k", apiSecret: "s", from: "x").reportsBaseURL
            == "https://reports.example")
    }

    // MARK: - Transport failures

    @Test("a timeout after the request went out is unconfirmed: Vonage had it and may send it")
    func timeoutIsUnconfirmed() async throws {
        let fake = try VonageFake()
        defer { fake.stop() }
        fake.enqueue(.delay(seconds: 1.0, VonageFake.messages([VonageFake.acceptedPart(to: "46701740605", messageID: "LATE")])))
        let client = Self.client(totalTimeoutMilliseconds: 300)
        defer { client.close() }
        let result = await Self.provider(baseURL: fake.baseURL, client: client).sendSMS(Self.sms("Hej"))
        #expect(Expected(result) == .unconfirmed)
        #expect(fake.unusedSteps == 0)
    }

    @Test func connectionRefusedIsTransient() async {
        let result = await Self.provider(baseURL: ClosedPort.refusing()).sendSMS(Self.sms("Hej"))
        #expect(Expected(result) == .transient(nil))
    }

    @Test("a connection dropped after the request went out is unconfirmed: Vonage may have sent it")
    func droppedConnectionIsUnconfirmed() async {
        let server = DroppingServer()
        defer { server.stop() }
        let result = await Self.provider(baseURL: server.baseURL).sendSMS(Self.sms("Hej"))
        #expect(Expected(result) == .unconfirmed)
        #expect(server.requestsReceived == 1)
    }

    @Test func voiceIsRefusedWithoutARequest() async throws {
        let fake = try VonageFake()
        defer { fake.stop() }
        let call = OutboundCall(messageID: 7, to: Self.recipient, from: "+46701740699",
                                script: .speech(text: "Hej", language: "sv-SE"), callbackBaseURL: Self.hooks)
        let result = await Self.provider(baseURL: fake.baseURL).placeCall(call)
        #expect(Expected(result) == .refusedBeforeSending("no-voice"))
        #expect(fake.requests.isEmpty)
    }

    // MARK: - Signature vectors (reference 3.5)

    static let vectorParams = ["param1": "value1", "param2": "value2", "timestamp": "1234567890"]

    @Test("signature vectors", arguments: [
        (VonageSignatureMethod.hmacSHA256, "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287"),
        (.hmacMD5, "724c2bf6ca423c36e20631b11d1c5753"),
        (.md5Hash, "d72f75ac8cda9bbce891c4fa62bee6cd"),
    ])
    func signatureVector(method: VonageSignatureMethod, expected: String) {
        #expect(VonageSignature.signingString(Self.vectorParams) == "&param1=value1&param2=value2&timestamp=1234567890")
        #expect(VonageSignature.sign(Self.vectorParams, secret: "signature_secret", method: method) == expected)
        #expect(VonageSignature.isValid(expected.uppercased(), parameters: Self.vectorParams, secret: "signature_secret", method: method))
        var tampered = Self.vectorParams
        tampered["param2"] = "value3"
        #expect(!VonageSignature.isValid(expected, parameters: tampered, secret: "signature_secret", method: method))
    }

    @Test func signingStringLeavesOutSigAndCleansValues() {
        let text = VonageSignature.signingString(["sig": "X", "b": "1&2=3", "a": "x y", "B": "z"])
        #expect(text == "&B=z&a=x y&b=1_2_3")
    }

    @Test func vectorPassesTheWebhookAuthentication() {
        let settings = VonageSettings(apiKey: "k", apiSecret: "s", signatureSecret: "signature_secret", from: "Kaffestugan")
        let webhooks = VonageWebhooks(settings: settings, now: { Date(timeIntervalSince1970: 1_234_567_890) })
        var params = Self.vectorParams
        params["sig"] = "280C4320703DBC98BFA22DB676655ED2ACFBFE8792B062FF7622E67F1183C287"
        #expect(webhooks.authenticate(params) == nil)
        params["param1"] = "value9"
        #expect(webhooks.authenticate(params) != nil)
    }

    // MARK: - Incoming webhooks

    enum WebhookExpectation: Sendable, Equatable {
        case events([ProviderEvent])
        case unauthorized
        case malformed
    }

    struct WebhookCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        var signatureSecret: String? = "signature_secret"
        let request: @Sendable (VonageFake) -> WebhookRequest
        let expected: WebhookExpectation
    }

    static let status = hooks + "/sms/status"
    static let inbound = hooks + "/sms/inbound"

    static func receipt(_ id: String, _ state: DeliveryState, _ word: String, _ code: String?, optedOut: Bool = false) -> WebhookExpectation {
        .events([.receipt(providerID: id, status: DeliveryStatus(state: state, providerStatus: word, errorCode: code, optedOut: optedOut))])
    }

    static let webhookCases: [WebhookCase] = [
        WebhookCase(testDescription: "DLR delivered, POST-JSON, signed: its err-code 0 is no error",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "0B00000127FDBC63", status: "delivered", timestamp: now) },
                    expected: receipt("0B00000127FDBC63", .delivered, "delivered", nil)),
        WebhookCase(testDescription: "DLR failed err-code 9 = opted out, GET",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M1", status: "failed", errCode: "9", timestamp: now, form: .getQuery) },
                    expected: receipt("M1", .failed, "failed", "9", optedOut: true)),
        WebhookCase(testDescription: "DLR rejected err-code 9, POST form",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M2", status: "rejected", errCode: "9", timestamp: now, form: .postForm) },
                    expected: receipt("M2", .failed, "rejected", "9", optedOut: true)),
        WebhookCase(testDescription: "DLR expired, err-code 2 kept",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M3", status: "expired", errCode: "2", timestamp: now) },
                    expected: receipt("M3", .undelivered, "expired", "2")),
        WebhookCase(testDescription: "DLR naming our message by client-ref",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M9", status: "delivered", clientRef: "42", timestamp: now) },
                    expected: .events([.receipt(providerID: "M9", status: DeliveryStatus(state: .delivered, providerStatus: "delivered"),
                                                messageID: 42)])),
        WebhookCase(testDescription: "DLR accepted",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M4", status: "accepted", timestamp: now) },
                    expected: receipt("M4", .sent, "accepted", nil)),
        WebhookCase(testDescription: "DLR buffered",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M5", status: "buffered", timestamp: now) },
                    expected: receipt("M5", .sent, "buffered", nil)),
        WebhookCase(testDescription: "DLR unknown (Vonage's word) stays sent",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M6", status: "unknown", errCode: "1", timestamp: now) },
                    expected: receipt("M6", .sent, "unknown", "1")),
        WebhookCase(testDescription: "DLR with a status we do not know → ignored",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M7", status: "teleported", timestamp: now) },
                    expected: .events([.ignored(reason: "unknown Vonage delivery status 'teleported'")])),
        WebhookCase(testDescription: "inbound GET with & = + in the text",
                    request: { $0.signedInbound(publicURL: inbound, text: "JA tack & 1+1=2", timestamp: now) },
                    expected: .events([.inboundSMS(providerID: "0A0000001234567B", from: PhoneNumber(e164: "+46701740605"),
                                                   to: "+46701740699", body: "JA tack & 1+1=2")])),
        WebhookCase(testDescription: "inbound POST-JSON, Arabic",
                    request: { $0.signedInbound(publicURL: inbound, text: "نعم", extra: ["type": "unicode"], timestamp: now, form: .postJSON) },
                    expected: .events([.inboundSMS(providerID: "0A0000001234567B", from: PhoneNumber(e164: "+46701740605"),
                                                   to: "+46701740699", body: "نعم")])),
        WebhookCase(testDescription: "inbound concat part → ignored",
                    request: { $0.signedInbound(publicURL: inbound, text: "del ett",
                                                extra: ["concat": "true", "concat-ref": "1", "concat-total": "2", "concat-part": "1"], timestamp: now) },
                    expected: .events([.ignored(reason: "multipart inbound reassembly not supported (Vonage concat part 1 of 2)")])),
        WebhookCase(testDescription: "timestamp 4 minutes old is fine",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M8", status: "delivered", timestamp: now - 240) },
                    expected: receipt("M8", .delivered, "delivered", nil)),
        // Generic rows.
        WebhookCase(testDescription: "missing signature → unauthorized",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M", status: "delivered", timestamp: now, signed: false) },
                    expected: .unauthorized),
        WebhookCase(testDescription: "signed with another secret → unauthorized",
                    request: { _ in
                        let other = try! VonageFake(signatureSecret: "not_our_secret")
                        defer { other.stop() }
                        return other.signedStatusCallback(publicURL: status, messageID: "M", status: "delivered", timestamp: now)
                    },
                    expected: .unauthorized),
        WebhookCase(testDescription: "tampered parameter after signing → unauthorized",
                    request: { fake in
                        let signed = fake.signedStatusCallback(publicURL: status, messageID: "M", status: "failed", errCode: "9", timestamp: now, form: .getQuery)
                        return WebhookRequest(method: "GET", publicURL: signed.publicURL.replacingOccurrences(of: "err-code=9", with: "err-code=0"),
                                              headers: [:], body: [])
                    },
                    expected: .unauthorized),
        WebhookCase(testDescription: "replayed: timestamp 10 minutes old → unauthorized",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M", status: "delivered", timestamp: now - 600) },
                    expected: .unauthorized),
        WebhookCase(testDescription: "timestamp 10 minutes ahead → unauthorized",
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "M", status: "delivered", timestamp: now + 600) },
                    expected: .unauthorized),
        WebhookCase(testDescription: "signed without timestamp → unauthorized",
                    request: { fake in
                        var params = ["messageId": "M", "status": "delivered"]
                        params["sig"] = VonageSignature.sign(params, secret: fake.signatureSecret)
                        return VonageFake.render(params, publicURL: status, form: .postJSON)
                    },
                    expected: .unauthorized),
        WebhookCase(testDescription: "empty POST body → malformed",
                    request: { _ in WebhookRequest(method: "POST", publicURL: status, headers: ["content-type": "application/json"], body: []) },
                    expected: .malformed),
        WebhookCase(testDescription: "empty form body → malformed",
                    request: { _ in WebhookRequest(method: "POST", publicURL: status, headers: [:], body: []) },
                    expected: .malformed),
        WebhookCase(testDescription: "GET without query → malformed",
                    request: { _ in WebhookRequest(method: "GET", publicURL: status, headers: [:], body: []) },
                    expected: .malformed),
        WebhookCase(testDescription: "nested JSON → malformed",
                    request: { _ in WebhookRequest(method: "POST", publicURL: status, headers: ["content-type": "application/json"],
                                                   body: Array(#"{"messageId":"M","status":{"x":1}}"#.utf8)) },
                    expected: .malformed),
        WebhookCase(testDescription: "unknown path, signed → malformed",
                    request: { $0.signedStatusCallback(publicURL: hooks + "/voice/event", messageID: "M", status: "delivered", timestamp: now) },
                    expected: .malformed),
        WebhookCase(testDescription: "signed DLR without messageId → malformed",
                    request: { $0.webhook(publicURL: status, parameters: ["status": "delivered"], timestamp: now, form: .postJSON) },
                    expected: .malformed),
        WebhookCase(testDescription: "signed inbound with a bad msisdn → malformed",
                    request: { $0.signedInbound(publicURL: inbound, from: "12ab", text: "JA", timestamp: now) },
                    expected: .malformed),
        // Without a signature secret: accepted unsigned (documented risk), a stray sig is not checked.
        WebhookCase(testDescription: "no secret configured: unsigned DLR accepted", signatureSecret: nil,
                    request: { $0.signedStatusCallback(publicURL: status, messageID: "U1", status: "delivered", timestamp: now, form: .getQuery, signed: false) },
                    expected: receipt("U1", .delivered, "delivered", nil)),
        WebhookCase(testDescription: "no secret configured: JSON booleans become text", signatureSecret: nil,
                    request: { _ in WebhookRequest(method: "POST", publicURL: inbound, headers: ["content-type": "application/json; charset=utf-8"],
                                                   body: Array(#"{"msisdn":"46701740605","to":"46701740699","messageId":"I1","text":"a","concat":true}"#.utf8)) },
                    expected: .events([.ignored(reason: "multipart inbound reassembly not supported (Vonage concat part ? of ?)")])),
    ]

    @Test("webhooks", arguments: webhookCases)
    func webhook(row: WebhookCase) throws {
        let fake = try VonageFake()
        defer { fake.stop() }
        let provider = Self.provider(baseURL: fake.baseURL, signatureSecret: row.signatureSecret)
        let result = provider.handleWebhook(row.request(fake))
        switch result {
        case .success(let outcome):
            #expect(WebhookExpectation.events(outcome.events) == row.expected)
            #expect(outcome.response.status == 204)
        case .failure(let error):
            switch error {
            case .unauthorized: #expect(row.expected == .unauthorized, "\(error)")
            case .malformed: #expect(row.expected == .malformed, "\(error)")
            }
            for secret in Self.secrets + ["not_our_secret"] { #expect(!error.description.contains(secret)) }
            #expect(!error.description.contains("46701740605"))
        }
        #expect(fake.requests.isEmpty)
    }

    // MARK: - Settings and helpers

    @Test func settingsFromSecrets() throws {
        let secrets = ProviderSecrets(["VONAGE_API_KEY": "abcd1234", "VONAGE_API_SECRET": "abcdef0123456789",
                                       "VONAGE_SIGNATURE_SECRET": "signature_secret"])
        let settings = try VonageSettings.from(secrets: secrets, baseURL: nil, from: "Kaffestugan")
        #expect(settings.baseURL == "https://rest.nexmo.com")
        #expect(settings.signatureSecret == "signature_secret")
        #expect(settings.signatureMethod == .hmacSHA256)
        for secret in Self.secrets + ["abcd1234"] { #expect(!settings.description.contains(secret)) }
        let local = try VonageSettings.from(secrets: secrets, baseURL: "http://127.0.0.1:9/", from: "+46701740699")
        #expect(local.baseURL == "http://127.0.0.1:9")
    }

    @Test("settings errors name the variable", arguments: [
        (["VONAGE_API_SECRET": "s"], "VONAGE_API_KEY"),
        (["VONAGE_API_KEY": "k"], "VONAGE_API_SECRET"),
        (["VONAGE_API_KEY": "k", "VONAGE_API_SECRET": "s", "VONAGE_SIGNATURE_METHOD": "rot13"], "VONAGE_SIGNATURE_METHOD"),
    ])
    func settingsErrors(values: [String: String], name: String) {
        #expect {
            _ = try VonageSettings.from(secrets: ProviderSecrets(values), baseURL: nil, from: "Kaffestugan")
        } throws: { error in
            (error as? ProviderConfigError)?.message.contains(name) == true
        }
    }

    @Test("wait parsed from the throttle text", arguments: [
        ("Throughput Rate Exceeded - please wait [ 250 ] and retry", 0.25 as TimeInterval?),
        ("please wait [1500] and retry", 1.5),
        ("Throttled", nil),
        ("please wait [ soon ] and retry", nil),
        ("[ 250 ] without the word", nil),
    ])
    func retryAfterText(text: String, expected: TimeInterval?) {
        #expect(VonageErrors.retryAfter(fromErrorText: text) == expected)
    }

    @Test func senderPlusIsStrippedOnlyForNumbers() {
        #expect(VonageProvider.sender("+46701740699") == "46701740699")
        #expect(VonageProvider.sender("Kaffestugan") == "Kaffestugan")
        #expect(VonageProvider.sender("+Kaffe") == "+Kaffe")
        #expect(VonageProvider.sender("+") == "+")
    }
}
