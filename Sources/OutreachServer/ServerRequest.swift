/// One HTTP request as the server received it, body complete.
public struct ServerRequest: Sendable {
    public let method: String
    /// The raw request target as sent: path plus `?query` if any, still percent-encoded.
    public let target: String
    /// The path part of `target`, still percent-encoded (signatures cover the exact bytes).
    public let path: String
    /// The raw query string without `?`; empty when there is none.
    public let query: String
    /// Header names in lower case; repeated headers joined with ", ".
    public let headers: [String: String]
    public let body: [UInt8]

    public init(method: String, target: String, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.target = target
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
            query = ""
        }
        var lowered: [String: String] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            lowered[key] = lowered[key].map { $0 + ", " + value } ?? value
        }
        self.headers = lowered
        self.body = body
    }

    /// The query decoded into name/value pairs, in order (`+` means space).
    public var queryItems: [(name: String, value: String)] { URLFormDecoding.decode(query) }

    /// The first query value for `name`.
    public func queryValue(_ name: String) -> String? { queryItems.first { $0.name == name }?.value }

    /// A header value, name in any case.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body decoded as `application/x-www-form-urlencoded`.
    public var formFields: [(name: String, value: String)] { URLFormDecoding.decode(bodyText) }
}

/// Decoding of `a=1&b=x+y%2B` strings (query strings and form bodies).
enum URLFormDecoding {
    static func decode(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&").map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return (percentDecode(pair), "") }
            return (percentDecode(pair[..<equals]), percentDecode(pair[pair.index(after: equals)...]))
        }
    }

    static func percentDecode(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
