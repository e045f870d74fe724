import Foundation
import OutreachCore

// The Simulator: the default provider, with no account and no network. It "sends" by recording the
// message in its ledger (the gateway's database), answers with an id like "sim-s-42", and produces the
// webhook requests a real provider would post: a delivery receipt for every SMS, and replies injected
// with `inboundRequest(from:to:text:)`. Those requests go through `handleWebhook` like any provider's,
// so the demo exercises the real inbound path.
//
//   POST /hooks/simulator/sms/status    id=sim-s-42&message_id=42&status=delivered
//   POST /hooks/simulator/sms/inbound   id=sim-in-7&from=%2B46701740605&to=Raslatt&message=1
//   POST /hooks/simulator/voice/keypad  id=sim-c-43&digits=1
//
// Scripted outcomes by the recipient's last two digits make failure paths visible in the demo:
// ...90 invalid number (permanent), ...91 opted out at the provider, ...92 undelivered receipt.

/// Where the Simulator writes what it sent (the gateway's database in production, memory in tests).
public protocol SimulatorLedger: Sendable {
    /// Records one message or call (our `messageID`, as a real provider keeps a client reference) and returns its id,
    /// unique in this ledger ("sim-s-42"): the ledger numbers them, so ids stay unique across restarts of the gateway.
    func recordSent(kind: String, to: PhoneNumber, from: String, body: String, messageID: Int64) -> String
    /// The id of the newest entry for our `messageID`, or nil: the Simulator's records for crash reconciliation.
    /// (Not by number and text: two reminders of one session can read alike.)
    func findSent(messageID: Int64) -> String?
    /// To whom the entry with `providerID` went, or nil when the ledger has none: the Simulator's status lookup.
    func recipient(providerID: String) -> PhoneNumber?
}

extension SimulatorLedger {
    /// "sim-s-42" for the 42nd SMS, "sim-c-43" for a call.
    public static func providerID(kind: String, number: Int64) -> String { "sim-\(kind == "call" ? "c" : "s")-\(number)" }
}

/// A ledger that keeps everything in memory.
public final class InMemorySimulatorLedger: SimulatorLedger, @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public let providerID: String
        public let kind: String
        public let to: PhoneNumber
        public let from: String
        public let body: String
        public let messageID: Int64
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    public init() {}

    public func recordSent(kind: String, to: PhoneNumber, from: String, body: String, messageID: Int64) -> String {
        lock.withLock {
            let id = Self.providerID(kind: kind, number: Int64(stored.count + 1))
            stored.append(Entry(providerID: id, kind: kind, to: to, from: from, body: body, messageID: messageID))
            return id
        }
    }

    public func findSent(messageID: Int64) -> String? {
        lock.withLock { stored.last { $0.messageID == messageID }?.providerID }
    }

    public func recipient(providerID: String) -> PhoneNumber? {
        lock.withLock { stored.first { $0.providerID == providerID }?.to }
    }

    public var entries: [Entry] { lock.withLock { stored } }
}

public final class SimulatorProvider: Provider, @unchecked Sendable {
    public let name = "simulator"
    public let settings: SimulatorSettings
    private let ledger: any SimulatorLedger
    private let lock = NSLock()
    private var outbox: [WebhookRequest] = []

    public init(settings: SimulatorSettings, ledger: any SimulatorLedger) {
        self.settings = settings
        self.ledger = ledger
    }

