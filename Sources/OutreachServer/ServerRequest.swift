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
    public var queryItems: [(name: String, value: String)] { PercentDecoding.pairs(query) }

    /// The first query value for `name`.
    public func queryValue(_ name: String) -> String? { queryItems.first { $0.name == name }?.value }

    /// A header value, name in any case.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body decoded as `application/x-www-form-urlencoded`.
    public var formFields: [(name: String, value: String)] { PercentDecoding.pairs(bodyText) }
}
