import Foundation
import OutreachCore
import OutreachService
import OutreachStore

enum DueCommand {
    static let node = CommandNode("due", summary: "what would be sent at a time, and why (sends nothing)", help: """
        Usage: outreach due [--at TIME] [--json]

        Lists the messages that would go out at TIME (ISO-8601, default now): those already waiting in the
        outbox and the reminders the scheduler would enqueue, with the reason (rule or campaign), the time they
        may go (after quiet hours) and the recipient (masked). Nothing is written or sent.
        """) { arguments, context in
        let atText = try arguments.option("--at")
        let json = arguments.flag("--json")
        try arguments.finish()
        var at = context.now()
        if let atText {
            guard let parsed = ISO8601.parse(atText) else {
                throw CLIError.usage("due: --at '\(atText)' is not an ISO-8601 instant (2026-11-24T09:00:00Z)")
            }
            at = parsed
        }
        let database = try context.database()
        let config = try context.config()
        let library = try context.promptLibrary()
        let people = PeopleStore(database)
        var rows: [DueRow] = []
        // Quiet hours hold what is already queued (the dispatcher checks them before each claim).
        let opens = QuietWindow(config.quietHours).release(at, in: config.timeZone)
        let queuedStatus = opens > at ? "queued, held by quiet hours until \(Timestamp.format(opens))" : "queued"
        for message in try OutboxStore(database).queued(dueBy: at) {
            let person = try message.personID.flatMap { try people.find(id: $0) }
            rows.append(DueRow(id: message.id, name: person?.name ?? "-", phone: message.phone.masked,
                               channel: message.channel.rawValue, language: message.language, template: message.template,
                               sendAt: Timestamp.format(message.notBefore), reason: reason(message.dedupeKey), status: queuedStatus))
        }
        let scheduler = Scheduler(database: database, config: config, library: library)
        for (reminder, message) in try scheduler.pending(now: at) where message.notBefore <= at || message.status == .suppressed {
            let person = try people.find(id: reminder.personID)
            rows.append(DueRow(id: nil, name: person?.name ?? "-", phone: message.phone.masked, channel: message.channel.rawValue,
                               language: message.language, template: message.template, sendAt: Timestamp.format(message.notBefore),
                               reason: "reminder '\(reminder.rule)' for \(Timestamp.format(reminder.occurrence.start))" +
                                   (reminder.sendAt != reminder.notBefore ? ", held by quiet hours" : ""),
                               status: message.status == .suppressed ? "would be suppressed: \(message.error ?? "")" : "would be enqueued"))
        }
        if json {
            context.console.print(try JSONOutput.string(rows))
            return
        }
        var table = Table("SEND AT", "TO", "PHONE", "CHANNEL", "LANG", "TEMPLATE", "WHY", "STATUS")
        for row in rows {
            table.add(row.sendAt, row.name, row.phone, row.channel, row.language, row.template, row.reason, row.status)
        }
        context.console.print(table.render())
        context.console.print("\(rows.count) due at \(Timestamp.format(at)) (nothing sent)")
    }

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

    static func reason(_ dedupeKey: String) -> String {
        let parts = dedupeKey.split(separator: ":")
        if parts.first == "reminder", parts.count >= 5 { return "reminder '\(parts[parts.count - (parts.last == "voice" ? 2 : 1)])'" }
        if parts.first == "campaign", parts.count >= 2 { return "campaign \(parts[1])" }
        return dedupeKey
    }
}
