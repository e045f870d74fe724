import Foundation
import Testing
import OutreachCore
@testable import OutreachStore

@Suite("Outbox results")
struct OutboxRecordTests {
    let now = Timestamp.parse("2026-11-23T10:00:00Z")!

    @Test("a batch of results gives each message its own provider id and state, in chunks and one by one alike")
    func batch() throws {
        let database = try Store.open(path: ":memory:", now: now)
        let outbox = OutboxStore(database)
        let count = 2 * OutboxStore.sentChunk + 9
        let messages = (0..<count).map { index in
            NewMessage(personID: nil, phone: PhoneNumber(e164: "+4670174\(String(format: "%04d", index))"), channel: .sms, language: "sv",
                       template: "help", body: "Hej", dedupeKey: "k\(index)", notBefore: now.addingTimeInterval(-60))
        }
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
            default: return .sent(messageID: message.id, provider: index % 2 == 0 ? "twilio" : "46elks", providerID: "SM\(9_000 - index)")
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
                #expect(row.3 == "SM\(9_000 - index)", "message \(index)")
                #expect(row.4 == nil)
            }
        }
        #expect(try OptOutStore(database).isOptedOut(phone: claimed[30].phone, channel: .sms))
    }
}
