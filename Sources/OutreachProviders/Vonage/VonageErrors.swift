import Foundation

/// Vonage's `/sms/json` answer, classified. Vonage answers HTTP 200 for success AND failure: the outcome is
/// `messages[i].status` per part, all values strings (reference 3.1):
///
///     {"message-count":"2","messages":[{"to":"46701740605","message-id":"0A00000012345678","status":"0",…},
///                                      {"status":"1","error-text":"Throughput Rate Exceeded - please wait [ 250 ] and retry"}]}
///
/// Rules:
/// - every part "0" → accepted (first part's id, segments = message-count);
/// - "1" throttled → transient, retry after the "please wait [ N ]" milliseconds when given; "5", "10" → transient;
/// - "4", "8", "9", "11", "14", "15", "32" (credentials, account barred, no credit, the sender…) → `.account`: sending pauses ("9" is
///   insufficient credit here, NOT an opt-out: opt-outs arrive later as a DLR with err-code 9);
/// - any other code → permanent with the code;
/// - some parts "0" and others not → `.permanent(code: "partial")`: part of the text reached the phone, so a
///   resend would duplicate it to a senior; the coordinator sees the failure instead;
/// - a 2xx body we cannot read → `.permanent(code: "malformed-response")`: it may have been sent, never resend blindly;
/// - an HTTP 401 → `.account`; other non-2xx (400, 403…; 429/5xx are handled by `SendClassification`: transient, or unconfirmed for a 5xx
///   other than 503 to a send) → permanent "http-<status>".
public enum VonageErrors {
    public enum Outcome: Sendable, Equatable {
        /// `account`: the account's problem, not the message's (credentials, credit, barred): sending pauses.
        case accepted, transient, permanent, account
    }

    /// Vonage's send status codes: meaning and how we treat them (spec `x-errors`, api-errors/sms).
    public static let sendStatuses: [String: (meaning: String, outcome: Outcome)] = [
        "0": ("success", .accepted),
        "1": ("throttled: sending faster than the account limit", .transient),
        "2": ("missing parameters", .permanent),
        "3": ("invalid parameters", .permanent),
        "4": ("invalid credentials: check VONAGE_API_KEY and VONAGE_API_SECRET", .account),
        "5": ("internal error at Vonage", .transient),
        "6": ("invalid message (unroutable or unrecognised number prefix)", .permanent),
        "7": ("number barred", .permanent),
        "8": ("partner account barred", .account),
        "9": ("partner quota violation: insufficient credit, top up the account", .account),
        "10": ("too many existing binds", .transient),
        "11": ("account not enabled for HTTP", .account),
        "12": ("message too long", .permanent),
        "14": ("invalid signature", .account),
        // The config's `from`, not the message: every message would fail alike, so sending pauses instead.
        "15": ("invalid sender address: check provider.from", .account),
        "22": ("invalid network code", .permanent),
        "23": ("invalid callback URL", .permanent),
        "29": ("non-whitelisted destination (demo account)", .permanent),
        "32": ("signature and API secret disallowed", .account),
        "33": ("number de-activated", .permanent),
    ]

    /// A Reports API page we cannot read: the search fails, and the message stays `unknown` (never re-sent on it).
    static func malformed(_ problem: String) -> SendFailure {
        .permanent(code: "malformed-response", reason: "Vonage's Reports API answered, but \(problem)")
    }

    /// Classifies a response `SendClassification.send` let through (2xx, or non-2xx other than 429/5xx).
    public static func classify(_ response: HTTPResponse) -> Result<ProviderAccepted, SendFailure> {
        guard response.isSuccess else { return .failure(httpFailure(response)) }
        guard let parts = parseParts(response.body) else {
            return .failure(.permanent(code: "malformed-response",
                                       reason: "Vonage answered HTTP \(response.status) with a body that is not the expected messages JSON; it may have been sent, so it is not resent"))
        }
        let failed = parts.messages.enumerated().filter { $0.element.status != "0" }
        guard let (index, first) = failed.first else {
            guard let id = parts.messages[0].messageID, !id.isEmpty else {
                return .failure(.permanent(code: "malformed-response",
                                           reason: "Vonage accepted the message but gave no message-id; it is not resent"))
            }
            return .success(ProviderAccepted(providerID: id, segments: parts.messageCount ?? parts.messages.count))
        }
        let explanation = explain(first)
        if failed.count < parts.messages.count {
            return .failure(.permanent(code: "partial",
                                       reason: "part \(index + 1) of \(parts.messages.count) was refused (\(explanation)) but other parts were sent; not resent to avoid a duplicate"))
        }
        switch sendStatuses[first.status]?.outcome ?? .permanent {
        case .transient where first.status == "1":
            return .failure(.transient(reason: "Vonage: \(explanation)", retryAfter: retryAfter(fromErrorText: first.errorText)))
        case .transient:
            return .failure(.transient(reason: "Vonage: \(explanation)", retryAfter: nil))
        case .account:
            return .failure(.account(code: first.status, reason: explanation))
        case .accepted, .permanent:
            return .failure(.permanent(code: first.status, reason: explanation))
        }
    }

    /// The wait in "Throughput Rate Exceeded - please wait [ 250 ] and retry" (milliseconds) as seconds.
    public static func retryAfter(fromErrorText text: String?) -> TimeInterval? {
        guard let text, let wait = text.range(of: "wait", options: .caseInsensitive),
              let open = text[wait.upperBound...].firstIndex(of: "["),
              let close = text[open...].firstIndex(of: "]") else { return nil }
        let digits = text[text.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (48...57).contains($0) }), let ms = Int(digits) else { return nil }
        return TimeInterval(ms) / 1000
    }

    struct Part: Equatable {
        let status: String
        let messageID: String?
        let errorText: String?
    }

    struct Parts: Equatable {
        let messageCount: Int?
        let messages: [Part]
    }

    /// nil unless the body is a JSON object with a non-empty `messages` array whose entries have a `status`.
    static func parseParts(_ body: [UInt8]) -> Parts? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let messages = object["messages"] as? [[String: Any]], !messages.isEmpty else { return nil }
        var parts: [Part] = []
        for message in messages {
            guard let status = scalarString(message["status"]) else { return nil }
            parts.append(Part(status: status, messageID: scalarString(message["message-id"]),
                              errorText: scalarString(message["error-text"])))
        }
        return Parts(messageCount: scalarString(object["message-count"]).flatMap { Int($0) }, messages: parts)
    }

    /// Vonage sends strings; numbers are tolerated in case a proxy or a future version sends them.
    static func scalarString(_ value: Any?) -> String? {
        switch value {
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    private static func explain(_ part: Part) -> String {
        let meaning = sendStatuses[part.status]?.meaning ?? "unknown status"
        let text = part.errorText.map { $0.isEmpty ? "" : ": \($0)" } ?? ""
        return "status \(part.status), \(meaning)\(text)"
    }

    private static func httpFailure(_ response: HTTPResponse) -> SendFailure {
        // Vonage's generic errors are RFC 7807 JSON ({"type":…,"title":"Unauthorized","detail":…}).
        var reason = "Vonage answered HTTP \(response.status)"
        if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
           let title = scalarString(object["title"]) {
            reason += ": \(title)"
            if let detail = scalarString(object["detail"]) { reason += " (\(detail))" }
        }
        if response.status == 401 {
            return .account(code: "http-401", reason: reason + "; check VONAGE_API_KEY and VONAGE_API_SECRET")
        }
        return .permanent(code: "http-\(response.status)", reason: reason)
    }
}
