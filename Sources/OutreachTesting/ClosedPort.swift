import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Loopback addresses with nothing useful behind them, for connection failures.
public enum ClosedPort {
    /// A port bound by a socket that never listens, for the rest of the process: connecting to it is refused, and no
    /// other test's server can take the port meanwhile (a port merely free a moment ago could be, and a test expecting
    /// a refusal then met a live server).
    public static func refusing() -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        // Kept open on purpose (one descriptor per call, a handful per test run).
        return "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
    }
}
