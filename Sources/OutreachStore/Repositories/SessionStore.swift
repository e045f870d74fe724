import Foundation
import OutreachCore

/// Sessions with their recurrence and exception dates, and who is enrolled.
public struct SessionStore {
    let database: Database
    /// Whether a campaign to a session's audience is about its dates (its template names the session): only those
    /// messages stop when a date is cancelled or a senior taken out. The store cannot read the templates; by default all.
    let isAboutSession: (Campaign) -> Bool

    public init(_ database: Database, campaignIsAboutSession: @escaping (Campaign) -> Bool = { _ in true }) {
        self.database = database
        self.isAboutSession = campaignIsAboutSession
    }

    @discardableResult
    public func add(_ session: Session, now: Date) throws -> Int64 {
        try database.transaction {
            try database.statement("""
                INSERT INTO sessions (title, place, start_local, duration_minutes, time_zone, rrule, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """).bind(session.title, session.place, session.schedule.start.description,
                          session.schedule.durationMinutes, session.schedule.timeZone.identifier,
                          session.schedule.rule?.description, Timestamp.format(now)).run()
            let id = database.lastInsertRowID
            for date in session.schedule.exceptionDates.sorted() {
                try database.statement("INSERT INTO session_exceptions (session_id, local_date) VALUES (?, ?)")
                    .bind(id, date.description).run()
            }
            return id
        }
    }

    public func find(id: Int64) throws -> Session? {
        try database.statement("""
            SELECT id, title, place, start_local, duration_minutes, time_zone, rrule FROM sessions WHERE id = ?
            """).bind(id).firstRow(session)
    }

    public func list() throws -> [Session] {
        try database.statement("""
            SELECT id, title, place, start_local, duration_minutes, time_zone, rrule FROM sessions ORDER BY id
            """).rows(session)
    }

    /// Enrolls a senior; enrolling twice is not an error. Returns false when already enrolled. Reminders of theirs
    /// withdrawn when they were taken out, still in flight, are theirs again.
    @discardableResult
    public func enroll(personID: Int64, sessionID: Int64, now: Date) throws -> Bool {
        try database.transaction {
            try database.statement("""
                INSERT INTO enrollments (person_id, session_id, created_at) VALUES (?, ?, ?)
                ON CONFLICT (person_id, session_id) DO NOTHING
                """).bind(personID, sessionID, Timestamp.format(now)).run()
            guard database.changes > 0 else { return false }
            let keys = PlannedReminder.keyRange(personID: personID, sessionID: sessionID)
            let campaigns = JSONBatch.ids(try campaignIDs(sessionID: sessionID))
            try database.statement("""
                UPDATE messages SET withdrawn = NULL
                WHERE ((dedupe_key >= ?1 AND dedupe_key < ?2) OR (person_id = ?4 AND campaign_id IN (SELECT value FROM json_each(?5))))
                  AND status IN ('sending', 'unknown') AND withdrawn = ?3
                """).bind(keys.lower, keys.upper, Self.unenrolled, personID, campaigns).run()
            // Invitations the taking out cancelled (they keep their keys: the campaign never enqueues them again) are theirs
            // again, for a date still ahead that is not cancelled since.
            if let schedule = try find(id: sessionID)?.schedule {
                let stamp = Timestamp.format(now)
                let candidates = try database.statement("""
                    SELECT id, expires_at FROM messages
                    WHERE person_id = ?1 AND campaign_id IN (SELECT value FROM json_each(?2)) AND status = 'cancelled' AND error = ?3
                      AND expires_at > ?4
                    """).bind(personID, campaigns, Self.unenrolled, stamp)
                    .rows { ($0.int64(0), Timestamp.parse($0.string(1))) }
                let held = candidates.filter { _, start in
                    start.map { schedule.occurrences(from: $0, to: $0.addingTimeInterval(1)).first?.start == $0 } ?? false
                }.map(\.0)
                try database.statement("""
                    UPDATE messages SET status = 'queued', error = NULL, updated_at = ?1
                    FROM json_each(?2) AS v WHERE messages.id = v.value AND messages.status = 'cancelled'
                    """).bind(stamp, JSONBatch.ids(held)).run()
                try CampaignStore(database).reopen(forQueued: held, now: now)
            }
            return true
        }
    }

