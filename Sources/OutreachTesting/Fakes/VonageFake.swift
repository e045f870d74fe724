import Foundation
import OutreachCore
import OutreachProviders
import OutreachServer

/// A loopback fake of Vonage's SMS API (`POST /sms/json`) speaking its wire format: always HTTP 200, the
/// outcome per part in `messages[]` with string values (reference 3.1, section 7 "Vonage fake").
/// Checks `api_key`/`api_secret` (status "4" on mismatch), `to` as 7–15 digits without "+" (status "3"),
/// and answers one `messages[]` entry per SMS part. Also serves the Reports API's synchronous records
/// (`GET /v2/reports/records`) of what it accepted, and builds signed webhook requests for tests.
public final class VonageFake: @unchecked Sendable {
    public let apiKey: String
    public let apiSecret: String
    public let signatureSecret: String
    public let server: FakeProviderServer
    /// What the fake accepted, as the Reports API lists it.
    public let reports: Reports

    /// `clock` stamps each accepted SMS's `date_received`.
    public init(apiKey: String = "abcd1234", apiSecret: String = "abcdef0123456789",
                signatureSecret: String = "signature_secret", clock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.signatureSecret = signatureSecret
        let counter = Counter()
        let reports = Reports(apiKey: apiKey, apiSecret: apiSecret, clock: clock)
        self.reports = reports
        server = try FakeProviderServer { request in
            if request.method == "GET", request.path == "/v2/reports/records" { return reports.answer(request) }
            let response = Self.answer(request, apiKey: apiKey, apiSecret: apiSecret, nextID: counter.next)
            reports.recordAccepted(request, response)
            return response
        }
    }

    public var baseURL: String { server.baseURL }
    public var requests: [FakeProviderServer.RecordedRequest] { server.requests }
    public var unusedSteps: Int { server.unusedSteps }
    public func stop() { server.stop() }

    public func enqueue(_ steps: FakeProviderServer.Step...) {
        for step in steps { server.enqueue(step) }
    }

    /// The throttle answer seen in production: HTTP 200, status "1", a wait in milliseconds.
    public func enqueueThrottle(waitMilliseconds: Int = 250) {
        enqueue(.respond(Self.throttle(waitMilliseconds: waitMilliseconds)))
    }

    /// A one-part refusal with `status` and `errorText` (HTTP 200, as Vonage does).
    public func enqueueError(status: String, errorText: String) {
        enqueue(.respond(Self.messages([["status": status, "error-text": errorText]])))
    }

    // MARK: - Canned bodies

    public static func throttle(waitMilliseconds: Int = 250) -> ServerResponse {
        messages([["status": "1", "error-text": "Throughput Rate Exceeded - please wait [ \(waitMilliseconds) ] and retry"]])
    }

    /// `{"message-count":"<n>","messages":[…]}` with HTTP 200.
    public static func messages(_ parts: [[String: String]]) -> ServerResponse {
        json(["message-count": String(parts.count), "messages": parts])
    }

    /// A successful part like the SDK fixtures.
    public static func acceptedPart(to: String, messageID: String) -> [String: String] {
        ["to": to, "message-id": messageID, "status": "0", "remaining-balance": "38.07243628",
         "message-price": "0.04120000", "network": "24001"]
    }

