import Foundation

public enum HTTPMethod: String, Sendable, Equatable, CaseIterable {
    case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE", head = "HEAD"
}

/// An outgoing HTTP request. The body is raw bytes; nothing here is ever logged except `redactedDescription`.
public struct HTTPRequest: Sendable, Equatable {
    public var method: HTTPMethod
    /// Absolute http(s) URL including any query string.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod = .get, url: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A POST with an `application/x-www-form-urlencoded` body (strict encoding, see `FormEncoding`).
    public static func form(url: String, fields: [(String, String)], headers: HTTPHeaders = [:]) -> HTTPRequest {
        var request = HTTPRequest(method: .post, url: url, headers: headers,
                                  body: FormEncoding.encodedBytes(fields))
        request.headers.set("Content-Type", "application/x-www-form-urlencoded")
        return request
    }

    /// This request with an `Authorization: Basic …` header for `user:password`.
    public func basicAuth(user: String, password: String) -> HTTPRequest {
        var copy = self
        copy.headers.set("Authorization", Self.basicAuthorization(user: user, password: password))
        return copy
    }

    /// The `Authorization` header value for HTTP Basic authentication.
    public static func basicAuthorization(user: String, password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// Method, scheme, host and path only: no query, no credentials, no body. Safe for logs.
    public var redactedDescription: String {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
              let host = components.host else {
            return "\(method.rawValue) <unparseable URL>"
        }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(method.rawValue) \(scheme)://\(host)\(port)\(components.percentEncodedPath)"
    }
}
