import Foundation
import OutreachCore

/// The outbox: every message the gateway will send, is sending, or has sent.
public struct OutboxStore {
    let database: Database

    public init(_ database: Database) { self.database = database }

    static let columns = """
        id, person_id, campaign_id, phone, channel, language, template, body, dedupe_key, status, attempts,
        not_before, expires_at, provider, provider_id, error
        """

    /// Inserts the messages whose dedupe key is new, in one transaction. Returns how many were new.
    @discardableResult
    public func enqueue(_ messages: [NewMessage], now: Date) throws -> Int {
        let stamp = Timestamp.format(now)
        return try database.transaction {
            var inserted = 0
            let insert = try database.statement("""
                INSERT INTO messages (person_id, campaign_id, phone, channel, language, template, body, encoding, segments,
                                      dedupe_key, status, not_before, expires_at, error, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (dedupe_key) DO NOTHING
                """)
            // A batch usually shares one send time: format it once, not per message.
            var lastNotBefore: (date: Date, text: String)?
            for message in messages {
                let notBefore: String
                if let last = lastNotBefore, last.date == message.notBefore {
                    notBefore = last.text
                } else {
                    notBefore = Timestamp.format(message.notBefore)
                    lastNotBefore = (message.notBefore, notBefore)
                }
                try insert.bind(message.personID, message.campaignID, message.phone.e164, message.channel.rawValue,
                                message.language, message.template, message.body, message.encoding?.rawValue, message.segments,
                                message.dedupeKey, message.status.rawValue, notBefore,
                                message.expiresAt.map(Timestamp.format), message.error, stamp, stamp).run()
                inserted += database.changes
            }
            return inserted
        }
    }

    /// Moves up to `limit` due queued messages to `sending` in one transaction and returns them, oldest first.
    /// Messages of paused or cancelled campaigns wait.
    public func claimDue(now: Date, limit: Int) throws -> [OutboxMessage] {
        try claimDueCheckingOptOuts(now: now, limit: limit).map(\.message)
    }

    /// `claimDue`, with each message's opt-out state: `optedOut` is true when the number has an active opt-out for
    /// the message's channel or for all. One opt-out query for the whole batch, in the claim's transaction.
    ///
    /// Read, then mark: the SELECT gives the messages as the claim leaves them (`sending`, one more attempt), in
    /// order, and the marking joins their ids (`JSONBatch`). One `UPDATE … WHERE id IN (SELECT … LIMIT) RETURNING`
    /// did both, but SQLite keeps RETURNING rows in a temporary table and needs a second one for the IN list. A claim
    /// and its result (with their opt-out check) cost 32.7k instructions per message in SQLite this way, 39.2k before
    /// (callgrind on 3,000 messages). Nothing can come between the read and the mark: the transaction is IMMEDIATE,
    /// and this connection is its only writer.
    public func claimDueCheckingOptOuts(now: Date, limit: Int) throws -> [(message: OutboxMessage, optedOut: Bool)] {
        let stamp = Timestamp.format(now)
        return try database.transaction {
            let claimed = try database.statement("""
                SELECT \(Self.claimedColumns) FROM \(Self.claimableQueued) AND m.not_before <= ?1
                ORDER BY m.not_before, m.id LIMIT ?2
                """).bind(stamp, limit).rows(Self.message)
            if !claimed.isEmpty {
                try database.statement("""
                    UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = ?1
                    FROM json_each(?2) AS v WHERE messages.id = v.value
                    """).bind(stamp, JSONBatch.ids(claimed.lazy.map(\.id))).run()
            }
            let optOuts = try OptOutStore(database).snapshot(of: claimed.map(\.phone))
            return claimed.map { ($0, optOuts.contains(phone: $0.phone, channel: $0.channel)) }
        }
    }

    /// The campaign statuses whose messages are sent: a claim takes only theirs (a scheduled campaign's wait in the
    /// queue until their time), and the dispatcher holds back claimed ones whose campaign left them.
    public static let sendingCampaigns: Set<CampaignStatus> = [.running, .scheduled, .done]
    /// The same, as an SQL list (the statuses are the enum's own words).
    static let sendingCampaignsSQL = sendingCampaigns.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")
    /// The queued messages a claim may take, as `messages m`, once their time has come: the claim and `nextDue` read
    /// the same set (a FROM and WHERE to extend with `AND`).
    static let claimableQueued = """
        messages m LEFT JOIN campaigns c ON c.id = m.campaign_id
        WHERE m.status = 'queued' AND (m.campaign_id IS NULL OR c.status IN (\(sendingCampaignsSQL)))
        """

