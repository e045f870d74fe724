import Foundation
import OutreachCore

/// Opt-outs by phone number and channel. A STOP always holds: checked when enqueueing and again before sending.
public struct OptOutStore {
    public enum Scope: String, Sendable, CaseIterable {
        case sms, voice, all

        /// The scope a message's channel opts out of.
        public init(_ channel: Channel) { self = channel == .sms ? .sms : .voice }
    }

    public struct Entry: Sendable, Equatable {
        public let phone: PhoneNumber
        public let scope: Scope
        public let keyword: String?
        public let source: String
        public let createdAt: Date
    }

    let database: Database

    public init(_ database: Database) { self.database = database }

    /// The source of an opt-out a coordinator recorded (`optouts add`): a person's wish told by phone or in person, such
    /// as "no calls". A START reply does not end it (see `remove`); a coordinator does.
    public static let coordinatorSource = "coordinator"

    /// Records an opt-out; a second one for the same phone, scope and source changes nothing. One of another source is
    /// kept beside it: each ends on its own (a START ends the person's, a coordinator's stays).
    public func add(phone: PhoneNumber, channel: Scope, keyword: String?, source: String, now: Date) throws {
        try database.statement("""
            INSERT INTO opt_outs (phone, channel, keyword, source, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (phone, channel, source) WHERE revoked_at IS NULL DO NOTHING
            """).bind(phone.e164, channel.rawValue, keyword, source, Timestamp.format(now)).run()
    }

    /// What ending an opt-out did: opt-outs revoked, and reminders it had suppressed that went back to the queue.
    public struct Removal: Sendable, Equatable {
        public let revoked: Int
        public let requeued: Int
    }

    /// Ends the phone's opt-outs (START, or a coordinator; of one scope, or all). The reminders they suppressed whose
    /// session has not started go back to the queue (see `remindersToRequeue`): the scheduler never plans a reminder
    /// twice, so without this a STOP followed by START would lose every reminder planned in between. So do campaign
    /// messages about a session still ahead (see `campaignMessagesToRequeue`): a campaign never enqueues one twice.
    /// `keepingSource`: opt-outs of that source stay (a START reply keeps what a coordinator recorded).
    @discardableResult
    public func remove(phone: PhoneNumber, channel: Scope? = nil, keepingSource: String? = nil, now: Date) throws -> Removal {
        try database.transaction {
            let stamp = Timestamp.format(now)
            try database.statement("""
                UPDATE opt_outs SET revoked_at = ? WHERE phone = ? AND revoked_at IS NULL AND (?3 IS NULL OR channel = ?3)
                  AND (?4 IS NULL OR source <> ?4)
                """).bind(stamp, phone.e164, channel?.rawValue, keepingSource).run()
            let revoked = database.changes
            guard revoked > 0,
                  let person = try database.statement("SELECT id FROM people WHERE phone = ?").bind(phone.e164).firstRow({ $0.int64(0) })
            else { return Removal(revoked: revoked, requeued: 0) }
            let requeue = try remindersToRequeue(personID: person, phone: phone, stamp: stamp)
                + campaignMessagesToRequeue(personID: person, phone: phone, stamp: stamp)
            guard !requeue.isEmpty else { return Removal(revoked: revoked, requeued: 0) }
            // 'opted out' is written when a reminder is planned (no attempt yet) or when a claim finds the opt-out
            // (that claim's attempt sent nothing): taking one back, down to 0, gives back exactly what was not used.
            try database.statement("""
                UPDATE messages SET status = 'queued', error = NULL, attempts = max(attempts - 1, 0), updated_at = ?1
                FROM json_each(?2) AS v WHERE messages.id = v.value AND messages.status = 'suppressed'
                """).bind(stamp, JSONBatch.ids(requeue)).run()
            let requeued = database.changes
            try CampaignStore(database).reopen(forQueued: requeue, now: now)
            return Removal(revoked: revoked, requeued: requeued)
        }
    }

    /// The person's campaign messages an opt-out suppressed, no longer opted out on their channel, about a session still
    /// ahead (they expire when it starts), of campaigns that still send or are paused (resumed, they go). One without an
    /// expiry stays suppressed: it could be months old by the START. Found by their keys
    /// (`campaign:<id>:<person>:<channel>`), campaign by campaign.
    private func campaignMessagesToRequeue(personID: Int64, phone: PhoneNumber, stamp: String) throws -> [Int64] {
        let optOuts = try snapshot(of: [phone])
        return try database.statement("""
            SELECT m.id, m.channel FROM campaigns c
            JOIN messages m ON m.dedupe_key IN ('campaign:' || c.id || ':' || ?1 || ':sms', 'campaign:' || c.id || ':' || ?1 || ':voice')
            WHERE c.status IN (\(OutboxStore.sendingCampaignsSQL), 'paused') AND m.status = 'suppressed' AND m.error = 'opted out'
              AND m.expires_at > ?2 AND m.withdrawn IS NULL
            """).bind(personID, stamp).rows { row in (row.int64(0), Channel(rawValue: row.string(1)) ?? .sms) }
            .filter { !optOuts.contains(phone: phone, channel: $0.1) }.map(\.0)
    }

