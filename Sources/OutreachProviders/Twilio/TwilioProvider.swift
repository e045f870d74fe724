// Twilio Programmable Messaging and Voice (api.twilio.com, 2010-04-01 API). Real samples
// (reference/provider-wire-formats.md §1; SIDs shortened):
//
// Send SMS:
//   POST /2010-04-01/Accounts/AC…/Messages.json
//   Authorization: Basic base64(SK…:secret)      (or AC…:AuthToken)
//   To=%2B46701740605&From=%2B46700000000&Body=Hej%20d%C3%A4r&StatusCallback=https%3A%2F%2Fgw.example%2Fhooks%2Ftwilio%2Fsms%2Fstatus%3Fmessage_id%3D42
//   → 201 {"sid": "SMaaaa…", "status": "queued", "num_segments": "1", …}
//   → 400 {"code": 21211, "message": "The 'To' number … is not a valid phone number.", "more_info": "…", "status": 400}
//   → 400 {"code": 21610, "message": "Attempt to send to unsubscribed recipient", …}   (opted out)
//   → 429 {"code": 20429, …}  Retry-After may be present                               (throttled)
//
// Place a call:
//   POST /2010-04-01/Accounts/AC…/Calls.json
//   To=…&From=…&Twiml=<Response><Gather input="dtmf" numDigits="1" timeout="8" action="…/voice/gather?message_id=42">
//     <Say language="sv-SE">…</Say></Gather><Redirect>…/voice/gather?message_id=42&amp;empty=1</Redirect></Response>
//   &StatusCallback=…/voice/status?message_id=42&StatusCallbackEvent=completed&MachineDetection=Enable&Timeout=30
//   → 201 {"sid": "CAaaaa…", "status": "queued", "direction": "outbound-api", …}
//
// Status callback (Twilio → …/sms/status), signed with X-Twilio-Signature:
//   SmsSid=SMyyy&SmsStatus=delivered&MessageStatus=delivered&To=%2B11111111111&MessageSid=SMyyy&AccountSid=ACzzz
//   &From=%2B12223334444&ApiVersion=2010-04-01&RawDlrDoneDate=2303222338          (ErrorCode=30003 when undelivered)
// Inbound SMS (Twilio → …/sms/inbound), answered with text/xml <Response/>:
//   ToCountry=GB&SmsMessageSid=SM2f0c…&NumMedia=0&SmsSid=SM2f0c…&SmsStatus=received&Body=Ack&To=%2B447700900000
//   &NumSegments=1&MessageSid=SM2f0c…&AccountSid=AC…&From=%2B447700900513&ApiVersion=2010-04-01
// Gather (Twilio → …/voice/gather?message_id=42): CallSid=CA…&Digits=1&FinishedOnKey=&CallStatus=in-progress&…
// Call status (Twilio → …/voice/status?message_id=42):
//   CallSid=CA…&CallStatus=completed&CallDuration=49&AnsweredBy=human&CallbackSource=call-progress-events&…
import Foundation
import OutreachCore

/// The Twilio adapter: SMS and voice through the 2010-04-01 REST API, webhooks checked with X-Twilio-Signature.
///
/// A 2xx whose body cannot be read is `.permanent(code: "malformed-response")`: Twilio may have sent the
/// message, and a duplicate reminder to a senior is worse than a failure the coordinator sees.
public struct TwilioProvider: Provider {
    public let name = "twilio"
    public let settings: TwilioSettings
    let client: any HTTPClient
    private let now: @Sendable () -> Date
    private let webhooks: TwilioWebhooks
    /// `Basic …` for the credentials, computed once (every send carries it).
    private let authorization: String
    /// Where messages are created, computed once.
    private let messagesURL: String
    /// The headers of every form POST (a form's, then what `authorized` adds), built once: a message is sent
    /// with each.
    private let formHeaders: HTTPHeaders

