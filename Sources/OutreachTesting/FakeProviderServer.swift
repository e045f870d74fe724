import Foundation
import OutreachServer

/// A loopback fake of a provider's API on our own HTTP server: records every request and answers from a
/// script (FIFO) or, when the script is empty, from the fake's default handler.
public final class FakeProviderServer: @unchecked Sendable {
    public struct RecordedRequest: Sendable {
        public let method: String
        public let path: String
        public let query: String
        public let headers: [String: String]
        public let body: [UInt8]
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
        /// The form body decoded, in order.
        public var form: [(name: String, value: String)] { ServerRequest(method: method, target: path + "?" + bodyText, headers: [:], body: []).queryItems }
        public func formValue(_ name: String) -> String? { form.first { $0.name == name }?.value }
        public func formValues(_ name: String) -> [String] { form.filter { $0.name == name }.map(\.value) }
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    public enum Step: Sendable {
        case respond(ServerResponse)
        /// Waits before answering (to trigger client timeouts).
        case delay(seconds: Double, ServerResponse)
        /// Does what the provider does (the default behaviour: a message is created), then waits before answering:
        /// the request took effect, though a client that gave up never hears so.
        case actThenDelay(seconds: Double)
    }

    private let lock = NSLock()
    private var script: [Step] = []
    private var recorded: [RecordedRequest] = []
    private var server: HTTPServer?
    private var latency: Double = 0

    public init(defaultHandler: @escaping @Sendable (ServerRequest) -> ServerResponse) throws {
        let server = try HTTPServer(options: HTTPServer.Options()) { [weak self] request in
            guard let self else { return .notFound }
            let (step, latency): (Step?, Double) = self.lock.withLock {
                self.recorded.append(RecordedRequest(method: request.method, path: request.path, query: request.query,
                                                     headers: request.headers, body: request.body))
                return (self.script.isEmpty ? nil : self.script.removeFirst(), self.latency)
            }
            if latency > 0 { Thread.sleep(forTimeInterval: latency) }
            switch step {
            case .respond(let response)?: return response
            case .delay(let seconds, let response)?:
                Thread.sleep(forTimeInterval: seconds)
                return response
            case .actThenDelay(let seconds)?:
                let response = defaultHandler(request)
                Thread.sleep(forTimeInterval: seconds)
                return response
            case nil: return defaultHandler(request)
            }
        }
        self.server = server
    }

    deinit { server?.stop() }

    /// "http://127.0.0.1:PORT".
    public var baseURL: String { server?.baseURL ?? "" }

    public func enqueue(_ steps: Step...) { lock.withLock { script.append(contentsOf: steps) } }

    /// Seconds every answer takes from now on (a real provider's round trip), on top of any scripted delay.
    public func setLatency(_ seconds: Double) { lock.withLock { latency = seconds } }

    public var requests: [RecordedRequest] { lock.withLock { recorded } }

    /// Script steps not consumed: a test that scripted more than it used has a mistake in it.
    public var unusedSteps: Int { lock.withLock { script.count } }

    public func stop() { server?.stop() }
}
