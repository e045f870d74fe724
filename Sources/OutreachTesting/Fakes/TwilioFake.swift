import Foundation
import OutreachCore
import OutreachProviders
import OutreachServer

/// A loopback Twilio: `Messages.json`, `Calls.json` and `Messages/{sid}.json` under
/// `/2010-04-01/Accounts/{AccountSid}/`, with Basic auth checked like Twilio (Account SID + Auth Token, or an
/// API key + secret) and answers shaped like twilio-oai's samples. Scripted steps (`enqueue`) answer before
/// the default behaviour; helpers build signed webhook requests.
public final class TwilioFake: Sendable {
    public let accountSID: String
    public let authToken: String
    public let apiKey: String?
    public let apiSecret: String?
    public let server: FakeProviderServer
    private let store: MessageStore

    public init(accountSID: String = "AC" + String(repeating: "a", count: 32), authToken: String = "fake-auth-token-0123456789",
                apiKey: String? = nil, apiSecret: String? = nil) throws {
        self.accountSID = accountSID
        self.authToken = authToken
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        let store = MessageStore()
        self.store = store
        let accepted = Self.acceptedAuthorizations(accountSID: accountSID, authToken: authToken, apiKey: apiKey, apiSecret: apiSecret)
        server = try FakeProviderServer { request in
            Self.answer(request, accountSID: accountSID, accepted: accepted, store: store)
        }
    }

    public var baseURL: String { server.baseURL }
    public var requests: [FakeProviderServer.RecordedRequest] { server.requests }
    public var unusedSteps: Int { server.unusedSteps }
    public func enqueue(_ steps: FakeProviderServer.Step...) { for step in steps { server.enqueue(step) } }
    public func setLatency(_ seconds: Double) { server.setLatency(seconds) }
    public func stop() { server.stop() }
    /// The `to` of every message created, oldest first: one entry per SMS a senior would get.
    public var createdTo: [String] { store.all().compactMap { $0["to"] as? String } }

    /// Settings that point at this fake with its credentials.
    public func settings(from: String = "+46701740600", useAPIKey: Bool = true) -> TwilioSettings {
        TwilioSettings(baseURL: baseURL, accountSID: accountSID, authToken: authToken,
                       apiKey: useAPIKey ? apiKey : nil, apiSecret: useAPIKey ? apiSecret : nil, from: from)
    }

    /// Changes what `GET Messages/{sid}.json` reports for a message this fake created.
    public func setStatus(of sid: String, to status: String, errorCode: Int? = nil) {
        store.update(sid) { $0["status"] = status; $0["error_code"] = errorCode.map { $0 as Any } ?? NSNull() }
    }

    // MARK: Scripted answers

    /// Twilio's JSON error body `{"code", "message", "more_info", "status"}`.
    public static func error(code: Int, message: String, status: Int, retryAfter: String? = nil) -> ServerResponse {
        var headers = [ServerResponse.Header("Content-Type", "application/json; charset=utf-8")]
        if let retryAfter { headers.append(.init("Retry-After", retryAfter)) }
        let body = json(["code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": status])
        return ServerResponse(status: status, headers: headers, body: body)
    }

    public static let invalidTo = error(code: 21211, message: "The 'To' number +46701740605 is not a valid phone number.", status: 400)
    public static let optedOut = error(code: 21610, message: "Attempt to send to unsubscribed recipient", status: 400)
    public static let landline = error(code: 21635, message: "The 'To' number is not a mobile number.", status: 400)
    public static func throttled(retryAfter: String? = "7") -> ServerResponse {
        error(code: 20429, message: "Too Many Requests", status: 429, retryAfter: retryAfter)
    }
    public static let serverError = ServerResponse(status: 503)

    // MARK: Signed webhooks

    /// A form POST to `url` signed with `authToken` exactly as Twilio signs (X-Twilio-Signature).
    public static func signedRequest(url: String, params: [(String, String)], authToken: String) -> WebhookRequest {
        WebhookRequest(method: "POST", publicURL: url,
                       headers: ["content-type": "application/x-www-form-urlencoded",
                                 "x-twilio-signature": TwilioSignature.compute(url: url, params: params, authToken: authToken)],
                       body: Array(FormEncoding.encode(params).utf8))
    }

    /// A message status callback as Twilio posts it (MessageSid/SmsSid and MessageStatus/SmsStatus twins).
    public func signedStatusCallback(url: String, messageSID: String, status: String, errorCode: String? = nil,
                                     to: String = "+46701740605", authToken: String? = nil) -> WebhookRequest {
        var params = [("SmsSid", messageSID), ("SmsStatus", status), ("MessageStatus", status), ("To", to),
                      ("MessageSid", messageSID), ("AccountSid", accountSID), ("From", "+46701740600"), ("ApiVersion", "2010-04-01")]
        if status == "delivered" || status == "undelivered" { params.insert(("RawDlrDoneDate", "2603221338"), at: 0) }
        if let errorCode { params.append(("ErrorCode", errorCode)) }
        return Self.signedRequest(url: url, params: params, authToken: authToken ?? self.authToken)
    }

