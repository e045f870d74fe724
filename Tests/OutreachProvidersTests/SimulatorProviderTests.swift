import Foundation
import Testing
import OutreachCore
@testable import OutreachProviders

@Suite("Simulator provider")
struct SimulatorProviderTests {
    let fatima = PhoneNumber(e164: "+46701740605")

    func sms(to phone: PhoneNumber, body: String = "Hej Fatima! Kaffe och samtal i morgon kl. 14:00.") -> OutboundSMS {
        OutboundSMS(messageID: 7, to: phone, from: "Raslatt", body: body, statusCallbackURL: nil)
    }

    @Test("a send is recorded in the ledger and produces a delivery receipt through the real webhook path")
    func sendAndReceipt() async throws {
        let ledger = InMemorySimulatorLedger()
        let simulator = SimulatorProvider(settings: SimulatorSettings(), ledger: ledger)
        let accepted = try await simulator.sendSMS(sms(to: fatima)).get()
        #expect(accepted.providerID == "sim-s-1")
        #expect(accepted.segments == 1)
        #expect(ledger.entries.map(\.to) == [fatima])
        let webhooks = simulator.drainWebhooks()
        #expect(webhooks.count == 1)
        #expect(simulator.drainWebhooks().isEmpty)
        let outcome = try simulator.handleWebhook(webhooks[0]).get()
        #expect(outcome.events == [.receipt(providerID: "sim-s-1", status: DeliveryStatus(state: .delivered, providerStatus: "delivered"), messageID: 7)])
        #expect(outcome.response.status == 204)
    }

    @Test("scripted failures by the last digits", arguments: [
        ("+46701740690", SendFailure.permanent(code: "invalid-number", reason: "the simulated network does not know +46 70 *** ** 90")),
        ("+46701740691", SendFailure.optedOut(reason: "+46 70 *** ** 91 replied STOP at the simulated provider")),
    ])
    func scripted(phone: String, expected: SendFailure) async {
        let simulator = SimulatorProvider(settings: SimulatorSettings(), ledger: InMemorySimulatorLedger())
        let result = await simulator.sendSMS(sms(to: PhoneNumber(e164: phone)))
        #expect(result == .failure(expected))
        // A call to the same number fails alike (it was placed anyway to a number the network knows opted out).
        let call = OutboundCall(messageID: 8, to: PhoneNumber(e164: phone), from: "+46766860000",
                                script: .speech(text: "Hej", language: "sv-SE"), callbackBaseURL: "http://127.0.0.1:8080/hooks/simulator")
        #expect(await simulator.placeCall(call) == .failure(expected))
    }

    @Test("an undelivered receipt for numbers ending 92")
    func undelivered() async throws {
        let simulator = SimulatorProvider(settings: SimulatorSettings(), ledger: InMemorySimulatorLedger())
        _ = try await simulator.sendSMS(sms(to: PhoneNumber(e164: "+46701740692"))).get()
        let outcome = try simulator.handleWebhook(simulator.drainWebhooks()[0]).get()
        guard case .receipt(_, let status, _) = outcome.events.first else { Issue.record("expected a receipt"); return }
        #expect(status.state == .undelivered)
    }

    @Test("an injected reply parses as an inbound SMS, with Arabic text intact")
    func inbound() throws {
        let simulator = SimulatorProvider(settings: SimulatorSettings(), ledger: InMemorySimulatorLedger())
        let request = simulator.inboundRequest(from: fatima, to: "Raslatt", text: "نعم، سآتي")
        let outcome = try simulator.handleWebhook(request).get()
        guard case .inboundSMS(let id, let from, let to, let body)? = outcome.events.first, outcome.events.count == 1 else {
            Issue.record("expected one inbound SMS, got \(outcome.events)"); return
        }
        #expect(id.hasPrefix("sim-in-") && from == fatima && to == "Raslatt" && body == "نعم، سآتي")
        // Replies are stored once per id: every injected reply (each `outreach simulate reply` is a new process)
        // needs its own, or the second would be taken for a provider's retry of the first.
        let again = try simulator.handleWebhook(simulator.inboundRequest(from: fatima, to: "Raslatt", text: "1")).get()
        guard case .inboundSMS(let secondID, _, _, _)? = again.events.first else { Issue.record("expected an inbound SMS"); return }
        #expect(secondID != id)
    }

    @Test("calls are recorded and end with a call-ended event; keypad answers parse")
    func calls() async throws {
        let ledger = InMemorySimulatorLedger()
        let simulator = SimulatorProvider(settings: SimulatorSettings(), ledger: ledger)
        let call = OutboundCall(messageID: 9, to: fatima, from: "+46701740699", script: .speech(text: "Hej", language: "sv-SE"),
                                callbackBaseURL: "http://127.0.0.1:8080/hooks/simulator")
        let accepted = try await simulator.placeCall(call).get()
        #expect(ledger.entries.first?.body == "[sv-SE] Hej")
        let keypad = try simulator.handleWebhook(simulator.keypadRequest(providerCallID: accepted.providerID, messageID: 9, digits: "1")).get()
        #expect(keypad.events == [.callDigits(providerCallID: accepted.providerID, messageID: 9, digits: "1")])
        let ended = try simulator.handleWebhook(simulator.drainWebhooks()[0]).get()
        #expect(ended.events == [.callEnded(providerCallID: accepted.providerID, messageID: 9, outcome: .completed, durationSeconds: 42)])
    }

    @Test("webhooks without the right secret are refused before parsing; bad bodies are malformed")
    func authentication() {
        let simulator = SimulatorProvider(settings: SimulatorSettings(secret: "s3cret"), ledger: InMemorySimulatorLedger())
        let body = Array("id=sim-s-1&status=delivered".utf8)
        let base = "http://127.0.0.1:8080/hooks/simulator/sms/status"
        for url in [base, base + "?secret=wrong", base + "?secret=s3cre", base + "?secret=s3cret1"] {
            let result = simulator.handleWebhook(WebhookRequest(method: "POST", publicURL: url, headers: [:], body: body))
            guard case .failure(.unauthorized) = result else { Issue.record("expected unauthorized for \(url)"); continue }
        }
        let empty = simulator.handleWebhook(WebhookRequest(method: "POST", publicURL: base + "?secret=s3cret", headers: [:], body: []))
        #expect(empty == .failure(.malformed("empty body")))
        let unknown = simulator.handleWebhook(WebhookRequest(method: "POST", publicURL: base + "?secret=s3cret", headers: [:],
                                                             body: Array("id=x&status=teleported".utf8)))
        #expect(unknown == .success(WebhookOutcome(events: [.ignored(reason: "unknown simulator status 'teleported'")], response: .noContent)))
    }
}
