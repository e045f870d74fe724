/// A transport failure, classified so callers can decide about retries.
/// Messages name the problem and the host at most: never a full URL or a body.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connect or total timeout passed before any of the request went out.
    case timedOut
    /// No connection (refused, DNS failure), or it broke before any of the request went out.
    case connectionFailed(String)
    /// The request (or part of it) went out, but no whole answer came back: the connection broke, the server
    /// closed it, or the total timeout passed. The server may have acted on it, so sending it again could do
    /// the same thing twice (for a provider: a second SMS to the same senior).
    case noAnswer(String)
    /// TLS handshake or certificate verification failed.
    case tls(String)
    /// The URL could not be parsed or uses a scheme other than http/https.
    case invalidURL
    /// Anything else, with libcurl's code (or -1 for our own failures) and message.
    case other(code: Int, message: String)

    public var description: String {
        switch self {
        case .timedOut: "the request timed out"
        case .connectionFailed(let detail): "could not connect or the connection broke: \(detail)"
        case .noAnswer(let detail): "the request went out but no answer came back: \(detail)"
        case .tls(let detail): "secure connection (TLS) failed: \(detail)"
        case .invalidURL: "the URL is not a valid http or https URL"
        case .other(let code, let message): "HTTP transfer failed (code \(code)): \(message)"
        }
    }
}
