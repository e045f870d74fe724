import Foundation

/// How Vonage signs webhooks (dashboard → API settings → "Signature method").
/// The signing string is the same for all: `&k1=v1&k2=v2…` sorted by key (see `VonageSignature`).
public enum VonageSignatureMethod: String, Sendable, Equatable, CaseIterable {
    /// `md5(string + secret)`: the dashboard's default ("MD5 hash").
    case md5Hash = "md5hash"
    case hmacMD5 = "md5"
    case hmacSHA1 = "sha1"
    case hmacSHA256 = "sha256"
    case hmacSHA512 = "sha512"
}

/// Where and as whom to call Vonage's SMS API, and how to check its webhooks.
public struct VonageSettings: Sendable, Equatable, CustomStringConvertible {
    public static let defaultBaseURL = "https://rest.nexmo.com"
    /// The Reports API, searched for messages a stop left in doubt (see `VonageProvider.findSent`).
    public static let defaultReportsBaseURL = "https://api.nexmo.com"
    /// Signed webhooks older or newer than this (seconds, against our clock) are replays or forgeries.
    public static let defaultMaximumClockSkew: TimeInterval = 300

    /// "https://rest.nexmo.com", or a loopback fake in tests. No trailing slash.
    public let baseURL: String
    /// "https://api.nexmo.com", or the same loopback fake. No trailing slash.
    public let reportsBaseURL: String
    public let apiKey: String
    public let apiSecret: String
    /// When set, every webhook must carry a valid `sig` and a fresh `timestamp`. When nil, webhooks are
    /// accepted unsigned: anyone who knows the URL can forge receipts and replies (configure it in production).
    public let signatureSecret: String?
    public let signatureMethod: VonageSignatureMethod
    public let maximumClockSkew: TimeInterval
    /// Default sender: an E.164 number (sent without "+") or an alphanumeric sender id (≤ 11 characters).
    public let from: String

    /// `reportsBaseURL` defaults to `baseURL` when that is not Vonage's own (a fake serves both), else to
    /// `defaultReportsBaseURL`.
    public init(baseURL: String = VonageSettings.defaultBaseURL, reportsBaseURL: String? = nil, apiKey: String, apiSecret: String,
                signatureSecret: String? = nil, signatureMethod: VonageSignatureMethod = .hmacSHA256,
                maximumClockSkew: TimeInterval = VonageSettings.defaultMaximumClockSkew, from: String) {
        func trimmed(_ url: String) -> String {
            var url = url
            while url.hasSuffix("/") { url.removeLast() }
            return url
        }
        let base = trimmed(baseURL)
        self.baseURL = base
        self.reportsBaseURL = trimmed(reportsBaseURL ?? (base == Self.defaultBaseURL ? Self.defaultReportsBaseURL : base))
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.signatureSecret = signatureSecret.flatMap { $0.isEmpty ? nil : $0 }
        self.signatureMethod = signatureMethod
        self.maximumClockSkew = maximumClockSkew
        self.from = from
    }

    /// Reads VONAGE_API_KEY and VONAGE_API_SECRET (required), VONAGE_SIGNATURE_SECRET (optional, strongly
    /// advised) and VONAGE_SIGNATURE_METHOD (optional: md5hash, md5, sha1, sha256 (default), sha512).
    public static func from(secrets: ProviderSecrets, baseURL: String?, from: String) throws(ProviderConfigError) -> VonageSettings {
        let apiKey = try secrets.required("VONAGE_API_KEY", for: "vonage")
        let apiSecret = try secrets.required("VONAGE_API_SECRET", for: "vonage")
        var method = VonageSignatureMethod.hmacSHA256
        if let raw = secrets["VONAGE_SIGNATURE_METHOD"] {
            guard let parsed = VonageSignatureMethod(rawValue: raw.lowercased()) else {
                let known = VonageSignatureMethod.allCases.map(\.rawValue).joined(separator: ", ")
                throw ProviderConfigError("vonage: VONAGE_SIGNATURE_METHOD '\(raw)' is not one of \(known)")
            }
            method = parsed
        }
        guard !from.isEmpty else { throw ProviderConfigError("vonage needs a sender ('from'): a phone number or a sender name") }
        return VonageSettings(baseURL: baseURL ?? defaultBaseURL, apiKey: apiKey, apiSecret: apiSecret,
                              signatureSecret: secrets["VONAGE_SIGNATURE_SECRET"], signatureMethod: method, from: from)
    }

    /// Never prints the key, the secret or the signature secret.
    public var description: String {
        let signing = signatureSecret == nil ? "unsigned webhooks accepted" : "signed webhooks (\(signatureMethod.rawValue))"
        return "VonageSettings(baseURL: \(baseURL), reportsBaseURL: \(reportsBaseURL), from: \(from), \(signing))"
    }
}
