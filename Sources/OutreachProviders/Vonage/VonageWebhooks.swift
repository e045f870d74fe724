import Foundation
import OutreachCore

/// Vonage webhook signatures (reference 3.5, Nexmo/station `signing-messages.md`):
/// all parameters except `sig`, sorted by key, `&` and `=` in values replaced by `_`, joined as
/// `&k1=v1&k2=v2…` (leading `&`), then HMAC(secret, string) as hex, or `md5(string + secret)` for "MD5 hash".
public enum VonageSignature {
    public static func signingString(_ parameters: [String: String]) -> String {
        parameters
            .filter { $0.key != "sig" }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { key, value in
                let cleaned = value.replacingOccurrences(of: "&", with: "_").replacingOccurrences(of: "=", with: "_")
                return "&\(key)=\(cleaned)"
            }
            .joined()
    }

    /// Lower-case hex signature of `parameters` (any `sig` among them is left out).
    public static func sign(_ parameters: [String: String], secret: String,
                            method: VonageSignatureMethod = .hmacSHA256) -> String {
        let text = signingString(parameters)
        let digest: [UInt8] = switch method {
        case .md5Hash: Digest.md5(text + secret)
        case .hmacMD5: HMAC.md5(key: secret, message: text)
        case .hmacSHA1: HMAC.sha1(key: secret, message: text)
        case .hmacSHA256: HMAC.sha256(key: secret, message: text)
        case .hmacSHA512: HMAC.sha512(key: secret, message: text)
        }
        return ByteEncoding.hex(digest)
    }

    /// Compares in constant time, hex case ignored (Vonage's examples are upper case, its SDK lower case).
    public static func isValid(_ signature: String, parameters: [String: String], secret: String,
                               method: VonageSignatureMethod = .hmacSHA256) -> Bool {
        let expected = sign(parameters, secret: secret, method: method)
        return ByteEncoding.constantTimeEquals(Array(signature.lowercased().utf8), Array(expected.utf8))
    }
}

/// Parsing and authentication of Vonage's webhooks. Routes by the public URL's path suffix:
/// `…/sms/inbound` (inbound SMS) and `…/sms/status` (delivery receipts). Parameters come from the query
/// string (GET), a form body (POST) or a flat JSON object of strings (POST-JSON, `application/json`).
/// With a signature secret, `sig` and a `timestamp` within `maximumClockSkew` of our clock are checked
/// before anything is parsed into events. Without one, requests are accepted unsigned (see `VonageSettings`).
/// Every accepted request is answered 204, as Vonage retries anything else for 24 hours.
struct VonageWebhooks: Sendable {
    let settings: VonageSettings
    let now: @Sendable () -> Date

