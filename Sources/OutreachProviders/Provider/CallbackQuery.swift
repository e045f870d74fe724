/// Parameters added to a callback URL we hand a provider: the provider calls it back as given, so what we add
/// (our message id, a secret) comes back with the webhook.
public enum CallbackQuery {
    /// `url` with `name=value` added to its query, before any fragment. `value` must already be URL-safe.
    /// Works on UTF-8 bytes: every SMS sent builds one of these, and Character-wise search is far slower.
    public static func appending(_ name: String, _ value: String, to url: String) -> String {
        let bytes = url.utf8
        let hash = bytes.firstIndex(of: UInt8(ascii: "#")) ?? bytes.endIndex
        let base = url[..<hash]
        let separator: String
        if !base.utf8.contains(UInt8(ascii: "?")) {
            separator = "?"
        } else if let last = base.utf8.last, last == UInt8(ascii: "?") || last == UInt8(ascii: "&") {
            separator = ""
        } else {
            separator = "&"
        }
        // One buffer, sized first: every SMS sent builds one of these.
        var result = ""
        result.reserveCapacity(url.utf8.count + separator.utf8.count + name.utf8.count + 1 + value.utf8.count)
        result += base
        result += separator
        result += name
        result += "="
        result += value
        result += url[hash...]
        return result
    }

    /// The SMS status callback for one message: receipts then name the message by our key (`message_id`), so the
    /// outbox needs no index on the provider's ids.
    public static func status(_ url: String, messageID: Int64) -> String {
        appending("message_id", String(messageID), to: url)
    }
}
