import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Loopback addresses with nothing useful behind them, for connection failures.
public enum ClosedPort {
    /// A port that was free a moment ago: connecting to it is refused.
    public static func refusing() -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        close(descriptor)
        return "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
    }
}

/// A server that accepts connections, reads the request and closes without answering: a dropped connection.
public final class DroppingServer: @unchecked Sendable {
    private let descriptor: Int32
    private let thread: Thread
    private let lock = NSLock()
    private var stopped = false
    public let baseURL: String

    public init() {
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
        thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 { return }
                _ = recv(client, &buffer, buffer.count, 0)
                close(client)
            }
        }
        thread.start()
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