    func handle(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> {
        let parameters: [String: String]
        switch Self.parameters(of: request) {
        case .success(let found): parameters = found
        case .failure(let error): return .failure(error)
        }
        if let error = authenticate(parameters) { return .failure(error) }

        let path = Self.path(of: request.publicURL)
        let events: Result<[ProviderEvent], WebhookError>
        if path.hasSuffix("/sms/inbound") {
            events = Self.inbound(parameters)
        } else if path.hasSuffix("/sms/status") {
            events = Self.receipt(parameters)
        } else {
            events = .failure(.malformed("no Vonage webhook at this path (expected …/sms/inbound or …/sms/status)"))
        }
        return events.map { WebhookOutcome(events: $0, response: .noContent) }
    }

    // MARK: - Authentication

    func authenticate(_ parameters: [String: String]) -> WebhookError? {
        guard let secret = settings.signatureSecret else { return nil }
        guard let signature = parameters["sig"], !signature.isEmpty else {
            return .unauthorized("Vonage webhook without a signature (sig) while VONAGE_SIGNATURE_SECRET is set")
        }
        guard VonageSignature.isValid(signature, parameters: parameters, secret: secret, method: settings.signatureMethod) else {
            return .unauthorized("Vonage signature does not match (check VONAGE_SIGNATURE_SECRET and the signature method)")
        }
        guard let raw = parameters["timestamp"], let seconds = Int(raw) else {
            return .unauthorized("signed Vonage webhook without a unix timestamp")
        }
        let skew = abs(now().timeIntervalSince1970 - TimeInterval(seconds))
        if skew > settings.maximumClockSkew {
            return .unauthorized("Vonage webhook timestamp is \(Int(skew)) s away from our clock (replayed or clock wrong)")
        }
        return nil
    }

    // MARK: - Parameters

    static func parameters(of request: WebhookRequest) -> Result<[String: String], WebhookError> {
        let pairs: [(String, String)]
        switch request.method.uppercased() {
        case "GET":
            pairs = FormEncoding.decode(query(of: request.publicURL))
        case "POST":
            let contentType = (request.header("content-type") ?? "").lowercased()
            if contentType.hasPrefix("application/json") {
                guard !request.body.isEmpty else { return .failure(.malformed("empty request: no parameters")) }
                guard let object = flatJSON(request.body) else {
                    return .failure(.malformed("Vonage JSON webhook body is not a flat JSON object"))
                }
                pairs = object
            } else {
                pairs = FormEncoding.decode(String(decoding: request.body, as: UTF8.self))
            }
        default:
            return .failure(.malformed("Vonage webhooks are GET or POST, not \(request.method)"))
        }
        guard !pairs.isEmpty else { return .failure(.malformed("empty request: no parameters")) }
        var parameters: [String: String] = [:]
        for (name, value) in pairs where parameters[name] == nil { parameters[name] = value }
        return .success(parameters)
    }

    /// A JSON object whose values are strings (numbers and booleans are turned into their JSON text).
    static func flatJSON(_ body: [UInt8]) -> [(String, String)]? {
        (try? JSONDecoder().decode(FlatJSONObject.self, from: Data(body)))?.pairs
    }

    static func path(of url: String) -> String {
        var path = String(url.prefix { $0 != "?" && $0 != "#" })
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    static func query(of url: String) -> String {
        guard let mark = url.firstIndex(of: "?") else { return "" }
        return String(url[url.index(after: mark)...].prefix { $0 != "#" })
    }

    // MARK: - Events

    /// Inbound SMS: `msisdn` (sender, E.164 without +), `to` (our number), `messageId`, `text`, `type`.
    static func inbound(_ p: [String: String]) -> Result<[ProviderEvent], WebhookError> {
        guard let id = p["messageId"], !id.isEmpty else { return .failure(.malformed("Vonage inbound SMS without messageId")) }
        guard let msisdn = p["msisdn"], isDigits(msisdn, count: 7...15) else {
            return .failure(.malformed("Vonage inbound SMS without a valid sender number (msisdn)"))
        }
        guard let to = p["to"], !to.isEmpty else { return .failure(.malformed("Vonage inbound SMS without 'to'")) }
        if p["concat"]?.lowercased() == "true" {
            // Parts arrive as separate requests sharing concat-ref; joining them needs storage we do not have here.
            return .success([.ignored(reason: "multipart inbound reassembly not supported (Vonage concat part \(p["concat-part"] ?? "?") of \(p["concat-total"] ?? "?"))")])
        }
        if let type = p["type"]?.lowercased(), type != "text", type != "unicode" {
            return .success([.ignored(reason: "Vonage inbound message of type '\(type)' is not text")])
        }
        guard let text = p["text"] else { return .failure(.malformed("Vonage inbound SMS without text")) }
        let ourNumber = isDigits(to, count: 7...15) ? "+" + to : to
        return .success([.inboundSMS(providerID: id, from: PhoneNumber(e164: "+" + msisdn), to: ourNumber, body: text)])
    }

    /// Delivery receipt: `messageId`, `status`, `err-code` (9 = the recipient opted out).
    static func receipt(_ p: [String: String]) -> Result<[ProviderEvent], WebhookError> {
        guard let id = p["messageId"], !id.isEmpty else { return .failure(.malformed("Vonage delivery receipt without messageId")) }
        guard let word = p["status"], !word.isEmpty else { return .failure(.malformed("Vonage delivery receipt without status")) }
        guard let state = VonageStatuses.deliveryState(for: word) else {
            return .success([.ignored(reason: "unknown Vonage delivery status '\(word.prefix(40))'")])
        }
        let errorCode = VonageStatuses.errorCode(p["err-code"])
        let status = DeliveryStatus(state: state, providerStatus: word, errorCode: errorCode,
                                    optedOut: VonageStatuses.isOptOut(errorCode: errorCode, state: state))
        // Our message id, sent as client-ref with every SMS.
        let messageID = p["client-ref"].flatMap { Int64($0) }
        return .success([.receipt(providerID: id, status: status, messageID: messageID)])
    }

    static func isDigits(_ text: String, count: ClosedRange<Int>) -> Bool {
        count.contains(text.utf8.count) && text.utf8.allSatisfy { (48...57).contains($0) }
    }
}

/// A JSON object of scalars, decoded strictly (JSONDecoder keeps booleans and numbers apart, unlike NSNumber).
struct FlatJSONObject: Decodable {
    let pairs: [(String, String)]

    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var pairs: [(String, String)] = []
        for key in container.allKeys {
            if try container.decodeNil(forKey: key) { continue }
            if let text = try? container.decode(String.self, forKey: key) {
                pairs.append((key.stringValue, text))
            } else if let flag = try? container.decode(Bool.self, forKey: key) {
                pairs.append((key.stringValue, flag ? "true" : "false"))
            } else if let number = try? container.decode(Int64.self, forKey: key) {
                pairs.append((key.stringValue, String(number)))
            } else if let number = try? container.decode(Double.self, forKey: key) {
                pairs.append((key.stringValue, String(number)))
            } else {
                throw DecodingError.typeMismatch(String.self, .init(codingPath: [key], debugDescription: "not a scalar"))
            }
        }
        self.pairs = pairs
    }
}