    static func json(_ object: [String: Any], status: Int = 200) -> ServerResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ServerResponse(status: status, headers: [.init("Content-Type", "application/json")], body: Array(data))
    }

    static func answer(_ request: ServerRequest, apiKey: String, apiSecret: String, nextID: () -> String) -> ServerResponse {
        guard request.method == "POST", request.path == "/sms/json" else { return .notFound }
        var form: [String: String] = [:]
        for (name, value) in request.formFields where form[name] == nil { form[name] = value }
        guard let key = form["api_key"], let secret = form["api_secret"], let from = form["from"],
              let to = form["to"], let text = form["text"] else {
            return messages([["status": "2", "error-text": "Missing api_key, api_secret, from, to or text"]])
        }
        guard key == apiKey, secret == apiSecret else {
            return messages([["status": "4", "error-text": "Bad Credentials"]])
        }
        guard (7...15).contains(to.utf8.count), to.utf8.allSatisfy({ (48...57).contains($0) }) else {
            return messages([["status": "3", "error-text": "Invalid to param"]])
        }
        guard !from.isEmpty, !text.isEmpty else {
            return messages([["status": "3", "error-text": "Invalid from or text param"]])
        }
        let parts = max(1, SMSEncoder.inspect(text).segments)
        return messages((0..<parts).map { _ in acceptedPart(to: to, messageID: nextID()) })
    }

    // MARK: - Signed webhooks

    public enum WebhookForm: Sendable {
        /// GET with the parameters in the query string.
        case getQuery
        /// POST with a form body.
        case postForm
        /// POST with a flat JSON object (`application/json`), the dashboard's recommended setting.
        case postJSON
    }

    /// A delivery receipt as Vonage sends it, signed with `signatureSecret` (HMAC-SHA256) unless `signed` is false.
    public func signedStatusCallback(publicURL: String, messageID: String, status: String, errCode: String = "0",
                                     msisdn: String = "46701740605", clientRef: String? = nil,
                                     timestamp: Date, form: WebhookForm = .postJSON, signed: Bool = true) -> WebhookRequest {
        var parameters = ["messageId": messageID, "status": status, "err-code": errCode, "msisdn": msisdn,
                          "to": "Kaffestugan", "network-code": "24001", "price": "0.03330000", "scts": "2001011400",
                          "message-timestamp": "2020-01-01 12:00:00", "api-key": apiKey]
        if let clientRef { parameters["client-ref"] = clientRef }
        return webhook(publicURL: publicURL, parameters: parameters, timestamp: timestamp, form: form, signed: signed)
    }

    /// An inbound SMS as Vonage sends it, signed like `signedStatusCallback`. `extra` adds or overrides fields
    /// (e.g. `concat`, `type`).
    public func signedInbound(publicURL: String, from msisdn: String = "46701740605", to: String = "46701740699",
                              messageID: String = "0A0000001234567B", text: String, extra: [String: String] = [:],
                              timestamp: Date, form: WebhookForm = .getQuery, signed: Bool = true) -> WebhookRequest {
        var parameters = ["msisdn": msisdn, "to": to, "messageId": messageID, "text": text, "type": "text",
                          "keyword": text.split(separator: " ").first.map { $0.uppercased() } ?? "",
                          "message-timestamp": "2020-01-01 12:00:00", "api-key": apiKey]
        parameters.merge(extra) { _, new in new }
        return webhook(publicURL: publicURL, parameters: parameters, timestamp: timestamp, form: form, signed: signed)
    }

    /// Adds `timestamp`, `nonce` and `sig` (when `signed`) and renders the request in `form`.
    public func webhook(publicURL: String, parameters: [String: String], timestamp: Date,
                        form: WebhookForm, signed: Bool = true) -> WebhookRequest {
        var all = parameters
        if signed {
            all["timestamp"] = String(Int(timestamp.timeIntervalSince1970))
            all["nonce"] = "ec11dd3e-1e7f-4db5-9467-82b02cd223b9"
            all["sig"] = VonageSignature.sign(all, secret: signatureSecret, method: .hmacSHA256).uppercased()
        }
        return Self.render(all, publicURL: publicURL, form: form)
    }

    /// `parameters` as a GET query, a form POST or a JSON POST, without signing anything.
    public static func render(_ parameters: [String: String], publicURL: String, form: WebhookForm) -> WebhookRequest {
        let pairs = parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        switch form {
        case .getQuery:
            return WebhookRequest(method: "GET", publicURL: publicURL + "?" + FormEncoding.encode(pairs), headers: [:], body: [])
        case .postForm:
            return WebhookRequest(method: "POST", publicURL: publicURL,
                                  headers: ["content-type": "application/x-www-form-urlencoded"],
                                  body: Array(FormEncoding.encode(pairs).utf8))
        case .postJSON:
            let data = (try? JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys])) ?? Data()
            return WebhookRequest(method: "POST", publicURL: publicURL,
                                  headers: ["content-type": "application/json"], body: Array(data))
        }
    }
}

extension VonageFake {
    /// The Reports API side of the fake: every accepted part becomes a record (status `accepted`), listed by
    /// `GET /v2/reports/records` with Vonage's checks (Basic auth, account, product, direction, a window of at most
    /// 24 hours, start inclusive and end exclusive) and paging (`TRUNCATED` with `_links.next.href`).
    public final class Reports: @unchecked Sendable {
        public struct Record: Sendable {
            public let messageID: String
            public let to: String
            public let clientRef: String?
            public let receivedAt: Date
        }

        private let apiKey: String
        private let apiSecret: String
        private let clock: @Sendable () -> Date
        private let lock = NSLock()
        private var stored: [Record] = []
        private var access = true
        private var pageSize = 1000

        init(apiKey: String, apiSecret: String, clock: @escaping @Sendable () -> Date) {
            self.apiKey = apiKey
            self.apiSecret = apiSecret
            self.clock = clock
        }

        public var records: [Record] { lock.withLock { stored } }

        /// False: the account has no access to the Reports API (HTTP 403), as when the paid product is not enabled.
        public func setAccess(_ allowed: Bool) { lock.withLock { access = allowed } }

        /// Records per page (Vonage: 1000), small to test paging.
        public func setPageSize(_ size: Int) { lock.withLock { pageSize = max(1, size) } }

