import Foundation
import OutreachCore
import OutreachService
import OutreachStore

enum CampaignCommands {
    static let node = CommandNode("campaign", summary: "one message to many: create, preview, launch, watch", children: [
        CommandNode("create", summary: "create a campaign (a draft; nothing is sent)", help: """
            Usage: outreach campaign create --name NAME --template TEMPLATE --audience FILTER [--channel sms|voice] [--at TIME]

              --audience  who: role=senior;language=ar,so;session=3 or people=4,7,9 or all (parts AND, commas OR)
              --channel   force one channel; default each person's own preference (sms, voice or both)
              --at        when to send (default: when launched): local "2026-12-01 10:00" in the config's time zone,
                          or ISO-8601 (2026-12-01T10:00:00+01:00); quiet hours still apply
            """, run: create),
        CommandNode("preview", summary: "per language: text, encoding, segments, recipients, cost; who cannot be reached",
                    help: "Usage: outreach campaign preview ID", run: preview),
        CommandNode("launch", summary: "enqueue the messages and watch progress", help: """
            Usage: outreach campaign launch ID [--yes] [--no-wait]

            Asks for confirmation (or --yes), enqueues one message per person and channel (launching twice sends
            nothing twice), then shows a progress line until everything is done or Ctrl-C. Sending is done by the
            service ('outreach run'); Ctrl-C only stops watching. --no-wait returns at once.
            """, run: launch),
        CommandNode("status", summary: "progress of a campaign", help: "Usage: outreach campaign status ID [--json]", run: status),
        CommandNode("pause", summary: "hold what has not been sent", help: "Usage: outreach campaign pause ID") { arguments, context in
            try setStatus(&arguments, context, to: .paused, allowedFrom: [.running, .scheduled])
        },
        CommandNode("resume", summary: "continue a paused campaign", help: "Usage: outreach campaign resume ID") { arguments, context in
            try setStatus(&arguments, context, to: .running, allowedFrom: [.paused])  // or scheduled, when its time is ahead
        },
        CommandNode("cancel", summary: "stop what has not been sent (sent messages stay sent)", help: "Usage: outreach campaign cancel ID") { arguments, context in
            try setStatus(&arguments, context, to: .cancelled, allowedFrom: [.draft, .scheduled, .running, .paused])
        },
        CommandNode("list", summary: "list campaigns", help: "Usage: outreach campaign list [--json]") { arguments, context in
            let json = arguments.flag("--json")
            try arguments.finish()
            let database = try context.database()
            if json {
                context.console.print(try JSONOutput.string(try CampaignJSON.all(in: database)))
                return
            }
            var table = Table("ID", "NAME", "TEMPLATE", "AUDIENCE", "STATUS", "PROGRESS")
            for campaign in try CampaignStore(database).list() {
                table.add(String(campaign.id!), campaign.name, campaign.template, campaign.audience.description, campaign.status.rawValue,
                          progressLine(try OutboxStore(database).counts(campaignID: campaign.id), replies: nil))
            }
            context.console.print(table.render())
        },
    ])

