import OutreachCore
import OutreachStore

enum EnrollCommand {
    static let node = CommandNode("enroll", summary: "enroll a senior in a session", help: """
        Usage: outreach enroll --senior PERSON_ID --session SESSION_ID
        Enrolling someone twice is harmless.
        """) { arguments, context in
        guard let seniorID = try arguments.intOption("--senior") else { throw CLIError.usage("enroll: missing --senior") }
        guard let sessionID = try arguments.intOption("--session") else { throw CLIError.usage("enroll: missing --session") }
        try arguments.finish()
        let database = try context.database()
        guard let person = try PeopleStore(database).find(id: Int64(seniorID)) else {
            throw CLIError.failure("enroll: there is no person with id \(seniorID) (see 'outreach people list')")
        }
        guard person.role == .senior else {
            throw CLIError.failure("enroll: \(person.name) is a \(person.role.rawValue), not a senior")
        }
        let sessions = SessionStore(database)
        guard let session = try sessions.find(id: Int64(sessionID)) else {
            throw CLIError.failure("enroll: there is no session with id \(sessionID) (see 'outreach sessions list')")
        }
        let added = try sessions.enroll(personID: Int64(seniorID), sessionID: Int64(sessionID), now: context.now())
        context.console.print(added ? "\(person.name) is enrolled in \(session.title)" : "\(person.name) was already enrolled in \(session.title)")
    }
}
