import Foundation
import OutreachCore

/// What an import did, counted per person.
public struct UpsertSummary: Equatable, Sendable {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    /// Reminders still to go set aside because their person's language, channel or role changed (see `upsert`).
    public var remindersReplanned = 0
    /// Campaign messages still to go set aside for the same reason, by campaign: the people whose messages those were.
    /// `CampaignService.enqueueAgain` enqueues them as the people are now.
    public var campaignMessagesSetAside: [Int64: Set<Int64>] = [:]
    public init(added: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.added = added
        self.updated = updated
        self.unchanged = unchanged
    }
}

public struct PeopleFilter: Sendable {
    public var role: Role?
    public var language: String?
    public init(role: Role? = nil, language: String? = nil) {
        self.role = role
        self.language = language
    }
}

/// People: seniors, guides and coordinators, unique by phone number.
public struct PeopleStore {
    let database: Database

    public init(_ database: Database) { self.database = database }

    static let columns = "id, role, name, phone, language, channel, pickup, notes"

    /// Inserts new people and updates changed ones, matched by phone, in one transaction.
    public func upsert(_ people: [Person], now: Date) throws -> UpsertSummary {
        let stamp = Timestamp.format(now)
        return try database.transaction {
            var summary = UpsertSummary()
            for person in people {
                if let existing = try find(phone: person.phone) {
                    var incoming = person
                    incoming.id = existing.id
                    if incoming == existing {
                        summary.unchanged += 1
                        continue
                    }
                    try database.statement("""
                        UPDATE people SET role = ?, name = ?, language = ?, channel = ?, pickup = ?, notes = ?, updated_at = ?
                        WHERE id = ?
                        """).bind(person.role.rawValue, person.name, person.language, person.channel.rawValue,
                                  person.pickup, person.notes, stamp, existing.id!).run()
                    summary.updated += 1
                    // A role change too: someone who is no longer a senior gets no session reminders.
                    if person.language != existing.language || person.channel != existing.channel || person.role != existing.role {
                        summary.remindersReplanned += try setAsideReminders(personID: existing.id!, now: now)
                        for campaignID in try setAsideCampaignMessages(personID: existing.id!, now: now) {
                            summary.campaignMessagesSetAside[campaignID, default: []].insert(existing.id!)
                        }
                    }
                } else {
                    try database.statement("""
                        INSERT INTO people (role, name, phone, language, channel, pickup, notes, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """).bind(person.role.rawValue, person.name, person.phone.e164, person.language,
                                  person.channel.rawValue, person.pickup, person.notes, stamp, stamp).run()
                    summary.added += 1
                }
            }
            return summary
        }
    }

    /// A person's reminders still to go were rendered, or suppressed, for their old language and channel (a call to
    /// someone who now takes SMS only would still ring; a reminder suppressed for want of a voice would stay so).
    /// Those queued or suppressed whose session is ahead are cancelled with the reason, their dedupe key freed by a
    /// suffix, and the scheduler's next tick plans them again as the person is now. Sending or sent ones stay.
    /// (A message the running service holds, `sending`, is not reached: if it is given back, it goes as it was made.)
    private func setAsideReminders(personID: Int64, now: Date) throws -> Int {
        let keys = PlannedReminder.keyRange(personID: personID)
        return try OutboxStore(database).cancelPlanned(
            where: "dedupe_key >= ?3 AND dedupe_key < ?4 AND expires_at > ?1", [keys.lower, keys.upper], freeingKeysAs: .replaced,
            reason: "replaced: the person's language, channel or role changed; planned again as they are now (none if no longer a senior)",
            now: now).cancelled
    }

    /// The same for campaign messages: those not gone yet (queued, or suppressed, and not past their session's start) of
    /// campaigns still sending are cancelled with their keys freed. Returns the campaigns they were of. Without this a
    /// paused campaign, resumed, sent the old language, and a relaunch called someone who had been sent an SMS.
    private func setAsideCampaignMessages(personID: Int64, now: Date) throws -> [Int64] {
        let stamp = Timestamp.format(now)
        let campaigns = try database.statement("""
            SELECT DISTINCT m.campaign_id FROM messages m JOIN campaigns c ON c.id = m.campaign_id
            WHERE m.person_id = ?1 AND m.status IN ('queued', 'suppressed') AND (m.expires_at IS NULL OR m.expires_at > ?2)
              AND c.status IN ('running', 'scheduled', 'paused', 'done')
            ORDER BY m.campaign_id
            """).bind(personID, stamp).rows { $0.int64(0) }
        for campaignID in campaigns {
            _ = try OutboxStore(database).cancelPlanned(
                where: "person_id = ?3 AND campaign_id = ?4 AND (expires_at IS NULL OR expires_at > ?1)", [personID, campaignID],
                freeingKeysAs: .replaced,
                reason: "replaced: the person's language, channel or role changed; enqueued again as they are now", now: now)
        }
        return campaigns
    }

    public func find(phone: PhoneNumber) throws -> Person? {
        try database.statement("SELECT \(Self.columns) FROM people WHERE phone = ?")
            .bind(phone.e164).firstRow(Self.person)
    }

    public func find(id: Int64) throws -> Person? {
        try database.statement("SELECT \(Self.columns) FROM people WHERE id = ?").bind(id).firstRow(Self.person)
    }

    public func list(_ filter: PeopleFilter = PeopleFilter()) throws -> [Person] {
        try database.statement("""
            SELECT \(Self.columns) FROM people
            WHERE (?1 IS NULL OR role = ?1) AND (?2 IS NULL OR language = ?2)
            ORDER BY role, name, id
            """).bind(filter.role?.rawValue, filter.language).rows(Self.person)
    }

    public func count() throws -> Int {
        try database.statement("SELECT count(*) FROM people").firstRow { $0.int(0) } ?? 0
    }

    static func person(_ row: Row) throws -> Person {
        guard let role = Role(rawValue: row.string(1)), let channel = ContactChannel(rawValue: row.string(5)) else {
            throw StoreError(.other, "person \(row.int64(0)) has an unknown role or channel in the database")
        }
        return Person(id: row.int64(0), role: role, name: row.string(2), phone: PhoneNumber(e164: row.string(3)),
                      language: row.string(4), channel: channel, pickup: row.string(6), notes: row.string(7))
    }
}
