import Foundation
import OutreachCore
import OutreachService
import OutreachStore

enum DueCommand {
    static let node = CommandNode("due", summary: "what would be sent at a time, and why (sends nothing)", help: """
        Usage: outreach due [--at TIME] [--json]

        Lists the messages that would go out from now until TIME (ISO-8601, or local "2026-12-01 10:00" in the
        config's zone; default now; not in the past), in order of sending, as the
        running service would send them: those already waiting in the outbox, SMS in doubt (a crash, a lost answer)
        that it looks up at the provider and sends again only if the provider never got them, and the reminders the
        scheduler would enqueue, with the reason (rule or campaign), the time they may go (after quiet hours), what holds or stops
        them (quiet hours, a paused campaign, an opt-out, a session that has started) and the recipient (masked).
        Nothing is written or sent.
        """) { arguments, context in
        let atText = try arguments.option("--at")
        let json = arguments.flag("--json")
        try arguments.finish()
        let now = context.now()
        var at = now
        if let atText {
            let parsed = try TimeArgument.parse(atText, command: "due", zone: try context.config().timeZone, console: context.console)
            // A past TIME has nothing to foretell: what went then is in `outreach status`.
            guard parsed >= now.addingTimeInterval(-60) else {
                throw CLIError.usage("due: --at \(atText) is in the past (now is \(Timestamp.format(now))); 'outreach status' shows what was sent")
            }
            at = max(parsed, now)
        }
        let database = try context.existingDatabase(for: "due")
        let config = try context.config()
        let library = try context.promptLibrary()
        let people = PeopleStore(database)
        let quietHours = QuietWindow(config.quietHours)
        var campaigns: [Int64: Campaign?] = [:]
        /// A message's campaign, read once per campaign.
        func campaign(_ id: Int64) throws -> Campaign? {
            if campaigns[id] == nil { campaigns[id] = try CampaignStore(database).find(id: id) }
            return campaigns[id] ?? nil
        }
        // Planned from now (as the running service will plan them), through TIME. Planning from TIME itself would
        // take every reminder before it for one missed while the gateway was down.
        let scheduler = Scheduler(database: database, config: config, library: library)
        let pending = try scheduler.pending(now: now, through: at).filter { $0.1.notBefore <= at || $0.1.status == .suppressed }
        // After downtime several reminders of one date can be due at once: the next tick keeps only the latest, of those
        // queued and those it plans then. Shown for now only: what a tick later will find depends on what goes before.
        let queued = try OutboxStore(database).queued(dueBy: at, limit: Self.queuedShown)
        // More than a screen can hold are counted, not listed (a campaign of 100,000): the count must not lie.
        let notShown = queued.count < Self.queuedShown ? 0 : try OutboxStore(database).countQueued(dueBy: at) - queued.count
        let superseded = try scheduler.supersededDue(now: now, planned: pending.map(\.0))
        // Sending paused after provider trouble (a rejected key, an outage) holds every message until then.
        let pausedUntil = try SendingPause.until(database, config, now: now)
        /// When the service can start a message due at `notBefore`: its time, or now if that has passed, after a pause,
        /// out of quiet hours.
        func goes(_ notBefore: Date) -> Date {
            Dispatcher.earliestStart(due: notBefore, now: now, heldUntil: pausedUntil, quietHours: quietHours, in: config.timeZone)
        }
        /// What holds it past TIME, if anything: the pause, or quiet hours.
        func hold(_ goes: Date, _ notBefore: Date) -> String? {
            guard goes > at else { return nil }
            return goes > quietHours.release(max(notBefore, now), in: config.timeZone)
                ? "held: sending is paused after provider trouble until \(Timestamp.format(goes))"
                : "held by quiet hours until \(Timestamp.format(goes))"
        }
        // Rows with when they go and when they were due: the service claims by time due, then by id (queued ones first).
        var ordered: [(goes: Date, due: Date, row: DueRow)] = []
        // A STOP that came after a message was queued wins when the dispatcher claims it.
        let optOuts = try OptOutStore(database).snapshot(of: queued.map(\.phone))
        for message in queued {
            let person = try message.personID.flatMap { try people.find(id: $0) }
            let goes = goes(message.notBefore)
            var status = hold(goes, message.notBefore).map { "queued, " + $0 } ?? "queued"
            if let id = message.campaignID {
                status = held(by: try campaign(id), at: at) ?? status
            }
            // The next tick drops a superseded reminder; the dispatcher suppresses the others when it comes to them.
            if let expiry = message.expiresAt, expiry <= goes {
                status = "would be suppressed: too late, the session starts \(Timestamp.format(expiry))"
            } else if let reason = superseded[message.id] {
                status = "would be suppressed: \(reason)"
            } else if optOuts.contains(phone: message.phone, channel: message.channel) {
                status = "would be suppressed: opted out"
            } else if let held = OutboxStore.heldBackReason(message.error) {
                // Refused for the account's or the config's sake: it goes once that is put right, not before.
                status = "held back: " + held
            }
            ordered.append((goes, message.notBefore, DueRow(id: message.id, name: person?.name ?? "-", phone: message.phone.masked,
                                                            channel: message.channel.rawValue, language: message.language,
                                                            template: message.template, sendAt: Timestamp.format(goes),
                                                            reason: reason(message.dedupeKey), status: status)))
        }
        // SMS in doubt (a crash, an answer that never came): the service searches the provider's records for each once
        // it has been unknown a while, and sends it again if the provider never got it, as it would a queued one.
        let inDoubt = try OutboxStore(database).inDoubtSMS(limit: Self.queuedShown)
        let grace = config.provider.reconcileAfterSeconds
        let inDoubtOptOuts = try OptOutStore(database).snapshot(of: inDoubt.map(\.message.phone))
        let withdrawn = try OutboxStore(database).withdrawn(among: inDoubt.map(\.message.id))
        // The service's attempts in all (the gateway's dispatch settings keep the default backoff).
        let maxAttempts = DispatchSettings(from: "").backoff.maxAttempts
        var mayGoAgain = 0
        for (message, since) in inDoubt {
            let lookedUp = max(since.addingTimeInterval(grace), now)
            guard lookedUp <= at else { continue }
            let person = try message.personID.flatMap { try people.find(id: $0) }
            let goes = goes(lookedUp)
            var status = "in doubt since \(Timestamp.format(since)): sent again only if \(config.provider.kind.rawValue)'s records "
                + "show it never arrived (looked up from \(Timestamp.format(lookedUp)))"
            if let hold = hold(goes, lookedUp) { status = "in doubt: if it never arrived, queued, " + hold }
            if let id = message.campaignID {
                let campaign = try campaign(id)
                if campaign?.status == .cancelled {
                    status = "in doubt: would be cancelled if it never arrived (campaign \(id) is cancelled)"
                } else if let held = held(by: campaign, at: at) {
                    status = "in doubt: if it never arrived, " + held
                }
            }
            if message.attempts >= maxAttempts {
                status = "in doubt: would fail if it never arrived (all \(maxAttempts) attempts ended in doubt)"
            } else if withdrawn.contains(message.id) {
                status = "in doubt: would be cancelled if it never arrived (its session date was cancelled, or its senior taken out)"
            } else if let expiry = message.expiresAt, expiry <= goes {
                status = "in doubt: would be suppressed if it never arrived: too late, the session starts \(Timestamp.format(expiry))"
            } else if inDoubtOptOuts.contains(phone: message.phone, channel: message.channel) {
                status = "in doubt: would be suppressed if it never arrived: opted out"
            }
            if status.hasPrefix("in doubt since") { mayGoAgain += 1 }
            ordered.append((goes, message.notBefore, DueRow(id: message.id, name: person?.name ?? "-", phone: message.phone.masked,
                                                            channel: message.channel.rawValue, language: message.language,
                                                            template: message.template, sendAt: Timestamp.format(goes),
                                                            reason: reason(message.dedupeKey), status: status)))
        }
        for (reminder, message) in pending {
            let person = try people.find(id: reminder.personID)
            var why = "reminder '\(reminder.rule)' for \(Timestamp.format(reminder.occurrence.start))"
            // A minute's grace: `due` run at 10:00:00.4 must not call the 10:00 reminder late.
            if reminder.sendAt < now.addingTimeInterval(-60) {
                why += ", late: its time has passed (downtime, or enrolled or changed since)"
            } else if reminder.notBefore > max(reminder.sendAt, now) {
                // Planned from now, its time is never earlier than now: only a later one is quiet hours' doing.
                why += ", held by quiet hours"
            }
            let goes = message.status == .suppressed ? message.notBefore : goes(message.notBefore)
            var status = "would be enqueued"
            if message.status == .suppressed {
                status = "would be suppressed: \(message.error ?? "")"
            } else if let hold = hold(goes, message.notBefore) {
                status += ", then " + hold
            }
            ordered.append((goes, message.notBefore, DueRow(id: nil, name: person?.name ?? "-", phone: message.phone.masked,
                                                            channel: message.channel.rawValue, language: message.language,
                                                            template: message.template, sendAt: Timestamp.format(goes),
                                                            reason: why, status: status)))
        }
        // In the order the service sends them (queued ones, listed first, stay ahead of those it would enqueue).
        let rows = ordered.enumerated().sorted { ($0.element.goes, $0.element.due, $0.offset) < ($1.element.goes, $1.element.due, $1.offset) }
            .map(\.element.row)
        let more = notShown > 0
            ? "\(notShown) more queued message\(notShown == 1 ? "" : "s") due by then not listed (the first \(queued.count) are)" : nil
        if json {
            context.console.print(try JSONOutput.string(rows))
            if let more { context.console.error("due: \(more)") }
            return
        }
        var table = Table("SEND AT", "TO", "PHONE", "CHANNEL", "LANG", "TEMPLATE", "WHY", "STATUS")
        for row in rows {
            table.add(row.sendAt, row.name, row.phone, row.channel, row.language, row.template, row.reason, row.status)
        }
        context.console.print(table.render())
        if let more { context.console.print(more) }
        // Listed is not going: held past TIME, suppressed or cancelled when their turn comes.
        let notGoing = rows.filter { !($0.status == "queued" || $0.status == "would be enqueued" || $0.status.hasPrefix("in doubt since")) }.count
        context.console.print("\(rows.count + notShown) due at \(Timestamp.format(at)) (nothing sent)"
                              + (mayGoAgain > 0 ? "; \(mayGoAgain) of them in doubt, sent again only if they never arrived" : "")
                              + (notGoing > 0 ? "; \(notGoing) of them would not go by then (held, suppressed or cancelled: see STATUS)" : ""))
        if let pause = try SendingPause.text(database, config, now: now) { context.console.print(pause) }
    }

