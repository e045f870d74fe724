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
        if json {
            context.console.print(try JSONOutput.string(Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })))
            return
        }
        let console = context.console
        console.print("messages: " + MessageStatus.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        let people = PeopleStore(database)
        for status in [MessageStatus.unknown, .failed, .suppressed, .undelivered] {
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
