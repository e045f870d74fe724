import Foundation
import OutreachCore
import OutreachStore

enum OptOutCommands {
    static let node = CommandNode("optouts", summary: "who has said STOP", children: [
        CommandNode("list", summary: "list active opt-outs", help: "Usage: outreach optouts list [--json]") { arguments, context in
            let json = arguments.flag("--json")
            try arguments.finish()
            let entries = try OptOutStore(try context.database()).active()
            if json {
                struct Row: Encodable { let phone: String; let channel: String; let keyword: String?; let source: String; let since: String }
                context.console.print(try JSONOutput.string(entries.map {
                    Row(phone: $0.phone.e164, channel: $0.scope.rawValue, keyword: $0.keyword, source: $0.source, since: Timestamp.format($0.createdAt))
                }))
                return
            }
            var table = Table("PHONE", "CHANNEL", "KEYWORD", "SOURCE", "SINCE")
            for entry in entries {
                table.add(entry.phone.masked, entry.scope.rawValue, entry.keyword ?? "-", entry.source, Timestamp.format(entry.createdAt))
            }
            context.console.print(table.render())
            // A number can hold two (its own STOP and a coordinator's): people are counted once.
            let numbers = Set(entries.map(\.phone)).count
            context.console.print("\(numbers) opted out" + (entries.count > numbers ? " (\(entries.count) opt-outs)" : ""))
        },
        CommandNode("add", summary: "record an opt-out a person asked for by phone or in person", help: """
            Usage: outreach optouts add PHONE [--channel sms|voice|all]
            """) { arguments, context in
            let channel = try scope(arguments.option("--channel"))
            let phone = try phone(arguments.requiredPositional("PHONE"), context)
            try arguments.finish()
            try OptOutStore(try context.database()).add(phone: phone, channel: channel, keyword: nil, source: OptOutStore.coordinatorSource,
                                                        now: context.now())
            context.console.print("\(phone.masked) opted out of \(channel.rawValue)")
        },
        CommandNode("remove", summary: "end an opt-out (the person asked to get messages again)", help: """
            Usage: outreach optouts remove PHONE [--channel sms|voice|all]
            """) { arguments, context in
            let channelText = try arguments.option("--channel")
            let phone = try phone(arguments.requiredPositional("PHONE"), context)
            try arguments.finish()
            let channel = try channelText.map { try scope($0) }
            let store = OptOutStore(try context.database())
            // The person's own STOP by text ends too: the coordinator is told, in case that was not what they were asked.
            let endsText = try store.active(phone: phone).contains { $0.source == "reply" && (channel == nil || $0.scope == channel) }
            let removed = try store.remove(phone: phone, channel: channel, now: context.now())
            // What still holds (an opt-out of all is not ended by removing one of sms): "will get messages again" would mislead.
            let kept = try store.active(phone: phone).map { "\($0.scope.rawValue) (\($0.source))" }
            let still = kept.isEmpty ? "" : "; still opted out of \(kept.joined(separator: ", ")): 'outreach optouts remove PHONE"
                + (kept.count == 1 ? " --channel \(kept[0].split(separator: " ")[0])" : "") + "' ends it"
            guard removed.revoked > 0 else {
                context.console.print("\(phone.masked) had no opt-out\(channel.map { " of \($0.rawValue)" } ?? "")" + still)
                return
            }
            context.console.print((kept.isEmpty ? "\(phone.masked) will get messages again" : "\(phone.masked): \(counted(removed.revoked, "opt-out")) ended")
                                  + (removed.requeued > 0 ? "; \(counted(removed.requeued, "message")) held by the opt-out queued again" : "")
                                  + still + (endsText ? " (this ended the STOP they texted: only if they asked to get messages again)" : ""))
        },
    ])

    static func scope(_ text: String?) throws -> OptOutStore.Scope {
        guard let text else { return .all }
        guard let scope = OptOutStore.Scope(rawValue: text.lowercased()) else { throw CLIError.usage("optouts: --channel must be sms, voice or all") }
        return scope
    }

    static func phone(_ raw: String, _ context: AppContext) throws -> PhoneNumber {
        switch PhoneNormalizer.normalize(raw, region: try context.config().phoneRegion) {
        case .success(let number): return number
        case .failure(let error): throw CLIError.usage("optouts: \(error.description)")
        }
    }
}