    static func create(_ arguments: inout Arguments, _ context: AppContext) throws {
        let name = try arguments.requiredOption("--name").trimmingWhitespace()
        let template = try arguments.requiredOption("--template")
        let audienceText = try arguments.requiredOption("--audience")
        let channelText = try arguments.option("--channel")
        let atText = try arguments.option("--at")
        try arguments.finish()
        guard !name.isEmpty else { throw CLIError.usage("campaign create: --name is empty") }
        // A line break would break every list the name is shown in.
        guard !name.unicodeScalars.contains(where: { [.control, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory) }) else {
            throw CLIError.usage("campaign create: --name may not hold line breaks or other control characters")
        }
        let audience: AudienceFilter
        switch AudienceFilter.parse(audienceText) {
        case .success(let parsed): audience = parsed
        case .failure(let error): throw CLIError.usage("campaign create: --audience: \(error.message)")
        }
        let channel = try channelText.map { text -> Channel in
            guard let channel = Channel(rawValue: text) else { throw CLIError.usage("campaign create: --channel must be sms or voice") }
            return channel
        }
        let zone = try context.config().timeZone
        let sendAt = try atText.map { try TimeArgument.parse($0, command: "campaign create", zone: zone, console: context.console) }
        // A minute's grace for the time it takes to type the command.
        if let sendAt, sendAt < context.now().addingTimeInterval(-60) {
            throw CLIError.usage("campaign create: --at \(Timestamp.format(sendAt)) is in the past (leave --at out to send when launched)")
        }
        let library = try context.promptLibrary()
        guard library.catalog.templates[template] != nil else {
            let names = library.catalog.templates.keys.sorted()
            let hint = Suggestion.closest(to: template, among: names).map { " (did you mean '\($0)'?)" } ?? " (templates: \(names.joined(separator: ", ")))"
            throw CLIError.usage("campaign create: no template '\(template)'" + hint)
        }
        let database = try context.database()
        let campaign = Campaign(name: name, template: template, audience: audience, channel: channel, sendAt: sendAt)
        try checked("campaign create", as: CLIError.usage) { try service(context).check(campaign, now: context.now()) }
        // Names differing only in case would be told apart by nobody reading a list.
        if let same = try CampaignStore(database).list().first(where: { $0.name.lowercased() == name.lowercased() }) {
            throw CLIError.failure("campaign create: a campaign named '\(same.name)' exists already (campaign \(same.id!))")
        }
        let id = try CampaignStore(database).create(campaign, now: context.now())
        context.console.print("campaign \(id) created (draft): \(name), template \(template), audience \(audience)")
        // Not an error (people may be imported before the launch), but most often a typo ('language=sv-SE').
        var matched = 0
        try PeopleStore(database).forEach(in: audience) { _ in matched += 1 }
        if matched == 0 {
            context.console.print("note: no one matches the audience \(audience) yet (see 'outreach people list')")
        }
        context.console.print("next: outreach campaign preview \(id)")
    }

    static func campaign(_ arguments: inout Arguments, _ context: AppContext) throws -> Campaign {
        let text = try arguments.requiredPositional("ID")
        guard let id = Int64(text) else { throw CLIError.usage("campaign: '\(text)' is not a campaign id") }
        guard let campaign = try CampaignStore(try context.database()).find(id: id) else {
            throw CLIError.failure("campaign: there is no campaign \(id) (see 'outreach campaign list')")
        }
        return campaign
    }

    static func service(_ context: AppContext) throws -> CampaignService {
        let config = try context.config()
        let library = try context.promptLibrary()
        let kind = config.provider.kind
        return CampaignService(database: try context.database(), config: config, library: library,
                               voiceLanguages: { Gateway.voiceLanguage(catalog: library.catalog, kind: kind, language: $0) })
    }

