import Foundation
import Testing
@testable import OutreachServer

/// The server driven by raw bytes over a loopback socket, so exactly what is on the wire is tested.
@Suite("HTTPServer")
struct HTTPServerTests {
    /// Sends `request` as-is and reads until the server closes the connection.
    static func exchange(port: UInt16, _ request: [UInt8]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(step: "socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw SocketError(step: "connect") }
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw SocketError(step: "send") }
            sent += count
        }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    struct SocketError: Error { let step: String }

    static func request(_ head: String, body: [UInt8] = []) -> [UInt8] {
        Array(head.replacingOccurrences(of: "\n", with: "\r\n").utf8) + body
    }

    @Test func headerNamesAreLowerCasedAndCaseVariantsJoined() {
        let request = ServerRequest(method: "POST", target: "/hooks?x=1", headers: ["X-Twilio-Signature": "abc", "content-type": "text/plain"],
                                    body: [])
        #expect(request.headers == ["x-twilio-signature": "abc", "content-type": "text/plain"])
        #expect(request.header("x-TWILIO-signature") == "abc")
        #expect(request.path == "/hooks" && request.query == "x=1")
        let joined = ServerRequest.lowerCased([(key: "Via", value: "a"), (key: "VIA", value: "b"), (key: "Ä-Name", value: "c")])
        #expect(joined == ["via": "a, b", "Ä-name": "c"], "ASCII letters only: header names are ASCII tokens")
    }

    @Test func ephemeralPortAndRequestParts() throws {
        let seen = Box<ServerRequest?>(nil)
        let server = try HTTPServer { request in
            seen.value = request
            return ServerResponse(status: 201, headers: [.init("X-Reply", "yes"), .init("Content-Type", "text/plain")],
                                  body: Array("skapad å".utf8))
        }
        defer { server.stop() }
        #expect(server.port != 0)
        #expect(server.baseURL == "http://127.0.0.1:\(server.port)")

        let reply = try Self.exchange(port: server.port, Self.request("""
            GET /hooks/46elks/sms%2Fx?from=%2B46701234567&msg=Hej+d%C3%A5&flag HTTP/1.1
            Host: gw.example
            X-Custom-Header: One
            X-Custom-Header: Two
            Connection: close


            """))
        #expect(reply.hasPrefix("HTTP/1.1 201"))
        #expect(reply.contains("X-Reply: yes"))
        #expect(reply.contains("Content-Length: 9"))
        #expect(reply.hasSuffix("\r\n\r\nskapad å"))

        let request = try #require(seen.value)
        #expect(request.method == "GET")
        #expect(request.target == "/hooks/46elks/sms%2Fx?from=%2B46701234567&msg=Hej+d%C3%A5&flag")
        #expect(request.path == "/hooks/46elks/sms%2Fx")
        #expect(request.query == "from=%2B46701234567&msg=Hej+d%C3%A5&flag")
        #expect(request.queryItems.map(\.name) == ["from", "msg", "flag"])
        #expect(request.queryItems.map(\.value) == ["+46701234567", "Hej då", ""])
        #expect(request.queryValue("msg") == "Hej då")
        #expect(request.header("HOST") == "gw.example")
        #expect(request.headers["x-custom-header"] == "One, Two")
        #expect(request.body.isEmpty)
    }

    @Test func bodyIsAccumulatedAcrossChunks() throws {
        let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let seen = Box<[UInt8]>([])
        let server = try HTTPServer { request in
            seen.value = request.body
            return .text("got \(request.body.count)")
        }
        defer { server.stop() }
        let reply = try Self.exchange(port: server.port, Self.request("""
            POST /in HTTP/1.1
            Host: x
            Content-Type: application/octet-stream
            Content-Length: \(body.count)
            Connection: close


            """, body: body))
        #expect(reply.hasPrefix("HTTP/1.1 200"))
        #expect(reply.hasSuffix("got 200000"))
        #expect(seen.value == body)
    }

    @Test func chunkedUploadIsAccumulated() throws {
        let seen = Box<String>("")
        let server = try HTTPServer { request in
            seen.value = request.bodyText
            return .empty(status: 204)
        }
        defer { server.stop() }
        let reply = try Self.exchange(port: server.port, Self.request("""
            POST /c HTTP/1.1
            Host: x
            Transfer-Encoding: chunked
            Connection: close

            5
            Hej, 
            4
            då!
            0


            """))
        #expect(reply.hasPrefix("HTTP/1.1 204"))
        #expect(seen.value == "Hej, då!")
    }

    @Test func oversizedBodyIs413AndHandlerNotCalled() throws {
        let calls = Box(0)
        let server = try HTTPServer(options: .init(maxBodyBytes: 1000)) { _ in
            calls.value += 1
            return .text("should not run")
        }
        defer { server.stop() }
        let reply = try Self.exchange(port: server.port, Self.request("""
            POST /big HTTP/1.1
            Host: x
            Content-Length: 1001
            Connection: close


            """, body: Array(repeating: 1, count: 1001)))
        #expect(reply.hasPrefix("HTTP/1.1 413"))
        #expect(calls.value == 0)
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let server = try HTTPServer { request in .text(request.path) }
        defer { server.stop() }
        let reply = try Self.exchange(port: server.port, Self.request("""
            GET /one HTTP/1.1
            Host: x

            GET /two HTTP/1.1
            Host: x
            Connection: close


            """))
        #expect(reply.contains("\r\n\r\n/one"))
        #expect(reply.hasSuffix("\r\n\r\n/two"))
        #expect(server.connectionsAccepted == 1)
    }

    @Test func stopIsIdempotentAndClosesThePort() throws {
        let server = try HTTPServer { _ in .text("hi") }
        let port = server.port
        #expect(try Self.exchange(port: port, Self.request("GET / HTTP/1.0\n\n")).hasSuffix("hi"))
        server.stop()
        server.stop()
        #expect(throws: SocketError.self) { try Self.exchange(port: port, Self.request("GET / HTTP/1.0\n\n")) }
    }

    @Test func portInUseIsAReadableError() throws {
        let first = try HTTPServer { _ in .text("first") }
        defer { first.stop() }
        #expect {
            _ = try HTTPServer(options: .init(port: first.port)) { _ in .text("second") }
        } throws: { error in
            guard let error = error as? HTTPServerError, case .startFailed(_, let port, _) = error else { return false }
            return port == first.port && error.description.contains("port \(first.port)")
        }
    }

    @Test("Bad listen addresses", arguments: ["localhost", "256.0.0.1", "", "::zz"])
    func invalidHost(host: String) {
        #expect(throws: HTTPServerError.invalidHost(host)) {
            _ = try HTTPServer(options: .init(host: host)) { _ in .text("") }
        }
    }

    @Test func ipv6Loopback() throws {
        let server = try HTTPServer(options: .init(host: "::1")) { _ in .text("v6") }
        defer { server.stop() }
        #expect(server.port != 0)
        #expect(server.baseURL == "http://[::1]:\(server.port)")
    }

    @Test func requestValueParsing() {
        let request = ServerRequest(method: "POST", target: "/a/b", headers: ["Content-Type": "x", "content-type": "y"],
                                    body: Array("To=%2B4670&Body=Hej+d%C3%A5".utf8))
        #expect(request.path == "/a/b")
        #expect(request.query == "")
        #expect(request.queryItems.isEmpty)
        #expect(request.header("content-type")?.count == 4) // "x, y" or "y, x": dictionary order
        #expect(request.formFields.map(\.value) == ["+4670", "Hej då"])
    }
}

/// A mutable value shared with handlers on server threads.
final class Box<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
