// 46elks (Sweden): form-encoded requests with HTTP Basic, JSON answers, text/plain errors, unsigned callbacks.
// Wire format (reference/provider-wire-formats.md §2):
//
//   POST /a1/sms                       Authorization: Basic base64(u…:password)
//   from=Outreach&to=%2B46701740605&message=Hej%20p%C3%A5%20dig&whendelivered=https%3A%2F%2Fgw.example%2Fhooks%2F46elks%2Fsms%2Fstatus%3Fmessage_id%3D42%26secret%3D…
//   → 200 {"status":"created","direction":"outgoing","from":"Outreach","created":"2024-05-04T13:37:42.314100",
//          "parts":1,"to":"+46701740605","cost":5000,"message":"Hej på dig","id":"s70df59406a1b4643b96f3f91e0bfb7b0"}
//   → 4xx text/plain "Invalid to number." (no documented status per error)
//
//   POST /a1/calls
//   from=%2B46766860000&to=%2B46701740605&timeout=30
//   &voice_start={"ivr":"https://…/rec.mp3","digits":1,"timeout":10,"repeat":3,"next":"https://gw.example/hooks/46elks/voice/ivr?message_id=7&secret=…"}
//   &whenhangup=https://gw.example/hooks/46elks/voice/hangup?message_id=7&secret=…
//   → 200 {"direction":"outgoing","from":"+46766860000","created":"2016-11-03T15:08:14.609873","to":"+46701740605",
//          "state":"ongoing","id":"c719b1eefbf65b1f89c013e6433dbf537"}
//
// Callbacks to us (form POST; authenticated only by `secret` in the URL we gave out):
//   …/sms/status?secret=…    id=s70df…&status=delivered&delivered=2016-10-01T12%3A00%3A00.110000
//   …/sms/inbound?secret=…   direction=incoming&id=sf842…&from=%2B46706861004&to=%2B46706860000&created=2018-07-13T13%3A57%3A23.741000&message=Hello%20how%20are%20you%3F
//   …/voice/ivr?message_id=7&secret=…     callid=c445e…&from=%2B46723175800&to=%2B46101994214&direction=outgoing&result=1
//   …/voice/hangup?message_id=7&secret=…  id=c719b…&state=success&duration=8&actions=%5B%7B%22ivr%22%3A…%7D%5D&legs=%5B…%5D

import Foundation
import OutreachCore

/// The 46elks adapter: SMS, recorded-audio calls with a keypad answer, and webhook parsing.
/// 46elks has no text-to-speech, so `.speech` calls are refused before any request.
public struct ElksProvider: Provider {
    public let name = "46elks"
    public let settings: ElksSettings
    let client: any HTTPClient
    private let now: @Sendable () -> Date

    public init(settings: ElksSettings, client: any HTTPClient, now: @escaping @Sendable () -> Date) {
        self.settings = settings
        self.client = client
        self.now = now
    }

