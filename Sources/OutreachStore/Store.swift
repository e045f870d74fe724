import Foundation

/// Opens the gateway's database and brings its schema up to date.
public enum Store {
    /// Opens `path`, creating it if needed, and applies pending migrations.
    public static func open(path: String, now: Date) throws -> Database {
        let database = try Database(path: path)
        try Migrator().migrate(database, now: now)
        return database
    }
}
