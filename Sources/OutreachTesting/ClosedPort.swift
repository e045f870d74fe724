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
