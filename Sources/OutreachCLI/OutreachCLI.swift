import Foundation
import OutreachCore
import OutreachStore

/// The `outreach` command line: global options, the command tree, exit codes 0 ok / 1 failure / 2 usage.
public enum OutreachCLI {
    public static let version = "0.1.0"

    static let globalHelp = """
        Usage: outreach [--config FILE] [--db FILE] COMMAND ...

        Global options:
          --config FILE   config file (default: $OUTREACH_CONFIG, else Config/outreach.json5 if present, else built-in defaults)
          --db FILE       SQLite database (default: $OUTREACH_DB, else the config's "database")
          --help          help for any command, e.g. 'outreach people import --help'
          --version       print the version
        """

    static let root = CommandNode("outreach", summary: "SMS and voice-call reminders for seniors' meeting places",
        help: globalHelp, children: [
            InitCommand.node,
            DemoCommand.node,
            PeopleCommands.node,
            SessionCommands.node,
            EnrollCommand.node,
            PhoneCommands.node,
            SMSCommands.node,
            CampaignCommands.node,
            DueCommand.node,
            RunCommand.node,
            StatusCommand.node,
            SettleCommand.node,
            BenchCommand.node,
            OptOutCommands.node,
            SimulateCommands.node,
            DoctorCommand.node,
            TemplateCommands.node,
            ConfigCommands.node,
        ])

    /// Runs one command line (without the program name) and returns the exit code.
    public static func run(_ arguments: [String], console: Console, environment: [String: String] = [:],
                           now: @escaping @Sendable () -> Date = { Date() }) async -> Int32 {
        do {
            var tokens = arguments
            var configPath: String?
            var databasePath: String?
            // Global options come before the command.
            while let first = tokens.first, first.hasPrefix("-") {
                switch first {
                case "--config", "--db":
                    guard tokens.count >= 2 else { throw CLIError.usage("outreach: \(first) needs a value") }
                    if first == "--config" { configPath = tokens[1] } else { databasePath = tokens[1] }
                    tokens.removeFirst(2)
                case "--version":
                    console.print("outreach \(version)")
                    return 0
                case "--help", "-h":
                    console.print(root.helpText(path: "outreach"))
                    return 0
                default:
                    if first.hasPrefix("--config=") { configPath = String(first.dropFirst(9)); tokens.removeFirst(); continue }
                    if first.hasPrefix("--db=") { databasePath = String(first.dropFirst(5)); tokens.removeFirst(); continue }
                    throw CLIError.usage("outreach: unknown option \(first) (global options: --config, --db, --help, --version)")
                }
            }
            let context = AppContext(console: console, environment: environment, now: now,
                                     configPath: configPath, databaseOverride: databasePath)
            try await dispatch(tokens, node: root, path: "outreach", context: context)
            return 0
        } catch let error as CLIError {
            console.error(error.description)
            return error.exitCode
        } catch let error as StoreError {
            console.error("outreach: \(error.message)")
            return 1
        } catch {
            console.error("outreach: \(error)")
            return 1
        }
    }

    private static func dispatch(_ tokens: [String], node: CommandNode, path: String, context: AppContext) async throws {
        if let run = node.run {
            var arguments = Arguments(tokens, command: path)
            if arguments.wantsHelp {
                context.console.print(node.helpText(path: path))
                return
            }
            try await run(&arguments, context)
            return
        }
        guard let name = tokens.first else {
            context.console.print(node.helpText(path: path))
            if node.name == "outreach" { return }
            throw CLIError.usage("\(path): missing command")
        }
        if name == "--help" || name == "-h" || name == "help" {
            context.console.print(node.helpText(path: path))
            return
        }
        guard let child = node.children.first(where: { $0.name == name }) else {
            let names = node.children.map(\.name)
            var message = "\(path): unknown command '\(name)'"
            if let suggestion = Suggestion.closest(to: name, among: names) {
                message += " (did you mean '\(suggestion)'?)"
            } else {
                message += " (commands: \(names.joined(separator: ", ")))"
            }
            throw CLIError.usage(message)
        }
        try await dispatch(Array(tokens.dropFirst()), node: child, path: "\(path) \(name)", context: context)
    }
}