        /// Adds a record as if Vonage had accepted an SMS at `receivedAt` (another sender, an earlier day...).
        public func add(messageID: String, to: String, clientRef: String?, receivedAt: Date) {
            lock.withLock { stored.append(Record(messageID: messageID, to: to, clientRef: clientRef, receivedAt: receivedAt)) }
        }

        func recordAccepted(_ request: ServerRequest, _ response: ServerResponse) {
            guard request.method == "POST", request.path == "/sms/json",
                  let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any],
                  let parts = object["messages"] as? [[String: String]] else { return }
            let clientRef = request.formFields.first { $0.name == "client-ref" }?.value
            let now = clock()
            for part in parts where part["status"] == "0" {
                if let id = part["message-id"], let to = part["to"] { add(messageID: id, to: to, clientRef: clientRef, receivedAt: now) }
            }
        }

        func answer(_ request: ServerRequest) -> ServerResponse {
            let credentials = Data("\(apiKey):\(apiSecret)".utf8).base64EncodedString()
            guard request.header("authorization") == "Basic " + credentials else {
                return problem(401, "Unauthorized", "You did not provide correct credentials.")
            }
            guard lock.withLock({ access }) else {
                return problem(403, "Forbidden", "User not authorized to query the requested data")
            }
            var query: [String: String] = [:]
            for item in request.queryItems where query[item.name] == nil { query[item.name] = item.value }
            guard query["account_id"] == apiKey else { return problem(403, "Forbidden", "User not authorized to query the requested data") }
            for (name, expected) in [("product", "SMS"), ("direction", "outbound")] where query[name] != expected {
                return invalid(name, "Missing or unsupported value")
            }
            guard let start = query["date_start"].flatMap(Timestamp.parse) else { return invalid("date_start", "Missing required parameter") }
            guard let end = query["date_end"].flatMap(Timestamp.parse) else { return invalid("date_end", "Missing required parameter") }
            guard start < end, end.timeIntervalSince(start) <= 86_400 else {
                return invalid("date_end", "The date range must be positive and at most 24 hours")
            }
            let offset = query["cursor"].flatMap(Int.init) ?? 0
            let (matching, size) = lock.withLock {
                (stored.filter { $0.receivedAt >= start && $0.receivedAt < end && (query["to"] == nil || $0.to == query["to"]) }, pageSize)
            }
            let page = Array(matching.dropFirst(offset).prefix(size))
            let truncated = offset + page.count < matching.count
            let dates = DateFormatter()
            dates.locale = Locale(identifier: "en_US_POSIX")
            dates.timeZone = TimeZone(identifier: "UTC")
            dates.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
            var object: [String: Any] = [
                "request_id": UUID().uuidString.lowercased(), "request_status": truncated ? "TRUNCATED" : "SUCCESS",
                "received_at": dates.string(from: clock()), "items_count": page.count, "price": 0.0, "currency": "EUR",
                "records": page.map { record -> [String: Any] in
                    ["message_id": record.messageID, "client_ref": record.clientRef ?? NSNull(), "direction": "outbound",
                     "from": "Kaffestugan", "to": record.to, "date_received": dates.string(from: record.receivedAt),
                     "status": "accepted", "error_code": "0", "error_code_description": "Accepted", "total_price": "0.03330000"]
                },
            ]
            let selfURL = "http://" + (request.header("host") ?? "127.0.0.1") + request.target
            var links: [String: Any] = ["self": ["href": selfURL]]
            if truncated {
                let base = request.target.replacingOccurrences(of: "&cursor=\(offset)", with: "")
                links["next"] = ["href": "http://" + (request.header("host") ?? "127.0.0.1") + base + "&cursor=\(offset + page.count)"]
            }
            object["_links"] = links
            return VonageFake.json(object)
        }

        private func problem(_ status: Int, _ title: String, _ detail: String) -> ServerResponse {
            problem(status, ["type": "https://developer.nexmo.com/api-errors#\(status)", "title": title, "detail": detail])
        }

        private func invalid(_ name: String, _ reason: String) -> ServerResponse {
            problem(422, ["type": "https://developer.nexmo.com/api-errors#invalid-params", "title": "Invalid parameters",
                          "detail": "The request failed due to validation errors",
                          "invalid_parameters": [["name": name, "reason": reason]]])
        }

        /// An RFC 7807 problem, as the Reports API answers errors.
        private func problem(_ status: Int, _ body: [String: Any]) -> ServerResponse {
            let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
            return ServerResponse(status: status, headers: [.init("Content-Type", "application/problem+json")], body: Array(data))
        }
    }
}

/// Message ids like Vonage's ("0A00000000000001"), unique per fake.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> String {
        let current = lock.withLock { value += 1; return value }
        let hex = String(current, radix: 16, uppercase: true)
        return "0A" + String(repeating: "0", count: max(0, 14 - hex.count)) + hex
    }
}
