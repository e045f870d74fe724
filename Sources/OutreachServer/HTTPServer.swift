import CMicroHTTPD
import Foundation

/// An HTTP/1.1 server over libmicrohttpd, for provider webhooks and the health endpoint.
///
/// Each connection gets its own MHD thread, so the synchronous handler may block (e.g. on the database)
/// without stalling other connections. The handler is called on those threads, concurrently.
/// Bodies larger than `maxBodyBytes` are read and discarded, then answered with 413 without calling the handler.
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (ServerRequest) -> ServerResponse

    public struct Options: Sendable, Equatable {
        /// IPv4 or IPv6 literal to bind to. Loopback by default: a reverse proxy terminates TLS in front.
        public var host: String
        /// 0 picks a free port; read it back from `HTTPServer.port`.
        public var port: UInt16
        public var maxBodyBytes: Int
        /// Idle connections are closed after this many seconds.
        public var connectionTimeoutSeconds: UInt32

        public init(host: String = "127.0.0.1", port: UInt16 = 0, maxBodyBytes: Int = 1 << 20,
                    connectionTimeoutSeconds: UInt32 = 30) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
        }
    }

    /// The port actually bound (useful with port 0).
    public let port: UInt16
    public let host: String
    private let core: HTTPServerCore
    /// nil once stopped. OpaquePointer is not Sendable, hence the lock.
    private let daemon: Locked<OpaquePointer?>

    public init(options: Options = Options(), handler: @escaping Handler) throws(HTTPServerError) {
        let core = HTTPServerCore(handler: handler, maxBodyBytes: options.maxBodyBytes)
        let started = try Self.start(options: options, core: core)
        self.core = core
        self.host = options.host
        self.daemon = Locked(started)
        let bound = outreach_mhd_bound_port(started)
        self.port = bound == 0 ? options.port : bound
    }

    deinit {
        stop()
    }

    /// Stops accepting, closes connections and joins MHD's threads (waiting for running handlers).
    /// Idempotent and safe from any thread except a handler's.
    public func stop() {
        guard let running = daemon.withLock({ state -> OpaquePointer? in
            defer { state = nil }
            return state
        }) else { return }
        MHD_stop_daemon(running)
    }

    /// Connections accepted since start: with keep-alive, several requests share one.
    public var connectionsAccepted: Int { core.connectionsAccepted }

    /// "http://127.0.0.1:PORT" (IPv6 hosts in brackets).
    public var baseURL: String {
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    private static func start(options: Options, core: HTTPServerCore) throws(HTTPServerError) -> OpaquePointer {
        var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_THREAD_PER_CONNECTION.rawValue
            | MHD_USE_AUTO.rawValue
        let context = Unmanaged.passUnretained(core).toOpaque()
        let started: OpaquePointer?
        if options.host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = options.port.bigEndian
            guard inet_pton(AF_INET6, options.host, &address.sin6_addr) == 1 else {
                throw .invalidHost(options.host)
            }
            flags |= MHD_USE_IPv6.rawValue
            started = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { startDaemon(flags, options, context, $0) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = options.port.bigEndian
            guard inet_pton(AF_INET, options.host, &address.sin_addr) == 1 else {
                throw .invalidHost(options.host)
            }
            started = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { startDaemon(flags, options, context, $0) }
            }
        }
        guard let started else {
            throw .startFailed(host: options.host, port: options.port, reason: String(cString: strerror(errno)))
        }
        return started
    }

    private static func startDaemon(_ flags: UInt32, _ options: Options, _ context: UnsafeMutableRawPointer,
                                    _ address: UnsafePointer<sockaddr>) -> OpaquePointer? {
        // MHD copies the address during start.
        outreach_mhd_start_per_connection(flags, options.port,
                                          mhdAccessHandler, context,
                                          mhdRequestCompleted, context,
                                          mhdURILogger, context,
                                          mhdConnectionNotify, context,
                                          address, options.connectionTimeoutSeconds)
    }
}

public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidHost(String)
    case startFailed(host: String, port: UInt16, reason: String)

    public var description: String {
        switch self {
        case .invalidHost(let host):
            "'\(host)' is not an IP address to listen on (use e.g. 127.0.0.1 or ::1)"
        case .startFailed(let host, let port, let reason):
            "could not start the HTTP server on \(host) port \(port): \(reason) (is the port already in use?)"
        }
    }
}
