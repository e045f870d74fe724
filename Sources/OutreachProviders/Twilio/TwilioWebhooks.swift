import Foundation
import OutreachCore

/// `X-Twilio-Signature` (twilio-python's `RequestValidator`): base64 HMAC-SHA1, keyed with the Auth Token,
/// over the full public URL followed by every form parameter as name + value, names sorted, no separators.
public enum TwilioSignature {
    /// The signature of `url` + `params` (repeated names: values sorted and deduplicated, as twilio-python).
    public static func compute(url: String, params: [(String, String)], authToken: String) -> String {
        ByteEncoding.base64(HMAC.sha1(key: Array(authToken.utf8), message: Array(stringToSign(url: url, params: params).utf8)))
    }

    public static func stringToSign(url: String, params: [(String, String)]) -> String {
        var valuesByName: [String: Set<String>] = [:]
        for (name, value) in params { valuesByName[name, default: []].insert(value) }
        var text = url
        for name in valuesByName.keys.sorted(by: byteOrder) {
            for value in valuesByName[name, default: []].sorted(by: byteOrder) { text += name + value }
        }
        return text
    }

    /// True when `signature` matches the URL as given, without its port, or with the scheme's default port
    /// added: Twilio's own validator tries these because "sig generation on back end is inconsistent".
    /// JSON bodies (`bodySHA256=` in the query) are signed over the URL alone and the body hash is checked too.
    public static func isValid(_ signature: String, url: String, params: [(String, String)], body: [UInt8] = [],
                               authToken: String) -> Bool {
        let expectedBytes = Array(signature.utf8)
        var matched = false
        // Every candidate is computed and compared (no early exit), each comparison in constant time.
        for candidate in urlVariants(url) {
            let computed = Array(compute(url: candidate, params: params, authToken: authToken).utf8)
            if ByteEncoding.constantTimeEquals(computed, expectedBytes) { matched = true }
        }
        if let bodyHash = queryValue("bodySHA256", in: url) {
            let actual = Array(ByteEncoding.hex(Digest.sha256(body)).utf8)
            matched = ByteEncoding.constantTimeEquals(actual, Array(bodyHash.lowercased().utf8)) && matched
        }
        return matched
    }

    /// The URL as given, with any port removed, and with the default port added when it had none.
    static func urlVariants(_ url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        let rest = afterScheme[authorityEnd...]
        let userInfoEnd = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let userInfo = authority[..<userInfoEnd]
        let hostPort = authority[userInfoEnd...]
        // A bracketed IPv6 host keeps its colons; only a colon after the host starts a port.
        let portSearchStart = hostPort.hasPrefix("[") ? (hostPort.firstIndex(of: "]") ?? hostPort.startIndex) : hostPort.startIndex
        let portColon = hostPort[portSearchStart...].firstIndex(of: ":")
        let prefix = url[..<schemeEnd.upperBound] + userInfo
        var variants = [url]
        if let portColon {
            variants.append(String(prefix + hostPort[..<portColon] + rest))
        } else {
            let port = scheme == "https" ? "443" : "80"
            variants.append(String(prefix + hostPort + ":" + port + rest))
        }
        return variants
    }

    static func queryValue(_ name: String, in url: String) -> String? {
        guard let mark = url.firstIndex(of: "?") else { return nil }
        let query = url[url.index(after: mark)...].prefix { $0 != "#" }
        return FormEncoding.decode(String(query)).first { $0.0 == name }?.1
    }

    private static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}

/// Twilio's webhooks, routed by the end of the public URL's path:
/// `/sms/inbound`, `/sms/status`, `/voice/gather`, `/voice/status`.
struct TwilioWebhooks {
    let authToken: String
    /// The script of a call by our message id, for key 9 ("say it again"); nil = no replay, the call ends.
    let scriptLookup: (@Sendable (Int64) -> VoiceScript?)?

