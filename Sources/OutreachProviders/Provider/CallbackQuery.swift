/// Parameters added to a callback URL we hand a provider: the provider calls it back as given, so what we add
/// (our message id, a secret) comes back with the webhook.
public enum CallbackQuery {
    /// `url` with `name=value` added to its query, before any fragment. `value` must already be URL-safe.
    public static func appending(_ name: String, _ value: String, to url: String) -> String {
        var base = url
        var fragment = ""
        if let hash = base.firstIndex(of: "#") {
            fragment = String(base[hash...])
            base = String(base[..<hash])
        }
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + name + "=" + value + fragment
    }

    /// The SMS status callback for one message: receipts then name the message by our key (`message_id`), so the
    /// outbox needs no index on the provider's ids.
    public static func status(_ url: String, messageID: Int64) -> String {
        appending("message_id", String(messageID), to: url)
    }
}
