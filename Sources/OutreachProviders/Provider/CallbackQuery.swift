/// Parameters added to a callback URL we hand a provider: the provider calls it back as given, so what we add
/// (our message id, a secret) comes back with the webhook.
public enum CallbackQuery {
    /// `url` with `name=value` added to its query, before any fragment. `value` must already be URL-safe.
    /// Works on UTF-8 bytes: every SMS sent builds one of these, and Character-wise search is far slower.
    public static func appending(_ name: String, _ value: String, to url: String) -> String {
        // Scanned through a buffer pointer: UTF8View's generic iteration cost about 30 instructions a byte here
        // (callgrind, 3k per SMS).
        var url = url
        let (hash, separator) = url.withUTF8 { bytes -> (Int, String) in
            let hash = bytes.firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
            let base = UnsafeBufferPointer(rebasing: bytes[..<hash])
            guard base.contains(UInt8(ascii: "?")) else { return (hash, "?") }
            return (hash, base.last == UInt8(ascii: "?") || base.last == UInt8(ascii: "&") ? "" : "&")
        }
        let cut = url.utf8.index(url.utf8.startIndex, offsetBy: hash)
        // One buffer, sized first.
        var result = ""
        result.reserveCapacity(url.utf8.count + separator.utf8.count + name.utf8.count + 1 + value.utf8.count)
        result += url[..<cut]
        result += separator
        result += name
        result += "="
        result += value
        result += url[cut...]
        return result
    }

    /// The SMS status callback for one message: receipts then name the message by our key (`message_id`), so the
    /// outbox needs no index on the provider's ids.
    public static func status(_ url: String, messageID: Int64) -> String {
        appending("message_id", String(messageID), to: url)
    }
}
