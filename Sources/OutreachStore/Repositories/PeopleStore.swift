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
    /// Campaign messages to changed people that were in flight as they changed (being sent, or in doubt): those go
    /// as they were made, if they go. (Reminders in flight are withdrawn instead: see `upsert`.)
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
            var openCampaigns: [OpenCampaign]?  // read once, at the first person whose messages may change
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
                        try withdrawRemindersInFlight(personID: id)
                        if openCampaigns == nil { openCampaigns = try Self.openCampaigns(database, now: now) }
                        for campaign in openCampaigns ?? [] {
                            let (setAside, inFlight) = try setAsideCampaignMessages(personID: id, campaign: campaign, now: now)
                            if setAside { summary.campaignMessagesSetAside[campaign.id, default: []].insert(id) }
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

    /// A person's reminders in flight (`sending`, or `unknown` after a crash) as they change: marked withdrawn, so one
    /// that comes back to the queue (a retry, a release at a stop, a lookup that finds it never sent) is cancelled with
    /// its key freed, and the scheduler plans it again as they are now (`OutboxStore.keyBackInQueue`). One that goes
    /// keeps its key: no second reminder. Before, it came back as it was made, and the next tick planned the new
    /// channel's as well: a senior reminded twice. A cancelled date's withdrawal is kept (that date is not planned
    /// again); a taking out's is replaced, since enrolling again clears it and the message would come back as it was
    /// made (one that comes back while they are out is cancelled anyway, and nothing is planned for them).
    private func withdrawRemindersInFlight(personID: Int64) throws {
        let keys = PlannedReminder.keyRange(personID: personID)
        try database.statement("""
            UPDATE messages SET withdrawn = CASE WHEN withdrawn IS NULL OR withdrawn = ?4 THEN ?3 ELSE withdrawn END
            WHERE dedupe_key >= ?1 AND dedupe_key < ?2 AND status IN ('sending', 'unknown')
            """).bind(keys.lower, keys.upper, OutboxStore.replacedInFlight, SessionStore.unenrolled).run()
    }

    /// A campaign whose messages may still go, and whether it is `done`.
    struct OpenCampaign {
        let id: Int64
        let done: Bool
    }

    /// Campaigns whose messages may still go: running, scheduled or paused; or done with a message an opt-out
    /// suppressed about a session still ahead (a START brings it back, see `OptOutStore`). Read once per import.
    private static func openCampaigns(_ database: Database, now: Date) throws -> [OpenCampaign] {
        try database.statement("""
            SELECT id, status = 'done' FROM campaigns c
            WHERE status IN ('running', 'scheduled', 'paused')
               OR (status = 'done' AND EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = c.id AND m.status = 'suppressed'
                                                 AND m.expires_at > ?1))
            ORDER BY id
            """).bind(Timestamp.format(now)).rows { OpenCampaign(id: $0.int64(0), done: $0.int(1) == 1) }
    }

    /// The same for one campaign's messages to the person: those not gone yet (queued, or suppressed, and not past
    /// their session's start; of a done campaign, only those a START would bring back) are cancelled with their keys
    /// freed, for `CampaignService.enqueueAgain`. Found by their keys (one per channel), so an import reads no more
    /// than it must. Returns whether any was, and how many of the person's messages of it are in flight. Without this
    /// a paused campaign, resumed, sent the old language.
    private func setAsideCampaignMessages(personID: Int64, campaign: OpenCampaign, now: Date) throws -> (setAside: Bool, inFlight: Int) {
        let keys = Campaign.dedupeKeys(campaignID: campaign.id, personID: personID)
        precondition(keys.count == 2, "one key per channel: sms and voice")
        let ahead = campaign.done ? "expires_at > ?1" : "(expires_at IS NULL OR expires_at > ?1)"
        let cancelled = try OutboxStore(database).cancelPlanned(
            where: "dedupe_key IN (?3, ?4) AND \(ahead)", keys, freeingKeysAs: .replaced,
            reason: "replaced: the person's language, channel or role changed; made again as they are now (none if no longer in "
                + "the audience)", now: now).cancelled
        let inFlight = try database.statement("SELECT count(*) FROM messages WHERE dedupe_key IN (?, ?) AND status IN ('sending', 'unknown')")
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
