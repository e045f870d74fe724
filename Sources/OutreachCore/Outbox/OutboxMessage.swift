import Foundation

/// A message about to enter the outbox. The dedupe key makes enqueueing idempotent.
public struct NewMessage: Sendable, Equatable {
    public var personID: Int64?
    public var campaignID: Int64?
    public var phone: PhoneNumber
    public var channel: Channel
    public var language: String
    public var template: String
    public var body: String
    public var encoding: SMSEncoding?
    public var segments: Int?
    public var dedupeKey: String
    public var notBefore: Date
    public var expiresAt: Date?
    /// `.queued`, or `.suppressed` with `error` saying why (kept so the coordinator sees it).
    public var status: MessageStatus
    public var error: String?

    public init(personID: Int64?, campaignID: Int64? = nil, phone: PhoneNumber, channel: Channel, language: String,
                template: String, body: String, encoding: SMSEncoding? = nil, segments: Int? = nil, dedupeKey: String,
                notBefore: Date, expiresAt: Date? = nil, status: MessageStatus = .queued, error: String? = nil) {
        self.personID = personID
        self.campaignID = campaignID
        self.phone = phone
        self.channel = channel
        self.language = language
        self.template = template
        self.body = body
        self.encoding = encoding
        self.segments = segments
        self.dedupeKey = dedupeKey
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.status = status
        self.error = error
    }
}

/// A message read back from the outbox.
public struct OutboxMessage: Sendable, Equatable {
    public let id: Int64
    public let personID: Int64?
    public let campaignID: Int64?
    public let phone: PhoneNumber
    public let channel: Channel
    public let language: String
    public let template: String
    public let body: String
    public let dedupeKey: String
    public let status: MessageStatus
    public let attempts: Int
    public let notBefore: Date
    public let expiresAt: Date?
    public let provider: String?
    public let providerID: String?
    public let error: String?

    public init(id: Int64, personID: Int64?, campaignID: Int64?, phone: PhoneNumber, channel: Channel, language: String,
                template: String, body: String, dedupeKey: String, status: MessageStatus, attempts: Int, notBefore: Date,
                expiresAt: Date?, provider: String?, providerID: String?, error: String?) {
        self.id = id
        self.personID = personID
        self.campaignID = campaignID
        self.phone = phone
        self.channel = channel
        self.language = language
        self.template = template
        self.body = body
        self.dedupeKey = dedupeKey
        self.status = status
        self.attempts = attempts
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.provider = provider
        self.providerID = providerID
        self.error = error
    }
}

/// What became of one send attempt, recorded in a batch.
public enum SendOutcome: Sendable, Equatable {
    case sent(messageID: Int64, provider: String, providerID: String)
    case retry(messageID: Int64, notBefore: Date, error: String)
    /// The provider refused the account, or our config held the message back (a call with no number to come from): it
    /// goes back to the queue with its attempt given back, due again at `notBefore`, so a weekend with a rotated key
    /// spends none of its retries. (It was not placed: a call's note of this attempt goes.)
    case waiting(messageID: Int64, notBefore: Date, error: String)
    case failed(messageID: Int64, error: String)
    case suppressed(messageID: Int64, reason: String)
    /// The provider says the person opted out: the message fails and the opt-out is recorded.
    case optedOut(messageID: Int64, phone: PhoneNumber, channel: Channel, reason: String)
    /// The request went out but no answer came back: the message becomes `unknown`, as after a crash, and is
    /// settled from the provider's records, never re-sent blindly.
    case unconfirmed(messageID: Int64, error: String)
}