    public func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        switch SimulatorStatuses.scriptedOutcome(for: sms.to) {
        case .invalidNumber:
            return .failure(.permanent(code: "invalid-number", reason: "the simulated network does not know \(sms.to.masked)"))
        case .optedOut:
            return .failure(.optedOut(reason: "\(sms.to.masked) replied STOP at the simulated provider"))
        case .undelivered, .normal:
            break
        }
        let id = ledger.recordSent(kind: "sms", to: sms.to, from: sms.from, body: sms.body, messageID: sms.messageID)
        queue(SimulatorWebhooks.request(path: "/sms/status", fields: [("id", id), ("message_id", String(sms.messageID)),
                                                                     ("status", Self.deliveryWord(for: sms.to))],
                                        settings: settings))
        return .success(ProviderAccepted(providerID: id, segments: SMSEncoder.inspect(sms.body).segments))
    }

    public func placeCall(_ call: OutboundCall) async -> Result<ProviderAccepted, SendFailure> {
        switch SimulatorStatuses.scriptedOutcome(for: call.to) {
        case .invalidNumber:
            return .failure(.permanent(code: "invalid-number", reason: "the simulated network does not know \(call.to.masked)"))
        case .optedOut:
            return .failure(.optedOut(reason: "\(call.to.masked) replied STOP at the simulated provider"))
        case .undelivered, .normal:
            break
        }
        let text: String
        switch call.script {
        case .speech(let words, let language): text = "[\(language)] \(words)"
        case .audio(let url): text = "[audio] \(url)"
        }
        let id = ledger.recordSent(kind: "call", to: call.to, from: call.from, body: text, messageID: call.messageID)
        queue(SimulatorWebhooks.request(path: "/voice/status", fields: [("id", id), ("message_id", String(call.messageID)),
                                                                          ("status", "completed"), ("duration", "42")], settings: settings))
        return .success(ProviderAccepted(providerID: id))
    }

    public func handleWebhook(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> {
        SimulatorWebhooks.handle(request, settings: settings)
    }

    /// What the simulated network did with what it accepted: the status its receipt carries (the receipt itself lives
    /// in memory until the service reads it, so a kill loses it; this lookup then settles the message).
    public func lookupStatus(providerID: String) async -> Result<DeliveryStatus, SendFailure>? {
        guard let to = ledger.recipient(providerID: providerID) else {
            return .failure(.permanent(code: "not-found", reason: "the Simulator has no message \(providerID)"))
        }
        return Self.deliveryStatus(for: to)
    }

    public func findSent(_ lookup: SentLookup) async -> Result<SentLookupAnswer, SendFailure>? {
        guard let id = ledger.findSent(messageID: lookup.messageID) else { return .success(.notFound) }
        return Self.deliveryStatus(for: lookup.to).map { .found(providerID: id, status: $0) }
    }

    /// What the simulated network reports for an SMS to `phone`: "undelivered" for the scripted numbers, else
    /// "delivered", read with the same table as the Simulator's receipts.
    private static func deliveryStatus(for phone: PhoneNumber) -> Result<DeliveryStatus, SendFailure> {
        let word = deliveryWord(for: phone)
        guard let state = SimulatorStatuses.delivery[word] else {
            return .failure(.permanent(code: "unknown-status", reason: "the Simulator has no status '\(word)'"))
        }
        return .success(DeliveryStatus(state: state, providerStatus: word))
    }

    /// The word of `deliveryStatus`, as the receipts carry it.
    private static func deliveryWord(for phone: PhoneNumber) -> String {
        SimulatorStatuses.scriptedOutcome(for: phone) == .undelivered ? "undelivered" : "delivered"
    }

    /// A reply from a person, as the simulated provider would post it to our webhook. Each gets a fresh id
    /// (replies are stored once per id, and every `outreach simulate reply` is a new process).
    public func inboundRequest(from: PhoneNumber, to: String, text: String) -> WebhookRequest {
        let id = "sim-in-" + UUID().uuidString.lowercased().prefix(12)
        return SimulatorWebhooks.request(path: "/sms/inbound",
                                  fields: [("id", id), ("from", from.e164), ("to", to), ("message", text)],
                                  settings: settings)
    }

    /// A keypad answer during a simulated call.
    public func keypadRequest(providerCallID: String, messageID: Int64, digits: String) -> WebhookRequest {
        SimulatorWebhooks.request(path: "/voice/keypad",
                                  fields: [("id", providerCallID), ("message_id", String(messageID)), ("digits", digits)],
                                  settings: settings)
    }

    /// Takes the webhook requests produced since the last call (receipts, call ends), oldest first.
    public func drainWebhooks() -> [WebhookRequest] {
        lock.withLock {
            defer { outbox.removeAll() }
            return outbox
        }
    }

    private func queue(_ request: WebhookRequest) {
        lock.withLock { outbox.append(request) }
    }
}
