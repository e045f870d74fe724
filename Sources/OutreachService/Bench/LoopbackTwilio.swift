import Foundation
import OutreachProviders
import OutreachServer

/// A minimal Twilio Messages endpoint on 127.0.0.1 for the benchmark: every POST to `…/Messages.json`
/// is answered 201 with a fresh message SID, like Twilio's accepted message. Anything else is 404.
/// (The full fake with error injection lives in OutreachTesting, which only tests may use.)
final class LoopbackTwilio: @unchecked Sendable {
    static let accountSID = "AC" + String(repeating: "0", count: 32)
    static let authToken = "bench-auth-token"

    private let server: HTTPServer
    private let counter: RequestCounter

    init() throws {
        let counter = RequestCounter()
        self.counter = counter
        server = try HTTPServer { request in
            guard request.method == "POST", request.path.hasSuffix("/Messages.json") else { return .notFound }
            let number = counter.next()
            let sid = "SM" + LoopbackTwilio.hex32(number)
            return .text(#"{"sid": "\#(sid)", "status": "queued", "num_segments": "1", "direction": "outbound-api"}"#,
                         status: 201, contentType: "application/json")
        }
    }

    /// Settings pointing the real Twilio adapter at this fake.
    func settings(from: String) -> TwilioSettings {
        TwilioSettings(baseURL: server.baseURL, accountSID: Self.accountSID, authToken: Self.authToken, from: from)
    }

    /// Messages accepted so far.
    var accepted: Int { counter.value }

    func stop() { server.stop() }

    /// 32 lower-case hex digits, zero-padded.
    static func hex32(_ number: Int) -> String {
        let digits = String(number, radix: 16)
        return String(repeating: "0", count: max(0, 32 - digits.count)) + digits
    }
}

/// A counter shared with the server's connection threads.
private final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
