import Foundation
import OutreachCore

/// Brings a database file up to the newest schema, one recorded migration at a time.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = Schema.migrations) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The versions already applied to `database`.
    public func appliedVersions(in database: Database) throws -> [Int] {
        try ensureLedger(database)
        return try database.statement("SELECT version FROM schema_migrations ORDER BY version").rows { $0.int(0) }
    }

    /// Applies every pending migration. Refuses a database written by a newer version of the gateway.
    /// Returns the versions applied now.
    @discardableResult
    public func migrate(_ database: Database, now: Date) throws -> [Int] {
        let applied = Set(try appliedVersions(in: database))
        if let newest = applied.max(), newest > latestVersion {
            throw StoreError(.schemaTooNew,
                "database '\(database.path)' has schema version \(newest), newer than this gateway knows (\(latestVersion)); upgrade the gateway")
        }
        var appliedNow: [Int] = []
        for migration in migrations where !applied.contains(migration.version) {
            do {
                if migration.rebuildsTables { try switchOffForeignKeys(database) }
                defer { if migration.rebuildsTables { try? database.execute("PRAGMA foreign_keys = ON") } }
                let ran = try database.transaction { () throws -> Bool in
                    // Another process starting at the same moment may have applied it while we waited for the lock.
                    let done = try database.statement("SELECT count(*) FROM schema_migrations WHERE version = ?")
                        .bind(migration.version).firstRow { $0.int(0) } ?? 0
                    guard done == 0 else { return false }
                    try database.execute(migration.sql)
                    if migration.rebuildsTables { try checkForeignKeys(database) }
                    try database.statement(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
                    ).bind(migration.version, migration.name, Timestamp.format(now)).run()
                    return true
                }
                if ran { appliedNow.append(migration.version) }
            } catch let error as StoreError {
                throw StoreError(.migration, "migration \(migration.version) (\(migration.name)) failed: \(error.message)", code: error.code)
            }
        }
        return appliedNow
    }

    /// Foreign keys off for a rebuild. SQLite ignores the switch inside a transaction, and a rebuild with foreign
    /// keys on would cascade its DROP TABLE into the rows that refer to it: refuse rather than run.
    private func switchOffForeignKeys(_ database: Database) throws {
        guard database.isAutocommit else {
            throw StoreError(.other, "a migration that rebuilds tables cannot run inside a transaction")
        }
        try database.execute("PRAGMA foreign_keys = OFF")
        guard try database.statement("PRAGMA foreign_keys").firstRow({ $0.int(0) }) == 0 else {
            throw StoreError(.other, "foreign keys could not be switched off for a migration that rebuilds tables")
        }
    }

    /// Every reference still points at a row (SQLite's last step of a table rebuild, before commit).
    private func checkForeignKeys(_ database: Database) throws {
        let broken = try database.statement("PRAGMA foreign_key_check").rows { row in
            // WITHOUT ROWID tables (enrollments) have no rowid to name.
            row.isNull(1) ? "a row of \(row.string(0)) refers to a missing \(row.string(2))"
                : "\(row.string(0)) row \(row.int64(1)) refers to a missing \(row.string(2))"
        }
        guard broken.isEmpty else {
            throw StoreError(.constraint, "the database has references to rows that do not exist, so it was left as it was: "
                             + broken.prefix(5).joined(separator: "; "))
        }
    }

    private func ensureLedger(_ database: Database) throws {
        try database.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """)
    }
}