    public func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        let sender = sms.from.isEmpty ? settings.from : sms.from
        var fields = [("from", sender), ("to", sms.to.e164), ("message", sms.body)]
        if let callback = sms.statusCallbackURL {
            fields.append(("whendelivered", ElksWebhooks.appendingSecret(to: CallbackQuery.status(callback, messageID: sms.messageID),
                                                                        secret: settings.callbackSecret)))
        }
        if settings.dryRun { fields.append(("dryrun", "yes")) }
        return await post("/a1/sms", fields).flatMap { object in
            if let id = object["id"] as? String, !id.isEmpty {
                return .success(ProviderAccepted(providerID: id, segments: Self.integer(object["parts"])))
            }
            // A dry run sends nothing and so gets no id: a recognisable stand-in keeps the pipeline going.
            if settings.dryRun {
                return .success(ProviderAccepted(providerID: "dryrun-\(sms.messageID)", segments: Self.integer(object["parts"])))
            }
            return .failure(ElksErrors.malformed("without an SMS id"))
        }
    }

    public func placeCall(_ call: OutboundCall) async -> Result<ProviderAccepted, SendFailure> {
        guard case .audio(let recording) = call.script else {
            return .failure(.refusedBeforeSending(code: "no-tts", reason: "46elks cannot speak text; a recording is needed"))
        }
        let base = ElksSettings.trimmedBase(call.callbackBaseURL)
        let next = ElksWebhooks.appendingSecret(to: "\(base)/voice/ivr?message_id=\(call.messageID)", secret: settings.callbackSecret)
        let hangup = ElksWebhooks.appendingSecret(to: "\(base)/voice/hangup?message_id=\(call.messageID)", secret: settings.callbackSecret)
        let voiceStart = ElksCallAction.ivr(recording: recording, next: next)
        let sender = call.from.isEmpty ? settings.from : call.from
        guard PhoneNumber.isE164(sender) else { return .failure(.callerNotANumber(sender)) }
        let fields = [("from", sender), ("to", call.to.e164), ("voice_start", voiceStart),
                      ("whenhangup", hangup), ("timeout", String(settings.callRingSeconds))]
        return await post("/a1/calls", fields).flatMap { object in
            guard let id = object["id"] as? String, !id.isEmpty else {
                return .failure(ElksErrors.malformed("without a call id"))
            }
            return .success(ProviderAccepted(providerID: id))
        }
    }

    public func handleWebhook(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> {
        ElksWebhooks.handle(request, secret: settings.callbackSecret)
    }

    /// GET /a1/sms/{id}: `created` counts as sent (46elks has it), then sent/delivered/failed.
    public func lookupStatus(providerID: String) async -> Result<DeliveryStatus, SendFailure>? {
        let request = HTTPRequest(method: .get, url: settings.baseURL + "/a1/sms/" + FormEncoding.percentEncode(providerID),
                                  headers: ["Accept": "application/json"])
            .basicAuth(user: settings.username, password: settings.password)
        return await exchange(request).flatMap { object in
            guard let status = object["status"] as? String else {
                return .failure(ElksErrors.malformed("without a status"))
            }
            return Self.deliveryStatus(status)
        }
    }

    /// The SMS history (GET /a1/sms, newest first, 100 a page), filtered on the recipient and on messages created
    /// after the interrupted send (less `SentLookup.clockAllowance` of clock skew), searched for our text. Follows `next` (the `start`
    /// of the following page) for up to `historyPages` pages; a search it had to cut short never says "not found".
    public func findSent(_ lookup: SentLookup) async -> Result<SentLookupAnswer, SendFailure>? {
        let after = ElksProvider.historyTime(lookup.searchFrom)
        let query = settings.baseURL + "/a1/sms?to=" + FormEncoding.percentEncode(lookup.to.e164)
            + "&end=" + FormEncoding.percentEncode(after) + "&limit=100"
        var before: String?
        for _ in 0..<Self.historyPages {
            let url = query + (before.map { "&start=" + FormEncoding.percentEncode($0) } ?? "")
            let request = HTTPRequest(method: .get, url: url, headers: ["Accept": "application/json"])
                .basicAuth(user: settings.username, password: settings.password)
            let page: HistoryPage
            switch await exchange(request).flatMap({ Self.historyPage($0, lookup: lookup) }) {
            case .failure(let failure): return .failure(failure)
            case .success(let read): page = read
            }
            if let found = page.found { return found.map { .found(providerID: $0.id, status: $0.status) } }
            guard let next = page.next else { return .success(.notFound) }
            guard next != before else { return .failure(ElksErrors.malformed("the history's next page is the same page")) }
            before = next
        }
        return .failure(.permanent(code: "search-pages", reason: "46elks lists more than \(100 * Self.historyPages) SMS to "
                                   + "\(lookup.to.masked) since the send"))
    }

    /// Pages of history read for one search, at most: 1,000 SMS to one number within minutes of a send is far more
    /// than a senior ever gets, so a longer history is not searched blindly.
    static let historyPages = 10

    /// One page of the history: our SMS if it is there (with its id and status, or why they are unreadable), and the
    /// `start` of the next page if there is one.
    private struct HistoryPage {
        var found: Result<(id: String, status: DeliveryStatus), SendFailure>?
        var next: String?
    }

    private static func historyPage(_ object: [String: Any], lookup: SentLookup) -> Result<HistoryPage, SendFailure> {
        guard let data = object["data"] as? [[String: Any]] else {
            return .failure(ElksErrors.malformed("the history has no data list"))
        }
        let next = object["next"] as? String
        guard let match = data.first(where: { sms in
            sms["to"] as? String == lookup.to.e164 && (sms["message"] as? String).map(lookup.isOurText) == true
                && !lookup.taken.contains(sms["id"] as? String ?? "")
                && (sms["direction"] as? String ?? "outgoing").hasPrefix("outgoing")
        }) else {
            guard object["next"] == nil || object["next"] is NSNull || next?.isEmpty == false else {
                return .failure(ElksErrors.malformed("the history's next page is not a time"))
            }
            return .success(HistoryPage(found: nil, next: next))
        }
        guard let id = match["id"] as? String, !id.isEmpty else {
            return .failure(ElksErrors.malformed("an SMS in the history has no id"))
        }
        let found = deliveryStatus(match["status"] as? String ?? "created").map { (id: id, status: $0) }
        return .success(HistoryPage(found: found, next: next))
    }

    /// A looked-up SMS's status word as a `DeliveryStatus` (`created` counts as sent); an unknown word is a
    /// permanent failure.
    private static func deliveryStatus(_ status: String) -> Result<DeliveryStatus, SendFailure> {
        guard let state = ElksStatuses.lookupState(status) else {
            return .failure(.permanent(code: "unknown-status", reason: "46elks reports the unknown status '\(ElksWebhooks.short(status))'"))
        }
        return .success(DeliveryStatus(state: state, providerStatus: status))
    }

    /// 46elks' history times: UTC, "2018-02-14T09:52:07.302000".
    static func historyTime(_ date: Date) -> String {
        let text = Timestamp.format(date)  // "2018-02-14T09:52:07Z"
        return String(text.dropLast()) + ".000000"
    }

    // MARK: - HTTP

    private func post(_ path: String, _ fields: [(String, String)]) async -> Result<[String: Any], SendFailure> {
        let request = HTTPRequest.form(url: settings.baseURL + path, fields: fields, headers: ["Accept": "application/json"])
            .basicAuth(user: settings.username, password: settings.password)
        return await exchange(request)
    }

    /// Sends, lets `SendClassification` handle transport errors, 429 and 5xx, and reads 2xx JSON or an error body.
    private func exchange(_ request: HTTPRequest) async -> Result<[String: Any], SendFailure> {
        let response: HTTPResponse
        switch await SendClassification.send(request, with: client, now: now) {
        case .failure(let failure): return .failure(failure)
        case .success(let received): response = received
        }
        guard response.isSuccess else {
            return .failure(ElksErrors.failure(status: response.status, body: response.bodyText,
                                               redacting: [settings.callbackSecret, settings.password]))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] else {
            return .failure(ElksErrors.malformed("the body is not a JSON object"))
        }
        return .success(object)
    }

    private static func integer(_ value: Any?) -> Int? {
        switch value {
        case let number as NSNumber: return number.intValue
        case let text as String: return Int(text)
        default: return nil
        }
    }
}

/// Call actions as the JSON strings 46elks expects in `voice_start` (key order as in 46elks' docs).
enum ElksCallAction {
    /// Play `recording`, wait for one key (10 s, up to 3 plays), then POST the result to `next`.
    static func ivr(recording: String, next: String) -> String {
        #"{"ivr":\#(JSONStringLiteral.quoted(recording)),"digits":1,"timeout":10,"repeat":3,"next":\#(JSONStringLiteral.quoted(next))}"#
    }
}