    static func preview(_ arguments: inout Arguments, _ context: AppContext) throws {
        let campaign = try campaign(&arguments, context)
        try arguments.finish()
        let preview = try checked("campaign preview") { try service(context).preview(campaign, now: context.now()) }
        let console = context.console
        let price = PriceEstimate.perSegment(for: try context.config().provider)
        func cost(_ segments: Int) -> String { String(format: "%.2f", Double(segments) * price.amount) + " \(price.currency)" }
        console.print("campaign \(campaign.id!): \(campaign.name) [\(campaign.status.rawValue)], template \(campaign.template), audience \(campaign.audience)")
        if campaign.status == .done || campaign.status == .cancelled {
            console.print("(\(campaign.status.rawValue): nothing more is sent; what follows is what the audience would get today)")
        }
        guard preview.matched else {
            console.print("")
            console.print("no one matches the audience \(campaign.audience): nothing to send")
            return
        }
        for language in preview.languages {
            console.print("")
            var header = "== \(language.language) \(language.channel.rawValue): \(language.recipients) recipient\(language.recipients == 1 ? "" : "s")"
            if let inspection = language.inspection {
                // The text shown is the first recipient's; with other names, others may take another segment.
                let each = language.fewestSegments < language.mostSegments
                    ? "\(language.fewestSegments)–\(language.mostSegments) segments each"
                    : "\(inspection.segments) segment\(inspection.segments == 1 ? "" : "s")\(language.recipients == 1 ? "" : " each")"
                // Names differ: one with a letter GSM-7 lacks makes that message UCS-2.
                let encodings = language.encodings.count > 1 ? "GSM-7 or UCS-2 (names differ)" : inspection.encoding.rawValue
                header += ", \(encodings), \(each), about \(cost(language.segments))"
            }
            if language.usedLanguage != language.language { header += " (text in \(language.usedLanguage))" }
            console.print(header)
            console.print(language.text)
        }
        console.print("")
        var total = "\(counted(preview.reachable, "message")) to send to \(counted(preview.people, "person", "people")): "
            + "\(counted(preview.segments, "SMS segment")), about " + cost(preview.segments) + " (\(price.note))"
        if preview.calls > 0 { total += "; \(counted(preview.calls, "call")), not in the estimate" }
        console.print(total)
        if !preview.fallbacks.isEmpty {
            console.print("")
            for fallback in preview.fallbacks { console.print("  note: \(fallback)") }
        }
        if !preview.smsInstead.isEmpty {
            console.print("")
            let one = preview.smsInstead.count == 1
            console.print("\(counted(preview.smsInstead.count, "person", "people")) who take\(one ? "s" : "") calls only get\(one ? "s" : "") an "
                          + "SMS instead: '\(campaign.template)' has no voice version (some may not read, or have a landline):")
            for person in preview.smsInstead { console.print("  warning: \(person)") }
        }
        if !preview.warnings.isEmpty {
            console.print("")
            console.print("\(counted(preview.unreachable, "message")) cannot be sent:")
            for warning in preview.warnings { console.print("  warning: \(warning)") }
        }
    }

    /// Runs `body`, turning a campaign that cannot be sent as it stands into the command's error (a failure, or a
    /// usage error where the arguments just given are at fault).
    static func checked<T>(_ command: String, as kind: (String) -> CLIError = CLIError.failure, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CampaignError {
            throw kind("\(command): \(error.message)")
        }
    }

    static func launch(_ arguments: inout Arguments, _ context: AppContext) throws {
        let yes = arguments.flag("--yes")
        let noWait = arguments.flag("--no-wait")
        let campaign = try campaign(&arguments, context)
        try arguments.finish()
        guard CampaignService.launchable.contains(campaign.status) else {
            throw CLIError.failure("campaign launch: campaign \(campaign.id!) is \(campaign.status.rawValue)"
                                   + (campaign.status == .done ? ": a campaign sends once per person; to send again, or to invite to "
                                        + "another date, create a new campaign" : ""))
        }
        let service = try service(context)
        let preview = try checked("campaign launch") { try service.preview(campaign, now: context.now()) }
        guard preview.reachable > 0 else {
            throw CLIError.failure(preview.matched
                ? "campaign launch: none of the \(preview.unreachable) messages can be sent (see 'outreach campaign preview \(campaign.id!)'); nothing enqueued"
                : "campaign launch: no one matches the audience \(campaign.audience); nothing enqueued")
        }
        if campaign.status != .draft, preview.newSinceLaunch == 0 {
            // Launching again only adds people who joined the audience since; there are none.
            context.console.print("campaign \(campaign.id!) is \(campaign.status.rawValue) already, and everyone in its audience has a "
                                  + "message of it (sent, waiting, or cancelled with its date): nothing new to enqueue (see 'outreach campaign status \(campaign.id!)'). A campaign sends once "
                                  + "per person: to invite them to another date, create a new campaign")
            return
        }
        if !yes {
            context.console.print(campaign.status == .draft
                ? "Send '\(campaign.template)' to \(counted(preview.people, "person", "people")) "
                    + "(\(counted(preview.reachable, "message")); \(preview.unreachable) cannot be sent)? Type 'yes': "
                : "Campaign \(campaign.id!) is \(campaign.status.rawValue) already. Send '\(campaign.template)' to those who joined "
                    + "its audience since (\(counted(preview.newSinceLaunch, "message")))? Type 'yes': ")
            guard context.console.nextInputLine()?.trimmingWhitespace().lowercased() == "yes" else {
                throw CLIError.failure("campaign launch: not confirmed; nothing enqueued")
            }
        }
        let launched = try checked("campaign launch") { try service.launch(campaign, now: context.now()) }
        // The suppressed ones are stored so the coordinator sees them; they are not sent.
        context.console.print("campaign \(campaign.id!) launched: \(counted(launched.queued, "message")) to send"
                              + (launched.suppressed > 0 ? ", \(launched.suppressed) that cannot be sent stored as suppressed" : ""))
        // Later: a send time ahead, or quiet hours now. Nothing to watch until then.
        let config = try context.config()
        let start = service.firstSend(campaign, now: context.now())
        if campaign.status == .draft, let asked = campaign.sendAt, asked < context.now().addingTimeInterval(-60) {
            // Or later, when quiet hours hold it now (the line below says until when).
            let now = start <= context.now().addingTimeInterval(60)
            context.console.print("note: its send time (\(localTimeText(asked, config))) has passed\(now ? ": it sends now" : "")")
        }
        if start > context.now().addingTimeInterval(60) {
            context.console.print("scheduled for \(sendTimeText(start, asked: campaign.sendAt, config: config, now: context.now())): the service "
                                  + "('outreach run') sends it then; follow it with 'outreach campaign status \(campaign.id!)'")
            return
        }
        if noWait { return }
        try watch(campaign.id!, context)
    }

