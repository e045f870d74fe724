import Foundation

public enum CampaignStatus: String, Sendable, CaseIterable, Codable {
    case draft, scheduled, running, paused, done, cancelled
}

/// A one-off message to an audience: "Invite every Arabic-speaking senior to the Eid coffee".
public struct Campaign: Sendable, Equatable {
    public var id: Int64?
    public var name: String
    public var template: String
    public var audience: AudienceFilter
    /// nil = each person's own preference (sms, voice or both).
    public var channel: Channel?
    /// nil = as soon as launched.
    public var sendAt: Date?
    public var status: CampaignStatus
    /// The session the message is about, for templates that name one ({{session.title}}).
    public var sessionID: Int64? { audience.sessionID }

    public init(id: Int64? = nil, name: String, template: String, audience: AudienceFilter, channel: Channel?, sendAt: Date?,
                status: CampaignStatus = .draft) {
        self.id = id
        self.name = name
        self.template = template
        self.audience = audience
        self.channel = channel
        self.sendAt = sendAt
        self.status = status
    }

    /// One message per person and channel, ever, for this campaign.
    public static func dedupeKey(campaignID: Int64, personID: Int64, channel: Channel) -> String {
        "campaign:\(campaignID):\(personID):\(channel.rawValue)"
    }

    /// The person's keys of this campaign, one per channel (sms, voice).
    public static func dedupeKeys(campaignID: Int64, personID: Int64) -> [String] {
        Channel.allCases.map { dedupeKey(campaignID: campaignID, personID: personID, channel: $0) }
    }
}
