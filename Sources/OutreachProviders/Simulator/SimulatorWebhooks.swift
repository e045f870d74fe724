import Foundation
import OutreachCore

/// Builds and reads the Simulator's webhook requests: form bodies, authenticated by a secret in the URL.
enum SimulatorWebhooks {
    static func request(path: String, fields: [(String, String)], settings: SimulatorSettings) -> WebhookRequest {
        let url = settings.webhookBaseURL + path + "?secret=" + FormEncoding.percentEncode(settings.secret)
        return WebhookRequest(method: "POST", publicURL: url,
                              headers: ["content-type": "application/x-www-form-urlencoded"],
                              body: Array(FormEncoding.encode(fields).utf8))
    }

    static func handle(_ request: WebhookRequest, settings: SimulatorSettings) -> Result<WebhookOutcome, WebhookError> {
        let (path, query) = split(request.publicURL)
        let secret = FormEncoding.decode(query).first { $0.0 == "secret" }?.1 ?? ""
        guard ByteEncoding.constantTimeEquals(secret, settings.secret) else {
            return .failure(.unauthorized(secret.isEmpty ? "no secret in the callback URL" : "wrong secret in the callback URL"))
        }
        guard !request.body.isEmpty else { return .failure(.malformed("empty body")) }
        var fields: [String: String] = [:]
        for (name, value) in FormEncoding.decode(String(decoding: request.body, as: UTF8.self)) { fields[name] = value }
        func field(_ name: String) throws(WebhookError) -> String {
            guard let value = fields[name], !value.isEmpty else { throw .malformed("missing field '\(name)'") }
            return value
        }
        do throws(WebhookError) {
            let event: ProviderEvent
            if path.hasSuffix("/sms/status") {
                let status = try field("status")
                if let state = SimulatorStatuses.delivery[status] {
                    event = .receipt(providerID: try field("id"), status: DeliveryStatus(state: state, providerStatus: status),
                                     messageID: fields["message_id"].flatMap { Int64($0) })
                } else {
                    event = .ignored(reason: "unknown simulator status '\(status)'")
                }
            } else if path.hasSuffix("/sms/inbound") {
                let raw = try field("from")
                guard case .success(let from) = PhoneNormalizer.normalize(raw, region: .sweden) else {
                    throw WebhookError.malformed("'from' is not a phone number")
                }
                event = .inboundSMS(providerID: try field("id"), from: from, to: fields["to"] ?? "", body: fields["message"] ?? "")
            } else if path.hasSuffix("/voice/keypad") {
                event = .callDigits(providerCallID: try field("id"), messageID: fields["message_id"].flatMap { Int64($0) },
                                    digits: fields["digits"] ?? "")
            } else if path.hasSuffix("/voice/status") {
                let status = try field("status")
                if let outcome = SimulatorStatuses.call[status] {
                    event = .callEnded(providerCallID: try field("id"), messageID: fields["message_id"].flatMap { Int64($0) },
                                       outcome: outcome, durationSeconds: fields["duration"].flatMap { Int($0) })
                } else {
                    event = .ignored(reason: "unknown simulator call status '\(status)'")
                }
            } else {
                throw WebhookError.malformed("no simulator webhook at \(path)")
            }
            return .success(WebhookOutcome(events: [event], response: .noContent))
        } catch {
            return .failure(error)
        }
    }

    /// Path and raw query of a URL ("http://h/p?a=1" → ("http://h/p", "a=1")).
    static func split(_ url: String) -> (String, String) {
        guard let mark = url.firstIndex(of: "?") else { return (url, "") }
        return (String(url[..<mark]), String(url[url.index(after: mark)...]))
    }
}
