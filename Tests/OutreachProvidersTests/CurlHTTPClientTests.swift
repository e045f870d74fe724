import Foundation
import OutreachServer
import OutreachTesting
import Testing
@testable import OutreachProviders

/// Real loopback HTTP between `CurlHTTPClient` and `HTTPServer`.
@Suite("CurlHTTPClient over loopback")
struct CurlHTTPClientTests {
    /// Echoes the request: status from `?status=`, sleeps `?sleep_ms=`, body back, request facts in headers.
    static func echo(_ request: ServerRequest) -> ServerResponse {
        if let sleep = request.queryValue("sleep_ms").flatMap(Int.init) {
            usleep(UInt32(sleep) * 1000)
        }
        var headers: [ServerResponse.Header] = [
            .init("X-Method", request.method),
            .init("X-Path", request.path),
            .init("X-Query", request.query),
            .init("X-User-Agent", request.header("user-agent") ?? "-"),
            .init("X-Custom-Seen", request.header("x-custom") ?? "-"),
            .init("X-Content-Type", request.header("content-type") ?? "-"),
            .init("X-Content-Length", request.header("content-length") ?? "-"),
            .init("X-Expect", request.header("expect") ?? "-"),
            .init("X-Body-Bytes", String(request.body.count)),
        ]
        if let retry = request.queryValue("retry_after") {
            headers.append(.init("Retry-After", retry))
        }
        let status = request.queryValue("status").flatMap(Int.init) ?? 200
        return ServerResponse(status: status, headers: headers, body: request.body)
    }

    static func withServer<T>(maxBodyBytes: Int = 1 << 20,
                              _ body: (HTTPServer) async throws -> T) async throws -> T {
        let server = try HTTPServer(options: .init(maxBodyBytes: maxBodyBytes), handler: echo)
        defer { server.stop() }
        return try await body(server)
    }

