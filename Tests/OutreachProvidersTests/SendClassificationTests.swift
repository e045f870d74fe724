import Foundation
import Testing
import OutreachProviders

/// Which server errors are retried: a 5xx to a POST may have been acted on (no provider documents an idempotency
/// key), so it is unconfirmed; a 503, and anything to a read, is worth another try.
@Suite("Send classification of server errors")
struct SendClassificationTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("5xx by method", arguments: [
        (500, HTTPMethod.post, "unconfirmed"), (502, .post, "unconfirmed"), (504, .post, "unconfirmed"), (500, .patch, "unconfirmed"),
        (503, .post, "transient"), (500, .get, "transient"), (504, .get, "transient"), (429, .post, "transient"),
    ])
    func serverErrors(status: Int, method: HTTPMethod, expected: String) {
        let failure = SendClassification.statusFailure(HTTPResponse(status: status), method: method, now: Self.now)
        switch failure {
        case .unconfirmed: #expect(expected == "unconfirmed")
        case .transient: #expect(expected == "transient")
        default: Issue.record("\(status) \(method): \(String(describing: failure))")
        }
    }

    @Test("a 4xx other than 429 is left to the adapter")
    func otherStatuses() {
        #expect(SendClassification.statusFailure(HTTPResponse(status: 400), method: .post, now: Self.now) == nil)
    }
}
