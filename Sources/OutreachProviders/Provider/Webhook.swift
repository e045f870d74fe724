import Foundation
import OutreachCore

/// A webhook request as our server received it, with the public URL the provider signed.
public struct WebhookRequest: Sendable, Equatable {
    public let method: String
    /// The full public URL the provider called, including the query string (signatures cover it).
    public let publicURL: String
    /// Lower-cased header names.
    public let headers: [String: String]
    public let body: [UInt8]

    public init(method: String, publicURL: String, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.publicURL = publicURL
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Our lifecycle's view of a provider's delivery status.
public enum DeliveryState: String, Sendable, Equatable {
    case sent, delivered, undelivered, failed
}

public struct DeliveryStatus: Sendable, Equatable {
    public let state: DeliveryState
    /// The provider's own word and error code, kept for the coordinator.
    public let providerStatus: String
    public let errorCode: String?
    /// True when the provider says the recipient opted out (Vonage err-code 9, Twilio 21610).
    public let optedOut: Bool

    public init(state: DeliveryState, providerStatus: String, errorCode: String? = nil, optedOut: Bool = false) {
        self.state = state
        self.providerStatus = providerStatus
        self.errorCode = errorCode
        self.optedOut = optedOut
    }
}

/// A domain event parsed from a webhook.
public enum ProviderEvent: Sendable, Equatable {
    /// A text message from a person.
    case inboundSMS(providerID: String, from: PhoneNumber, to: String, body: String)
    /// A delivery receipt for a message we sent. `messageID` is our id when the provider echoes it (from the status
    /// callback URL we gave, or Vonage's client-ref): the message is then found by its key, not by the provider's id.
    case receipt(providerID: String, status: DeliveryStatus, messageID: Int64? = nil)
    /// A keypad answer during a call (`digits` is "" when the person pressed nothing).
    case callDigits(providerCallID: String, messageID: Int64?, digits: String)
    /// The end of a call: completed, busy, no-answer, failed, cancelled; `answeredBy` human/machine when known.
    case callEnded(providerCallID: String, messageID: Int64?, outcome: CallOutcome, durationSeconds: Int?)
    /// A well-formed request we have no use for (unknown status, intermediate callback): acknowledged, logged.
    case ignored(reason: String)
}

public enum CallOutcome: String, Sendable, Equatable {
    case completed, busy, noAnswer = "no-answer", failed, cancelled, machine
}

/// What the server answers the provider, and the events to process.
public struct WebhookOutcome: Sendable, Equatable {
    public let events: [ProviderEvent]
    public let response: WebhookResponse

    public init(events: [ProviderEvent], response: WebhookResponse) {
        self.events = events
        self.response = response
    }
}

public struct WebhookResponse: Sendable, Equatable {
    public let status: Int
    public let contentType: String
    public let body: String

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String = "") {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public static let noContent = WebhookResponse(status: 204)
}

public enum WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Missing or wrong signature/token: answer 403 and process nothing.
    case unauthorized(String)
    /// Not a request we understand: answer 400.
    case malformed(String)

    public var description: String {
        switch self {
        case .unauthorized(let reason): return "unauthorized webhook: \(reason)"
        case .malformed(let reason): return "malformed webhook: \(reason)"
        }
    }

    public var httpStatus: Int {
        switch self {
        case .unauthorized: return 403
        case .malformed: return 400
        }
    }
}
