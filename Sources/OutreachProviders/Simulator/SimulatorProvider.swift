import Foundation
import OutreachCore

// The Simulator: the default provider, with no account and no network. It "sends" by recording the
// message in its ledger (the gateway's database), answers with an id like "sim-s-42", and produces the
// webhook requests a real provider would post: a delivery receipt for every SMS, and replies injected
// with `inboundRequest(from:to:text:)`. Those requests go through `handleWebhook` like any provider's,
// so the demo exercises the real inbound path.
//
//   POST /hooks/simulator/sms/status    id=sim-s-42&status=delivered
//   POST /hooks/simulator/sms/inbound   id=sim-in-7&from=%2B46701740605&to=Raslatt&message=1
//   POST /hooks/simulator/voice/keypad  id=sim-c-43&digits=1
//
// Scripted outcomes by the recipient's last two digits make failure paths visible in the demo:
// ...90 invalid number (permanent), ...91 opted out at the provider, ...92 undelivered receipt.

/// Where the Simulator writes what it sent (the gateway's database in production, memory in tests).
public protocol SimulatorLedger: Sendable {
    func recordSent(providerID: String, kind: String, to: PhoneNumber, from: String, body: String)
}

/// A ledger that keeps everything in memory.
public final class InMemorySimulatorLedger: SimulatorLedger, @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public let providerID: String
        public let kind: String
        public let to: PhoneNumber
        public let from: String
        public let body: String
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    public init() {}

    public func recordSent(providerID: String, kind: String, to: PhoneNumber, from: String, body: String) {
        lock.withLock { stored.append(Entry(providerID: providerID, kind: kind, to: to, from: from, body: body)) }
    }

    public var entries: [Entry] { lock.withLock { stored } }
}

public final class SimulatorProvider: Provider, @unchecked Sendable {
    public let name = "simulator"
    public let settings: SimulatorSettings
    private let ledger: any SimulatorLedger
    private let lock = NSLock()
    private var counter = 0
    private var outbox: [WebhookRequest] = []

    public init(settings: SimulatorSettings, ledger: any SimulatorLedger) {
        self.settings = settings
        self.ledger = ledger
    }

    private func nextID(_ prefix: String) -> String {
        lock.withLock {
            counter += 1
            return "sim-\(prefix)-\(counter)"
        }
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
        let id = nextID("s")
        ledger.recordSent(providerID: id, kind: "sms", to: sms.to, from: sms.from, body: sms.body)
        let status = SimulatorStatuses.scriptedOutcome(for: sms.to) == .undelivered ? "undelivered" : "delivered"
        queue(SimulatorWebhooks.request(path: "/sms/status", fields: [("id", id), ("status", status)], settings: settings))
        return .success(ProviderAccepted(providerID: id, segments: SMSEncoder.inspect(sms.body).segments))
    }

    public func placeCall(_ call: OutboundCall) async -> Result<ProviderAccepted, SendFailure> {
        if SimulatorStatuses.scriptedOutcome(for: call.to) == .invalidNumber {
            return .failure(.permanent(code: "invalid-number", reason: "the simulated network does not know \(call.to.masked)"))
        }
        let id = nextID("c")
        let text: String
        switch call.script {
        case .speech(let words, let language): text = "[\(language)] \(words)"
        case .audio(let url): text = "[audio] \(url)"
        }
        ledger.recordSent(providerID: id, kind: "call", to: call.to, from: call.from, body: text)
        queue(SimulatorWebhooks.request(path: "/voice/status", fields: [("id", id), ("message_id", String(call.messageID)),
                                                                          ("status", "completed"), ("duration", "42")], settings: settings))
        return .success(ProviderAccepted(providerID: id))
    }

    public func handleWebhook(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> {
        SimulatorWebhooks.handle(request, settings: settings)
    }

    public func lookupStatus(providerID: String) async -> Result<DeliveryStatus, SendFailure>? {
        // The simulated network delivers everything it accepted.
        .success(DeliveryStatus(state: .delivered, providerStatus: "delivered"))
    }

    /// A reply from a person, as the simulated provider would post it to our webhook.
    public func inboundRequest(from: PhoneNumber, to: String, text: String) -> WebhookRequest {
        SimulatorWebhooks.request(path: "/sms/inbound",
                                  fields: [("id", nextID("in")), ("from", from.e164), ("to", to), ("message", text)],
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
