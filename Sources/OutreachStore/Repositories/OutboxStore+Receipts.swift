import Foundation
import OutreachCore

/// SMS still `sent` long after the send: their receipt was lost (the webhook server down, the gateway killed before it
/// read the Simulator's) or never posted. The service asks the provider about them (see `ReceiptChecker`).
extension OutboxStore {
    /// SMS sent through `provider` between `sentAfter` and `sentBefore` with no receipt yet, due a look at the
    /// provider's records: never looked at, or last looked at longer ago than it had been sent then, so the looks
    /// space out (about 30 min, 1 h, 2 h, 4 h … after the send when `sentBefore` is half an hour ago). Oldest first.
    /// `updated_at` is the send's time: a message `sent` is written again only by its receipt, which moves it on.
    public func awaitingReceipt(provider: String, sentAfter: Date, sentBefore: Date, now: Date,
                                limit: Int) throws -> [(id: Int64, providerID: String)] {
        // No index: read at most once a minute by one service, a scan costs less than an index written by every send.
        try database.statement("""
            SELECT id, provider_id FROM messages
            WHERE status = 'sent' AND channel = 'sms' AND provider = ?1 AND provider_id IS NOT NULL
              AND updated_at > ?2 AND updated_at <= ?3
              AND (receipt_checked_at IS NULL
                   OR CAST(strftime('%s', ?4) AS INTEGER) - CAST(strftime('%s', receipt_checked_at) AS INTEGER)
                      >= CAST(strftime('%s', receipt_checked_at) AS INTEGER) - CAST(strftime('%s', updated_at) AS INTEGER))
            ORDER BY updated_at, id LIMIT ?5
            """).bind(provider, Timestamp.format(sentAfter), Timestamp.format(sentBefore), Timestamp.format(now), limit)
            .rows { (id: $0.int64(0), providerID: $0.string(1)) }
    }

    /// The provider was asked about the message at `now` and had nothing final to say.
    public func noteReceiptLookup(id: Int64, now: Date) throws {
        try database.statement("UPDATE messages SET receipt_checked_at = ? WHERE id = ? AND status = 'sent'")
            .bind(Timestamp.format(now), id).run()
    }
}