    /// `scriptLookup` gives the script of a call by our message id, so key 9 can replay it
    /// (see `TwilioTwiML`); without it key 9 is reported like any other key and the call ends.
    public init(settings: TwilioSettings, client: any HTTPClient, now: @escaping @Sendable () -> Date,
                scriptLookup: (@Sendable (Int64) -> VoiceScript?)? = nil) {
        self.settings = settings
        self.client = client
        self.now = now
        self.webhooks = TwilioWebhooks(authToken: settings.authToken, scriptLookup: scriptLookup)
        self.authorization = HTTPRequest.basicAuthorization(user: settings.credentials.user, password: settings.credentials.password)
        self.messagesURL = settings.accountURL + "/Messages.json"
        self.formHeaders = Self.authorized(HTTPRequest.form(url: "", fields: []).headers, authorization)
    }

    public func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        let sender = sms.from.isEmpty ? settings.from : sms.from
        var fields: [(String, String)] = []
        fields.reserveCapacity(4)
        fields.append(("To", sms.to.e164))
        fields.append(Self.isMessagingServiceSID(sender) ? ("MessagingServiceSid", sender) : ("From", sender))
        fields.append(("Body", sms.body))
        if let callback = sms.statusCallbackURL { fields.append(("StatusCallback", CallbackQuery.status(callback, messageID: sms.messageID))) }
        let request = formPost(messagesURL, fields)
        return await performCreate(request) { resource in
            guard let sid = resource.string("sid") else { return .failure(TwilioErrors.malformed("the answer has no sid")) }
            guard sid.hasPrefix("SM") || sid.hasPrefix("MM") else { return .failure(TwilioErrors.malformed("sid is not a message SID")) }
            // "0" until a Messaging Service has picked a sender: unknown yet.
            let segments = resource.stringOrInteger("num_segments").flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
            return .success(ProviderAccepted(providerID: sid, segments: segments))
        }
    }

    public func placeCall(_ call: OutboundCall) async -> Result<ProviderAccepted, SendFailure> {
        let caller = call.from.isEmpty ? settings.from : call.from
        guard !Self.isMessagingServiceSID(caller) else {
            return .failure(.refusedBeforeSending(code: "no-caller-id", reason: "a Messaging Service cannot place calls: configure a Twilio phone number as the sender"))
        }
        guard PhoneNumber.isE164(caller) else { return .failure(.callerNotANumber(caller)) }
        let twiml = TwilioTwiML.prompt(script: call.script, callbackBaseURL: call.callbackBaseURL, messageID: call.messageID)
        guard twiml.count <= Self.maxInlineTwiML else {
            return .failure(.refusedBeforeSending(code: "script-too-long", reason: "the call script is too long for Twilio (\(twiml.count) of \(Self.maxInlineTwiML) TwiML characters)"))
        }
        let fields = [
            ("To", call.to.e164), ("From", caller), ("Twiml", twiml),
            ("StatusCallback", TwilioTwiML.statusURL(callbackBaseURL: call.callbackBaseURL, messageID: call.messageID)),
            ("StatusCallbackEvent", "completed"), ("MachineDetection", "Enable"), ("Timeout", "30"),
        ]
        let request = formPost(settings.accountURL + "/Calls.json", fields)
        return await performCreate(request) { resource in
            guard let sid = resource.string("sid") else { return .failure(TwilioErrors.malformed("the answer has no sid")) }
            guard sid.hasPrefix("CA") else { return .failure(TwilioErrors.malformed("sid is not a call SID")) }
            return .success(ProviderAccepted(providerID: sid))
        }
    }

    public func handleWebhook(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> {
        webhooks.handle(request)
    }

    public func lookupStatus(providerID: String) async -> Result<DeliveryStatus, SendFailure>? {
        let url = settings.accountURL + "/Messages/\(FormEncoding.percentEncode(providerID)).json"
        let request = authorized(HTTPRequest(method: .get, url: url))
        return await perform(request) { (resource: MessageResource) in
            Self.deliveryStatus(resource.status, errorCode: resource.errorCode)
        }
    }

    /// Twilio keeps every message: those to the number are read newest first, 50 a page, back to the interrupted
    /// send (less `SentLookup.clockAllowance` of clock skew), looking for our text. A search that cannot reach that far (more than
    /// `maxSearchPages` pages) is a failure, never "not found": a message is not re-sent on a partial search.
    public func findSent(_ lookup: SentLookup) async -> Result<SentLookupAnswer, SendFailure>? {
        let earliest = lookup.searchFrom
        let dates = Self.dateFormatter()
        var url = settings.accountURL + "/Messages.json?To=\(FormEncoding.percentEncode(lookup.to.e164))&PageSize=50"
        for _ in 0..<Self.maxSearchPages {
            let page: MessagePage
            switch await perform(authorized(HTTPRequest(method: .get, url: url)), { (read: MessagePage) in .success(read) }) {
            case .failure(let failure): return .failure(failure)
            case .success(let read): page = read
            }
            var allEarlier = !page.messages.isEmpty
            for message in page.messages {
                let created = message.dateCreated.flatMap(dates.date(from:))
                if let created, created < earliest { continue }
                allEarlier = false
                // Our text, or our text behind the prefix a trial account adds: not finding it would send the senior
                // a second copy. (Only that prefix: any text ending like ours could be another message.)
                if message.to == lookup.to.e164 && !lookup.taken.contains(message.sid)
                    && (lookup.isOurText(message.body) || (message.body.hasPrefix(Self.trialPrefix)
                                                           && lookup.isOurText(String(message.body.dropFirst(Self.trialPrefix.count)))))
                    && message.direction.hasPrefix("outbound") {
                    return Self.deliveryStatus(message.status, errorCode: message.errorCode).map { .found(providerID: message.sid, status: $0) }
                }
            }
            // Twilio lists by date sent, newest first: a page created wholly before the send ends the search.
            guard !allEarlier, let next = page.nextPageURI, !next.isEmpty else { return .success(.notFound) }
            // A path on Twilio's own host: our credentials go with it.
            guard next.hasPrefix("/") else { return .failure(TwilioErrors.malformed("next_page_uri is not a path")) }
            url = settings.baseURL + next
        }
        return .failure(.permanent(code: "search-pages",
                                   reason: "Twilio lists more than \(Self.maxSearchPages) pages of messages to \(lookup.to.masked) since the send"))
    }

    static let maxSearchPages = 10
    /// What Twilio puts before every text sent from a trial account.
    static let trialPrefix = "Sent from your Twilio trial account - "

    /// A fetched or listed message's status as a `DeliveryStatus`; an unknown word is a permanent failure.
    private static func deliveryStatus(_ status: String, errorCode: String?) -> Result<DeliveryStatus, SendFailure> {
        guard let state = TwilioStatuses.lookupState(status) else {
            return .failure(.permanent(code: "unknown-status", reason: "Twilio reports message status '\(status)', which this gateway does not know"))
        }
        return .success(DeliveryStatus(state: state, providerStatus: status, errorCode: errorCode,
                                       optedOut: errorCode == TwilioStatuses.optedOutErrorCode))
    }

    /// Twilio's dates: RFC 2822 ("Sun, 29 Nov 2026 07:00:00 +0000"). One formatter per search, not per message.
    static func dateFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter
    }

    /// The members of a created Message or Call the gateway reads.
    private static let createdMembers: Set<String> = ["sid", "num_segments"]

    /// Twilio's limit for the inline `Twiml` parameter.
    static let maxInlineTwiML = 4000

    /// `MG` + 32 hex digits: a Messaging Service, sent as `MessagingServiceSid` instead of `From`.
    static func isMessagingServiceSID(_ sender: String) -> Bool {
        sender.utf8.count == 34 && sender.hasPrefix("MG") && sender.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    /// An authorized form POST, as `authorized(.form(url:fields:))` builds it, with the headers made once.
    private func formPost(_ url: String, _ fields: [(String, String)]) -> HTTPRequest {
        HTTPRequest(method: .post, url: url, headers: formHeaders, body: FormEncoding.encodedBytes(fields))
    }

    private func authorized(_ request: HTTPRequest) -> HTTPRequest {
        var request = request
        request.headers = Self.authorized(request.headers, authorization)
        return request
    }

    /// `headers` with our credentials and a request for JSON answers.
    private static func authorized(_ headers: HTTPHeaders, _ authorization: String) -> HTTPHeaders {
        var headers = headers
        headers.set("Authorization", authorization)
        headers.set("Accept", "application/json")
        return headers
    }

    /// Sends, lets `SendClassification` and `TwilioErrors` classify failures, and decodes a 2xx body as `T`.
    private func perform<T: Decodable, Value>(_ request: HTTPRequest,
                                              _ accept: (T) -> Result<Value, SendFailure>) async -> Result<Value, SendFailure> {
        await performSuccess(request) { body in try? JSONDecoder().decode(T.self, from: Data(body)) }
            .flatMap(accept)
    }

    /// `perform` for a created Message or Call, read with `JSONMembers`: this runs for every message sent,
    /// and only the top-level `sid` and `num_segments` of Twilio's kilobyte answer are needed.
    private func performCreate<Value>(_ request: HTTPRequest,
                                      _ accept: (JSONMembers) -> Result<Value, SendFailure>) async -> Result<Value, SendFailure> {
        await performSuccess(request) { JSONMembers($0, keeping: Self.createdMembers) }.flatMap(accept)
    }

    /// Sends, classifies failures, and reads a 2xx body with `read` (nil: a malformed answer).
    private func performSuccess<Body>(_ request: HTTPRequest, read: ([UInt8]) -> Body?) async -> Result<Body, SendFailure> {
        let response: HTTPResponse
        switch await SendClassification.send(request, with: client, now: now) {
        case .failure(let failure): return .failure(failure)
        case .success(let received): response = received
        }
        guard response.isSuccess else { return .failure(TwilioErrors.failure(for: response, now: now())) }
        guard let body = read(response.body) else {
            return .failure(TwilioErrors.malformed("HTTP \(response.status), \(response.body.count) bytes"))
        }
        return .success(body)
    }
}