    /// The person's reminders an opt-out suppressed, no longer opted out on their channel, whose session is ahead:
    /// those whose time is still to come, and of those whose time has passed only the latest per session date and
    /// channel (as the scheduler plans after downtime: two reminders of one date at once help no one). Not one withdrawn
    /// meanwhile (its date cancelled, its senior taken out of the session).
    private func remindersToRequeue(personID: Int64, phone: PhoneNumber, stamp: String) throws -> [Int64] {
        let keys = PlannedReminder.keyRange(personID: personID)
        let optOuts = try snapshot(of: [phone])
        var requeue: [Int64] = []
        var latestPastDue: [String: (id: Int64, notBefore: String)] = [:]
        // A range of the unique key's index, then the few rows of one person.
        try database.statement("""
            SELECT id, dedupe_key, channel, not_before, expires_at FROM messages
            WHERE dedupe_key >= ? AND dedupe_key < ? AND phone = ? AND status = 'suppressed' AND error = 'opted out'
              AND expires_at > ? AND withdrawn IS NULL
            """).bind(keys.lower, keys.upper, phone.e164, stamp).forEachRow { row in
            let channel = Channel(rawValue: row.string(2)) ?? .sms
            guard !optOuts.contains(phone: phone, channel: channel) else { return true }
            let notBefore = row.string(3)
            if notBefore > stamp {
                requeue.append(row.int64(0))
            } else {
                let date = "\(PlannedReminder.sessionID(inKey: row.string(1)) ?? 0) \(row.string(4)) \(channel.rawValue)"
                if latestPastDue[date].map({ $0.notBefore < notBefore }) ?? true { latestPastDue[date] = (row.int64(0), notBefore) }
            }
            return true
        }
        return requeue + latestPastDue.values.map(\.id)
    }

    public func isOptedOut(phone: PhoneNumber, channel: Channel) throws -> Bool {
        // `+channel`: seek the index by phone and compare the channel in place. Without it SQLite builds a
        // temporary table for the IN list on every call, which made this check most of a campaign's enqueue cost.
        try database.statement("""
            SELECT 1 FROM opt_outs WHERE phone = ? AND revoked_at IS NULL AND +channel IN (?, 'all') LIMIT 1
            """).bind(phone.e164, channel.rawValue).firstRow { _ in true } ?? false
    }

    /// The active opt-outs of just these numbers, in one query per 100 numbers (a dispatcher's claimed batch).
    public func snapshot(of phones: [PhoneNumber]) throws -> Snapshot {
        let distinct = Array(Set(phones.map(\.e164)))
        guard !distinct.isEmpty else { return Snapshot(scopes: [:]) }
        var scopes: [String: Set<String>] = [:]
        for start in stride(from: 0, to: distinct.count, by: 100) {
            let chunk = Array(distinct[start..<min(start + 100, distinct.count)])
            try Self.collect(try database.statement("""
                SELECT phone, channel FROM opt_outs WHERE revoked_at IS NULL
                AND phone IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))
                """).bind(chunk), into: &scopes)
        }
        return Snapshot(scopes: scopes)
    }

    /// Every active opt-out at this moment, for checking many people at once (a campaign launch): one read
    /// instead of one query per person. The dispatcher checks each message again just before sending.
    public func snapshot() throws -> Snapshot {
        var scopes: [String: Set<String>] = [:]
        try Self.collect(try database.statement("SELECT phone, channel FROM opt_outs WHERE revoked_at IS NULL"), into: &scopes)
        return Snapshot(scopes: scopes)
    }

    /// Adds the (phone, channel) rows of `statement` to `scopes`.
    private static func collect(_ statement: Statement, into scopes: inout [String: Set<String>]) throws {
        try statement.forEachRow { row in
            scopes[row.string(0), default: []].insert(row.string(1))
            return true
        }
    }

    /// Active opt-outs by phone (E.164) and scope.
    public struct Snapshot: Sendable, Equatable {
        /// Scopes ("sms", "voice", "all") by E.164 number, for numbers with any.
        public let scopes: [String: Set<String>]

        /// As `isOptedOut(phone:channel:)`, from memory.
        public func contains(phone: PhoneNumber, channel: Channel) -> Bool {
            guard !scopes.isEmpty, let held = scopes[phone.e164] else { return false }
            return held.contains(channel.rawValue) || held.contains(Scope.all.rawValue)
        }
    }

    /// Opt-outs in force (of one number, when given), oldest first.
    public func active(phone: PhoneNumber? = nil) throws -> [Entry] {
        try database.statement("""
            SELECT phone, channel, keyword, source, created_at FROM opt_outs WHERE revoked_at IS NULL AND (?1 IS NULL OR phone = ?1)
            ORDER BY created_at, id
            """).bind(phone?.e164).rows { row in
                Entry(phone: PhoneNumber(e164: row.string(0)), scope: Scope(rawValue: row.string(1)) ?? .all,
                      keyword: row.optionalString(2), source: row.string(3), createdAt: Timestamp.parse(row.string(4)) ?? .distantPast)
            }
    }
}
