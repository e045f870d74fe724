/// Sends one HTTP request. Any status code is a response; only transport failures throw.
public protocol HTTPClient: Sendable {
    func send(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse
}
