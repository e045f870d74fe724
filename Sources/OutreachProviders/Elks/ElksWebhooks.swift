import Foundation
import OutreachCore

/// Authentication and parsing of the requests 46elks POSTs to us (form-encoded, see `ElksProvider` for samples).
///
/// 46elks signs nothing. Every callback URL we hand out carries `secret=<ELKS_CALLBACK_SECRET>`; a request
/// counts as from 46elks only when its public URL brings that secret back. The check runs first, in
/// constant time (SHA-256 of both sides compared with CRYPTO_memcmp, so not even the length leaks),
/// and nothing of the body is looked at before it passes.
public enum ElksWebhooks {
    /// Paths below our 46elks hook prefix, matched as suffixes of the public URL's path.
    public enum Route: String, Sendable, CaseIterable {
        case inboundSMS = "/sms/inbound"
        case deliveryReport = "/sms/status"
        case ivrResult = "/voice/ivr"
        case hangup = "/voice/hangup"
    }

    /// Our answer to an IVR result. 46elks needs a valid call action (`{}` is none, and a non-2xx ends the
    /// call abruptly): a short beep acknowledges the keypress, and an action without `next` ends the call.
    /// Replaying the message on "9" would be a new `ivr` action chosen by the service, which may replace this.
    public static let ivrAnswer = WebhookResponse(status: 200, contentType: "application/json",
                                                  body: #"{"play":"sound/beep"}"#)

    public static func handle(_ request: WebhookRequest, secret: String) -> Result<WebhookOutcome, WebhookError> {
        let url = CallbackURL(request.publicURL)
        guard let given = url.queryValue("secret") else {
            return .failure(.unauthorized("the 46elks callback URL has no secret parameter"))
        }
        guard !secret.isEmpty, ByteEncoding.constantTimeEquals(Digest.sha256(given), Digest.sha256(secret)) else {
            return .failure(.unauthorized("the 46elks callback secret does not match ELKS_CALLBACK_SECRET"))
        }
        guard let route = Route.allCases.first(where: { url.path.hasSuffix($0.rawValue) }) else {
            return .failure(.malformed("no 46elks callback is served at this path"))
        }
        guard request.method.uppercased() == "POST" else {
            return .failure(.malformed("46elks callbacks are POST requests, got \(request.method)"))
        }
        guard !request.body.isEmpty else { return .failure(.malformed("empty body")) }
        let form = Form(FormEncoding.decode(String(decoding: request.body, as: UTF8.self)))
        let messageID = url.queryValue("message_id").flatMap { Int64($0) }
        switch route {
        case .inboundSMS: return inboundSMS(form)
        case .deliveryReport: return deliveryReport(form, messageID: messageID)
        case .ivrResult: return ivrResult(form, messageID: messageID)
        case .hangup: return hangup(form, messageID: messageID)
        }
    }

    /// `url` with `secret=<secret>` added to its query (before any fragment).
    public static func appendingSecret(to url: String, secret: String) -> String {
        CallbackQuery.appending("secret", FormEncoding.percentEncode(secret), to: url)
    }

    // MARK: - Routes

    static func inboundSMS(_ form: Form) -> Result<WebhookOutcome, WebhookError> {
        guard let id = form.nonEmpty("id"), let from = form.nonEmpty("from"), let to = form["to"],
              let message = form["message"] else {
            return .failure(.malformed("an inbound 46elks SMS needs id, from, to and message"))
        }
        if let direction = form["direction"], direction != "incoming" {
            return ignored("inbound SMS with direction '\(short(direction))'")
        }
        // 46elks forwards texts from alphanumeric senders too ("TestElk"): nobody to answer or match.
        guard PhoneNumber.isE164(from) else { return ignored("inbound SMS from a text sender id") }
        // 204: no automatic reply (a 200 with a text body would be sent back as an SMS).
        return .success(WebhookOutcome(events: [.inboundSMS(providerID: id, from: PhoneNumber(e164: from), to: to, body: message)],
                                       response: .noContent))
    }

    static func deliveryReport(_ form: Form, messageID: Int64? = nil) -> Result<WebhookOutcome, WebhookError> {
        guard let id = form.nonEmpty("id"), let status = form.nonEmpty("status") else {
            return .failure(.malformed("a 46elks delivery report needs id and status"))
        }
        guard let state = ElksStatuses.deliveryState(status) else {
            return ignored("unknown 46elks delivery status '\(short(status))'")
        }
        return .success(WebhookOutcome(events: [.receipt(providerID: id, status: DeliveryStatus(state: state, providerStatus: status),
                                                         messageID: messageID)],
                                       response: .noContent))
    }

    static func ivrResult(_ form: Form, messageID: Int64?) -> Result<WebhookOutcome, WebhookError> {
        guard let callID = form.nonEmpty("callid") else {
            return .failure(.malformed("a 46elks IVR result needs callid"))
        }
        // `result` is the digit sequence, or a word such as "failed" when nothing was pressed.
        let result = form["result"] ?? ""
        let digits = result.allSatisfy({ "0123456789*#".contains($0) }) ? result : ""
        return .success(WebhookOutcome(events: [.callDigits(providerCallID: callID, messageID: messageID, digits: digits)],
                                       response: ivrAnswer))
    }

    static func hangup(_ form: Form, messageID: Int64?) -> Result<WebhookOutcome, WebhookError> {
        guard let callID = form.nonEmpty("id"), let state = form.nonEmpty("state") else {
            return .failure(.malformed("a 46elks hangup callback needs id and state"))
        }
        // `actions` and `legs` are JSON inside a form field: unreadable JSON loses detail, never the event.
        let actions = jsonArray(form["actions"])
        let legs = jsonArray(form["legs"])
        guard let outcome = ElksStatuses.callOutcome(state: state, actionsRan: actions.map { !$0.isEmpty }) else {
            return ignored("unknown 46elks call state '\(short(state))'")
        }
        let duration = form["duration"].flatMap(seconds)
            ?? legs?.compactMap { ($0 as? [String: Any])?["duration"].flatMap { seconds("\($0)") } }.max()
        return .success(WebhookOutcome(events: [.callEnded(providerCallID: callID, messageID: messageID, outcome: outcome,
                                                           durationSeconds: duration)],
                                       response: .noContent))
    }

    // MARK: - Helpers

    static func ignored(_ reason: String) -> Result<WebhookOutcome, WebhookError> {
        .success(WebhookOutcome(events: [.ignored(reason: reason)], response: .noContent))
    }

    /// Provider words quoted in reasons, cut short so a hostile body cannot flood the log.
    static func short(_ text: String) -> String { text.count > 40 ? String(text.prefix(40)) + "…" : text }

    static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let whole = Int(trimmed) { return max(0, whole) }
        if let value = Double(trimmed), value.isFinite, value >= 0, value < 1e9 { return Int(value.rounded()) }
        return nil
    }