/// A page of the Messages list.
private struct MessagePage: Decodable {
    let messages: [ListedMessage]
    /// The next page, relative to the API's host; nil on the last page.
    let nextPageURI: String?

    private enum Keys: String, CodingKey { case messages, nextPageURI = "next_page_uri" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        messages = try container.decode([ListedMessage].self, forKey: .messages)
        nextPageURI = try container.decodeIfPresent(String.self, forKey: .nextPageURI)
    }

    struct ListedMessage: Decodable {
        let sid: String
        let to: String
        let body: String
        let status: String
        let direction: String
        let dateCreated: String?
        let errorCode: String?

        private enum Keys: String, CodingKey {
            case sid, to, body, status, direction, dateCreated = "date_created", errorCode = "error_code"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            sid = try container.decode(String.self, forKey: .sid)
            to = try container.decode(String.self, forKey: .to)
            body = try container.decodeIfPresent(String.self, forKey: .body) ?? ""
            status = try container.decode(String.self, forKey: .status)
            direction = try container.decodeIfPresent(String.self, forKey: .direction) ?? ""
            dateCreated = try container.decodeIfPresent(String.self, forKey: .dateCreated)
            errorCode = container.decodeTwilioStringIfPresent(.errorCode)
        }
    }
}

/// The parts of a fetched Message we use.
private struct MessageResource: Decodable {
    let status: String
    let errorCode: String?

    private enum Keys: String, CodingKey { case status, errorCode = "error_code" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        status = try container.decode(String.self, forKey: .status)
        errorCode = container.decodeTwilioStringIfPresent(.errorCode)
    }
}
