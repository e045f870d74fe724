import Foundation

/// Settings of the 46elks adapter. Credentials come from `ProviderSecrets`; `description` never shows them.
public struct ElksSettings: Sendable, Equatable, CustomStringConvertible {
    public static let defaultBaseURL = "https://api.46elks.com"

    /// Without the `/a1` suffix and without a trailing slash, e.g. "https://api.46elks.com" or a loopback fake.
    public var baseURL: String
    /// API username ("u…") and password from the 46elks dashboard: HTTP Basic on every API call.
    public var username: String
    public var password: String
    /// 46elks signs nothing: this secret travels as `secret=` in every callback URL we hand out,
    /// and `handleWebhook` accepts only requests that bring it back.
    public var callbackSecret: String
    /// Default sender (E.164 number or a 3–11 character text id) when a message gives none.
    public var from: String
    /// `dryrun=yes`: 46elks checks the request and estimates the price but sends nothing.
    public var dryRun: Bool
    /// Seconds a call rings before 46elks gives up (the `timeout` field of /a1/calls).
    public var callRingSeconds: Int

    public init(baseURL: String = ElksSettings.defaultBaseURL, username: String, password: String,
                callbackSecret: String, from: String, dryRun: Bool = false, callRingSeconds: Int = 30) {
        self.baseURL = Self.trimmedBase(baseURL)
        self.username = username
        self.password = password
        self.callbackSecret = callbackSecret
        self.from = from
        self.dryRun = dryRun
        self.callRingSeconds = callRingSeconds
    }

    /// Reads ELKS_API_USERNAME, ELKS_API_PASSWORD and ELKS_CALLBACK_SECRET (all required).
    public static func from(secrets: ProviderSecrets, baseURL: String?, from: String,
                            dryRun: Bool = false) throws(ProviderConfigError) -> ElksSettings {
        let username = try secrets.required("ELKS_API_USERNAME", for: "46elks")
        let password = try secrets.required("ELKS_API_PASSWORD", for: "46elks")
        let secret = try secrets.required("ELKS_CALLBACK_SECRET", for: "46elks")
        guard secret.utf8.count >= 16 else {
            throw ProviderConfigError("46elks needs ELKS_CALLBACK_SECRET to be at least 16 characters: it is the only proof that a callback comes from 46elks")
        }
        let trimmedFrom = from.trimmingCharacters(in: .whitespaces)
        guard !trimmedFrom.isEmpty else {
            throw ProviderConfigError("46elks needs a sender ('from'): a 46elks number in E.164 or a text id of 3-11 letters and digits")
        }
        return ElksSettings(baseURL: baseURL ?? defaultBaseURL, username: username, password: password,
                            callbackSecret: secret, from: trimmedFrom, dryRun: dryRun)
    }

    public var description: String {
        "ElksSettings(baseURL: \(baseURL), from: \(from), dryRun: \(dryRun), credentials: set, callback secret: set)"
    }

    static func trimmedBase(_ url: String) -> String {
        var base = url.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        if base.lowercased().hasSuffix("/a1") { base.removeLast(3) }
        return base
    }
}
