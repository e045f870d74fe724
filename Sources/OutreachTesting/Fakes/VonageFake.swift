import Foundation
import OutreachCore
import OutreachProviders
import OutreachServer

/// A loopback fake of Vonage's SMS API (`POST /sms/json`) speaking its wire format: always HTTP 200, the
/// outcome per part in `messages[]` with string values (reference 3.1, section 7 "Vonage fake").
/// Checks `api_key`/`api_secret` (status "4" on mismatch), `to` as 7–15 digits without "+" (status "3"),
/// and answers one `messages[]` entry per SMS part. Also builds signed webhook requests for tests.
public final class VonageFake: @unchecked Sendable {
    public let apiKey: String
    public let apiSecret: String
    public let signatureSecret: String
    public let server: FakeProviderServer

    public init(apiKey: String = "abcd1234", apiSecret: String = "abcdef0123456789",
                signatureSecret: String = "signature_secret") throws {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.signatureSecret = signatureSecret
        let counter = Counter()
        server = try FakeProviderServer { request in
            Self.answer(request, apiKey: apiKey, apiSecret: apiSecret, nextID: counter.next)
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