    /// Why a senior's reminders stop when they are taken out of a session.
    static let unenrolled = "not sent: no longer enrolled in the session (outreach enroll --remove)"

    /// What taking a senior out of a session, or cancelling one of its dates, did to the reminders and to the messages
    /// of campaigns to the session's audience (an invitation to that date).
    public struct RemindersStopped: Sendable, Equatable {
        /// Reminders that were queued to go: now cancelled, with the reason.
        public var cancelled = 0
        /// Campaign messages about the session (to that date, or to that senior) that were queued: now cancelled.
        public var campaignMessages = 0
        /// People who were reminded or invited already (the message went, or may have: sending, unknown): they must be told.
        public var alreadyReminded: [Int64] = []
    }

    /// The campaigns to a session's audience (`session=ID`) about its dates: their messages expire when the date they
    /// name starts.
    func campaignIDs(sessionID: Int64) throws -> [Int64] {
        try CampaignStore(database).list().filter { $0.audience.sessionID == sessionID && isAboutSession($0) }.compactMap(\.id)
    }

    /// Takes a senior out of a session: no reminder of it is planned for them again. Of their reminders of dates to
    /// come, those still to go are cancelled (keys freed by a suffix, so enrolling again plans them anew) and those in
    /// flight are withdrawn (see `withdraw`). nil when they were not enrolled.
    public func unenroll(personID: Int64, sessionID: Int64, now: Date) throws -> RemindersStopped? {
        try database.transaction {
            try database.statement("DELETE FROM enrollments WHERE person_id = ? AND session_id = ?").bind(personID, sessionID).run()
            guard database.changes > 0 else { return nil }
            let keys = PlannedReminder.keyRange(personID: personID, sessionID: sessionID)
            var stopped = try withdraw(matching: "dedupe_key >= ?3 AND dedupe_key < ?4 AND expires_at > ?1", [keys.lower, keys.upper],
                                       reason: Self.unenrolled, now: now)
            // An invitation to the session, not sent yet, goes no more either (enrolled again, it is theirs again).
            stopped.campaignMessages = try withdraw(
                matching: "person_id = ?3 AND campaign_id IN (SELECT value FROM json_each(?4)) AND expires_at > ?1",
                [personID, JSONBatch.ids(try campaignIDs(sessionID: sessionID))], reason: Self.unenrolled, freeingKeys: false, now: now).cancelled
            return stopped
        }
    }

    /// Cancels the date `occurrence` of a session: it becomes an exception (no reminder of it is planned again), and
    /// its reminders are withdrawn (see `withdraw`); those already reminded of it are named.
    public func cancel(_ occurrence: Occurrence, sessionID: Int64, now: Date) throws -> RemindersStopped {
        try database.transaction {
            try database.statement("""
                INSERT INTO session_exceptions (session_id, local_date) VALUES (?, ?) ON CONFLICT DO NOTHING
                """).bind(sessionID, occurrence.localDate.description).run()
            let pattern = PlannedReminder.keyPattern(sessionID: sessionID, occurrenceStart: occurrence.start)
            let reason = "not sent: the session on \(occurrence.localDate) was cancelled (outreach sessions cancel)"
            var stopped = try withdraw(matching: "dedupe_key LIKE ?3 AND expires_at > ?1", [pattern], reason: reason, dateCancelled: true, now: now)
            // A campaign to the session's audience is about its next date when it goes, and expires when that date starts.
            let campaigns = JSONBatch.ids(try campaignIDs(sessionID: sessionID))
            let start = Timestamp.format(occurrence.start)
            stopped.campaignMessages = try withdraw(
                matching: "campaign_id IN (SELECT value FROM json_each(?3)) AND expires_at = ?4 AND expires_at > ?1", [campaigns, start],
                reason: reason, freeingKeys: false, dateCancelled: true, now: now).cancelled
            stopped.alreadyReminded = try database.statement("""
                SELECT DISTINCT person_id FROM messages
                WHERE (dedupe_key LIKE ?1 OR (campaign_id IN (SELECT value FROM json_each(?2)) AND expires_at = ?3))
                  AND status IN ('sending', 'sent', 'delivered', 'unknown') AND person_id IS NOT NULL
                ORDER BY person_id
                """).bind(pattern, campaigns, start).rows { $0.int64(0) }
            return stopped
        }
    }