    /// An inbound SMS with the captured field set.
    public func signedInboundSMS(url: String, from: String, body: String, to: String = "+46701740600",
                                 messageSID: String = "SM" + String(repeating: "2f0c", count: 8), authToken: String? = nil) -> WebhookRequest {
        let params = [("ToCountry", "SE"), ("ToState", ""), ("SmsMessageSid", messageSID), ("NumMedia", "0"), ("ToCity", ""),
                      ("FromZip", ""), ("SmsSid", messageSID), ("FromState", ""), ("SmsStatus", "received"), ("FromCity", ""),
                      ("Body", body), ("FromCountry", "SE"), ("To", to), ("ToZip", ""), ("NumSegments", "1"),
                      ("MessageSid", messageSID), ("AccountSid", accountSID), ("From", from), ("ApiVersion", "2010-04-01")]
        return Self.signedRequest(url: url, params: params, authToken: authToken ?? self.authToken)
    }

    /// A `<Gather>` action callback (`digits` nil = the Redirect after no input, which carries no Digits).
    public func signedGather(url: String, callSID: String, digits: String?, authToken: String? = nil) -> WebhookRequest {
        var params = [("AccountSid", accountSID), ("ApiVersion", "2010-04-01"), ("CallSid", callSID), ("CallStatus", "in-progress"),
                      ("Called", "+46701740605"), ("Caller", "+46701740600"), ("Direction", "outbound-api"),
                      ("From", "+46701740600"), ("To", "+46701740605")]
        if let digits { params += [("Digits", digits), ("FinishedOnKey", "")] }
        return Self.signedRequest(url: url, params: params, authToken: authToken ?? self.authToken)
    }

    /// A call status callback (`CallbackSource=call-progress-events`).
    public func signedCallStatus(url: String, callSID: String, status: String, answeredBy: String? = nil,
                                 durationSeconds: Int? = nil, authToken: String? = nil) -> WebhookRequest {
        var params = [("Called", "+46701740605"), ("Direction", "outbound-api"), ("CallbackSource", "call-progress-events"),
                      ("SequenceNumber", "3"), ("To", "+46701740605"), ("CallSid", callSID), ("ApiVersion", "2010-04-01"),
                      ("CallStatus", status), ("From", "+46701740600"), ("AccountSid", accountSID), ("Caller", "+46701740600")]
        if let durationSeconds { params += [("Duration", String((durationSeconds + 59) / 60)), ("CallDuration", String(durationSeconds))] }
        if let answeredBy { params.append(("AnsweredBy", answeredBy)) }
        if status == "busy" { params.append(("SipResponseCode", "486")) }
        return Self.signedRequest(url: url, params: params, authToken: authToken ?? self.authToken)
    }

    // MARK: Default behaviour

    private static func acceptedAuthorizations(accountSID: String, authToken: String, apiKey: String?, apiSecret: String?) -> [String] {
        var accepted = [HTTPRequest.basicAuthorization(user: accountSID, password: authToken)]
        if let apiKey, let apiSecret { accepted.append(HTTPRequest.basicAuthorization(user: apiKey, password: apiSecret)) }
        return accepted
    }