    func handle(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> {
        guard let signature = request.header("X-Twilio-Signature"), !signature.isEmpty else {
            return .failure(.unauthorized("the X-Twilio-Signature header is missing"))
        }
        let isPost = request.method.uppercased() == "POST"
        let bodyText = String(decoding: request.body, as: UTF8.self)
        let isJSON = TwilioSignature.queryValue("bodySHA256", in: request.publicURL) != nil
        // Form POSTs sign their parameters; GET and JSON webhooks sign the URL alone.
        let signedParams = isPost && !isJSON ? FormEncoding.decode(bodyText) : []
        guard TwilioSignature.isValid(signature, url: request.publicURL, params: signedParams, body: request.body,
                                      authToken: authToken) else {
            return .failure(.unauthorized("the X-Twilio-Signature does not match this URL and body"))
        }
        // Authenticated from here on.
        let params = isPost ? signedParams : queryItems(request.publicURL)
        guard !params.isEmpty else { return .failure(.malformed("the Twilio webhook has no parameters")) }
        let form = Form(pairs: params, urlQuery: queryItems(request.publicURL))
        let path = Self.path(of: request.publicURL)
        if path.hasSuffix("/sms/inbound") { return inboundSMS(form) }
        if path.hasSuffix("/sms/status") { return messageStatus(form) }
        if path.hasSuffix("/voice/gather") { return gather(form, publicURL: request.publicURL) }
        if path.hasSuffix("/voice/status") { return callStatus(form) }
        return .failure(.malformed("no Twilio webhook route for this path (expected …/sms/inbound, …/sms/status, …/voice/gather or …/voice/status)"))
    }

    private func inboundSMS(_ form: Form) -> Result<WebhookOutcome, WebhookError> {
        guard let sid = form["MessageSid"] ?? form["SmsSid"], let from = form["From"], let to = form["To"] else {
            return .failure(.malformed("an inbound Twilio SMS needs MessageSid, From and To"))
        }
        let event: ProviderEvent = PhoneNumber.isE164(from)
            ? .inboundSMS(providerID: sid, from: PhoneNumber(e164: from), to: to, body: form["Body"] ?? "")
            : .ignored(reason: "inbound SMS \(sid) from a sender that is not a phone number")
        return .success(WebhookOutcome(events: [event], response: Self.twiml(TwilioTwiML.empty)))
    }

    private func messageStatus(_ form: Form) -> Result<WebhookOutcome, WebhookError> {
        guard let sid = form["MessageSid"] ?? form["SmsSid"], let status = form["MessageStatus"] ?? form["SmsStatus"] else {
            return .failure(.malformed("a Twilio status callback needs MessageSid and MessageStatus"))
        }
        guard let state = TwilioStatuses.callbackState(status) else {
            return ignored("message \(sid) status '\(status)' is not a delivery receipt")
        }
        let errorCode = form["ErrorCode"].flatMap { $0.isEmpty ? nil : $0 }
        let delivery = DeliveryStatus(state: state, providerStatus: status, errorCode: errorCode,
                                      optedOut: errorCode == TwilioStatuses.optedOutErrorCode)
        let messageID = form.query("message_id").flatMap(Int64.init)
        return .success(WebhookOutcome(events: [.receipt(providerID: sid, status: delivery, messageID: messageID)],
                                       response: Self.twiml(TwilioTwiML.empty)))
    }

    private func gather(_ form: Form, publicURL: String) -> Result<WebhookOutcome, WebhookError> {
        guard let callSID = form["CallSid"] else { return .failure(.malformed("a Twilio gather callback needs CallSid")) }
        let messageID = form.query("message_id").flatMap(Int64.init)
        let digits = form.query("empty") == "1" ? "" : (form["Digits"] ?? "")
        let event = ProviderEvent.callDigits(providerCallID: callSID, messageID: messageID, digits: digits)
        let replay = (form.query("replay").flatMap(Int.init) ?? 0) + 1
        if digits == "9", replay <= TwilioTwiML.maxReplays, let messageID, let script = scriptLookup?(messageID) {
            let base = Self.callbackBase(publicURL)
            let prompt = TwilioTwiML.prompt(script: script, callbackBaseURL: base, messageID: messageID, replay: replay)
            return .success(WebhookOutcome(events: [event], response: Self.twiml(TwilioTwiML.xmlDeclaration + prompt)))
        }
        return .success(WebhookOutcome(events: [event], response: Self.twiml(TwilioTwiML.hangup)))
    }

    private func callStatus(_ form: Form) -> Result<WebhookOutcome, WebhookError> {
        guard let callSID = form["CallSid"], let status = form["CallStatus"] else {
            return .failure(.malformed("a Twilio call status callback needs CallSid and CallStatus"))
        }
        guard let outcome = TwilioStatuses.callOutcome(status: status, answeredBy: form["AnsweredBy"]) else {
            return ignored("call \(callSID) status '\(status)' is not the end of the call")
        }
        let messageID = form.query("message_id").flatMap(Int64.init)
        let duration = (form["CallDuration"] ?? form["Duration"]).flatMap(Int.init)
        let event = ProviderEvent.callEnded(providerCallID: callSID, messageID: messageID, outcome: outcome, durationSeconds: duration)
        return .success(WebhookOutcome(events: [event], response: Self.twiml(TwilioTwiML.empty)))
    }

    private func ignored(_ reason: String) -> Result<WebhookOutcome, WebhookError> {
        .success(WebhookOutcome(events: [.ignored(reason: reason)], response: Self.twiml(TwilioTwiML.empty)))
    }

    static func twiml(_ body: String) -> WebhookResponse {
        WebhookResponse(status: 200, contentType: "text/xml; charset=utf-8", body: body)
    }

    /// The path of a URL, without scheme, host and query.
    static func path(of url: String) -> String {
        let withoutQuery = url.prefix { $0 != "?" && $0 != "#" }
        guard let schemeEnd = withoutQuery.range(of: "://") else { return String(withoutQuery) }
        let afterScheme = withoutQuery[schemeEnd.upperBound...]
        return afterScheme.firstIndex(of: "/").map { String(afterScheme[$0...]) } ?? "/"
    }

    /// "https://gw.example/hooks/twilio/voice/gather?message_id=1" → "https://gw.example/hooks/twilio".
    static func callbackBase(_ url: String) -> String {
        let withoutQuery = String(url.prefix { $0 != "?" && $0 != "#" })
        return withoutQuery.hasSuffix("/voice/gather") ? String(withoutQuery.dropLast("/voice/gather".count)) : withoutQuery
    }

    private func queryItems(_ url: String) -> [(String, String)] {
        guard let mark = url.firstIndex(of: "?") else { return [] }
        return FormEncoding.decode(String(url[url.index(after: mark)...].prefix { $0 != "#" }))
    }

    /// Webhook parameters (first value wins) and the public URL's own query (our `message_id`).
    private struct Form {
        let pairs: [(String, String)]
        let urlQuery: [(String, String)]
        subscript(name: String) -> String? { pairs.first { $0.0 == name }?.1 }
        func query(_ name: String) -> String? { urlQuery.first { $0.0 == name }?.1 }
    }
}
