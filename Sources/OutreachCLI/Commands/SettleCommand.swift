import Foundation
import OutreachCore
import OutreachStore

/// Unknown messages a coordinator has checked by hand: the gateway never decides these alone when the provider's
/// records cannot be searched, so someone must be able to.
enum SettleCommand {
    static let node = CommandNode("settle", summary: "settle unknown messages you have checked at the provider", help: """
        Usage: outreach settle ID [ID ...] --sent | --resend
        For messages left unknown (the gateway stopped while sending, or the provider's answer never came) that you
        have checked in the provider's console or with the senior ('outreach status' lists them with their ids):
          --sent    it arrived: the message counts as sent and is never sent again
          --resend  it never arrived: it goes back to the queue (expiry and opt-outs are checked again before sending)
        Only unknown messages can be settled: any other id stops the command, and nothing changes.
        """) { arguments, context in
        let sent = arguments.flag("--sent")
        let resend = arguments.flag("--resend")
        var ids: [Int64] = []
        while let token = arguments.positional() {
            let digits = token.hasPrefix("#") ? String(token.dropFirst()) : token
            guard let id = Int64(digits), id > 0 else { throw CLIError.usage("outreach settle: '\(token)' is not a message id") }
            if !ids.contains(id) { ids.append(id) }  // an id given twice is settled once
        }
        try arguments.finish()
        guard sent != resend else { throw CLIError.usage("outreach settle: give --sent (it arrived) or --resend (it did not)") }
        guard !ids.isEmpty else { throw CLIError.usage("outreach settle: missing message id (see 'outreach status')") }
        let database = try context.database()
        let outbox = OutboxStore(database)
        let now = context.now()
        var cancelled = 0
        try database.transaction {
            for id in ids {
                guard let message = try outbox.find(id: id) else {
                    throw CLIError.failure("outreach settle: there is no message #\(id); nothing was settled")
                }
                guard message.status == .unknown else {
                    throw CLIError.failure("outreach settle: message #\(id) is \(message.status.rawValue), not unknown; nothing was settled")
                }
                if sent {
                    try outbox.markUnknownSent(id: id, note: "checked by the coordinator: it arrived", now: now)
                } else {
                    try outbox.requeueUnknown(id: id, reason: "checked by the coordinator: it never arrived; queued again", now: now)
                    if try outbox.find(id: id)?.status == .cancelled { cancelled += 1 }
                }
            }
        }
        if sent {
            context.console.print("\(ids.count) message(s) settled as sent: never sent again")
        } else {
            let queued = ids.count - cancelled
            var line = "\(queued) message(s) queued again: 'outreach run' sends them"
            if cancelled > 0 {
                line += "; \(cancelled) cancelled instead (their campaign or session date was cancelled, their senior taken out, "
                    + "or changed: a reminder is then planned again as they are now)"
            }
            context.console.print(line)
        }
    }
}
