/// The part of the server that libmicrohttpd's callbacks see through their context pointer.
/// `HTTPServer` owns it and stops the daemon before releasing it, so the unretained pointer stays valid.
final class HTTPServerCore: Sendable {
    let handler: HTTPServer.Handler
    let maxBodyBytes: Int
    private let connections = Locked(0)

    init(handler: @escaping HTTPServer.Handler, maxBodyBytes: Int) {
        self.handler = handler
        self.maxBodyBytes = maxBodyBytes
    }

    var connectionsAccepted: Int { connections.withLock { $0 } }

    func connectionOpened() {
        connections.withLock { $0 += 1 }
    }
}

/// Per-request state, created in the URI log callback (which sees the raw target) and released in the
/// request-completed callback. Touched only by the one connection thread serving the request.
final class RequestContext {
    let target: String
    var headersSeen = false
    var body: [UInt8] = []
    var tooLarge = false

    init(target: String) {
        self.target = target
    }

    func append(_ chunk: UnsafeRawBufferPointer, limit: Int) {
        guard !tooLarge else { return }
        if body.count + chunk.count > limit {
            tooLarge = true
            body = []
        } else {
            body.append(contentsOf: chunk)
        }
    }
}
