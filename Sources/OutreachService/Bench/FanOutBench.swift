import Foundation
import OutreachCore
import OutreachStore

/// Fan-out: `CampaignService.launch` (stream the audience, render, inspect, enqueue in batches) over N seniors,
/// and its ceiling: N plain inserts of rows of the same shape in one transaction with one prepared statement.
struct FanOutBench {
    /// Languages with a shipped "help" text, so rendering works in several scripts (Latin, Arabic). Senior `i` (and
    /// row or request `i` of the ceilings) has the language at `i % languages.count`.
    static let languages = ["sv", "fi", "nb", "en", "ar", "so"]
    static let template = "help"

    let config: OutreachConfig
    let library: PromptLibrary
    let now: Date

    /// Adds `count` seniors (sms) in chunks, so setup itself never holds the whole list.
    func addSeniors(_ count: Int, to database: Database) throws {
        let store = PeopleStore(database)
        var start = 0
        while start < count {
            let end = min(count, start + 1_000)
            let people = (start..<end).map { index in
                Person(role: .senior, name: "Senior \(index + 1) Benchsson", phone: Self.phone(index),
                       language: Self.languages[index % Self.languages.count], channel: .sms)
            }
            _ = try store.upsert(people, now: now)
            start = end
        }
    }

    /// Creates the campaign and launches it. Returns the messages enqueued and how long `launch` took.
    func launch(in database: Database, name: String = "bench") throws -> (enqueued: Int, timing: Timing) {
        var campaign = Campaign(name: name, template: Self.template, audience: AudienceFilter(), channel: .sms, sendAt: nil)
        campaign.id = try CampaignStore(database).create(campaign, now: now)
        let library = self.library
        let kind = config.provider.kind
        let service = CampaignService(database: database, config: config, library: library,
                                      voiceLanguages: { Gateway.voiceLanguage(catalog: library.catalog, kind: kind, language: $0) })
        let (launched, timing) = try Timing.measure { try service.launch(campaign, now: now) }
        return (launched.total, timing)
    }

    /// The ceiling: `count` inserts into the outbox's own `messages` table in a fresh database (so its columns, CHECKs
    /// and indexes are the real ones), one transaction, one reused prepared statement. Foreign keys are off: the raw
    /// database has no people or campaigns to refer to. Row `i` carries the text the campaign gives senior `i` (the
    /// languages take turns alike), so raw rows are as long as real ones. Returns how long the inserts took.
    func rawInsert(_ count: Int, path: String) throws -> Timing {
        let database = try Store.open(path: path, now: now)
        try database.execute("PRAGMA foreign_keys = OFF")
        let samples = try sampleTexts()
        let stamp = Timestamp.format(now)
        let ((), timing) = try Timing.measure {
            try database.transaction {
                let insert = try database.statement("""
                    INSERT INTO messages (person_id, campaign_id, phone, channel, language, template, body, encoding, segments,
                                          dedupe_key, status, not_before, expires_at, error, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for index in 0..<count {
                    let sample = samples[index % samples.count]
                    try insert.bind(index + 1, 1, Self.phone(index).e164, "sms", sample.language, Self.template, sample.text,
                                    sample.encoding.rawValue, sample.segments, "raw:\(index + 1)", "queued", stamp,
                                    String?.none, String?.none, stamp, stamp).run()
                }
            }
        }
        return timing
    }

    /// The "help" text in each of `languages`, as a campaign renders and stores it (after smart encoding).
    func sampleTexts() throws -> [(language: String, text: String, encoding: SMSEncoding, segments: Int)] {
        let values = ["org.name": config.organization.name, "org.phone": config.organization.phone]
        let renderer = TemplateRenderer(library: library)
        return try Self.languages.map { language in
            let rendered = try renderer.render(template: Self.template, channel: .sms, language: language,
                                               context: RenderContext(values: values, timeZone: config.timeZone))
            let inspection = SMSEncoder.inspect(rendered.text, smartEncoding: true)
            return (rendered.language, inspection.text, inspection.encoding, inspection.segments)
        }
    }

    /// +46 70 1xx xx xx: valid Swedish mobile numbers, one per index below a million.
    static func phone(_ index: Int) -> PhoneNumber {
        let digits = String(index)
        return PhoneNumber(e164: "+46701" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits)
    }
}
