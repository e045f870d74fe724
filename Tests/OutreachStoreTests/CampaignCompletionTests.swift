import Foundation
import Testing
import OutreachCore
@testable import OutreachStore

@Suite("Campaign completion")
struct CampaignCompletionTests {
    let now = Timestamp.parse("2026-11-23T10:00:00Z")!

    @Test("a running campaign is done only when none of its messages is queued or sending, wherever that one is",
          arguments: [0, 2, 4])
    func completion(openAt position: Int) throws {
        let database = try Store.open(path: ":memory:", now: now)
        let campaigns = CampaignStore(database)
        let id = try campaigns.create(Campaign(name: "Eid", template: "help", audience: AudienceFilter(), channel: .sms, sendAt: nil), now: now)
        try campaigns.setStatus(id: id, .running, now: now)
        let other = try campaigns.create(Campaign(name: "Other", template: "help", audience: AudienceFilter(), channel: .sms, sendAt: nil), now: now)
        try campaigns.setStatus(id: other, .running, now: now)
        for index in 0..<5 {
            try database.statement("""
                INSERT INTO messages (campaign_id, phone, channel, language, template, body, dedupe_key, status, not_before, created_at, updated_at)
                VALUES (?, '+46701740605', 'sms', 'sv', 'help', 'Hej', ?, 'sent', 'x', 'x', 'x')
                """).bind(id, "k\(index)").run()
        }
        // The other campaign's open message must not keep this one running.
        try database.statement("""
            INSERT INTO messages (campaign_id, phone, channel, language, template, body, dedupe_key, status, not_before, created_at, updated_at)
            VALUES (?, '+46701740606', 'sms', 'sv', 'help', 'Hej', 'other', 'queued', 'x', 'x', 'x')
            """).bind(other).run()
        for open in ["queued", "sending"] {
            try database.statement("UPDATE messages SET status = ? WHERE dedupe_key = ?").bind(open, "k\(position)").run()
            #expect(try campaigns.finishCompleted(now: now) == 0, "\(open) at \(position)")
            #expect(try campaigns.find(id: id)?.status == .running)
        }
        try database.statement("UPDATE messages SET status = 'delivered' WHERE dedupe_key = ?").bind("k\(position)").run()
        #expect(try campaigns.finishCompleted(now: now) == 1)
        #expect(try campaigns.find(id: id)?.status == .done)
        #expect(try campaigns.find(id: other)?.status == .running)
    }
}
