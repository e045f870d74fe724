/// A batch of ids, or of texts by id, as one JSON text for SQLite's `json_each`: one statement and one bound value
/// for a batch of any size, e.g. `UPDATE messages SET … FROM json_each(?) AS v WHERE messages.id = v.value`.
/// A `VALUES` list does the same but SQLite copies it into a temporary table on every run, and needs one statement
/// per list length (callgrind: a claim and its result cost 35.6k SQLite instructions per message this way, 39–43k
/// with VALUES lists of 16).
public enum JSONBatch {
    /// `[1,2,3]`: read with `v.value`.
    public static func ids(_ ids: some Sequence<Int64>) -> String {
        var json = "["
        for id in ids {
            if json.utf8.count > 1 { json += "," }
            json += String(id)
        }
        return json + "]"
    }

    /// `{"1":"a","2":"b"}`: read with `CAST(v.key AS INTEGER)` and `v.value`.
    public static func texts(byID pairs: some Sequence<(id: Int64, text: String)>) -> String {
        var json = "{"
        for (id, text) in pairs {
            if json.utf8.count > 1 { json += "," }
            json += "\"\(id)\":"
            appendString(text, to: &json)
        }
        return json + "}"
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped, everything else as it is.
    static func appendString(_ text: String, to json: inout String) {
        json += "\""
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            json += text
            return json += "\""
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}
