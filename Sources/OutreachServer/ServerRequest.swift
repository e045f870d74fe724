import OutreachCore

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
        self.init(method: method, target: target, lowerCasedHeaders: Self.lowerCased(headers), body: body)
    }

    /// For the server, whose headers arrive with their names already lower-cased and repeats joined.
    init(method: String, target: String, lowerCasedHeaders headers: [String: String], body: [UInt8]) {
        self.method = method
        self.target = target
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(target[..<mark])
            query = String(target[target.utf8.index(after: mark)...])
        } else {
            path = target
            query = ""
        }
        self.headers = headers
        self.body = body
    }

    /// Header names lower-cased, values of names that differ only in case joined with ", ".
    static func lowerCased<Pairs: Sequence<(key: String, value: String)>>(_ headers: Pairs) -> [String: String] {
        var lowered: [String: String] = [:]
        for (name, value) in headers {
            let key = asciiLowerCased(name)
            lowered[key] = lowered[key].map { $0 + ", " + value } ?? value
        }
        return lowered
    }

    /// Field names are ASCII tokens: lower-cased byte by byte, and not copied when already lower case
    /// (this runs for every header of every webhook).
    static func asciiLowerCased(_ name: String) -> String {
        guard name.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return name }
        return String(decoding: name.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// The query decoded into name/value pairs, in order (`+` means space).
    public var queryItems: [(name: String, value: String)] { PercentDecoding.pairs(query) }

    /// The first query value for `name`.
    public func queryValue(_ name: String) -> String? { queryItems.first { $0.name == name }?.value }

    /// A header value, name in any case.
    public func header(_ name: String) -> String? { headers[Self.asciiLowerCased(name)] }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body decoded as `application/x-www-form-urlencoded`.
    public var formFields: [(name: String, value: String)] { PercentDecoding.pairs(bodyText) }
}
