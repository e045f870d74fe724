import OutreachCore
import OutreachStore

enum EnrollCommand {
    static let node = CommandNode("enroll", summary: "enroll a senior in a session, or take them out", help: """
        Usage: outreach enroll --senior PERSON_ID --session SESSION_ID [--remove]
        Enrolling someone twice is harmless. --remove takes them out: no reminder of the session is sent to them
        any more, and those queued are cancelled with the reason, as are their queued messages of campaigns to the
        session's audience (an invitation to it).
        """) { arguments, context in
        guard let seniorID = try arguments.intOption("--senior") else { throw CLIError.usage("enroll: missing --senior") }
        guard let sessionID = try arguments.intOption("--session") else { throw CLIError.usage("enroll: missing --session") }
        let remove = arguments.flag("--remove")
        try arguments.finish()
        let database = try context.database()
        guard let person = try PeopleStore(database).find(id: Int64(seniorID)) else {
            throw CLIError.failure("enroll: there is no person with id \(seniorID) (see 'outreach people list')")
        }
        // Only a senior is enrolled; anyone enrolled (a role changed since) can be taken out.
        guard remove || person.role == .senior else {
            throw CLIError.failure("enroll: \(person.name) is a \(person.role.rawValue), not a senior")
        }
        let sessions = context.sessionStore(database)
        guard let session = try sessions.find(id: Int64(sessionID)) else {
            throw CLIError.failure("enroll: there is no session with id \(sessionID) (see 'outreach sessions list')")
        }
        if remove {
            guard let stopped = try sessions.unenroll(personID: person.id!, sessionID: session.id!, now: context.now()) else {
                context.console.print("\(person.name) was not enrolled in \(session.title)")
                return
            }
            context.console.print("\(person.name) is no longer enrolled in \(session.title): \(counted(stopped.cancelled, "reminder")) not sent"
                                  + (stopped.campaignMessages > 0 ? ", nor \(counted(stopped.campaignMessages, "campaign message")) about it" : ""))
            return
        }
        let added = try sessions.enroll(personID: Int64(seniorID), sessionID: Int64(sessionID), now: context.now())
        context.console.print(added ? "\(person.name) is enrolled in \(session.title)" : "\(person.name) was already enrolled in \(session.title)")
    }
}
