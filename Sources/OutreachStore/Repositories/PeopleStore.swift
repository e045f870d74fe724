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
    /// Messages to changed people that the running service was sending as they changed: those go as they were made
    /// (if the provider does not take one, it is tried again as it was made).
    public var inFlightAsMade = 0
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
            var openCampaigns: [Int64]?  // read once, at the first person whose messages may change
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
                        let id = existing.id!
                        summary.remindersReplanned += try setAsideReminders(personID: id, now: now)
                        let keys = PlannedReminder.keyRange(personID: id)
                        summary.inFlightAsMade += try database.statement("""
                            SELECT count(*) FROM messages WHERE dedupe_key >= ? AND dedupe_key < ? AND status = 'sending'
                            """).bind(keys.lower, keys.upper).firstRow { $0.int(0) } ?? 0
                        if openCampaigns == nil { openCampaigns = try Self.openCampaigns(database) }
                        for campaignID in openCampaigns ?? [] {
                            let (setAside, inFlight) = try setAsideCampaignMessages(personID: id, campaignID: campaignID, now: now)
                            if setAside { summary.campaignMessagesSetAside[campaignID, default: []].insert(id) }
                            summary.inFlightAsMade += inFlight
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

    /// Campaigns whose messages may still go: running, scheduled, paused, or done (a START brings back a message an
    /// opt-out suppressed, see `OptOutStore`).
    private static func openCampaigns(_ database: Database) throws -> [Int64] {
        try database.statement("SELECT id FROM campaigns WHERE status IN ('running', 'scheduled', 'paused', 'done') ORDER BY id")
            .rows { $0.int64(0) }
    }

    /// The same for one campaign's messages to the person: those not gone yet (queued, or suppressed, and not past
    /// their session's start) are cancelled with their keys freed, for `CampaignService.enqueueAgain`. Found by their
    /// keys (one per channel), so an import reads no more than it must. Returns whether any was, and how many of the
    /// person's messages of it the service is sending. Without this a paused campaign, resumed, sent the old language.
    private func setAsideCampaignMessages(personID: Int64, campaignID: Int64, now: Date) throws -> (setAside: Bool, inFlight: Int) {
        let keys = Channel.allCases.map { Campaign.dedupeKey(campaignID: campaignID, personID: personID, channel: $0) }
        precondition(keys.count == 2, "one key per channel: sms and voice")
        let cancelled = try OutboxStore(database).cancelPlanned(
            where: "dedupe_key IN (?3, ?4) AND (expires_at IS NULL OR expires_at > ?1)", keys, freeingKeysAs: .replaced,
            reason: "replaced: the person's language, channel or role changed; enqueued again as they are now", now: now).cancelled
        let inFlight = try database.statement("SELECT count(*) FROM messages WHERE dedupe_key IN (?, ?) AND status = 'sending'")
            .bind(keys[0], keys[1]).firstRow { $0.int(0) } ?? 0
        return (cancelled > 0, inFlight)
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
