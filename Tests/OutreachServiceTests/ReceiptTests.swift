import Foundation
import Testing
import OutreachCore
import OutreachProviders
import OutreachStore
@testable import OutreachService

@Suite("Receipts")
struct ReceiptTests {
    /// Three messages Twilio accepted, as the outbox holds them after sending.
    func world() throws -> (ServiceWorld, EventProcessor) {
        let world = try ServiceWorld(now: "2026-11-22T10:00:00Z")
        for (index, sid) in ["SMaaa", "SMbbb", "SMccc"].enumerated() {
            try world.database.statement("""
                INSERT INTO messages (id, phone, channel, language, template, body, dedupe_key, status, not_before, provider,
                                      provider_id, created_at, updated_at)
                VALUES (?, ?, 'sms', 'sv', 'help', 'Hej', ?, 'sent', '2026-11-22T09:00:00Z', 'twilio', ?, '2026-11-22T09:00:00Z', '2026-11-22T09:00:00Z')
                """).bind(Int64(index + 1), "+4670174060\(index + 5)", "k\(index)", sid).run()
        }
        return (world, EventProcessor(database: world.database, providerName: "twilio", matcher: nil, log: .silent))
    }

    func statuses(_ world: ServiceWorld) throws -> [String] {
        try world.database.statement("SELECT status FROM messages ORDER BY id").rows { $0.string(0) }
    }

    @Test("a receipt naming our message moves it by its key; one whose provider id is another message's moves nothing")
    func byMessageID() throws {
        let (world, events) = try world()
        let delivered = DeliveryStatus(state: .delivered, providerStatus: "delivered")
        try events.process([.receipt(providerID: "SMaaa", status: delivered, messageID: 1)], now: world.clock.now)
        #expect(try statuses(world) == ["delivered", "sent", "sent"])
        // Our id with another message's provider id (or a guessed id): neither message moves.
        try events.process([.receipt(providerID: "SMccc", status: delivered, messageID: 2)], now: world.clock.now)
        #expect(try statuses(world) == ["delivered", "sent", "sent"])
        // No id of ours (sent before version 6, or a provider that does not echo it): found by the provider id.
        try events.process([.receipt(providerID: "SMccc", status: delivered)], now: world.clock.now)
        #expect(try statuses(world) == ["delivered", "sent", "delivered"])
    }

    @Test("a receipt naming a message left unknown settles it with the receipt's id; one that does not name it settles nothing")
    func settlesUnknown() throws {
        let (world, events) = try world()
        try world.database.statement("""
            INSERT INTO messages (id, phone, channel, language, template, body, dedupe_key, status, not_before, error,
                                  created_at, updated_at)
            VALUES (4, '+46701740621', 'sms', 'sv', 'help', 'Hej', 'k3', 'unknown', '2026-11-22T09:00:00Z',
                    'twilio may have it: the request went out but no answer came back', '2026-11-22T09:00:00Z', '2026-11-22T09:00:00Z')
            """).run()
        let delivered = DeliveryStatus(state: .delivered, providerStatus: "delivered")
        try events.process([.receipt(providerID: "SMddd", status: delivered)], now: world.clock.now)
        #expect(try statuses(world) == ["sent", "sent", "sent", "unknown"])
        try events.process([.receipt(providerID: "SMddd", status: delivered, messageID: 4)], now: world.clock.now)
        #expect(try statuses(world) == ["sent", "sent", "sent", "delivered"])
        let settled = try #require(try OutboxStore(world.database).find(id: 4))
        #expect(settled.provider == "twilio" && settled.providerID == "SMddd" && settled.error == nil)
        // A second receipt with another id does not move it: it has its provider id now.
        try events.process([.receipt(providerID: "SMeee", status: DeliveryStatus(state: .failed, providerStatus: "failed"), messageID: 4)],
                           now: world.clock.now)
        #expect(try OutboxStore(world.database).find(id: 4)?.status == .delivered)
    }

    @Test("an opted-out receipt naming our message records the opt-out for that message's number")
    func optOutByMessageID() throws {
        let (world, events) = try world()
        let stopped = DeliveryStatus(state: .failed, providerStatus: "failed", errorCode: "21610", optedOut: true)
        try events.process([.receipt(providerID: "SMbbb", status: stopped, messageID: 2)], now: world.clock.now)
        #expect(try statuses(world) == ["sent", "failed", "sent"])
        #expect(try OptOutStore(world.database).isOptedOut(phone: PhoneNumber(e164: "+46701740606"), channel: .sms))
        #expect(try !OptOutStore(world.database).isOptedOut(phone: PhoneNumber(e164: "+46701740605"), channel: .sms))
    }

    @Test("a receipt that outruns the provider's answer settles the message still sending; the answer's write then leaves it")
    func receiptBeforeResult() throws {
        let (world, events) = try world()
        for id in [4, 5] {
            try world.database.statement("""
                INSERT INTO messages (id, phone, channel, language, template, body, dedupe_key, status, attempts, not_before,
                                      created_at, updated_at)
                VALUES (?, ?, 'sms', 'sv', 'help', 'Hej', ?, 'sending', 1, '2026-11-22T09:00:00Z', '2026-11-22T09:00:00Z', '2026-11-22T09:00:00Z')
                """).bind(Int64(id), "+4670174062\(id)", "k\(id)").run()
        }
        let delivered = DeliveryStatus(state: .delivered, providerStatus: "delivered")
        let stopped = DeliveryStatus(state: .failed, providerStatus: "failed", errorCode: "21610", optedOut: true)
        try events.process([.receipt(providerID: "SMddd", status: delivered, messageID: 4),
                            .receipt(providerID: "SMeee", status: stopped, messageID: 5)], now: world.clock.now)
        #expect(try statuses(world) == ["sent", "sent", "sent", "delivered", "failed"])
        // The opt-out the receipt carries holds, though the message had no provider id when it came.
        #expect(try OptOutStore(world.database).isOptedOut(phone: PhoneNumber(e164: "+46701740625"), channel: .sms))
        // The dispatcher writes the answers it had (sent, and a lost answer): neither goes backwards.
        try OutboxStore(world.database).record([.sent(messageID: 4, provider: "twilio", providerID: "SMddd"),
                                                .unconfirmed(messageID: 5, error: "no answer")], now: world.clock.now)
        #expect(try statuses(world) == ["sent", "sent", "sent", "delivered", "failed"])
        let message = try #require(try OutboxStore(world.database).find(id: 4))
        #expect(message.providerID == "SMddd" && message.provider == "twilio")
    }
}
