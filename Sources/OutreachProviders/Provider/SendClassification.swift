import Foundation

/// The one place where transport errors and HTTP statuses become retry decisions, for every adapter
/// (courier's rule, but for answers lost after sending): transport error → transient, 408, 429 and 503 → transient
/// honouring Retry-After, no answer to a POST that went out → unconfirmed, another 5xx to a POST → unconfirmed
/// (the server had the request and may have acted on it: no provider documents an idempotency key, reference 1.3),
/// other non-2xx → left to the adapter, which reads the provider's error body.
public enum SendClassification {
    /// A failed POST or PATCH that went out may have been acted on (`.unconfirmed`); anything else is
    /// worth another try (a connection that never carried the request, or a read, which changes nothing).
    public static func transportFailure(_ error: HTTPClientError, method: HTTPMethod) -> SendFailure {
        if case .noAnswer = error, method == .post || method == .patch {
            return .unconfirmed(reason: error.description)
        }
        return .transient(reason: error.description, retryAfter: nil)
    }

    /// A failure for throttling and server errors, or nil when the adapter must look at the body. A 5xx other than 503
    /// ("unavailable": turned away before any work) to a POST or PATCH may have been acted on: unconfirmed, settled from
    /// the provider's records, never re-sent blindly.
    public static func statusFailure(_ response: HTTPResponse, method: HTTPMethod, now: Date) -> SendFailure? {
        switch response.status {
        case 429:
            return .transient(reason: "throttled by the provider (HTTP 429)", retryAfter: response.retryAfter(now: now))
        case 408:
            // The server gave up waiting for the request: it never acted on it.
            return .transient(reason: "the provider timed out reading the request (HTTP 408)", retryAfter: response.retryAfter(now: now))
        case 500...599 where response.status != 503 && (method == .post || method == .patch):
            return .unconfirmed(reason: "provider server error (HTTP \(response.status)) after it had the request")
        case 500...599:
            return .transient(reason: "provider server error (HTTP \(response.status))", retryAfter: response.retryAfter(now: now))
        default:
            return nil
        }
    }

    /// Sends `request` and classifies everything but a response the adapter must parse.
    /// Returns the response for 2xx and for non-2xx statuses that are neither 429 nor 5xx.
    public static func send(_ request: HTTPRequest, with client: any HTTPClient, now: @Sendable () -> Date) async -> Result<HTTPResponse, SendFailure> {
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch {
            return .failure(transportFailure(error, method: request.method))
        }
        if let failure = statusFailure(response, method: request.method, now: now()) { return .failure(failure) }
        return .success(response)
    }
}
