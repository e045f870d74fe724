import Foundation
import OutreachCore

public struct CampaignStore {
    let database: Database

    public init(_ database: Database) { self.database = database }

    public func create(_ campaign: Campaign, now: Date) throws -> Int64 {
        let stamp = Timestamp.format(now)
        try database.statement("""
            INSERT INTO campaigns (name, template, audience, channel, send_at, status, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).bind(campaign.name, campaign.template, campaign.audience.description, campaign.channel?.rawValue,
                      campaign.sendAt.map(Timestamp.format), campaign.status.rawValue, stamp, stamp).run()
        return database.lastInsertRowID
    }

    public func find(id: Int64) throws -> Campaign? {
        try database.statement("SELECT id, name, template, audience, channel, send_at, status FROM campaigns WHERE id = ?")
            .bind(id).firstRow(Self.campaign)
    }

    public func find(name: String) throws -> Campaign? {
        try database.statement("SELECT id, name, template, audience, channel, send_at, status FROM campaigns WHERE name = ?")
            .bind(name).firstRow(Self.campaign)
    }

    public func list() throws -> [Campaign] {
        try database.statement("SELECT id, name, template, audience, channel, send_at, status FROM campaigns ORDER BY id")
            .rows(Self.campaign)
    }

    public func setStatus(id: Int64, _ status: CampaignStatus, now: Date) throws {
        try database.statement("UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ?")
            .bind(status.rawValue, Timestamp.format(now), id).run()
    }

    /// Sets the status only while the campaign is in one of `from`, read and written in one statement (another
    /// process may have paused or cancelled it since the caller looked). False when it was not.
    public func setStatus(id: Int64, _ status: CampaignStatus, onlyFrom from: [CampaignStatus], now: Date) throws -> Bool {
        // The statuses are the enum's own words, so they can be written into the SQL.
        let allowed = from.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        try database.statement("UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ? AND status IN (\(allowed))")
            .bind(status.rawValue, Timestamp.format(now), id).run()
        return database.changes > 0
    }

    /// A done campaign whose message among `messageIDs` is queued again (an opt-out ended, a senior enrolled again) runs
    /// again, so that it can still be paused or cancelled before that message goes; `finishCompleted` ends it after.
    public func reopen(forQueued messageIDs: [Int64], now: Date) throws {
        guard !messageIDs.isEmpty else { return }
        try database.statement("""
            UPDATE campaigns SET status = 'running', updated_at = ?1
            WHERE status = 'done' AND id IN (SELECT m.campaign_id FROM json_each(?2) AS v JOIN messages m ON m.id = v.value
                                             WHERE m.status = 'queued')
            """).bind(Timestamp.format(now), JSONBatch.ids(messageIDs)).run()
    }

    /// Running campaigns with nothing left queued or sending become `done`.
    @discardableResult
    public func finishCompleted(now: Date) throws -> Int {
        try database.statement("""
            UPDATE campaigns SET status = 'done', updated_at = ?
            WHERE status = 'running' AND (
                -- Newest first: a campaign is sent oldest first, so while it runs an open message is found at once.
                SELECT m.id FROM messages m WHERE m.campaign_id = campaigns.id AND m.status IN ('queued', 'sending')
                ORDER BY m.id DESC LIMIT 1) IS NULL
            """).bind(Timestamp.format(now)).run()
        return database.changes
    }

    static func campaign(_ row: Row) throws -> Campaign {
        guard case .success(let audience) = AudienceFilter.parse(row.string(3)),
              let status = CampaignStatus(rawValue: row.string(6)) else {
            throw StoreError(.other, "campaign \(row.int64(0)) is unreadable in the database")
        }
        return Campaign(id: row.int64(0), name: row.string(1), template: row.string(2), audience: audience,
                        channel: row.optionalString(4).flatMap(Channel.init(rawValue:)),
                        sendAt: row.optionalString(5).flatMap(Timestamp.parse), status: status)
    }
}
