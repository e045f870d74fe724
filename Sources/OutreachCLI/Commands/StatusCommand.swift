import Foundation
import OutreachCore
import OutreachStore

enum StatusCommand {
    static let node = CommandNode("status", summary: "the outbox at a glance: counts, problems, campaigns", help: """
        Usage: outreach status [--json]
        Counts of messages per status, the messages that need a coordinator (failed, unknown, suppressed) and the campaigns.
        """) { arguments, context in
        let json = arguments.flag("--json")
        try arguments.finish()
        let database = try context.existingDatabase(for: "status")
        let outbox = OutboxStore(database)
        let counts = try outbox.counts()
        let people = PeopleStore(database)
        let attentionStatuses = [MessageStatus.unknown, .failed, .suppressed, .undelivered]
        if json {
            // What the text shows: the counts, the newest messages that need a coordinator, the campaigns.
            struct Problem: Encodable { let id: Int64; let name: String; let phone: String; let channel: String; let template: String; let error: String? }
            struct Status: Encodable {
                let counts: [String: Int]
                /// Until when sending is paused after provider trouble; null when it is not.
                let sendingPausedUntil: String?
                let attention: [String: [Problem]]
                let campaigns: [CampaignCommands.CampaignJSON]
            }
            var attention: [String: [Problem]] = [:]
            for status in attentionStatuses {
                let messages = try outbox.list(status: status, limit: 20)
                guard !messages.isEmpty else { continue }
                attention[status.rawValue] = try messages.map { message in
                    Problem(id: message.id, name: try message.personID.flatMap { try people.find(id: $0)?.name } ?? "-",
                            phone: message.phone.masked, channel: message.channel.rawValue, template: message.template, error: message.error)
                }
            }
            let pausedUntil = try SendingPause.until(database, try context.config(), now: context.now())
            context.console.print(try JSONOutput.string(Status(counts: CampaignCommands.CampaignJSON.keyed(counts),
                                                               sendingPausedUntil: pausedUntil.map(Timestamp.format), attention: attention,
                                                               campaigns: try CampaignCommands.CampaignJSON.all(in: database))))
            return
        }
        let console = context.console
        console.print("messages: " + MessageStatus.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        if let pause = try SendingPause.text(database, try context.config(), now: context.now()) { console.print(pause) }
        for status in attentionStatuses {
            let messages = try outbox.list(status: status, limit: 20)
            guard !messages.isEmpty else { continue }
            console.print("")
            console.print("\(status.rawValue) (newest \(messages.count)):")
            for message in messages {
                let name = try message.personID.flatMap { try people.find(id: $0)?.name } ?? "-"
                console.print("  #\(message.id) \(name) \(message.phone.masked) \(message.channel.rawValue) \(message.template): \(message.error ?? "")")
            }
            if status == .unknown {
                console.print("  checked them at the provider? 'outreach settle ID... --sent' (it arrived) or '--resend' (it did not)")
            }
        }
        let campaigns = try CampaignStore(database).list()
        if !campaigns.isEmpty {
            console.print("")
            console.print("campaigns:")
            for campaign in campaigns {
                let campaignCounts = try outbox.counts(campaignID: campaign.id)
                console.print("  \(campaign.id!) \(campaign.name) [\(campaign.status.rawValue)] " + CampaignCommands.progressLine(campaignCounts, replies: nil))
            }
        }
    }
}
