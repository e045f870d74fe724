import Foundation
import OutreachCore

/// An SMS and voice provider: sends, places calls, and turns its webhook requests into domain events.
///
/// Adapters never decide retry policy: they classify each failure (`SendFailure`) and the dispatcher decides.
/// One provider = one folder under `Sources/OutreachProviders/<Name>/` with the same file names as the others,
/// listed once in `ProviderRegistry`.
public protocol Provider: Sendable {
    /// Stable name stored with every message ("twilio", "46elks", "vonage", "simulator").
    var name: String { get }

    /// Hands one SMS to the provider. Returns the provider's id for it, or a classified failure.
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure>

    /// Starts one voice call that plays `call.script` and collects a keypad answer.
    func placeCall(_ call: OutboundCall) async -> Result<ProviderAccepted, SendFailure>

    /// Authenticates and parses one webhook request (inbound SMS, delivery receipt, voice callback).
    /// Unknown statuses become `.ignored` events (acknowledged, so the provider does not retry forever).
    func handleWebhook(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError>

    /// Asks the provider what became of a message sent earlier, for crash reconciliation.
    /// `nil` when the provider offers no lookup.
    func lookupStatus(providerID: String) async -> Result<DeliveryStatus, SendFailure>?

    /// Searches the provider's records for a message whose send was interrupted (the gateway stopped after handing
    /// it over and before recording the answer), for crash reconciliation. `nil` when the provider offers no
    /// such search: the message then stays `unknown` for the coordinator and is never re-sent.
    func findSent(_ lookup: SentLookup) async -> Result<SentLookupAnswer, SendFailure>?

    /// A cheap authenticated request that proves the API answers and the credentials work (`outreach doctor
    /// --network`). Returns a short description of the account, or the failure.
    func checkAccount() async -> Result<String, SendFailure>
}

extension Provider {
    public func lookupStatus(providerID: String) async -> Result<DeliveryStatus, SendFailure>? { nil }
    public func findSent(_ lookup: SentLookup) async -> Result<SentLookupAnswer, SendFailure>? { nil }
}

/// A message whose fate is unknown: what to look for in the provider's records.
public struct SentLookup: Sendable, Equatable {
    public let messageID: Int64
    public let to: PhoneNumber
    public let body: String
    /// The message was handed over (if at all) after this instant.
    public let since: Date
    /// The provider's ids of other messages: a record with one of these is theirs, even with the same number and text
    /// (the same campaign text sent again, a help text asked for twice). Taken for ours, it would mark a message sent
    /// that never went.
    public let taken: Set<String>

    public init(messageID: Int64, to: PhoneNumber, body: String, since: Date, taken: Set<String> = []) {
        self.messageID = messageID
        self.to = to
        self.body = body
        self.since = since
        self.taken = taken
    }

    /// How far the provider's clock may be behind ours. A record the provider stamped before the search's start would
    /// read as "not found", and the message would be sent twice: with a minute, a gateway clock two minutes fast did that.
    public static let clockAllowance: TimeInterval = 900

    /// Where a search of the provider's records starts: `clockAllowance` before `since`.
    public var searchFrom: Date { since.addingTimeInterval(-Self.clockAllowance) }

    /// Whether a text in the provider's records is our body: the same once whitespace at either end is dropped and line
    /// ends are alike (a provider that trims a trailing newline, or stores CRLF, must not make "not found" of it: the
    /// message would then be sent again).
    public func isOurText(_ text: String) -> Bool {
        Self.comparable(text) == Self.comparable(body)
    }