    private static func answer(_ request: ServerRequest, accountSID: String, accepted: [String], store: MessageStore) -> ServerResponse {
        let prefix = "/2010-04-01/Accounts/\(accountSID)/"
        let accountPath = "/2010-04-01/Accounts/\(accountSID).json"
        guard let authorization = request.header("authorization"), accepted.contains(authorization),
              request.path.hasPrefix(prefix) || request.path == accountPath else {
            return jsonResponse(401, ["code": 20003, "detail": "Your AccountSid or AuthToken was incorrect.", "message": "Authenticate",
                                      "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401])
        }
        if request.path == accountPath {
            return jsonResponse(200, ["sid": accountSID, "friendly_name": "Träffpunkt Råslätt (fake)", "status": "active"])
        }
        let resource = String(request.path.dropFirst(prefix.count))
        let form = Dictionary(request.formFields.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        switch (request.method, resource) {
        case ("POST", "Messages.json"): return createMessage(form, accountSID: accountSID, store: store)
        case ("POST", "Calls.json"): return createCall(form, accountSID: accountSID)
        case ("GET", "Messages.json"):
            // Newest first, optionally only those to one number, PageSize (default 50) a page; `next_page_uri`
            // leads to the next page (Twilio adds a PageToken; the fake counts with Page alone).
            let to = request.queryValue("To")
            let size = max(1, request.queryValue("PageSize").flatMap(Int.init) ?? 50)
            let page = max(0, request.queryValue("Page").flatMap(Int.init) ?? 0)
            let all = Array(store.all().filter { to == nil || $0["to"] as? String == to }.reversed())
            let listed = Array(all.dropFirst(page * size).prefix(size))
            var next: Any = NSNull()
            if (page + 1) * size < all.count {
                let query = [("To", to), ("PageSize", String(size)), ("Page", String(page + 1))]
                    .compactMap { name, value in value.map { (name, $0) } }
                next = request.path + "?" + FormEncoding.encode(query)
            }
            return jsonResponse(200, ["messages": listed, "page": page, "page_size": size, "next_page_uri": next,
                                      "uri": request.target])
        case ("GET", _) where resource.hasPrefix("Messages/") && resource.hasSuffix(".json"):
            let sid = String(resource.dropFirst("Messages/".count).dropLast(".json".count))
            guard let message = store.message(sid) else {
                return error(code: 20404, message: "The requested resource \(request.path) was not found", status: 404)
            }
            return jsonResponse(200, message)
        default:
            return error(code: 20404, message: "The requested resource \(request.path) was not found", status: 404)
        }
    }

    private static func createMessage(_ form: [String: String], accountSID: String, store: MessageStore) -> ServerResponse {
        guard let to = form["To"], !to.isEmpty else { return error(code: 21604, message: "A 'To' phone number is required.", status: 400) }
        guard PhoneNumber.isE164(to) else { return error(code: 21211, message: "The 'To' number \(to) is not a valid phone number.", status: 400) }
        let service = form["MessagingServiceSid"]
        guard form["From"] != nil || service != nil else { return error(code: 21603, message: "A 'From' phone number is required.", status: 400) }
        guard let body = form["Body"], !body.isEmpty else { return error(code: 21602, message: "Message body is required.", status: 400) }
        let sid = "SM" + hex32()
        let date = rfc2822(Date())
        let message: [String: Any] = [
            "account_sid": accountSID, "api_version": "2010-04-01", "body": body,
            "date_created": date, "date_sent": NSNull(), "date_updated": date, "direction": "outbound-api",
            "error_code": NSNull(), "error_message": NSNull(), "from": form["From"] ?? NSNull(), "num_media": "0",
            // A Messaging Service picks the sender later: "0" segments and status "accepted" until then.
            "num_segments": service == nil ? String(SMSEncoder.inspect(body).segments) : "0",
            "price": NSNull(), "price_unit": "USD", "messaging_service_sid": service ?? NSNull(),
            "sid": sid, "status": service == nil ? "queued" : "accepted",
            "subresource_uris": ["media": "/2010-04-01/Accounts/\(accountSID)/Messages/\(sid)/Media.json"],
            "to": to, "uri": "/2010-04-01/Accounts/\(accountSID)/Messages/\(sid).json",
        ]
        store.insert(sid, message)
        return jsonResponse(201, message)
    }

    private static func createCall(_ form: [String: String], accountSID: String) -> ServerResponse {
        guard let to = form["To"], PhoneNumber.isE164(to) else { return error(code: 21217, message: "Phone number is not a valid phone number.", status: 400) }
        guard let from = form["From"], !from.isEmpty else { return error(code: 21212, message: "Invalid 'From' phone number.", status: 400) }
        guard form["Twiml"] != nil || form["Url"] != nil || form["ApplicationSid"] != nil else {
            return error(code: 21205, message: "Url parameter is required.", status: 400)
        }
        let sid = "CA" + hex32()
        let date = rfc2822(Date())
        return jsonResponse(201, [
            "account_sid": accountSID, "annotation": NSNull(), "answered_by": NSNull(), "api_version": "2010-04-01",
            "caller_name": NSNull(), "date_created": date, "date_updated": date, "direction": "outbound-api",
            "duration": NSNull(), "end_time": NSNull(), "forwarded_from": NSNull(), "from": from, "from_formatted": from,
            "group_sid": NSNull(), "parent_call_sid": NSNull(), "phone_number_sid": NSNull(), "price": NSNull(),
            "price_unit": "USD", "queue_time": "0", "sid": sid, "start_time": NSNull(), "status": "queued",
            "to": to, "to_formatted": to, "trunk_sid": NSNull(), "uri": "/2010-04-01/Accounts/\(accountSID)/Calls/\(sid).json",
        ])
    }

    private static func hex32() -> String { UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    private static func rfc2822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    static func json(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    private static func jsonResponse(_ status: Int, _ object: [String: Any]) -> ServerResponse {
        ServerResponse(status: status, headers: [.init("Content-Type", "application/json; charset=utf-8")], body: json(object))
    }
}

/// Messages the fake created, for `GET Messages/{sid}.json` and `GET Messages.json`.
private final class MessageStore: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String: [String: Any]] = [:]
    private var order: [String] = []

    func insert(_ sid: String, _ message: [String: Any]) {
        lock.withLock {
            if messages[sid] == nil { order.append(sid) }
            messages[sid] = message
        }
    }
    /// Every message, oldest first.
    func all() -> [[String: Any]] { lock.withLock { order.compactMap { messages[$0] } } }
    func message(_ sid: String) -> [String: Any]? { lock.withLock { messages[sid] } }
    func update(_ sid: String, _ change: (inout [String: Any]) -> Void) {
        lock.withLock {
            guard var message = messages[sid] else { return }
            change(&message)
            messages[sid] = message
        }
    }
}
