import Foundation
import Testing
import OutreachCore
@testable import OutreachStore

@Suite("Outbox claims and results")
struct OutboxRecordTests {
    let now = Timestamp.parse("2026-11-23T10:00:00Z")!

    @Test("a message of a cancelled campaign that ends cancelled says so, not why it was retried or gave up")
    func cancelledCampaignReason() throws {
        let database = try Store.open(path: ":memory:", now: now)
        try database.execute("""
            INSERT INTO campaigns (id, name, template, audience, status, created_at, updated_at)
            VALUES (1, 'Eid', 'help', 'role=senior', 'cancelled', 'x', 'x');
            INSERT INTO messages (id, campaign_id, phone, channel, language, template, body, dedupe_key, status, attempts, not_before,
                                  created_at, updated_at)
            VALUES (1, 1, '+46701740605', 'sms', 'sv', 'help', 'x', 'k1', 'unknown', 6, '2026-11-23T09:00:00Z', 'x', 'x'),
                   (2, 1, '+46701740613', 'sms', 'sv', 'help', 'x', 'k2', 'sending', 1, '2026-11-23T09:00:00Z', 'x', 'x');
            """)
        let outbox = OutboxStore(database)
        #expect(try outbox.failUnknown(id: 1, reason: "gave up after 6 attempts", now: now))
        try outbox.record([.retry(messageID: 2, notBefore: now.addingTimeInterval(60), error: "HTTP 503")], now: now)
        for id: Int64 in [1, 2] {
            let message = try #require(try outbox.find(id: id))
            #expect(message.status == .cancelled && message.error == "not sent: its campaign was cancelled", "\(message)")
        }
    }

    @Test("a claim marks exactly what it returns, oldest first, and never twice")
    func claim() throws {
        let database = try Store.open(path: ":memory:", now: now)
        let outbox = OutboxStore(database)
        // Due at scattered instants (inserted out of order), and five not yet due.
        let count = 58
        let messages = (0..<count).map { index in
            let minutesAgo = index < 5 ? -30 : (index * 37) % 50
            return Self.message(index, notBefore: now.addingTimeInterval(Double(-60 * minutesAgo)))
        }
        #expect(try outbox.enqueue(messages, now: now) == count)
        let limit = 41
        let later = now.addingTimeInterval(1)
        let first = try outbox.claimDue(now: later, limit: limit)
        #expect(first.count == limit)
        #expect(first.map { [$0.notBefore.timeIntervalSince1970, Double($0.id)] }
                == first.map { [$0.notBefore.timeIntervalSince1970, Double($0.id)] }.sorted { $0.lexicographicallyPrecedes($1) })
        // What the claim returns is what it stored.
        for message in first {
            #expect(message.status == .sending && message.attempts == 1)
            #expect(try outbox.find(id: message.id) == message)
        }
        let second = try outbox.claimDue(now: later, limit: limit)
        #expect(second.count == count - 5 - limit)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
        #expect(try outbox.claimDue(now: later, limit: limit).isEmpty)
        let states = try database.statement("SELECT status, count(*), min(attempts), max(attempts) FROM messages GROUP BY status ORDER BY status")
            .rows { row in "\(row.string(0)) \(row.int(1)) \(row.int(2))-\(row.int(3))" }
        #expect(states == ["queued 5 0-0", "sending \(count - 5) 1-1"])
        #expect(try database.statement("SELECT count(*) FROM messages WHERE status = 'sending' AND updated_at = ?")
            .bind(Timestamp.format(later)).rows { $0.int(0) } == [count - 5])
    }

    @Test("a batch of results gives each message its own provider, provider id and state, whatever the id holds")
    func batch() throws {
        let database = try Store.open(path: ":memory:", now: now)
        let outbox = OutboxStore(database)
        let count = 41
        let messages = (0..<count).map { Self.message($0, notBefore: now.addingTimeInterval(-60)) }
        #expect(try outbox.enqueue(messages, now: now) == count)
        let claimed = try outbox.claimDue(now: now, limit: count)
        #expect(claimed.count == count)
        let later = now.addingTimeInterval(5)
        // Sent messages interleaved with a retry, a failure and a provider opt-out, as a real batch can be.
        let outcomes: [SendOutcome] = claimed.enumerated().map { index, message in
            switch index {
            case 3: return .retry(messageID: message.id, notBefore: later.addingTimeInterval(60), error: "HTTP 503")
            case 20: return .failed(messageID: message.id, error: "twilio 21211: invalid number")
            case 30: return .optedOut(messageID: message.id, phone: message.phone, channel: .sms, reason: "21610")
            default: return .sent(messageID: message.id, provider: index % 2 == 0 ? "twilio" : "46elks", providerID: Self.providerID(index))
            }
        }
        try outbox.record(outcomes, now: later)
        let rows = try database.statement("SELECT id, status, provider, provider_id, error, updated_at FROM messages ORDER BY id").rows { row in
            (row.int64(0), row.string(1), row.optionalString(2), row.optionalString(3), row.optionalString(4), row.string(5))
        }
        #expect(rows.count == count)
        for (index, row) in rows.enumerated() {
            #expect(row.0 == claimed[index].id)
            #expect(row.5 == Timestamp.format(later), "message \(index)")
            switch index {
            case 3: #expect(row.1 == "queued" && row.4 == "HTTP 503")
            case 20: #expect(row.1 == "failed" && row.3 == nil)
            case 30: #expect(row.1 == "failed" && row.4 == "opted out: 21610")
            default:
                #expect(row.1 == "sent", "message \(index)")
                #expect(row.2 == (index % 2 == 0 ? "twilio" : "46elks"), "message \(index)")
                #expect(row.3 == Self.providerID(index), "message \(index)")
                #expect(row.4 == nil)
            }
        }
        #expect(try OptOutStore(database).isOptedOut(phone: claimed[30].phone, channel: .sms))
    }

    /// SMS `index` of a test batch, to a number and with a text of its own.
    static func message(_ index: Int, notBefore: Date) -> NewMessage {
        NewMessage(personID: nil, phone: PhoneNumber(e164: "+4670175\(String(format: "%04d", index))"), channel: .sms, language: "sv",
                   template: "help", body: "Hej \(index)", dedupeKey: "k\(index)", notBefore: notBefore)
    }

    /// Provider ids are the provider's text: they travel to SQLite inside a JSON text (`JSONBatch`), so some here hold
    /// what JSON must escape.
    static func providerID(_ index: Int) -> String {
        switch index {
        case 7: return "SM\"quoted\" back\\slash"
        case 8: return "line\nbreak\ttab\u{01}bell"
        case 9: return "Träffpunkt ✉︎ 𝄞 مرحبا"
        case 10: return ""
        default: return "SM\(9_000 - index)"
        }
    }
}
