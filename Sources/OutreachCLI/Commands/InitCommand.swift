import OutreachStore

enum InitCommand {
    static let node = CommandNode("init", summary: "create or migrate the database",
        help: "Usage: outreach init\n\nCreates the database file if needed and applies pending schema migrations.") { arguments, context in
        try arguments.finish()
        let path = try context.databasePath()
        let database = try Database(path: path)
        let migrator = Migrator()
        let applied = try migrator.migrate(database, now: context.now())
        if applied.isEmpty {
            context.console.print("\(path): schema is up to date (version \(migrator.latestVersion))")
        } else {
            context.console.print("\(path): applied migrations \(applied.map(String.init).joined(separator: ", ")); schema version \(migrator.latestVersion)")
        }
    }
}
