import Foundation
import OutreachCore

/// 46elks error bodies → `SendFailure`. 429, 5xx and transport errors never get here: `SendClassification`
/// makes them transient (a 5xx other than 503 to a send: unconfirmed).
///
/// 46elks answers errors with a human-readable `text/plain` body ("Invalid to number.", "Not enough
/// credits."); its Swagger documents no status per error. So: 401 and a 403 about credentials → `auth`,
/// anything about credits → `no-credit` (both `.account`: sending pauses), other 4xx → `http-<status>`, permanent. 46elks
/// has no platform opt-out (STOP arrives as an ordinary inbound SMS), hence no `.optedOut` here.
public enum ElksErrors {
    /// Longest provider text kept in a reason: enough for a coordinator, not a whole HTML error page.
    static let maxReasonLength = 300

    public static func failure(status: Int, body: String, redacting secrets: [String]) -> SendFailure {
        let reason = reasonText(status: status, body: body, redacting: secrets)
        let lowered = reason.lowercased()
        if lowered.contains("credit") || lowered.contains("balance") {
            return .account(code: "no-credit", reason: reason)
        }
        if status == 401 { return .account(code: "auth", reason: reason) }
        // "Invalid from number.": the config's sender, not this message (every one would fail alike): sending pauses.
        if (400...403).contains(status), lowered.contains("invalid from") || lowered.contains("from number") {
            return .account(code: "sender", reason: reason + " (check provider.from)")
        }
        // Only about credentials: an account problem pauses all sending, and a 403 that refuses one message ("Forbidden",
        // "permission denied" for a destination) must fail that message alone.
        // ("auth" alone would take "not authorized" for this destination.)
        if status == 403, ["authenticat", "credential", "password", "username", "api key"].contains(where: lowered.contains) {
            return .account(code: "auth", reason: reason)
        }
        return .permanent(code: "http-\(status)", reason: reason)
    }

    /// A 2xx we cannot read. 46elks may have sent the message anyway, so it is never re-sent blindly:
    /// permanent, visible to the coordinator, instead of a possible duplicate to a senior.
    public static func malformed(_ problem: String) -> SendFailure {
        .permanent(code: "malformed-response", reason: "46elks answered success but \(problem); the message may have been sent, check the 46elks dashboard before sending again")
    }

    /// The body trimmed, unwrapped from `{"error": "…"}` (seen in third-party docs), shortened, and with every
    /// secret replaced by `***` (an error may echo the callback URL, which carries the callback secret).
    static func reasonText(status: Int, body: String, redacting secrets: [String]) -> String {
        var text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
           let message = (object["error"] ?? object["message"]) as? String {
            text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        text = redact(text, secrets)
        if text.isEmpty { return "HTTP \(status) without an explanation" }
        if text.count > maxReasonLength { text = String(text.prefix(maxReasonLength)) + "…" }
        return text
    }

    /// Secrets become `***`; phone numbers (an error may quote the recipient) their masked form.
    static func redact(_ text: String, _ secrets: [String]) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: "***")
            let encoded = FormEncoding.percentEncode(secret)
            if encoded != secret { result = result.replacingOccurrences(of: encoded, with: "***") }
        }
        return maskingPhoneNumbers(result)
    }

    static func maskingPhoneNumbers(_ text: String) -> String {
        guard text.contains("+") else { return text }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "+" else {
                out.append(character)
                index = next
                continue
            }
            let digits = text[next...].prefix { $0.isASCII && $0.isNumber }
            let candidate = "+" + digits
            if digits.count >= 7, PhoneNumber.isE164(candidate) {
                out += PhoneNumber(e164: candidate).masked
                index = digits.endIndex
            } else {
                out.append(character)
                index = next
            }
        }
        return out
    }
}