    /// `date` as a coordinator reads it: local, in the config's time zone, named ("2026-11-24 09:00 Europe/Stockholm").
    static func localTimeText(_ date: Date, _ config: OutreachConfig) -> String {
        "\(SessionCommands.localText(date, config.timeZone)) \(config.timeZone.identifier)"
    }

    /// `start` in the config's time zone, with the time asked for when quiet hours moved it (nil: sent when launched).
    static func sendTimeText(_ start: Date, asked: Date?, config: OutreachConfig, now: Date) -> String {
        var text = localTimeText(start, config)
        if start.timeIntervalSince(asked ?? now) >= 60 {
            text += asked.map { " (asked for \(SessionCommands.localText($0, config.timeZone)); quiet hours hold it until then)" }
                ?? " (after quiet hours)"
        }
        return text
    }

    /// When the campaign's queued messages go, as the outbox holds them (the earliest, if it is ahead); else the
    /// campaign's own send time, if it has one.
    static func sendsFrom(_ campaign: Campaign, _ database: Database, config: OutreachConfig, now: Date) throws -> String? {
        let first = try database.statement("SELECT min(not_before) FROM messages WHERE campaign_id = ? AND status = 'queued'")
            .bind(campaign.id!).firstRow { $0.isNull(0) ? nil : Timestamp.parse($0.string(0)) } ?? nil
        if let first, first > now { return sendTimeText(first, asked: campaign.sendAt, config: config, now: now) }
        // A send time passed says nothing about when the rest goes.
        return campaign.sendAt.flatMap { $0 > now ? localTimeText($0, config) : nil }
    }

