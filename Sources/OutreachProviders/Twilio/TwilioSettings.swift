/// Where and as whom the Twilio adapter talks to Twilio.
///
/// Requests authenticate with an API key (`SK…` + secret) when one is configured, else with the Account SID
/// and Auth Token. Webhook signatures are always checked with the Auth Token: Twilio signs with the
/// account's primary Auth Token whatever credential sent the message.
public struct TwilioSettings: Sendable, CustomStringConvertible {
    public static let defaultBaseURL = "https://api.twilio.com"

    /// Scheme and host, no trailing slash ("https://api.twilio.com", or a loopback fake in tests).
    public let baseURL: String
    public let accountSID: String
    public let authToken: String
    public let apiKey: String?
    public let apiSecret: String?
    /// The default sender: an E.164 number, an alphanumeric sender id or a Messaging Service SID (`MG…`).
    public let from: String

    public init(baseURL: String = TwilioSettings.defaultBaseURL, accountSID: String, authToken: String,
                apiKey: String? = nil, apiSecret: String? = nil, from: String) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.accountSID = accountSID
        self.authToken = authToken
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.from = from
    }

    /// Reads TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and the optional pair TWILIO_API_KEY / TWILIO_API_SECRET.
    public static func from(secrets: ProviderSecrets, baseURL: String?, from: String) throws(ProviderConfigError) -> TwilioSettings {
        let accountSID = try secrets.required("TWILIO_ACCOUNT_SID", for: "Twilio")
        guard accountSID.hasPrefix("AC") else {
            throw ProviderConfigError("TWILIO_ACCOUNT_SID must be the Account SID that starts with AC (an API key SK… goes in TWILIO_API_KEY)")
        }
        let authToken = try secrets.required("TWILIO_AUTH_TOKEN", for: "Twilio")
        let apiKey = secrets["TWILIO_API_KEY"]
        let apiSecret = secrets["TWILIO_API_SECRET"]
        switch (apiKey, apiSecret) {
        case (nil, nil), (.some, .some): break
        case (.some, nil): throw ProviderConfigError("Twilio: TWILIO_API_KEY is set but TWILIO_API_SECRET is missing; set both or neither")
        case (nil, .some): throw ProviderConfigError("Twilio: TWILIO_API_SECRET is set but TWILIO_API_KEY is missing; set both or neither")
        }
        let base = baseURL ?? defaultBaseURL
        guard base.hasPrefix("https://") || base.hasPrefix("http://") else {
            throw ProviderConfigError("Twilio base URL '\(base)' must start with https:// (or http:// for a local fake)")
        }
        guard !from.isEmpty else {
            throw ProviderConfigError("Twilio needs a sender: a phone number, an alphanumeric sender id or a Messaging Service SID (MG…)")
        }
        return TwilioSettings(baseURL: base, accountSID: accountSID, authToken: authToken,
                              apiKey: apiKey, apiSecret: apiSecret, from: from)
    }

    /// The Basic-auth pair for REST requests.
    public var credentials: (user: String, password: String) {
        if let apiKey, let apiSecret { return (apiKey, apiSecret) }
        return (accountSID, authToken)
    }

    /// "{base}/2010-04-01/Accounts/{AccountSid}".
    var accountURL: String { "\(baseURL)/2010-04-01/Accounts/\(FormEncoding.percentEncode(accountSID))" }

    /// Names the account and the kind of credential, never a secret.
    public var description: String {
        let auth = apiKey.map { "API key \($0)" } ?? "account Auth Token"
        return "TwilioSettings(baseURL: \(baseURL), account: \(accountSID), auth: \(auth), from: \(from))"
    }
}
