import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A server that reads a request and closes the connection without answering: a provider that got the request
/// and then broke, or a proxy that dropped the connection. With `answering: n`, it first answers `n` requests on
/// each connection (200, `{}`) and keeps the connection open, so the client reuses it before the drop.
/// Connections are served one at a time.
public final class DroppingServer: @unchecked Sendable {
    private let descriptor: Int32
    private let thread: Thread
    private let lock = NSLock()
    private var stopped = false
    private let tally: Tally
    public let baseURL: String

    public init(answering: Int = 0) {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(listening, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) } }
        listen(listening, 16)
        descriptor = listening
        baseURL = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        let tally = Tally()
        self.tally = tally
        thread = Thread {
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 { return }
                Self.serve(client, answering: answering, tally: tally)
                close(client)
            }
        }
        thread.start()
    }

    /// Whole requests read so far, on every connection.
    public var requestsReceived: Int { tally.value }

    private final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { lock.withLock { count } }
        func add() { lock.withLock { count += 1 } }
    }

    private static func serve(_ client: Int32, answering: Int, tally: Tally) {
        // A client that keeps its connection open must not hold up `stop` for ever. Long enough that a test's next
        // request, slowed by a busy machine, still finds the connection open.
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let answer = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8)
        for _ in 0..<answering {
            guard readRequest(client) else { return }
            tally.add()
            _ = answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        if readRequest(client) { tally.add() }
    }

    /// Reads one request: the head, then `Content-Length` bytes of body. False when the connection ends first.
    private static func readRequest(_ client: Int32) -> Bool {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var needed: Int?
        while needed.map({ bytes.count < $0 }) ?? true {
            let count = recv(client, &chunk, chunk.count, 0)
            guard count > 0 else { return false }
            bytes.append(contentsOf: chunk[..<count])
            if needed == nil, let end = headEnd(bytes) {
                needed = end + contentLength(String(decoding: bytes[..<end], as: UTF8.self))
            }
        }
        return true
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index - 3] == 13 && bytes[index - 2] == 10 && bytes[index - 1] == 13 && bytes[index] == 10 {
            return index + 1
        }
        return nil
    }

    private static func contentLength(_ head: String) -> Int {
        for line in head.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                return Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
        return 0
    }

    /// Wakes the accept loop (shutdown), then closes the socket: closing first could hand the descriptor
    /// number to the next test while this thread still uses it.
    public func stop() {
        let shouldStop = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard shouldStop else { return }
        shutdown(descriptor, Int32(SHUT_RDWR))
        while !thread.isFinished { usleep(1_000) }
        close(descriptor)
    }

    deinit { stop() }
}