    /// The reminders `condition` selects stop (in it `?1` is now, `?3` on are `values`; `?2` is the reason). Those
    /// queued or suppressed are cancelled with `reason` and their keys freed (unless `freeingKeys` is false: a campaign's
    /// messages keep theirs, so launching it again sends them no more). Those in flight (`sending`, `unknown`) are
    /// marked withdrawn, so a retry, a release or a lookup that finds them never sent cancels them instead of queueing
    /// them again. Counts the queued ones (suppressed ones were not going anyway).
    /// A cancelled date's reason replaces a withdrawn one's (`dateCancelled`); a senior taken out keeps one already there:
    /// enrolling again gives back only what the taking out withdrew, never a reminder of a cancelled date.
    private func withdraw(matching condition: String, _ values: [any SQLBindable], reason: String, freeingKeys: Bool = true,
                          dateCancelled: Bool = false, now: Date) throws -> RemindersStopped {
        let cancelled = try OutboxStore(database).cancelPlanned(where: condition, values, freeingKeysAs: freeingKeys ? .cancelled : nil,
                                                                reason: reason, now: now)
        // The statement names the condition's last parameter, so it takes the same values as the cancel.
        let bound: [any SQLBindable] = [Timestamp.format(now), reason] + values
        try database.statement("""
            UPDATE messages SET withdrawn = \(dateCancelled ? "?2" : "coalesce(withdrawn, ?2)")
            WHERE (\(condition)) AND status IN ('sending', 'unknown')
            """).bind(bound).run()
        return RemindersStopped(cancelled: cancelled.queued)
    }

    public func enrolledPersonIDs(sessionID: Int64) throws -> [Int64] {
        try database.statement("SELECT person_id FROM enrollments WHERE session_id = ? ORDER BY person_id")
            .bind(sessionID).rows { $0.int64(0) }
    }

    public func enrollmentCount(sessionID: Int64) throws -> Int {
        try database.statement("SELECT count(*) FROM enrollments WHERE session_id = ?")
            .bind(sessionID).firstRow { $0.int(0) } ?? 0
    }

    private func session(_ row: Row) throws -> Session {
        let id = row.int64(0)
        let zoneName = row.string(5)
        guard let start = LocalDateTime(parsing: row.string(3)), let zone = TimeZone(identifier: zoneName) else {
            throw StoreError(.other, "session \(id) has an unreadable start or time zone in the database")
        }
        var rule: RecurrenceRule?
        if let text = row.optionalString(6) {
            switch RecurrenceRule.parse(text, timeZone: zone) {
            case .success(let parsed): rule = parsed
            case .failure(let error): throw StoreError(.other, "session \(id) has a bad RRULE in the database: \(error)")
            }
        }
        let exceptions = try database.statement("SELECT local_date FROM session_exceptions WHERE session_id = ?")
            .bind(id).rows { LocalDate(parsing: $0.string(0)) }.compactMap { $0 }
        let schedule = SessionSchedule(start: start, durationMinutes: row.int(4), timeZone: zone,
                                       rule: rule, exceptionDates: Set(exceptions))
        return Session(id: id, title: row.string(1), place: row.string(2), schedule: schedule)
    }
}
