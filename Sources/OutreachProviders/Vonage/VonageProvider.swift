import Foundation
import OutreachCore

// Vonage (Nexmo) SMS API — wire format (reference 3; Nexmo/api-specification sms.yml, Nexmo/station docs).
//
// Send (form body, credentials as fields; always HTTP 200, outcome per part in `messages[]`, all strings):
//
//     POST /sms/json HTTP/1.1
//     Host: rest.nexmo.com
//     Content-Type: application/x-www-form-urlencoded
//
//     api_key=abcd1234&api_secret=abcdef0123456789&from=Kaffestugan&to=46701740605
//       &text=Hej%20d%C3%A4r&callback=https%3A%2F%2Fgw.example%2Fhooks%2Fvonage%2Fsms%2Fstatus&client-ref=42
//
//     {"message-count":"1","messages":[{"to":"46701740605","message-id":"3295d748-4e14-4681-af78-166dca3c5aab",
//      "status":"0","remaining-balance":"38.07243628","message-price":"0.04120000","network":"24001"}]}
//     {"message-count":"1","messages":[{"status":"1","error-text":"Throughput Rate Exceeded - please wait [ 250 ] and retry"}]}
//
// Delivery receipt (GET query, POST form or POST-JSON, as set in the dashboard; `timestamp`, `nonce`, `sig` when signed):
//
//     POST /hooks/vonage/sms/status  Content-Type: application/json
//     {"err-code":"0","message-timestamp":"2018-10-25 12:10:29","messageId":"0B00000127FDBC63","msisdn":"447547232824",
//      "network-code":"23410","price":"0.03330000","scts":"1810251310","status":"delivered","to":"Nexmo CLI",
//      "client-ref":"42","timestamp":"1540469429","nonce":"ec11dd3e-…","sig":"1A20E4E2…"}
//
//     Opt-out: status "failed" or "rejected" with err-code "9" ("user has requested not to receive messages").
//
// Inbound SMS:
//
//     GET /hooks/vonage/sms/inbound?msisdn=46701740605&to=46701740699&messageId=0A0000001234567B&text=JA
//         &type=text&keyword=JA&message-timestamp=2020-01-01+12%3A00%3A00&timestamp=1577880000&nonce=…&sig=…
//
//     Multipart: `concat=true`, `concat-ref`, `concat-total`, `concat-part`, one request per part.
//
// Search of sent messages (Reports API, synchronous records; Nexmo/api-specification reports.yml, Vonage docs
// "Get records by dates" and "How to handle pagination"). Basic auth api_key:api_secret; windows of at most
// 24 hours (start inclusive, end exclusive, on date_received); at most 1000 records a page, more behind
// request_status "TRUNCATED" and _links.next.href:
//
//     GET /v2/reports/records?account_id=abcd1234&product=SMS&direction=outbound
//         &date_start=2026-11-29T09:00:00Z&date_end=2026-11-29T10:00:00Z&to=46701740605   Host: api.nexmo.com
//
//     {"request_id":"0ec00351-…","request_status":"SUCCESS","received_at":"2020-06-04T11:55:42+0000",
//      "items_count":1,"records":[{"message_id":"15000000E1F8B123","client_ref":"42","direction":"outbound",
//      "from":"Kaffestugan","to":"46701740605","date_received":"2020-06-01T15:08:10+0000","status":"delivered",
//      "error_code":"0","error_code_description":"Delivered","total_price":"0.03330000"}],
//      "_links":{"self":{"href":"…"}}}
//
//     401/403 (problem+json): the account has no access to the Reports API, a paid product.

/// Vonage's SMS API. Voice is a different Vonage API and not supported here (`placeCall` refuses).
///
/// Delivery receipts: a multipart SMS gets one DLR per part, each with that part's message-id; we keep the
/// first part's id, so receipts for the other parts match no message (the lifecycle ignores unknown ids).
/// Every DLR also echoes `client-ref` (our message id), which a future `ProviderEvent` field could carry.
public struct VonageProvider: Provider {
    public let name = "vonage"
    public let settings: VonageSettings
    let client: any HTTPClient
    private let now: @Sendable () -> Date

    public init(settings: VonageSettings, client: any HTTPClient, now: @escaping @Sendable () -> Date) {
        self.settings = settings
        self.client = client
        self.now = now
    }