    private static func comparable(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public enum SentLookupAnswer: Sendable, Equatable {
    /// The provider has it: sent, with its id and what became of it.
    case found(providerID: String, status: DeliveryStatus)
    /// The provider never got it: it may be queued again.
    case notFound
}

/// What we ask a provider to send.
public struct OutboundSMS: Sendable, Equatable {
    /// Our message id: used in callback URLs and as client reference where the provider supports one.
    public let messageID: Int64
    public let to: PhoneNumber
    /// Sender: E.164 number or alphanumeric sender id.
    public let from: String
    public let body: String
    /// Where the provider should post delivery receipts (nil = no receipts asked for).
    public let statusCallbackURL: String?

    public init(messageID: Int64, to: PhoneNumber, from: String, body: String, statusCallbackURL: String?) {
        self.messageID = messageID
        self.to = to
        self.from = from
        self.body = body
        self.statusCallbackURL = statusCallbackURL
    }
}

/// What a voice call should say and where the provider reports keypresses and the end of the call.
public struct OutboundCall: Sendable, Equatable {
    public let messageID: Int64
    public let to: PhoneNumber
    public let from: String
    /// The words to speak (TTS) or, for providers without TTS, a URL of recorded audio.
    public let script: VoiceScript
    /// Base URL of our webhook server for this call's callbacks, e.g. "https://gw.example/hooks/twilio".
    public let callbackBaseURL: String

    public init(messageID: Int64, to: PhoneNumber, from: String, script: VoiceScript, callbackBaseURL: String) {
        self.messageID = messageID
        self.to = to
        self.from = from
        self.script = script
        self.callbackBaseURL = callbackBaseURL
    }
}

public enum VoiceScript: Sendable, Equatable {
    /// Text for the provider's speech synthesis, with the provider's language code ("sv-SE").
    case speech(text: String, language: String)
    /// A recording to play (46elks has no TTS; some languages have no voice anywhere).
    case audio(url: String)
}

public struct ProviderAccepted: Sendable, Equatable {
    public let providerID: String
    /// Segments the provider says it will bill, when it tells.
    public let segments: Int?

    public init(providerID: String, segments: Int? = nil) {
        self.providerID = providerID
        self.segments = segments
    }
}

/// A classified send failure, said by the adapter that read the answer (each provider words these its own way).
/// The dispatcher retries `.transient`, ends `.permanent` and `.refusedBeforeSending` as failed, records an opt-out
/// for `.optedOut`, marks `.unconfirmed` as unknown, pauses all sending on `.account`, and holds a `.misconfigured`
/// message back while the rest go.
public enum SendFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider refused this message (an invalid number, a text too long): it fails, and others may go.
    case permanent(code: String, reason: String)
    case transient(reason: String, retryAfter: TimeInterval?)
    case optedOut(reason: String)
    /// The request went out but no answer came back: the provider may have sent the message. Never retried
    /// blindly: the provider's own records settle it (see the service's `Reconciler`).
    case unconfirmed(reason: String)
    /// The account, not this message: credentials rejected, no credit, the account barred or not enabled. Every
    /// message would fail alike, so sending pauses and the messages wait, instead of the whole queue failing in one
    /// drain after a key rotation. `code` is the provider's own ("auth", "20003", Vonage "9").
    case account(code: String, reason: String)
    /// Refused by us before any request (no voice for the language, a script too long): this message fails, and it
    /// says nothing about whether the provider is up, so it neither ends nor extends a run of provider failures.
    case refusedBeforeSending(code: String, reason: String)
    /// Refused by us before any request because of our config, not the message: it waits (its attempt not spent) for a
    /// coordinator to put the config right, while the other messages go. Failed, it would be lost: nothing plans a
    /// message twice.
    case misconfigured(code: String, reason: String)

    /// A call from a sender name ("Raslatt"): the networks place calls from numbers only, so it is held before any
    /// request (the provider would refuse it, and count it as its trouble).
    public static func callerNotANumber(_ caller: String) -> SendFailure {
        .misconfigured(code: "caller-not-a-number", reason: "a call must come from a phone number, and '\(caller)' is a sender "
                       + "name: set provider.callFrom to the account's number in E.164 (+46…)")
    }

    public var description: String {
        switch self {
        case .permanent(let code, let reason): return "rejected by the provider (\(code)): \(reason)"
        case .transient(let reason, let retryAfter):
            return "temporary problem: \(reason)" + (retryAfter.map { " (retry after \(Int($0)) s)" } ?? "")
        case .optedOut(let reason): return "the recipient has opted out at the provider: \(reason)"
        case .unconfirmed(let reason): return "the provider may have it: \(reason)"
        case .account(let code, let reason): return "the provider refused the account (\(code)): \(reason)"
        case .refusedBeforeSending(let code, let reason): return "not sent (\(code)): \(reason)"
        case .misconfigured(let code, let reason): return "held back by the config (\(code)): \(reason)"
        }
    }
}
