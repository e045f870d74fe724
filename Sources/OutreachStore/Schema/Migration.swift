/// One step of the schema's history. Applied in its own transaction and recorded in `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
    /// The migration copies tables into new ones and drops the old (SQLite's way to change a column's constraints).
    /// It then runs with foreign keys off, so dropping a table neither fails nor fires ON DELETE actions on the rows
    /// that refer to it, and every foreign key is checked before it commits.
    public let rebuildsTables: Bool

    public init(version: Int, name: String, rebuildsTables: Bool = false, sql: String) {
        self.version = version
        self.name = name
        self.rebuildsTables = rebuildsTables
        self.sql = sql
    }
}