    /// `columns` of `messages m` as a claim leaves them (`sending`, one more attempt). Derived from `columns`, so
    /// the two lists, read by the same `message(_:)`, cannot drift apart.
    static let claimedColumns = columns.split(separator: ",").map { column in
        switch column.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "status": return "'sending'"
        case "attempts": return "m.attempts + 1"
        case let name: return "m." + name
        }
    }.joined(separator: ", ")

    /// Claimed messages that were never handed to the provider (a stop came first) go back to `queued`,
    /// with the claim's attempt taken back. Only rows still `sending` move. A call's note of this attempt goes too
    /// (a stop can come between the note and the call): the call was never placed.
    /// Returns how many moved.
    @discardableResult
    public func release(_ ids: [Int64], now: Date) throws -> Int {
        let stamp = Timestamp.format(now)
        return try database.transaction {
            let dropNote = try database.statement(Self.dropCallNote)
            let update = try database.statement("""
                UPDATE messages SET status = \(Self.backInQueue), attempts = max(attempts - 1, 0), updated_at = ?,
                    error = \(Self.reasonBackInQueue("error")), dedupe_key = \(Self.keyBackInQueue)
                WHERE id = ? AND status = 'sending'
                """)
            var moved = 0
            for id in ids {
                try dropNote.bind(id).run()
                try update.bind(stamp, id).run()
                moved += database.changes
            }
            return moved
        }
    }

    /// Records a batch of send results in one transaction. Only messages still `sending` move: one that changed
    /// meanwhile keeps what it has (a receipt that outran the provider's answer, see `applyReceipt`; or another
    /// process's recovery), so a `delivered` never goes back to `sent`.
    public func record(_ outcomes: [SendOutcome], now: Date) throws {
        let stamp = Timestamp.format(now)
        try database.transaction {
            var sent: [(id: Int64, provider: String, providerID: String)] = []
            sent.reserveCapacity(outcomes.count)
            for outcome in outcomes {
                switch outcome {
                case .sent(let id, let provider, let providerID):
                    sent.append((id, provider, providerID))
                case .retry(let id, let notBefore, let error):
                    try database.statement("""
                        UPDATE messages SET status = \(Self.backInQueue), not_before = ?, error = \(Self.reasonBackInQueue("?")), updated_at = ?,
                            dedupe_key = \(Self.keyBackInQueue)
                        WHERE id = ? AND status = 'sending'
                        """).bind(Timestamp.format(notBefore), error, stamp, id).run()
                case .waiting(let id, let notBefore, let error):
                    // Refused before anything was placed: the note of this attempt goes, so the same number, claimed
                    // again, is not taken for a call that may have been placed.
                    try database.statement(Self.dropCallNote).bind(id).run()
                    try database.statement("""
                        UPDATE messages SET status = \(Self.backInQueue), attempts = max(attempts - 1, 0), error = \(Self.reasonBackInQueue("?")),
                            not_before = ?, updated_at = ?, dedupe_key = \(Self.keyBackInQueue)
                        WHERE id = ? AND status = 'sending'
                        """).bind(error, Timestamp.format(notBefore), stamp, id).run()
                case .failed(let id, let error):
                    try setStatus(id, .failed, error: error, stamp: stamp)
                case .suppressed(let id, let reason):
                    // Withdrawn as its person changed while it was claimed: it never went, so it goes as one that comes
                    // back does (cancelled, its key freed, planned again as they are now: an opt-out then suppresses
                    // the new one, and a START brings that back). Kept suppressed and withdrawn, a START skipped it.
                    try database.statement("""
                        UPDATE messages SET status = CASE WHEN withdrawn = ?1 THEN 'cancelled' ELSE 'suppressed' END,
                            error = CASE WHEN withdrawn = ?1 THEN withdrawn ELSE ?2 END, dedupe_key = \(Self.keyBackInQueue),
                            updated_at = ?3
                        WHERE id = ?4 AND status = 'sending'
                        """).bind(Self.replacedInFlight, reason, stamp, id).run()
                case .unconfirmed(let id, let error):
                    try setStatus(id, .unknown, error: error, stamp: stamp)
                case .optedOut(let id, let phone, let channel, let reason):
                    try setStatus(id, .failed, error: "opted out: \(reason)", stamp: stamp)
                    try OptOutStore(database).add(phone: phone, channel: OptOutStore.Scope(channel),
                                                  keyword: nil, source: "provider", now: now)
                }
            }
            try markSent(sent, stamp: stamp)
        }
    }

    /// Sent messages marked with one statement per provider (`JSONBatch`: provider ids by message id).
    private func markSent(_ sent: [(id: Int64, provider: String, providerID: String)], stamp: String) throws {
        guard !sent.isEmpty else { return }
        let statement = try database.statement("""
            UPDATE messages SET status = 'sent', provider = ?1, provider_id = v.value, error = NULL, updated_at = ?2
            FROM json_each(?3) AS v WHERE messages.id = CAST(v.key AS INTEGER) AND messages.status = 'sending'
            """)
        // Almost always a single provider: the dispatcher's.
        var providers: [String] = []
        for message in sent where !providers.contains(message.provider) { providers.append(message.provider) }
        for provider in providers {
            let ids = sent.lazy.filter { $0.provider == provider }.map { (id: $0.id, text: $0.providerID) }
            try statement.bind(provider, stamp, JSONBatch.texts(byID: ids)).run()
        }
    }

    private func setStatus(_ id: Int64, _ status: MessageStatus, error: String?, stamp: String) throws {
        try database.statement("UPDATE messages SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status = 'sending'")
            .bind(status.rawValue, error, stamp, id).run()
    }

    /// The newest error of a message waiting to be sent again (of `campaignID`'s, if given): why sending is paused,
    /// in the provider's words.
    public func latestRetryError(campaignID: Int64? = nil) throws -> String? {
        try database.statement("""
            SELECT error FROM messages WHERE status = 'queued' AND error IS NOT NULL AND (?1 IS NULL OR campaign_id = ?1)
            ORDER BY updated_at DESC, id DESC LIMIT 1
            """).bind(campaignID).firstRow { $0.string(0) }
    }

    /// After a crash: messages left in `sending` may or may not have reached the provider. They become `unknown`
    /// (never re-sent blindly to a senior), but for calls the dispatcher never began to place (no attempt noted, see
    /// `notePlacingCall`): those go back to the queue with their attempt given back. Returns how many of each.
    @discardableResult
    public func recoverInterrupted(now: Date) throws -> (unknown: Int, requeuedCalls: Int) {
        let stamp = Timestamp.format(now)
        return try database.transaction {
            try database.statement("""
                UPDATE messages SET status = \(Self.backInQueue), attempts = max(attempts - 1, 0),
                    error = \(Self.reasonBackInQueue("'the gateway stopped before placing this call: queued again'")), updated_at = ?,
                    dedupe_key = \(Self.keyBackInQueue)
                WHERE status = 'sending' AND channel = 'voice'
                  AND NOT EXISTS (SELECT 1 FROM call_attempts a WHERE a.message_id = messages.id AND a.attempt = messages.attempts)
                """).bind(stamp).run()
            let requeued = database.changes
            try database.statement("""
                UPDATE messages SET status = 'unknown', updated_at = ?1,
                    error = CASE channel WHEN 'voice'
                        THEN 'the gateway stopped while placing this call: a call is never placed again; check it at the provider and ''outreach settle'' it'
                        ELSE 'the gateway stopped while sending: never re-sent unless the provider''s records show it did not arrive' END
                WHERE status = 'sending'
                """).bind(stamp).run()
            return (database.changes, requeued)
        }
    }

    /// Takes away the note of the attempt of message `?1` still `sending`: it goes back without having been placed (a
    /// release, a refusal before any request), so after a crash it is not taken for a call that may have been placed.
    static let dropCallNote = """
        DELETE FROM call_attempts WHERE message_id = ?1
          AND attempt = (SELECT attempts FROM messages WHERE id = ?1 AND status = 'sending')
        """

    /// Notes that this attempt of a call is about to be placed, before it is: see `recoverInterrupted`. The row says the
    /// attempt began ('started'); what came of it is the message's own status.
    public func notePlacingCall(_ message: OutboxMessage, now: Date) throws {
        try database.statement("INSERT INTO call_attempts (message_id, attempt, status, started_at) VALUES (?, ?, 'started', ?)")
            .bind(message.id, message.attempts, Timestamp.format(now)).run()
    }

    /// SMS left `unknown` at or before `before`, oldest first: candidates for reconciliation. (Ordered as the
    /// partial index `messages_unknown`, so a pass with nothing unknown reads nothing.)
    /// Calls are not: providers list the SMS they sent, with their text, but not the calls they placed with what
    /// was said, so "not found" would not mean "never called", and a second call is not ours to risk. An unknown
    /// call stays `unknown` for the coordinator.
    /// `excluding`: messages the caller has given up on, by id, with the `updated_at` they had then: one that became
    /// unknown again since (sent again by hand, and lost again) is a candidate once more.
    public func unknownSMS(updatedBefore before: Date, limit: Int, excluding: [Int64: String] = [:]) throws -> [OutboxMessage] {
        try database.statement("""
            SELECT \(Self.columns) FROM messages
            WHERE status = 'unknown' AND updated_at <= ?1 AND provider_id IS NULL AND channel = 'sms'
              AND NOT EXISTS (SELECT 1 FROM json_each(?3) AS v
                              WHERE CAST(v.key AS INTEGER) = messages.id AND v.value = messages.updated_at)
            ORDER BY updated_at, id LIMIT ?2
            """).bind(Timestamp.format(before), limit, JSONBatch.texts(byID: excluding.map { (id: $0.key, text: $0.value) }))
            .rows(Self.message)
    }

    /// The provider's ids already held by messages to each of `phones` (by E.164), for a search of the provider's records
    /// to pass over (see `SentLookup.taken`). One pass over the outbox, whatever the number of phones.
    public func providerIDs(sentTo phones: [PhoneNumber], provider: String) throws -> [String: Set<String>] {
        guard !phones.isEmpty else { return [:] }
        var taken: [String: Set<String>] = [:]
        try database.statement("""
            SELECT phone, provider_id FROM messages
            WHERE provider = ?1 AND provider_id IS NOT NULL AND phone IN (SELECT value FROM json_each(?2))
            """).bind(provider, JSONBatch.strings(Set(phones.map(\.e164)).sorted())).forEachRow { row in
            taken[row.string(0), default: []].insert(row.string(1))
            return true
        }
        return taken
    }

    /// How the reason of a queued message held back for the account's or the config's sake ends (see the dispatcher's
    /// `waiting`): `status` and `due` show those as waiting for a coordinator, not as going.
    public static let waitingMark = "; waiting until it is put right"

    /// Why a queued message is held back (its reason without `waitingMark`), or nil when it is not.
    public static func heldBackReason(_ error: String?) -> Substring? {
        guard let error, error.hasSuffix(waitingMark) else { return nil }
        return error.dropLast(waitingMark.count)
    }

    /// Queued messages held back for the account's or the config's sake, and the newest one's reason.
    public func heldBack() throws -> (count: Int, latest: Substring?) {
        try database.statement("""
            SELECT count(*), (SELECT error FROM messages WHERE status = 'queued' AND substr(error, -length(?1)) = ?1
                              ORDER BY updated_at DESC, id DESC LIMIT 1)
            FROM messages WHERE status = 'queued' AND substr(error, -length(?1)) = ?1
            """).bind(Self.waitingMark).firstRow { ($0.int(0), Self.heldBackReason($0.optionalString(1))) } ?? (0, nil)
    }

    /// How the reason of an `unknown` message left for the coordinator begins (its provider's records could not be
    /// searched for it): the running service does not look it up again, so it is not sent again.
    public static let leftUnknown = "never re-sent: "

    /// Unknown SMS the service will look up at the provider, and send again if the provider never got them (see
    /// `unknownSMS`), with the time each became unknown, oldest first; not those left for the coordinator. For `due`.
    public func inDoubtSMS(limit: Int) throws -> [(message: OutboxMessage, since: Date)] {
        try database.statement("""
            SELECT \(Self.columns), updated_at FROM messages
            WHERE status = 'unknown' AND provider_id IS NULL AND channel = 'sms' AND coalesce(substr(error, 1, length(?2)) <> ?2, 1)
            ORDER BY updated_at, id LIMIT ?1
            """).bind(limit, Self.leftUnknown).rows { row in
                (try Self.message(row), Timestamp.parse(row.string(16)) ?? .distantPast)
            }
    }

    /// Says why an `unknown` message stays unknown (it could not be looked up), for the coordinator.
    public func explainUnknown(id: Int64, error: String, now: Date) throws {
        try database.statement("UPDATE messages SET error = ?, updated_at = ? WHERE id = ? AND status = 'unknown'")
            .bind(error, Timestamp.format(now), id).run()
    }

    /// The provider has an `unknown` message after all (its records, or a receipt naming it, say so): it was sent,
    /// with this id, and is now `status`. Only a message without a provider id yet takes one.
    /// Also when a coordinator queued it again meanwhile (`settle --resend`) and it has not gone: the provider's record
    /// is the better evidence, and sending it would be a duplicate. Returns whether it moved (not when a coordinator
    /// marked it sent meanwhile).
    @discardableResult
    public func settleUnknown(id: Int64, provider: String, providerID: String, status: MessageStatus, error: String?, now: Date) throws -> Bool {
        try database.statement("""
            UPDATE messages SET status = ?, provider = ?, provider_id = ?, error = ?, updated_at = ?
            WHERE id = ? AND status IN ('unknown', 'queued') AND provider_id IS NULL
            """).bind(status.rawValue, provider, providerID, error, Timestamp.format(now), id).run()
        return database.changes > 0
    }

    /// A coordinator checked an `unknown` message (in the provider's console, or with the senior) and it arrived:
    /// it counts as sent, and is never sent again. Its provider id stays unknown.
    public func markUnknownSent(id: Int64, note: String, now: Date) throws {
        try database.statement("UPDATE messages SET status = 'sent', error = ?, updated_at = ? WHERE id = ? AND status = 'unknown'")
            .bind(note, Timestamp.format(now), id).run()
    }

    /// The provider never got an `unknown` message, and it has had its attempts: it fails, with the reason.
    /// Returns whether it moved.
    @discardableResult
    public func failUnknown(id: Int64, reason: String, now: Date) throws -> Bool {
        // One withdrawn meanwhile (its date cancelled, its senior taken out) or of a cancelled campaign was not to go
        // anyway: cancelled, with the withdrawal's reason, as when it goes back to the queue (`backInQueue`).
        try database.statement("""
            UPDATE messages SET status = replace(\(Self.backInQueue), 'queued', 'failed'), error = \(Self.reasonBackInQueue("?")), updated_at = ?,
                dedupe_key = \(Self.keyBackInQueue)
            WHERE id = ? AND status = 'unknown'
            """).bind(reason, Timestamp.format(now), id).run()
        return database.changes > 0
    }

    /// The provider never got an `unknown` message: it goes back to the queue (the dispatcher checks expiry and
    /// opt-outs again before sending it). A campaign that had become `done` runs again, so that it can still be
    /// paused or cancelled before the message goes.
    /// Returns whether it moved.
    @discardableResult
    public func requeueUnknown(id: Int64, reason: String, now: Date) throws -> Bool {
        let stamp = Timestamp.format(now)
        return try database.transaction {
            try database.statement("""
                UPDATE messages SET status = \(Self.backInQueue), error = \(Self.reasonBackInQueue("?")), updated_at = ?,
                    dedupe_key = \(Self.keyBackInQueue)
                WHERE id = ? AND status = 'unknown'
                """).bind(reason, stamp, id).run()
            guard database.changes > 0 else { return false }
            try CampaignStore(database).reopen(forQueued: [id], now: now)
            return true
        }
    }

    /// The status of a message going back to the queue (a retry, a release at a stop, an unknown one the provider
    /// never got): `queued`, or `cancelled` when its campaign was cancelled meanwhile or it was withdrawn (its session
    /// date cancelled, its senior taken out; the error then says so: `reasonBackInQueue`). Cancelling stops what
    /// has not been sent; these were in flight when it came, and would otherwise wait in the queue, or be sent.
    static let backInQueue = """
        CASE WHEN withdrawn IS NOT NULL OR \(campaignCancelled) THEN 'cancelled' ELSE 'queued' END
        """

    /// Why a reminder in flight is withdrawn when its person's language, channel or role changes (`PeopleStore.upsert`).
    public static let replacedInFlight = "replaced: the person's language, channel or role changed while it was in flight; "
        + "planned again as they are now"

    /// The dedupe key of a message going back to the queue: freed (`:replaced:<id>`) when it was withdrawn because its
    /// person changed, so the scheduler plans the reminder again as they are now. Other withdrawals keep theirs (a
    /// cancelled date is not planned again).
    static let keyBackInQueue = """
        CASE WHEN withdrawn = '\(replacedInFlight.replacingOccurrences(of: "'", with: "''"))' THEN dedupe_key || ':replaced:' || id ELSE dedupe_key END
        """

    /// Whether the message's campaign was cancelled (SQL, on `messages`).
    private static let campaignCancelled = "(SELECT c.status FROM campaigns c WHERE c.id = messages.campaign_id) = 'cancelled'"

    /// The reason written beside `backInQueue`: the withdrawal's, or that its campaign was cancelled, or `otherwise`
    /// (an SQL expression) when it goes back to the queue. (A message cancelled with its campaign said why it had been
    /// retried, or that it had run out of attempts.)
    static func reasonBackInQueue(_ otherwise: String) -> String {
        """
        coalesce(withdrawn, CASE WHEN \(campaignCancelled) THEN 'not sent: its campaign was cancelled' ELSE \(otherwise) END)
        """
    }

    /// Applies a delivery receipt. Returns false when no message has that provider id (and, when given, our id).
    ///
    /// With `messageID` (echoed by the provider from the callback URL or client-ref) the message is found by its
    /// key, and the provider id must match. Without it the provider id is searched: the outbox keeps no index on
    /// provider ids, whose random order made every send write a page of it (see schema 6), so that is a scan, for
    /// receipts that do not carry our id (messages sent before version 6, the Simulator).
    @discardableResult
    public func applyReceipt(provider: String, providerID: String, messageID: Int64? = nil, status: MessageStatus, error: String?,
                             now: Date) throws -> Bool {
        // Receipts only move a message forward: a late "sent" never undoes "delivered".
        let from = status == .sent ? "('unknown')" : "('sent', 'unknown')"
        if let messageID {
            try database.statement("""
                UPDATE messages SET status = ?, error = coalesce(?, error), updated_at = ?
                WHERE id = ? AND provider = ? AND provider_id = ? AND status IN \(from)
                """).bind(status.rawValue, error, Timestamp.format(now), messageID, provider, providerID).run()
            if database.changes == 0 {
                // A message without a provider id yet: left unknown (its answer was lost, or a crash came first), or
                // still `sending` (the receipt outran the write of the provider's answer). A receipt naming it proves
                // the provider has it: it takes the receipt's id and status. The result write then leaves it alone.
                try database.statement("""
                    UPDATE messages SET status = ?, provider = ?, provider_id = ?, error = ?, updated_at = ?
                    WHERE id = ? AND status IN ('unknown', 'sending') AND provider_id IS NULL
                    """).bind(status.rawValue, provider, providerID, error, Timestamp.format(now), messageID).run()
            }
        } else {
            try database.statement("""
                UPDATE messages SET status = ?, error = coalesce(?, error), updated_at = ?
                WHERE provider = ? AND provider_id = ? AND status IN \(from)
                """).bind(status.rawValue, error, Timestamp.format(now), provider, providerID).run()
        }
        return database.changes > 0
    }

    public func find(id: Int64) throws -> OutboxMessage? {
        try database.statement("SELECT \(Self.columns) FROM messages WHERE id = ?").bind(id).firstRow(Self.message)
    }

    /// The message the provider knows by `providerID`: by our key when `messageID` is given (the provider id must
    /// match), else by a scan (see `applyReceipt`).
    public func find(provider: String, providerID: String, messageID: Int64? = nil) throws -> OutboxMessage? {
        if let messageID {
            return try database.statement("SELECT \(Self.columns) FROM messages WHERE id = ? AND provider = ? AND provider_id = ?")
                .bind(messageID, provider, providerID).firstRow(Self.message)
        }
        return try database.statement("SELECT \(Self.columns) FROM messages WHERE provider = ? AND provider_id = ?")
            .bind(provider, providerID).firstRow(Self.message)
    }

    public func find(dedupeKey: String) throws -> OutboxMessage? {
        try database.statement("SELECT \(Self.columns) FROM messages WHERE dedupe_key = ?").bind(dedupeKey).firstRow(Self.message)
    }

    /// Whether the message with this key is in flight and withdrawn because its person changed (`replacedInFlight`):
    /// what becomes of it is not known yet (it goes, or it comes back and is planned again).
    public func isReplacedInFlight(dedupeKey: String) throws -> Bool {
        try database.statement("""
            SELECT 1 FROM messages WHERE dedupe_key = ? AND status IN ('sending', 'unknown') AND withdrawn = ?
            """).bind(dedupeKey, Self.replacedInFlight).firstRow { _ in true } ?? false
    }

    /// Queued messages due at or before `at`, oldest first.
    public func queued(dueBy at: Date, limit: Int = 10_000) throws -> [OutboxMessage] {
        try database.statement("""
            SELECT \(Self.columns) FROM messages WHERE status = 'queued' AND not_before <= ? ORDER BY not_before, id LIMIT ?
            """).bind(Timestamp.format(at), limit).rows(Self.message)
    }

    /// Of `ids`, those withdrawn while claimed (their session date cancelled, their senior taken out): released, they
    /// are cancelled (`backInQueue`).
    public func withdrawn(among ids: [Int64]) throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        return Set(try database.statement("""
            SELECT m.id FROM json_each(?) AS v JOIN messages m ON m.id = v.value WHERE m.withdrawn IS NOT NULL
            """).bind(JSONBatch.ids(ids)).rows { $0.int64(0) })
    }

    /// How many queued messages are due by `at` (those `queued(dueBy:)` lists, without its limit).
    public func countQueued(dueBy at: Date) throws -> Int {
        try database.statement("SELECT count(*) FROM messages WHERE status = 'queued' AND not_before <= ?")
            .bind(Timestamp.format(at)).firstRow { $0.int(0) } ?? 0
    }

    /// Messages in a status, newest first.
    public func list(status: MessageStatus? = nil, campaignID: Int64? = nil, limit: Int = 100) throws -> [OutboxMessage] {
        try database.statement("""
            SELECT \(Self.columns) FROM messages
            WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR campaign_id = ?2)
            ORDER BY id DESC LIMIT ?3
            """).bind(status?.rawValue, campaignID, limit).rows(Self.message)
    }

    /// The messages of `status`, newest first, up to `limit`, one at a time (a list of every failed message after an
    /// outage can be long: it is not loaded whole).
    public func forEach(status: MessageStatus, limit: Int, _ visit: (OutboxMessage) throws -> Void) throws {
        try database.statement("SELECT \(Self.columns) FROM messages WHERE status = ?1 ORDER BY id DESC LIMIT ?2")
            .bind(status.rawValue, limit).forEachRow { row in
                try visit(try Self.message(row))
                return true
            }
    }

    /// Whether the service looks an `unknown` message up at the provider by itself (see `unknownSMS`): an SMS not left
    /// for the coordinator. A call, or an SMS whose search failed for good, needs a coordinator ('outreach settle').
    public static func isLookedUpByService(_ message: OutboxMessage) -> Bool {
        message.status == .unknown && message.channel == .sms && message.providerID == nil
            && !(message.error ?? "").hasPrefix(leftUnknown)
    }

    /// How many messages are in each status (optionally of one campaign; its messages set aside and made again when
    /// their person changed are not counted: the new one stands for each).
    public func counts(campaignID: Int64? = nil) throws -> [MessageStatus: Int] {
        var result: [MessageStatus: Int] = [:]
        try database.statement("""
            SELECT status, count(*) FROM messages
            WHERE (?1 IS NULL OR (campaign_id = ?1 AND dedupe_key NOT LIKE '%:replaced:%')) GROUP BY status
            """).bind(campaignID).forEachRow { row in
                if let status = MessageStatus(rawValue: row.string(0)) { result[status] = row.int(1) }
                return true
            }
        return result
    }

    /// The earliest `not_before` of a queued message a claim would take (not those of a paused or draft campaign),
    /// to know how long the service may sleep. Counting a paused campaign's messages made the service loop without
    /// a pause for as long as the campaign stayed paused.
    public func nextDue() throws -> Date? {
        try database.statement("""
            SELECT m.not_before FROM \(Self.claimableQueued) ORDER BY m.not_before LIMIT 1
            """).firstRow { $0.string(0) }.flatMap(Timestamp.parse)
    }

    /// Why planned reminders are cancelled, as the word that frees their dedupe keys (`reminder:…:replaced:<id>`).
    public enum FreedKey: String, Sendable {
        /// The person changed: the scheduler plans the reminders again as they are now.
        case replaced
        /// Their session date was cancelled, or the senior taken out of the session.
        case cancelled
    }

    /// Cancels the queued or suppressed messages `condition` selects, with `reason`, and frees their dedupe keys by a
    /// suffix (`:<word>:<id>`), so the scheduler may plan them anew. In `condition`, `?1` is now and `?2` the reason;
    /// `values` bind from `?3` on. Returns how many were cancelled, and how many of those were queued (suppressed ones
    /// were not going anyway). Messages in flight are not touched: that is the caller's call.
    /// `word` nil keeps the keys (a campaign's: launched again, it must not send them anew).
    public func cancelPlanned(where condition: String, _ values: [any SQLBindable], freeingKeysAs word: FreedKey?,
                              reason: String, now: Date) throws -> (cancelled: Int, queued: Int) {
        let bound: [any SQLBindable] = [Timestamp.format(now), reason] + values
        let queued = try database.statement("SELECT count(*) FROM messages WHERE (\(condition)) AND status = 'queued'")
            .bind(bound).firstRow { $0.int(0) } ?? 0
        let key = word.map { "dedupe_key || ':\($0.rawValue):' || id" } ?? "dedupe_key"
        try database.statement("""
            UPDATE messages SET status = 'cancelled', updated_at = ?1, dedupe_key = \(key), error = ?2
            WHERE (\(condition)) AND status IN ('queued', 'suppressed')
            """).bind(bound).run()
        return (database.changes, queued)
    }

    /// A campaign's messages an opt-out suppressed that the opt-out's end would queue again (about a session still ahead;
    /// see `OptOutStore.remove`).
    public func heldByOptOut(campaignID: Int64, now: Date) throws -> Int {
        try database.statement("""
            SELECT count(*) FROM messages WHERE campaign_id = ? AND status = 'suppressed' AND error = 'opted out' AND expires_at > ?
              AND withdrawn IS NULL
            """).bind(campaignID, Timestamp.format(now)).firstRow { $0.int(0) } ?? 0
    }

    /// Cancels what has not been sent yet (a campaign's, or one message). Returns how many.
    @discardableResult
    public func cancelQueued(campaignID: Int64, now: Date) throws -> Int {
        try database.statement("""
            UPDATE messages SET status = 'cancelled', updated_at = ? WHERE campaign_id = ? AND status = 'queued'
            """).bind(Timestamp.format(now), campaignID).run()
        return database.changes
    }

    static func message(_ row: Row) throws -> OutboxMessage {
        guard let channel = Channel(rawValue: row.string(4)), let status = MessageStatus(rawValue: row.string(9)),
              let notBefore = Timestamp.parse(row.string(11)) else {
            throw StoreError(.other, "message \(row.int64(0)) has an unreadable channel, status or time in the database")
        }
        return OutboxMessage(id: row.int64(0), personID: row.isNull(1) ? nil : row.int64(1), campaignID: row.isNull(2) ? nil : row.int64(2),
                             phone: PhoneNumber(e164: row.string(3)), channel: channel, language: row.string(5),
                             template: row.string(6), body: row.string(7), dedupeKey: row.string(8), status: status,
                             attempts: row.int(10), notBefore: notBefore, expiresAt: row.optionalString(12).flatMap(Timestamp.parse),
                             provider: row.optionalString(13), providerID: row.optionalString(14), error: row.optionalString(15))
    }
}