    static func jsonArray(_ text: String?) -> [Any]? {
        guard let text, !text.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any]
    }

    /// Decoded form fields; the first value wins for repeated names.
    struct Form {
        let fields: [(String, String)]
        init(_ fields: [(String, String)]) { self.fields = fields }
        subscript(name: String) -> String? { fields.first { $0.0 == name }?.1 }
        func nonEmpty(_ name: String) -> String? { self[name].flatMap { $0.isEmpty ? nil : $0 } }
    }

    /// The public URL split without URLComponents, which rejects some URLs that still carry a valid query.
    struct CallbackURL {
        let path: String
        let query: [(String, String)]

        init(_ url: String) {
            var rest = Substring(url)
            if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
            var queryText: Substring = ""
            if let mark = rest.firstIndex(of: "?") {
                queryText = rest[rest.index(after: mark)...]
                rest = rest[..<mark]
            }
            if let scheme = rest.range(of: "://") {
                let afterScheme = rest[scheme.upperBound...]
                rest = afterScheme.firstIndex(of: "/").map { afterScheme[$0...] } ?? ""
            }
            while rest.count > 1, rest.hasSuffix("/") { rest = rest.dropLast() }
            path = String(rest)
            query = FormEncoding.decode(String(queryText))
        }

        func queryValue(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
    }
}
