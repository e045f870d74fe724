import Dispatch
import Foundation

/// An `HTTPClient` over libcurl: `maxConcurrent` worker threads, each owning one reused easy handle,
/// so every worker keeps its connections alive between requests.
///
/// TLS verification is on with the system CA bundle. libcurl reads the proxy from the usual lower-case
/// environment variables (`http_proxy`, `https_proxy`, `no_proxy`, `all_proxy`; upper-case `HTTPS_PROXY`
/// and `ALL_PROXY` too, but never `HTTP_PROXY`). Redirects are not followed.
/// Cancelling the calling task does not stop a transfer; the total timeout bounds it.
public final class CurlHTTPClient: HTTPClient {
    /// Transfer settings shared by all workers.
    public struct Options: Sendable, Equatable {
        public var connectTimeoutMilliseconds: Int
        public var totalTimeoutMilliseconds: Int
        public var userAgent: String
        /// Responses with larger bodies fail with `.other` instead of filling memory.
        public var maxResponseBytes: Int

        public init(connectTimeoutMilliseconds: Int = 10_000, totalTimeoutMilliseconds: Int = 30_000,
                    userAgent: String = CurlHTTPClient.defaultUserAgent, maxResponseBytes: Int = 8 << 20) {
            self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
            self.totalTimeoutMilliseconds = totalTimeoutMilliseconds
            self.userAgent = userAgent
            self.maxResponseBytes = maxResponseBytes
        }
    }

    public static let defaultUserAgent = "outreach/0.1"

    public let options: Options
    public let maxConcurrent: Int
    private let queue = CurlJobQueue()
    private let workersRunning = DispatchGroup()

    /// Starts `maxConcurrent` worker threads (at least one).
    /// Timeouts are whole milliseconds; `Duration` values below a millisecond round up to 1 ms.
    public convenience init(maxConcurrent: Int = 8, connectTimeout: Duration = .seconds(10),
                            totalTimeout: Duration = .seconds(30), userAgent: String = CurlHTTPClient.defaultUserAgent) {
        self.init(maxConcurrent: maxConcurrent,
                  options: Options(connectTimeoutMilliseconds: Self.milliseconds(connectTimeout),
                                   totalTimeoutMilliseconds: Self.milliseconds(totalTimeout),
                                   userAgent: userAgent))
    }

    public init(maxConcurrent: Int, options: Options) {
        self.options = options
        self.maxConcurrent = max(1, maxConcurrent)
        for index in 0..<self.maxConcurrent {
            startWorker(index: index)
        }
    }

    deinit {
        close()
    }

    public func send(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>) in
            let job = CurlJobQueue.Job(request: request) { continuation.resume(returning: $0) }
            if !queue.submit(job) {
                continuation.resume(returning: .failure(Self.closedError))
            }
        }
        return try result.get()
    }

    /// Fails requests that have not started, waits for running transfers to finish, and joins the workers.
    /// Idempotent; later `send` calls fail. Blocks the calling thread for up to one total timeout.
    public func close() {
        for job in queue.close() {
            job.complete(.failure(Self.closedError))
        }
        workersRunning.wait()
    }

    private static let closedError = HTTPClientError.other(code: -1, message: "the HTTP client is closed")

    private func startWorker(index: Int) {
        let queue = self.queue
        let options = self.options
        let group = workersRunning
        group.enter()
        let thread = Thread {
            defer { group.leave() }
            let handle = CurlEasyHandle(options: options)
            while let job = queue.next() {
                guard let handle else {
                    job.complete(.failure(.other(code: -1, message: "libcurl could not be initialised")))
                    continue
                }
                job.complete(handle.perform(job.request))
            }
        }
        thread.name = "outreach-http-\(index)"
        thread.start()
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(max(1, millis))
    }
}