    public func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        let request = HTTPRequest.form(url: settings.baseURL + "/sms/json", fields: formFields(for: sms))
        return await SendClassification.send(request, with: client, now: now).flatMap(VonageErrors.classify)
    }

    /// The form fields of `POST /sms/json`, in the order sent.
    public func formFields(for sms: OutboundSMS) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("api_key", settings.apiKey),
            ("api_secret", settings.apiSecret),
            ("from", Self.sender(sms.from.isEmpty ? settings.from : sms.from)),
            ("to", Self.msisdn(sms.to)),
            ("text", sms.body),
        ]
        // Without type=unicode Vonage sends GSM-7 and characters outside it arrive as "?".
        if SMSEncoder.inspect(sms.body).encoding == .ucs2 { fields.append(("type", "unicode")) }
        if let callback = sms.statusCallbackURL { fields.append(("callback", callback)) }
        fields.append(("client-ref", String(sms.messageID)))
        return fields
    }

    /// A number as Vonage writes it (`to`, `msisdn`): E.164 without the "+".
    static func msisdn(_ phone: PhoneNumber) -> String {
        String(phone.e164.drop { $0 == "+" })
    }

    /// Vonage wants numeric senders without "+"; alphanumeric sender ids pass unchanged.
    static func sender(_ from: String) -> String {
        let digits = from.dropFirst()
        if from.hasPrefix("+"), !digits.isEmpty, digits.utf8.allSatisfy({ (48...57).contains($0) }) {
            return String(digits)
        }
        return from
    }

    /// Vonage voice is the separate Voice API (JWT auth, NCCO scripts): not implemented. No request is made.
    public func placeCall(_ call: OutboundCall) async -> Result<ProviderAccepted, SendFailure> {
        .failure(.refusedBeforeSending(code: "no-voice", reason: "voice calls through Vonage are not supported by this gateway yet"))
    }

    public func handleWebhook(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> {
        VonageWebhooks(settings: settings, now: now).handle(request)
    }

    /// Searches the Reports API for the SMS we sent with `client-ref` = our message id, to that number, from
    /// `SentLookup.clockAllowance` before `since` until now, in windows of at most 24 hours (the API's limit). Found: Vonage has it,
    /// with its id and status. Not found in the whole span: Vonage never got it.
    ///
    /// nil when the account cannot search (HTTP 401 or 403: Reports is a paid product that may not be enabled):
    /// the message stays `unknown` for the coordinator, as before. A span longer than `maxSearchDays` or more than
    /// `maxSearchPages` pages is a failure, not "not found": a message is never re-sent on a partial search.
    public func findSent(_ lookup: SentLookup) async -> Result<SentLookupAnswer, SendFailure>? {
        let end = now()
        var windowStart = lookup.searchFrom
        guard end.timeIntervalSince(windowStart) <= Self.maxSearchDays * 86_400 else {
            return .failure(.permanent(code: "search-span", reason: "Vonage's records are searched at most \(Int(Self.maxSearchDays)) days back"))
        }
        let to = Self.msisdn(lookup.to)
        let clientRef = String(lookup.messageID)
        var pages = 0
        while windowStart < end {
            let windowEnd = min(end, windowStart.addingTimeInterval(86_400))
            var next: String? = settings.reportsBaseURL + "/v2/reports/records?" + FormEncoding.encode([
                ("account_id", settings.apiKey), ("product", "SMS"), ("direction", "outbound"),
                ("date_start", Timestamp.format(windowStart)), ("date_end", Timestamp.format(windowEnd)), ("to", to),
            ])
            while let url = next {
                pages += 1
                guard pages <= Self.maxSearchPages else {
                    return .failure(.permanent(code: "search-pages", reason: "Vonage's records for \(lookup.to.masked) fill more than \(Self.maxSearchPages) pages"))
                }
                let page: RecordsPage
                switch await records(url) {
                case nil: return nil
                case .failure(let failure)?: return .failure(failure)
                case .success(let read)?: page = read
                }
                if let match = page.records.first(where: { $0["client_ref"] as? String == clientRef }) {
                    guard let id = match["message_id"] as? String, !id.isEmpty else {
                        return .failure(VonageErrors.malformed("a record has no message_id"))
                    }
                    let word = match["status"] as? String ?? "unknown"
                    // A record Vonage has not finalized yet ("submitted") was still accepted: sent.
                    let state = VonageStatuses.deliveryState(for: word) ?? .sent
                    let errorCode = VonageStatuses.errorCode(match["error_code"] as? String)
                    return .success(.found(providerID: id, status: DeliveryStatus(
                        state: state, providerStatus: word, errorCode: errorCode,
                        optedOut: VonageStatuses.isOptOut(errorCode: errorCode, state: state))))
                }
                next = page.next
            }
            windowStart = windowEnd
        }
        return .success(.notFound)
    }

    static let maxSearchDays: TimeInterval = 7
    static let maxSearchPages = 20

    private struct RecordsPage {
        var records: [[String: Any]]
        /// The next page, when Vonage truncated this one.
        var next: String?
    }

    /// One page of records; nil when the account has no access to the Reports API.
    private func records(_ url: String) async -> Result<RecordsPage, SendFailure>? {
        let request = HTTPRequest(method: .get, url: url, headers: ["Accept": "application/json"])
            .basicAuth(user: settings.apiKey, password: settings.apiSecret)
        let response: HTTPResponse
        switch await SendClassification.send(request, with: client, now: now) {
        case .failure(let failure): return .failure(failure)
        case .success(let received): response = received
        }
        if response.status == 401 || response.status == 403 { return nil }
        guard response.isSuccess else {
            return .failure(.permanent(code: "http-\(response.status)", reason: "Vonage's Reports API answered HTTP \(response.status)"))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any],
              let records = object["records"] as? [[String: Any]] ?? (object["records"] == nil ? [] : nil) else {
            return .failure(VonageErrors.malformed("the records page is not a JSON object with a records list"))
        }
        var next: String?
        if object["request_status"] as? String == "TRUNCATED" {
            guard let href = ((object["_links"] as? [String: Any])?["next"] as? [String: Any])?["href"] as? String else {
                return .failure(VonageErrors.malformed("a truncated records page has no next link"))
            }
            // The link is fetched with our credentials: only ever on the Reports API's own host.
            guard href.hasPrefix(settings.reportsBaseURL + "/") else {
                return .failure(VonageErrors.malformed("the next page is on another host"))
            }
            next = href
        }
        return .success(RecordsPage(records: records, next: next))
    }
}
