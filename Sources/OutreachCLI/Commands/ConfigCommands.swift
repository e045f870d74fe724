import OutreachCore

enum ConfigCommands {
    static let node = CommandNode("config", summary: "check the configuration", children: [
        CommandNode("check", summary: "load the config file and print what is in force", help: """
            Usage: outreach config check
            Exits 1 with 'FILE: key: problem' when the config has an unknown key or a bad value.
            """) { arguments, context in
            try arguments.finish()
            let config = try context.config()
            let console = context.console
            console.print("config file:    \(context.configFile ?? "(none: built-in defaults)")")
            console.print("database:       \(try context.databasePath())")
            console.print("time zone:      \(config.timeZone.identifier)")
            console.print("phone region:   \(config.phoneRegion.code)")
            console.print("language:       \(config.defaultLanguage)")
            console.print("prompts:        \(config.prompts)")
            console.print("organization:   \(config.organization.name)")
            console.print("quiet hours:    \(config.quietHours.start)–\(config.quietHours.end)")
            for rule in config.reminders {
                switch rule.timing {
                case .daysBefore(let days, let at): console.print("reminder:       \(rule.name): \(days) day(s) before at \(at)")
                case .minutesBefore(let minutes): console.print("reminder:       \(rule.name): \(minutes) minutes before")
                }
            }
            console.print("provider:       \(config.provider.kind.rawValue) (from \(config.provider.from))")
            console.print("calls from:     \(config.provider.caller)"
                          + (config.provider.callerIsSenderName ? " (a sender name: calls wait until provider.callFrom is a number)" : ""))
            console.print("server:         \(config.server.listen), public \(config.server.publicURL)")
        },
    ])
}
