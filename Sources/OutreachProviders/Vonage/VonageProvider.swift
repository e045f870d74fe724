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
            ("to", String(sms.to.e164.drop { $0 == "+" })),
            ("text", sms.body),
        ]
        // Without type=unicode Vonage sends GSM-7 and characters outside it arrive as "?".
        if SMSEncoder.inspect(sms.body).encoding == .ucs2 { fields.append(("type", "unicode")) }
        if let callback = sms.statusCallbackURL { fields.append(("callback", callback)) }
        fields.append(("client-ref", String(sms.messageID)))
        return fields
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
        .failure(.permanent(code: "no-voice", reason: "voice calls through Vonage are not supported by this gateway yet"))
    }

    public func handleWebhook(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> {
        VonageWebhooks(settings: settings, now: now).handle(request)
    }
}
