import Foundation
import OutreachProviders
import OutreachServer

/// A minimal Twilio Messages endpoint on 127.0.0.1 for the benchmark: every POST to `…/Messages.json`
/// is answered 201 as Twilio answers an accepted message: the whole resource (about 900 bytes), with a fresh SID
/// that looks random, as Twilio's do (so the outbox's provider-id index is written all over, not at its end).
/// Anything else is 404.
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
            let sid = "SM" + LoopbackTwilio.hex32(LoopbackTwilio.scrambled(counter.next()))
            return .text(LoopbackTwilio.created(sid: sid), status: 201, contentType: "application/json")
        }
    }

    /// Settings pointing the real Twilio adapter at this fake.
    func settings(from: String) -> TwilioSettings {
        TwilioSettings(baseURL: server.baseURL, accountSID: Self.accountSID, authToken: Self.authToken, from: from)
    }

    /// Messages accepted so far.
    var accepted: Int { counter.value }

    func stop() { server.stop() }

    /// Twilio's 201 body for a queued message (its documented shape, our account and numbers).
    static func created(sid: String) -> String {
        #"""
        {"account_sid": "\#(accountSID)", "api_version": "2010-04-01", "body": "Det här är Träffpunkt Råslätt. Vi skickar inbjudningar och påminnelser. Svara 1 om du kommer, 2 om du inte kan.", "date_created": "Wed, 11 Mar 2026 11:00:00 +0000", "date_sent": null, "date_updated": "Wed, 11 Mar 2026 11:00:00 +0000", "direction": "outbound-api", "error_code": null, "error_message": null, "from": "+46700000000", "messaging_service_sid": null, "num_media": "0", "num_segments": "2", "price": null, "price_unit": "USD", "sid": "\#(sid)", "status": "queued", "subresource_uris": {"media": "/2010-04-01/Accounts/\#(accountSID)/Messages/\#(sid)/Media.json"}, "to": "+46701000000", "uri": "/2010-04-01/Accounts/\#(accountSID)/Messages/\#(sid).json"}
        """#
    }

    /// A bijection of 0..<2⁶⁴ that scatters consecutive numbers (SplitMix64's finalizer).
    static func scrambled(_ number: Int) -> Int {
        var z = UInt64(truncatingIfNeeded: number) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }

    /// 32 lower-case hex digits, zero-padded.
    static func hex32(_ number: Int) -> String {
        let digits = String(UInt64(bitPattern: Int64(number)), radix: 16)
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
