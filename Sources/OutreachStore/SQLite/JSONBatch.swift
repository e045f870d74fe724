/// A batch of ids, or of texts by id, as one JSON text for SQLite's `json_each`: one statement and one bound value
/// for a batch of any size, e.g. `UPDATE messages SET … FROM json_each(?) AS v WHERE messages.id = v.value`.
/// A `VALUES` list does the same, but SQLite copies it into a temporary table on every run, and it needs one
/// statement per list length.
/// Built as bytes and made a `String` once: this runs for every message sent.
public enum JSONBatch {
    /// `[1,2,3]`: read with `v.value`.
    public static func ids(_ ids: some Sequence<Int64>) -> String {
        var json: [UInt8] = [UInt8(ascii: "[")]
        json.reserveCapacity(2 + 12 * ids.underestimatedCount)
        for id in ids {
            if json.count > 1 { json.append(UInt8(ascii: ",")) }
            json.append(contentsOf: String(id).utf8)
        }
        json.append(UInt8(ascii: "]"))
        return String(decoding: json, as: UTF8.self)
    }

    /// `["a","b"]`: read with `v.value`.
    public static func strings(_ texts: some Sequence<String>) -> String {
        var json: [UInt8] = [UInt8(ascii: "[")]
        for text in texts {
            if json.count > 1 { json.append(UInt8(ascii: ",")) }
            appendString(text, to: &json)
        }
        json.append(UInt8(ascii: "]"))
        return String(decoding: json, as: UTF8.self)
    }

    /// `{"1":"a","2":"b"}`: read with `CAST(v.key AS INTEGER)` and `v.value`.
    public static func texts(byID pairs: some Sequence<(id: Int64, text: String)>) -> String {
        var json: [UInt8] = [UInt8(ascii: "{")]
        json.reserveCapacity(2 + 52 * pairs.underestimatedCount)
        for (id, text) in pairs {
            if json.count > 1 { json.append(UInt8(ascii: ",")) }
            json.append(quote)
            json.append(contentsOf: String(id).utf8)
            json.append(quote)
            json.append(UInt8(ascii: ":"))
            appendString(text, to: &json)
        }
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// `text` as a JSON string: quotes, backslashes and control characters escaped, every other byte as it is.
    static func appendString(_ text: String, to json: inout [UInt8]) {
        json.append(quote)
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == quote || byte == backslash else { continue }
                json.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                appendEscape(byte, to: &json)
                start = index + 1
            }
            json.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        json.append(quote)
    }

    private static func appendEscape(_ byte: UInt8, to json: inout [UInt8]) {
        json.append(backslash)
        switch byte {
        case quote, backslash: json.append(byte)
        case UInt8(ascii: "\n"): json.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): json.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): json.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            json.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }
}