    @Test func getRoundTripWithHeadersBothWays() async throws {
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 2)
            defer { client.close() }
            let response = try await client.send(HTTPRequest(
                url: server.baseURL + "/hooks/twilio/sms?a=1&b=x+y%2B", headers: ["X-Custom": "hello"]))
            #expect(response.status == 200)
            #expect(response.headers["x-method"] == "GET")
            #expect(response.headers["X-Path"] == "/hooks/twilio/sms")
            #expect(response.headers["X-Query"] == "a=1&b=x+y%2B")
            #expect(response.headers["X-User-Agent"] == "outreach/0.1")
            #expect(response.headers["X-Custom-Seen"] == "hello")
            #expect(response.headers["X-Expect"] == "-")
            #expect(response.headers["content-length"] == "0")
            #expect(response.body.isEmpty)
        }
    }

    struct Payload: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let bytes: [UInt8]
    }

    @Test("POST bodies arrive byte for byte", arguments: [
        Payload(testDescription: "Swedish", bytes: Array("Hej! Välkommen på fika på torsdag kl 14. Åsa".utf8)),
        Payload(testDescription: "Arabic", bytes: Array("مرحبا، نلتقي يوم الخميس".utf8)),
        Payload(testDescription: "binary", bytes: [0, 1, 2, 0, 255, 254, 13, 10]),
        Payload(testDescription: "300 kB", bytes: Array(repeating: 0x61, count: 300_000)),
    ])
    func postBody(payload: Payload) async throws {
        let body = payload.bytes
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 1)
            defer { client.close() }
            let response = try await client.send(HTTPRequest(
                method: .post, url: server.baseURL + "/echo",
                headers: ["Content-Type": "application/octet-stream"], body: body))
            #expect(response.status == 200)
            #expect(response.body == body)
            #expect(response.headers["X-Body-Bytes"] == String(body.count))
            #expect(response.headers["X-Content-Type"] == "application/octet-stream")
            #expect(response.headers["X-Expect"] == "-")
        }
    }

    @Test func emptyPostHasZeroLengthAndNoDefaultContentType() async throws {
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 1)
            defer { client.close() }
            let response = try await client.send(HTTPRequest(method: .post, url: server.baseURL + "/empty"))
            #expect(response.status == 200)
            #expect(response.headers["X-Method"] == "POST")
            #expect(response.headers["X-Content-Length"] == "0")
            #expect(response.headers["X-Content-Type"] == "-")
        }
    }

    @Test("Other methods", arguments: [HTTPMethod.put, .patch, .delete, .head])
    func otherMethods(method: HTTPMethod) async throws {
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 1)
            defer { client.close() }
            let body: [UInt8] = method == .put || method == .patch ? Array("x=1".utf8) : []
            let response = try await client.send(HTTPRequest(method: method, url: server.baseURL + "/m", body: body))
            #expect(response.status == 200)
            #expect(response.headers["X-Method"] == method.rawValue)
            #expect(response.body == (method == .head ? [] : body))
        }
    }

    @Test func formPostDecodesOnTheServer() async throws {
        let fields = [("To", "+46701234567"), ("Body", "Hej då & välkommen = مرحبا")]
        let received = Locked<[(name: String, value: String)]>([])
        let server = try HTTPServer { request in
            received.set(request.formFields)
            return .text("ok")
        }
        defer { server.stop() }
        let client = CurlHTTPClient(maxConcurrent: 1)
        defer { client.close() }
        let response = try await client.send(.form(url: server.baseURL + "/form", fields: fields))
        #expect(response.status == 200)
        #expect(response.bodyText == "ok")
        #expect(received.get().map(\.name) == fields.map(\.0))
        #expect(received.get().map(\.value) == fields.map(\.1))
    }

    @Test("Error statuses are responses, with Retry-After", arguments: [429, 503])
    func errorStatuses(status: Int) async throws {
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 1)
            defer { client.close() }
            let response = try await client.send(HTTPRequest(url: server.baseURL + "/x?status=\(status)&retry_after=12"))
            #expect(response.status == status)
            #expect(response.retryAfter(now: Date()) == 12)
        }
    }

    @Test("a total timeout after the request went out is noAnswer: the server may have acted on it")
    func totalTimeoutIsClassified() async throws {
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 1, totalTimeout: .milliseconds(200))
            defer { client.close() }
            let error = await Self.failure(of: HTTPRequest(url: server.baseURL + "/slow?sleep_ms=5000"), with: client)
            guard case .noAnswer(let detail) = error else { Issue.record("expected .noAnswer, got \(String(describing: error))"); return }
            #expect(detail.localizedCaseInsensitiveContains("timed out"))
            // Timed on a thread of its own: a test pool kept busy by other tests must not count as waiting.
            // Generous bound (shared, noisy machines): the point is that it did not wait for the 5 s answer.
            let options = CurlHTTPClient.Options(totalTimeoutMilliseconds: 200)
            let (result, seconds) = await withCheckedContinuation { continuation in
                Thread {
                    let started = Date()
                    let result = CurlEasyHandle(options: options)?.perform(HTTPRequest(url: server.baseURL + "/slow?sleep_ms=5000"))
                    continuation.resume(returning: (result, Date().timeIntervalSince(started)))
                }.start()
            }
            guard case .failure(.noAnswer) = result else { Issue.record("expected .noAnswer, got \(String(describing: result))"); return }
            #expect(seconds < 4.5)
        }
    }

    @Test("a connection closed after the request was read is noAnswer, and the request went out once")
    func droppedAfterTheRequestIsNoAnswer() async throws {
        let server = DroppingServer()
        let client = CurlHTTPClient(maxConcurrent: 1)
        defer { client.close(); server.stop() }
        let error = await Self.failure(of: .form(url: server.baseURL + "/send", fields: [("To", "+46701740605")]), with: client)
        guard case .noAnswer = error else { Issue.record("expected .noAnswer, got \(String(describing: error))"); return }
        #expect(server.requestsReceived == 1)
    }

    /// libcurl sends a request again on a fresh connection when a reused one closes without an answer, POSTs
    /// included. The server read the first: a second could be a second SMS to a senior.
    @Test("a POST whose answer never comes on a reused connection is not sent again")
    func postIsNotResentOnAFreshConnection() async throws {
        let server = DroppingServer(answering: 1)
        let client = CurlHTTPClient(maxConcurrent: 1)
        defer { client.close(); server.stop() }
        let first = try await client.send(.form(url: server.baseURL + "/send", fields: [("Body", "Hej")]))
        #expect(first.status == 200)
        let error = await Self.failure(of: .form(url: server.baseURL + "/send", fields: [("Body", "Hej igen")]), with: client)
        guard case .noAnswer = error else { Issue.record("expected .noAnswer, got \(String(describing: error))"); return }
        #expect(server.requestsReceived == 2)
    }

    @Test("a GET whose answer never comes on a reused connection is sent again on a fresh one (it changes nothing)")
    func getIsResentOnAFreshConnection() async throws {
        let server = DroppingServer(answering: 1)
        let client = CurlHTTPClient(maxConcurrent: 1)
        defer { client.close(); server.stop() }
        #expect(try await client.send(HTTPRequest(url: server.baseURL + "/status")).status == 200)
        // The second GET is dropped on the reused connection, sent again on a fresh one and answered there.
        #expect(try await client.send(HTTPRequest(url: server.baseURL + "/status")).status == 200)
        #expect(server.requestsReceived == 3)
    }

    /// The error `send` throws, or nil when it answers.
    static func failure(of request: HTTPRequest, with client: CurlHTTPClient) async -> HTTPClientError? {
        do throws(HTTPClientError) {
            _ = try await client.send(request)
            return nil
        } catch {
            return error
        }
    }

    @Test("a header with a line break or a bad name is refused before anything is sent (no header injection)")
    func badHeadersAreRefused() async throws {
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 1)
            defer { client.close() }
            for (name, value) in [("X-Note", "a\r\nX-Injected: 1"), ("X-Note", "a\nb"), ("X Note", "a"), ("X:Note", "a"), ("", "a")] {
                var request = HTTPRequest(url: server.baseURL + "/x")
                request.headers.add(name, value)
                await #expect(throws: HTTPClientError.self) { try await client.send(request) }
            }
            var fine = HTTPRequest(url: server.baseURL + "/x")
            fine.headers.add("X-Note", "Råslätt träffpunkt")
            let status = try await client.send(fine).status
            #expect(status == 200)
        }
    }

    @Test func refusedConnectionIsClassified() async throws {
        let url = ClosedPort.refusing() + "/"
        let client = CurlHTTPClient(maxConcurrent: 1)
        defer { client.close() }
        do throws(HTTPClientError) {
            _ = try await client.send(HTTPRequest(url: url))
            Issue.record("expected a connection failure")
        } catch {
            guard case .connectionFailed(let message) = error else {
                Issue.record("expected .connectionFailed, got \(error)")
                return
            }
            #expect(!message.isEmpty)
        }
    }

    @Test("Invalid URLs", arguments: ["ftp://example.com/file", "http://exa mple.com/", "", "file:///etc/passwd"])
    func invalidURL(url: String) async {
        let client = CurlHTTPClient(maxConcurrent: 1)
        defer { client.close() }
        await #expect(throws: HTTPClientError.invalidURL) {
            try await client.send(HTTPRequest(url: url))
        }
    }

    @Test func headerInjectionIsRefused() async {
        let client = CurlHTTPClient(maxConcurrent: 1)
        defer { client.close() }
        await #expect(throws: HTTPClientError.self) {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:9/", headers: ["X-A": "1\r\nX-B: 2"]))
        }
    }

    @Test func keepAliveReusesOneConnection() async throws {
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 1)
            defer { client.close() }
            for index in 0..<5 {
                let response = try await client.send(HTTPRequest(method: .post, url: server.baseURL + "/k",
                                                                 body: Array("\(index)".utf8)))
                #expect(response.status == 200)
            }
            #expect(server.connectionsAccepted == 1)
        }
    }

    @Test func fiftyConcurrentRequestsAllAnswered() async throws {
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 8)
            defer { client.close() }
            let bodies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let response = try await client.send(HTTPRequest(
                            method: .post, url: server.baseURL + "/c?sleep_ms=10", body: Array("request \(index)".utf8)))
                        return (index, response.bodyText)
                    }
                }
                var results: [Int: String] = [:]
                for try await (index, body) in group { results[index] = body }
                return results
            }
            #expect(bodies.count == 50)
            #expect((0..<50).allSatisfy { bodies[$0] == "request \($0)" })
            #expect(server.connectionsAccepted <= 8)
        }
    }

    @Test func oversizedBodyGets413() async throws {
        try await Self.withServer(maxBodyBytes: 1 << 20) { server in
            let client = CurlHTTPClient(maxConcurrent: 1)
            defer { client.close() }
            let big = try await client.send(HTTPRequest(method: .post, url: server.baseURL + "/big",
                                                        body: Array(repeating: 7, count: (1 << 20) + 1)))
            #expect(big.status == 413)
            let fits = try await client.send(HTTPRequest(method: .post, url: server.baseURL + "/big",
                                                         body: Array(repeating: 7, count: 1 << 20)))
            #expect(fits.status == 200)
            #expect(fits.body.count == 1 << 20)
        }
    }

    @Test func closedClientRefusesWork() async {
        let client = CurlHTTPClient(maxConcurrent: 2)
        client.close()
        client.close()
        await #expect(throws: HTTPClientError.other(code: -1, message: "the HTTP client is closed")) {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:9/"))
        }
    }

    @Test func responseBodyLimit() async throws {
        try await Self.withServer { server in
            let client = CurlHTTPClient(maxConcurrent: 1, options: .init(maxResponseBytes: 100))
            defer { client.close() }
            do throws(HTTPClientError) {
                _ = try await client.send(HTTPRequest(method: .post, url: server.baseURL + "/",
                                                      body: Array(repeating: 1, count: 1000)))
                Issue.record("expected the response to be refused")
            } catch {
                // The server had the request and answered: a send it may have acted on is never repeated blindly.
                guard case .noAnswer(let message) = error else {
                    Issue.record("expected .noAnswer, got \(error)")
                    return
                }
                #expect(message.contains("larger than 100 bytes"))
                #expect(SendClassification.transportFailure(error, method: .post) == .unconfirmed(reason: error.description))
            }
        }
    }
}

/// A lock-protected value for handlers running on server threads.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}
