import Foundation
import OutreachCore

/// A provider's run of failures and the pause it earned (see `Dispatcher`), kept so that a restart, or the next
/// `run --once`, goes on from it instead of spending a fresh burst of attempts on a provider that is down.
public struct ProviderTroubleStore {
    let database: Database

    public init(_ database: Database) { self.database = database }

    public struct Trouble: Sendable, Equatable {
        public var failuresInARow: Int
        public var pausesInARow: Int
        public var heldUntil: Date?

        public init(failuresInARow: Int = 0, pausesInARow: Int = 0, heldUntil: Date? = nil) {
            self.failuresInARow = failuresInARow
            self.pausesInARow = pausesInARow
            self.heldUntil = heldUntil
        }
    }

    /// What was kept for `provider`; no trouble when nothing was.
    public func load(provider: String) throws -> Trouble {
        try database.statement("SELECT failures_in_a_row, pauses_in_a_row, held_until FROM provider_trouble WHERE provider = ?")
            .bind(provider).firstRow { row in
                Trouble(failuresInARow: row.int(0), pausesInARow: row.int(1), heldUntil: row.optionalString(2).flatMap(Timestamp.parse))
            } ?? Trouble()
    }

    /// Until when sending through `provider` is paused after trouble, if it is paused at `now`.
    public func pausedUntil(provider: String, now: Date) throws -> Date? {
        try load(provider: provider).heldUntil.flatMap { $0 > now ? $0 : nil }
    }

    public func save(_ trouble: Trouble, provider: String, now: Date) throws {
        try database.statement("""
            INSERT INTO provider_trouble (provider, failures_in_a_row, pauses_in_a_row, held_until, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (provider) DO UPDATE SET failures_in_a_row = ?2, pauses_in_a_row = ?3, held_until = ?4, updated_at = ?5
            """).bind(provider, trouble.failuresInARow, trouble.pausesInARow, trouble.heldUntil.map(Timestamp.format), Timestamp.format(now)).run()
    }
}