    /// Shows the progress line until the campaign has nothing left queued or sending.
    /// `stallAfter`: seconds without change before it says why (a test shortens it).
    static func watch(_ id: Int64, _ context: AppContext, stallAfter: TimeInterval = 15) throws {
        let database = try context.database()
        context.console.print("(Ctrl-C stops watching only: the service goes on sending; 'outreach campaign status \(id)' shows it)")
        var last = ""
        var unchangedSince = Date()
        while true {
            let counts = try OutboxStore(database).counts(campaignID: id)
            let line = progressLine(counts, replies: try replies(campaignID: id, database))
            if line != last {
                context.console.print(line)
                last = line
                unchangedSince = Date()
            }
            if (counts[.queued] ?? 0) + (counts[.sending] ?? 0) == 0 { break }
            if let status = try CampaignStore(database).find(id: id)?.status, status == .paused {
                context.console.print("campaign \(id) is paused: nothing more is sent until 'outreach campaign resume \(id)'")
                break
            }
            if Date().timeIntervalSince(unchangedSince) > stallAfter {
                // Quiet hours began: nothing moves until morning, and watching all night helps no one.
                let config = try context.config()
                if let opens = try context.quietHoursEnd() {
                    context.console.print("quiet hours until \(localTimeText(opens, config)): the service sends the rest then")
                    break
                }
                // Sending paused after provider trouble: a rejected key or an empty balance needs someone, not a watch.
                if let pause = try SendingPause.text(database, config, now: context.now(), campaignID: id) {
                    context.console.print(pause + "; follow it with 'outreach campaign status \(id)'")
                    break
                }
                context.console.print("no progress for \(Int(stallAfter)) s: is the service running ('outreach run')? The campaign stays launched.")
                unchangedSince = Date()
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// Replies from the campaign's recipients received after their message could go (enqueued, and its send time
    /// come), of those it was sent to (a reply to another campaign sent meanwhile counts for both: an SMS reply names
    /// no message). A STOP is counted apart: it is no answer to the invitation.
    struct Replies: Equatable {
        var replies = 0
        var optOuts = 0
    }

    static func replies(campaignID: Int64, _ database: Database) throws -> Replies {
        try database.statement("""
            SELECT count(DISTINCT CASE WHEN i.intent IS 'stop' THEN NULL ELSE i.id END),
                   count(DISTINCT CASE WHEN i.intent IS 'stop' THEN i.id END)
            FROM messages m
            JOIN inbound i ON i.from_phone = m.phone AND i.received_at >= max(m.created_at, m.not_before)
            WHERE m.campaign_id = ? AND m.status IN ('sent', 'delivered', 'undelivered', 'unknown')
            """).bind(campaignID).firstRow { Replies(replies: $0.int(0), optOuts: $0.int(1)) } ?? Replies()
    }

    /// A campaign as `status --json` and `list --json` print it: what the text shows.
    struct CampaignJSON: Encodable {
        let id: Int64
        let name: String
        let status: String
        let template: String
        let audience: String
        /// nil: each person's own channel.
        let channel: String?
        let sendAt: String?
        let counts: [String: Int]
        let replies: Int?
        let optOuts: Int?

        init(_ campaign: Campaign, counts: [MessageStatus: Int], replies: Replies?) {
            id = campaign.id ?? 0
            name = campaign.name
            status = campaign.status.rawValue
            template = campaign.template
            audience = campaign.audience.description
            channel = campaign.channel?.rawValue
            sendAt = campaign.sendAt.map(Timestamp.format)
            self.counts = Self.keyed(counts)
            self.replies = replies?.replies
            optOuts = replies?.optOuts
        }

        /// Every campaign with its counts, as `campaign list --json` and `status --json` print them.
        static func all(in database: Database) throws -> [CampaignJSON] {
            let outbox = OutboxStore(database)
            return try CampaignStore(database).list().map { CampaignJSON($0, counts: try outbox.counts(campaignID: $0.id), replies: nil) }
        }

        /// Counts by status word, for JSON.
        static func keyed(_ counts: [MessageStatus: Int]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
        }

        private enum Keys: String, CodingKey { case id, name, status, template, audience, channel, sendAt, counts, replies, optOuts }

        /// `channel` and `sendAt` are always there, null when unset (each person's own channel; sent when launched), as
        /// the text says them; the counts of replies only where they were counted.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(status, forKey: .status)
            try container.encode(template, forKey: .template)
            try container.encode(audience, forKey: .audience)
            try container.encode(channel, forKey: .channel)
            try container.encode(sendAt, forKey: .sendAt)
            try container.encode(counts, forKey: .counts)
            try container.encodeIfPresent(replies, forKey: .replies)
            try container.encodeIfPresent(optOuts, forKey: .optOuts)
        }
    }

    static func progressLine(_ counts: [MessageStatus: Int], replies: Replies?) -> String {
        var line = "queued \(counts[.queued] ?? 0) / sending \(counts[.sending] ?? 0) / sent \(counts[.sent] ?? 0) / delivered \(counts[.delivered] ?? 0)"
        line += " / failed \((counts[.failed] ?? 0) + (counts[.undelivered] ?? 0)) / suppressed \(counts[.suppressed] ?? 0)"
        if let unknown = counts[.unknown], unknown > 0 { line += " / unknown \(unknown)" }
        if let cancelled = counts[.cancelled], cancelled > 0 { line += " / cancelled \(cancelled)" }
        if let replies {
            line += " / replies \(replies.replies)"
            if replies.optOuts > 0 { line += " / opted out \(replies.optOuts)" }
        }
        return line
    }

    static func status(_ arguments: inout Arguments, _ context: AppContext) throws {
        let json = arguments.flag("--json")
        let campaign = try campaign(&arguments, context)
        try arguments.finish()
        let database = try context.database()
        let counts = try OutboxStore(database).counts(campaignID: campaign.id)
        if json {
            context.console.print(try JSONOutput.string(CampaignJSON(campaign, counts: counts,
                                                                     replies: try replies(campaignID: campaign.id!, database))))
            return
        }
        var header = "campaign \(campaign.id!) \(campaign.name) [\(campaign.status.rawValue)], template \(campaign.template)"
        header += ", audience \(campaign.audience), channel \(campaign.channel?.rawValue ?? "each person's own")"
        if let from = try sendsFrom(campaign, database, config: try context.config(), now: context.now()) {
            header += ", sends from \(from)"
        }
        context.console.print(header)
        context.console.print(progressLine(counts, replies: try replies(campaignID: campaign.id!, database)))
        if counts[.queued] ?? 0 > 0, let pause = try SendingPause.text(database, try context.config(), now: context.now(),
                                                                         campaignID: campaign.id) {
            context.console.print(pause)
        }
    }

    static func setStatus(_ arguments: inout Arguments, _ context: AppContext, to status: CampaignStatus, allowedFrom: [CampaignStatus]) throws {
        let campaign = try campaign(&arguments, context)
        try arguments.finish()
        let database = try context.database()
        // A done campaign may still have messages that can go: in doubt (unknown after a crash; found never sent, they go
        // again), or held by an opt-out that may end (a START brings back one about a session still ahead). Until then it
        // can be paused or cancelled, and those are then held or cancelled.
        let inDoubt = campaign.status == .done ? try OutboxStore(database).counts(campaignID: campaign.id!)[.unknown] ?? 0 : 0
        let mayReturn = campaign.status == .done ? try OutboxStore(database).heldByOptOut(campaignID: campaign.id!, now: context.now()) : 0
        var allowedFrom = allowedFrom
        if inDoubt + mayReturn > 0, status != .running { allowedFrom.append(.done) }
        guard allowedFrom.contains(campaign.status) else {
            if campaign.status == .draft {
                throw CLIError.failure("campaign: campaign \(campaign.id!) is a draft, not launched yet "
                                       + "(see 'outreach campaign launch \(campaign.id!)')")
            }
            throw CLIError.failure("campaign: campaign \(campaign.id!) is \(campaign.status.rawValue), cannot become \(status.rawValue)")
        }
        // A campaign paused before its send time resumes waiting for it (the service starts it then).
        let status = status == .running && (campaign.sendAt.map { $0 > context.now() } ?? false) ? .scheduled : status
        try database.transaction {
            // Checked again in the write: another coordinator may have changed it since it was read.
            guard try CampaignStore(database).setStatus(id: campaign.id!, status, onlyFrom: allowedFrom, now: context.now()) else {
                let current = try CampaignStore(database).find(id: campaign.id!)?.status.rawValue ?? "gone"
                throw CLIError.failure("campaign: campaign \(campaign.id!) is \(current) now, cannot become \(status.rawValue)")
            }
            if status == .cancelled {
                let cancelled = try OutboxStore(database).cancelQueued(campaignID: campaign.id!, now: context.now())
                // Messages on their way finish; those claimed but not started are cancelled as they come back.
                context.console.print("campaign \(campaign.id!) cancelled: \(counted(cancelled, "queued message")) cancelled; "
                                      + "any being sent right now finish, and the rest of those claimed are cancelled too"
                                      + (inDoubt > 0 ? "; \(counted(inDoubt, "message")) in doubt (unknown) will be cancelled if found never sent" : ""))
            } else {
                context.console.print("campaign \(campaign.id!) is \(status.rawValue)"
                                      + (inDoubt > 0 ? ": \(counted(inDoubt, "message")) in doubt (unknown) will be held if found never sent" : ""))
            }
        }
    }
}
