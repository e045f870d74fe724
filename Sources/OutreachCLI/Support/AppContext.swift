import Foundation
import OutreachCore
import OutreachStore

/// Everything a command needs from outside: the console, the clock, the environment, the config and the
/// database. The composition root builds one per run; tests build one with a captured console and a fixed clock.
final class AppContext {
    let console: Console
    let environment: [String: String]
    let now: @Sendable () -> Date
    let configPath: String?
    let databaseOverride: String?
    private var loadedConfig: OutreachConfig?
    private var openDatabase: Database?

    init(console: Console, environment: [String: String], now: @escaping @Sendable () -> Date, configPath: String?,
         databaseOverride: String?, config: OutreachConfig? = nil) {
        self.console = console
        self.environment = environment
        self.now = now
        self.configPath = configPath
        self.databaseOverride = databaseOverride
        self.loadedConfig = config
    }

    /// The config file in use: `--config`, else $OUTREACH_CONFIG, else Config/outreach.json5 when it exists.
    var configFile: String? {
        if let configPath { return configPath }
        if let fromEnvironment = environment["OUTREACH_CONFIG"], !fromEnvironment.isEmpty { return fromEnvironment }
        let conventional = "Config/outreach.json5"
        return FileManager.default.fileExists(atPath: conventional) ? conventional : nil
    }

    func config() throws -> OutreachConfig {
        if let loadedConfig { return loadedConfig }
        var config = OutreachConfig()
        if let file = configFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError.failure("\(file): cannot read the config file (does it exist?)")
            }
            do {
                config = try OutreachConfig.decode(data, file: file)
            } catch {
                throw CLIError.failure(error.description)
            }
        }
        loadedConfig = config
        return config
    }

    /// The database path: `--db`, else $OUTREACH_DB, else the config's `database`.
    func databasePath() throws -> String {
        if let databaseOverride { return databaseOverride }
        if let fromEnvironment = environment["OUTREACH_DB"], !fromEnvironment.isEmpty { return fromEnvironment }
        return try config().database
    }

    /// The database for a command that names the command in its error (see `database`).
    func existingDatabase(for command: String) throws -> Database {
        do {
            return try database()
        } catch let error as CLIError {
            guard case .failure(let message) = error else { throw error }
            throw CLIError.failure("\(command): \(message)")
        }
    }

    /// Whether the database is there: its file, or an in-memory one.
    func databaseExists() throws -> Bool {
        let path = try databasePath()
        return path == ":memory:" || FileManager.default.fileExists(atPath: path)
    }

    /// Fails when the database file is not there (see `database`).
    func requireDatabaseFile() throws {
        guard try databaseExists() else {
            let path = try databasePath()
            throw CLIError.failure("there is no database at \(path); check --db or $OUTREACH_DB, or create it with 'outreach init'")
        }
    }

    /// The migrated database, opened once per run. A file that is not there is an error (a mistyped --db or
    /// $OUTREACH_DB), not a new empty database and a confident "nothing due" or "campaign created", unless the
    /// command is one that sets a database up (`people import`, `sessions add`, `demo`; `init` makes its own).
    func database(mayCreate: Bool = false) throws -> Database {
        if let openDatabase { return openDatabase }
        let path = try databasePath()
        if !mayCreate { try requireDatabaseFile() }
        do {
            let database = try Store.open(path: path, now: now())
            openDatabase = database
            return database
        } catch let error as StoreError {
            throw CLIError.failure(error.message)
        }
    }
}

extension AppContext {
    /// When quiet hours end, if they hold sending now (nil outside them): `status` and a campaign's watch say so.
    func quietHoursEnd() throws -> Date? {
        let config = try config()
        let opens = QuietWindow(config.quietHours).release(now(), in: config.timeZone)
        return opens > now() ? opens : nil
    }
}
