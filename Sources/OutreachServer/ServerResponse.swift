/// What a handler answers. Content-Length is added by the server.
public struct ServerResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [Header]
    public var body: [UInt8]

    public struct Header: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(status: Int, headers: [Header] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A text response (`text/plain; charset=utf-8` unless another content type is given).
    public static func text(_ text: String, status: Int = 200,
                            contentType: String = "text/plain; charset=utf-8") -> ServerResponse {
        ServerResponse(status: status, headers: [Header("Content-Type", contentType)], body: Array(text.utf8))
    }

    public static func empty(status: Int) -> ServerResponse { ServerResponse(status: status) }

    public static let notFound = ServerResponse.text("not found", status: 404)
    public static let payloadTooLarge = ServerResponse.text("request body too large", status: 413)
}
