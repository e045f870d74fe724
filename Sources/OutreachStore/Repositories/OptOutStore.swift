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

    /// Records an opt-out; a second one for the same phone and scope changes nothing.
    public func add(phone: PhoneNumber, channel: Scope, keyword: String?, source: String, now: Date) throws {
        try database.statement("""
            INSERT INTO opt_outs (phone, channel, keyword, source, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (phone, channel) WHERE revoked_at IS NULL DO NOTHING
            """).bind(phone.e164, channel.rawValue, keyword, source, Timestamp.format(now)).run()
    }

    /// What ending an opt-out did: opt-outs revoked, and reminders it had suppressed that went back to the queue.
    public struct Removal: Sendable, Equatable {
        public let revoked: Int
        public let requeued: Int
    }

    /// Ends the phone's opt-outs (START, or a coordinator; of one scope, or all). Their reminders that were suppressed because of it, and
    /// whose session has not started, go back to the queue: the scheduler never plans a reminder twice, so without
    /// this a STOP followed by START would lose every reminder planned in between.
    @discardableResult
    public func remove(phone: PhoneNumber, channel: Scope? = nil, now: Date) throws -> Removal {
        try database.transaction {
            let stamp = Timestamp.format(now)
            try database.statement("""
                UPDATE opt_outs SET revoked_at = ? WHERE phone = ? AND revoked_at IS NULL AND (?3 IS NULL OR channel = ?3)
                """).bind(stamp, phone.e164, channel?.rawValue).run()
            let revoked = database.changes
            guard revoked > 0,
                  let person = try database.statement("SELECT id FROM people WHERE phone = ?").bind(phone.e164).firstRow({ $0.int64(0) })
            else { return Removal(revoked: revoked, requeued: 0) }
            // Reminder keys begin `reminder:<person>:` (see `ReminderPlanner`): a range of the unique key's index.
            try database.statement("""
                UPDATE messages SET status = 'queued', error = NULL, updated_at = ?1
                WHERE dedupe_key >= ?2 AND dedupe_key < ?3 AND phone = ?4 AND status = 'suppressed' AND error = 'opted out'
                  AND expires_at > ?1
                  AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = messages.phone AND o.revoked_at IS NULL
                                  AND o.channel IN (messages.channel, 'all'))
                """).bind(stamp, "reminder:\(person):", "reminder:\(person);", phone.e164).run()
            return Removal(revoked: revoked, requeued: database.changes)
        }
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

    public func active() throws -> [Entry] {
        try database.statement("""
            SELECT phone, channel, keyword, source, created_at FROM opt_outs WHERE revoked_at IS NULL ORDER BY created_at, id
            """).rows { row in
                Entry(phone: PhoneNumber(e164: row.string(0)), scope: Scope(rawValue: row.string(1)) ?? .all,
                      keyword: row.optionalString(2), source: row.string(3), createdAt: Timestamp.parse(row.string(4)) ?? .distantPast)
            }
    }
}
