import Foundation
import OutreachCore
import OutreachStore

/// Sending paused after provider trouble (credentials rejected, no credit, an outage: see the service's
/// `Dispatcher`), told wherever a coordinator looks at queued messages, so it is not found only in the service's log.
enum SendingPause {
    /// Until when sending through the configured provider is paused at `now`, or nil. (The pause is kept under the
    /// provider's name, which is the config's kind.)
    static func until(_ database: Database, _ config: OutreachConfig, now: Date) throws -> Date? {
        try ProviderTroubleStore(database).pausedUntil(provider: config.provider.kind.rawValue, now: now)
    }

    /// "sending through twilio is paused until … after provider trouble (last: …); …", or nil when it is not paused.
    static func text(_ database: Database, _ config: OutreachConfig, now: Date, campaignID: Int64? = nil) throws -> String? {
        guard let until = try until(database, config, now: now) else { return nil }
        var text = "sending through \(config.provider.kind.rawValue) is paused until \(CampaignCommands.localTimeText(until, config)) "
            + "after provider trouble"
        if let error = try OutboxStore(database).latestRetryError(campaignID: campaignID) { text += " (last: \(error))" }
        return text + "; the service ('outreach run') tries again then"
    }
}