    /// Queued messages listed at most; the rest are counted.
    static let queuedShown = 10_000

    struct DueRow: Encodable {
        let id: Int64?
        let name: String
        let phone: String
        let channel: String
        let language: String
        let template: String
        let sendAt: String
        let reason: String
        let status: String
    }

    /// Why a campaign's queued message does not go: the dispatcher only claims those of running campaigns (and
    /// scheduled ones whose time has come: the service starts them).
    static func held(by campaign: Campaign?, at: Date) -> String? {
        guard let campaign else { return nil }
        switch campaign.status {
        case .paused: return "queued, held: campaign \(campaign.id!) is paused"
        case .draft: return "queued, held: campaign \(campaign.id!) is a draft"
        case .cancelled: return "queued, held: campaign \(campaign.id!) is cancelled"
        case .scheduled:
            guard let sendAt = campaign.sendAt, sendAt > at else { return nil }
            return "queued, held: campaign \(campaign.id!) starts \(Timestamp.format(sendAt))"
        case .running, .done: return nil
        }
    }

    static func reason(_ dedupeKey: String) -> String {
        if let rule = PlannedReminder.rule(inKey: dedupeKey) { return "reminder '\(rule)'" }
        let parts = dedupeKey.split(separator: ":")
        if parts.first == "campaign", parts.count >= 2 { return "campaign \(parts[1])" }
        return dedupeKey
    }
}
