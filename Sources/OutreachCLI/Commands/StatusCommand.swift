import Foundation
import OutreachCore
import OutreachStore

enum StatusCommand {
    /// Messages listed per status unless `--all`.
    static let newest = 20

    static let node = CommandNode("status", summary: "the outbox at a glance: counts, problems, campaigns", help: """
        Usage: outreach status [--all] [--status STATUS] [--json]
        Counts of messages per status, the messages that need a coordinator (failed, unknown, suppressed, undelivered;
        the newest \(newest) of each) and the campaigns.
          --all            every one of those messages, not only the newest \(newest)
          --status STATUS  the messages of that status alone (queued, sent, delivered, failed, unknown...)
        An unknown SMS is looked up at the provider by the service itself; an unknown call, or an SMS the provider's
        records could not settle, needs you ('outreach settle').
        """) { arguments, context in
        let json = arguments.flag("--json")
        let all = arguments.flag("--all")
        let statusText = try arguments.option("--status")
        try arguments.finish()
        var statuses = [MessageStatus.unknown, .failed, .suppressed, .undelivered]
        if let statusText {
            guard let status = MessageStatus(rawValue: statusText.lowercased()) else {
                throw CLIError.usage("status: '\(statusText)' is not a status (use "
                                     + MessageStatus.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            statuses = [status]
        }
        let database = try context.existingDatabase(for: "status")
        let outbox = OutboxStore(database)
        let counts = try outbox.counts()
        let people = PeopleStore(database)
        let limit = all ? Int.max : newest
        if json {
            // What the text shows: the counts, the messages listed, the campaigns.
            struct Problem: Encodable {
                let id: Int64; let name: String; let phone: String; let channel: String; let template: String; let error: String?
                /// For an unknown message: whether the service looks it up at the provider itself (else a coordinator must).
                let lookedUpByService: Bool?
            }
            struct Status: Encodable {
                let counts: [String: Int]
                /// Until when sending is paused after provider trouble; null when it is not.
                let sendingPausedUntil: String?
                /// Whether an `outreach run` is at work on this database; null for an in-memory one.
                let serviceRunning: Bool?
                /// When quiet hours end, while they hold sending; null outside them.
                let quietHoursUntil: String?
                let attention: [String: [Problem]]
                let campaigns: [CampaignCommands.CampaignJSON]

                enum CodingKeys: String, CodingKey {
                    case counts, sendingPausedUntil, serviceRunning, quietHoursUntil, attention, campaigns
                }

                // Every key always there (null when not set): a script need not guess whether a missing key means no.
                func encode(to encoder: Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(counts, forKey: .counts)
                    try container.encode(sendingPausedUntil, forKey: .sendingPausedUntil)
                    try container.encode(serviceRunning, forKey: .serviceRunning)
                    try container.encode(quietHoursUntil, forKey: .quietHoursUntil)
                    try container.encode(attention, forKey: .attention)
                    try container.encode(campaigns, forKey: .campaigns)
                }
            }
            var attention: [String: [Problem]] = [:]
            for status in statuses {
                var problems: [Problem] = []
                try outbox.forEach(status: status, limit: limit) { message in
                    problems.append(Problem(id: message.id, name: try name(of: message, people), phone: message.phone.masked,
                                            channel: message.channel.rawValue, template: message.template, error: message.error,
                                            lookedUpByService: status == .unknown ? OutboxStore.isLookedUpByService(message) : nil))
                }
                if !problems.isEmpty { attention[status.rawValue] = problems }
            }
            let pausedUntil = try SendingPause.until(database, try context.config(), now: context.now())
            context.console.print(try JSONOutput.string(Status(counts: CampaignCommands.CampaignJSON.keyed(counts),
                                                               sendingPausedUntil: pausedUntil.map(Timestamp.format),
                                                               serviceRunning: RunLock.isHeld(databasePath: try context.databasePath()),
                                                               quietHoursUntil: try context.quietHoursEnd().map(Timestamp.format),
                                                               attention: attention,
                                                               campaigns: try CampaignCommands.CampaignJSON.all(in: database))))
            return
        }
        let console = context.console
        console.print("messages: " + MessageStatus.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        if let pause = try SendingPause.text(database, try context.config(), now: context.now()) { console.print(pause) }
        if let quiet = try context.quietHoursEnd(), let queued = counts[.queued], queued > 0 {
            let config = try context.config()
            console.print("quiet hours (\(QuietWindow(config.quietHours)) \(config.timeZone.identifier)): the \(queued) queued wait until "
                          + CampaignCommands.localTimeText(quiet, config))
        }
        if let sending = counts[.sending], sending > 0, RunLock.isHeld(databasePath: try context.databasePath()) == false {
            console.print("in doubt: \(sending) message\(sending == 1 ? " was" : "s were") left sending by an 'outreach run' that stopped; "
                          + "the next run takes \(sending == 1 ? "it" : "them") up: nothing is sent again blindly, an SMS is looked up at the "
                          + "provider, and a call that may have been placed waits for you ('outreach settle')")
        }
        let held = try outbox.heldBack()
        if held.count > 0, let latest = held.latest {
            console.print("held back: \(held.count) queued message\(held.count == 1 ? "" : "s") wait for you to put the account or the "
                          + "config right (latest: \(latest))")
        }
        for status in statuses {
            let total = counts[status] ?? 0
            guard total > 0 else { continue }
            console.print("")
            let shown = min(total, limit)
            console.print(shown < total ? "\(status.rawValue) (newest \(shown) of \(total); 'outreach status --all' lists them all):"
                                        : "\(status.rawValue) (\(total)):")
            var needYou = 0
            try outbox.forEach(status: status, limit: limit) { message in
                var note = ""
                if status == .unknown {
                    let byService = OutboxStore.isLookedUpByService(message)
                    if !byService { needYou += 1 }
                    note = byService ? " [the service looks it up]" : " [needs you]"
                }
                console.print("  #\(message.id) \(try name(of: message, people)) \(message.phone.masked) \(message.channel.rawValue) "
                              + "\(message.template)\(message.error.flatMap { $0.isEmpty ? nil : ": " + $0 } ?? "")\(note)")
            }
            if status == .unknown, needYou > 0 {
                console.print("  those that need you: checked them at the provider? 'outreach settle ID... --sent' (it arrived) "
                              + "or '--resend' (it did not)")
            }
        }
        guard statusText == nil else { return }
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

    static func name(of message: OutboxMessage, _ people: PeopleStore) throws -> String {
        try message.personID.flatMap { try people.find(id: $0)?.name } ?? "-"
    }
}
