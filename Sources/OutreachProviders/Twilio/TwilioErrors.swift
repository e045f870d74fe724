import Foundation

/// Twilio's error bodies turned into `SendFailure`s. Transport errors, 429 and 5xx were classified
/// before this by `SendClassification` (transient; a 5xx other than 503 to a send: unconfirmed); this reads the rest.
///
/// Body (2010 API): `{"code": 21211, "message": "The 'To' number … is not a valid phone number.",
/// "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`; the RFC 9457 variant
/// (`title`, `detail`, `code`) is read too.
public enum TwilioErrors {
    /// Codes that mean "try again later" even when the HTTP status says otherwise (20429: too many requests).
    static let transientCodes: Set<String> = ["20429"]
    /// 21611: the sender's queue at Twilio holds more than 10 hours of messages. Each message is tried again later,
    /// not failed: it was refused only because too many went before it.
    static let queueFullCode = "21611"
    static let queueFullWait: TimeInterval = 900
    /// Codes about the account or its sender, not the message: sending pauses and the messages wait, for a coordinator
    /// to put the config right. 20003: authenticate (so does any 401); 21212: an invalid From; 21660: a From not of this
    /// account. Failed, one wrong `from` lost a whole campaign. (Not 21606 nor 21659, which Twilio also gives for a short
    /// code of another country than the recipient's: about one recipient, and that message fails alone.)
    static let accountCodes: Set<String> = ["20003", "21212", "21660"]

    /// A non-2xx answer (other than 429/5xx) → a classified failure.
    public static func failure(for response: HTTPResponse, now: Date) -> SendFailure {
        guard let error = TwilioError.parse(response.body) else {
            let reason = "Twilio answered HTTP \(response.status) without a readable error body"
            if response.status == 401 { return .account(code: "http-401", reason: reason + "; check the account SID and key") }
            return .permanent(code: "http-\(response.status)", reason: reason)
        }
        let reason = error.message.map(redactNumbers) ?? "Twilio error \(error.code) (HTTP \(response.status))"
        if error.code == TwilioStatuses.optedOutErrorCode {
            return .optedOut(reason: reason)
        }
        if transientCodes.contains(error.code) {
            return .transient(reason: "throttled by Twilio (\(error.code)): \(reason)", retryAfter: response.retryAfter(now: now))
        }
        if error.code == queueFullCode {
            return .transient(reason: "Twilio's queue for this sender is full (\(error.code)): \(reason)",
                              retryAfter: response.retryAfter(now: now) ?? queueFullWait)
        }
        if response.status == 401 || accountCodes.contains(error.code) {
            return .account(code: error.code, reason: reason)
        }
        return .permanent(code: error.code, reason: reason)
    }

    /// A 2xx whose body we cannot read. The message may well have gone out, so it is never re-sent blindly:
    /// a duplicate reminder to a senior is worse than a failure the coordinator sees.
    static func malformed(_ what: String) -> SendFailure {
        .permanent(code: "malformed-response", reason: "Twilio accepted the request but its answer could not be read (\(what)); not re-sent to avoid a duplicate")
    }

    /// Twilio's messages quote the phone number ("The 'To' number +46701234567 is not…"): phone numbers are
    /// personal data, so runs of 6 or more digits (with an optional +) are replaced by "***".
    static func redactNumbers(_ text: String) -> String {
        var out = ""
        var run = ""
        func flush() {
            let digits = run.filter(\.isNumber).count
            out += digits >= 6 ? "***" : run
            run = ""
        }
        for character in text {
            if character.isASCII, character.isNumber || (character == "+" && run.isEmpty) {
                run.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }
}

/// One parsed Twilio error body.
struct TwilioError: Decodable, Equatable {
    let code: String
    let message: String?

    private enum Keys: String, CodingKey { case code, message, detail, title }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        code = try container.decodeTwilioString(.code)
        let message = try? container.decodeIfPresent(String.self, forKey: .message)
        let detail = try? container.decodeIfPresent(String.self, forKey: .detail)
        let title = try? container.decodeIfPresent(String.self, forKey: .title)
        self.message = message ?? detail ?? title
    }

    static func parse(_ body: [UInt8]) -> TwilioError? {
        try? JSONDecoder().decode(TwilioError.self, from: Data(body))
    }
}

extension KeyedDecodingContainer {
    /// A value Twilio sends as a number in one place and a string in another ("num_segments": "1", "code": 21211).
    func decodeTwilioString(_ key: Key) throws -> String {
        if let text = try? decode(String.self, forKey: key), !text.isEmpty { return text }
        if let number = try? decode(Int.self, forKey: key) { return String(number) }
        throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "expected a string or an integer")
    }

    func decodeTwilioStringIfPresent(_ key: Key) -> String? {
        try? decodeTwilioString(key)
    }
}
