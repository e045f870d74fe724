import Foundation
import Testing
import OutreachCore
@testable import OutreachStore

@Suite("Schema migrations")
struct MigrationTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("a fresh file gets every migration, recorded with its name")
    func fresh() throws {
        let temporary = TemporaryDatabase()
        let database = try temporary.open()
        let applied = try Migrator().migrate(database, now: now)
        #expect(applied == Schema.migrations.map(\.version))
        let names = try database.statement("SELECT name FROM schema_migrations ORDER BY version").rows { $0.string(0) }
        #expect(names == Schema.migrations.map(\.name))
        // Every table of the data model exists.
        let tables = Set(try database.statement("SELECT name FROM sqlite_master WHERE type = 'table'").rows { $0.string(0) })
        for table in ["people", "sessions", "session_exceptions", "enrollments", "escorts", "campaigns", "messages",
                      "inbound", "opt_outs", "call_attempts", "audit_log", "schema_migrations"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test("migrating twice applies nothing the second time")
    func idempotent() throws {
        let temporary = TemporaryDatabase()
        let database = try temporary.open()
        try Migrator().migrate(database, now: now)
        #expect(try Migrator().migrate(database, now: now).isEmpty)
    }

    @Test("a version-1 file with data upgrades in place and keeps its rows")
    func upgradeFromOlderVersion() throws {
        let temporary = TemporaryDatabase()
        do {
            let old = try temporary.open()
            let versionOne = Migrator(migrations: Array(Schema.migrations.prefix(1)))
            #expect(try versionOne.migrate(old, now: now) == [1])
            try old.statement("""
                INSERT INTO people (role, name, phone, language, channel, created_at, updated_at)
                VALUES ('senior', 'Fatima Hassan', '+46701740605', 'ar', 'sms', 'x', 'x')
                """).run()
        }
        let database = try temporary.open()
        #expect(try Migrator().migrate(database, now: now) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        #expect(try database.statement("SELECT name FROM people").rows { $0.string(0) } == ["Fatima Hassan"])
        // The new tables work and reference the old rows.
        try database.statement("""
            INSERT INTO messages (person_id, phone, channel, language, template, body, dedupe_key, not_before, created_at, updated_at)
            VALUES (1, '+46701740605', 'sms', 'ar', 'session-reminder', 'x', 'k1', 'x', 'x', 'x')
            """).run()
        #expect(try database.statement("SELECT count(*) FROM messages").firstRow { $0.int(0) } == 1)
    }

    @Test("a call left sending by a version that did not note calls is left unknown after the upgrade, never placed again")
    func callsInFlightAtUpgrade() throws {
        let temporary = TemporaryDatabase()
        do {
            let old = try temporary.open()
            try Migrator(migrations: Schema.migrations.filter { $0.version <= 12 }).migrate(old, now: now)
            // Killed while placing a call (and while an SMS was out): nothing noted the call's attempt then.
            for (index, channel) in ["voice", "sms"].enumerated() {
                try old.statement("""
                    INSERT INTO messages (phone, channel, language, template, body, dedupe_key, status, attempts, not_before,
                                          created_at, updated_at)
                    VALUES ('+46701740605', ?, 'sv', 'help', 'x', ?, 'sending', 1, '2026-11-23T09:00:00Z', 'x', '2026-11-23T09:00:05Z')
                    """).bind(channel, "k\(index)").run()
            }
        }
        let database = try temporary.open()
        #expect(try Migrator().migrate(database, now: now) == [13, 14])
        let recovered = try OutboxStore(database).recoverInterrupted(now: now)
        #expect(recovered.unknown == 2 && recovered.requeuedCalls == 0)
    }

    @Test("version 4 swaps the outbox indexes under existing messages: the due queue and claims keep working")
    func partialOutboxIndexes() throws {
        let temporary = TemporaryDatabase()
        do {
            let old = try temporary.open()
            try Migrator(migrations: Array(Schema.migrations.prefix(3))).migrate(old, now: now)
            for (index, status) in ["queued", "sending", "sent", "queued"].enumerated() {
                try old.statement("""
                    INSERT INTO messages (phone, channel, language, template, body, dedupe_key, status, not_before, created_at, updated_at)
                    VALUES ('+46701740605', 'sms', 'sv', 'help', 'x', ?, ?, '2026-11-23T09:00:00Z', 'x', 'x')
                    """).bind("k\(index)", status).run()
            }
        }
        let database = try temporary.open()
        #expect(try Migrator().migrate(database, now: now) == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        let indexes = try database.statement("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL")
            .rows { $0.string(0) }
        // Versions 6 and 7 then drop the provider-id index and the index of open messages.
        #expect(Set(indexes) == ["messages_due", "messages_campaign", "messages_unknown"])
        let outbox = OutboxStore(database)
        #expect(try outbox.nextDue() == Timestamp.parse("2026-11-23T09:00:00Z"))
        let claimed = try outbox.claimDue(now: Timestamp.parse("2026-11-23T10:00:00Z")!, limit: 10)
        #expect(claimed.map(\.dedupeKey) == ["k0", "k3"])
        #expect(try outbox.nextDue() == nil)
    }

    @Test("version 5 rebuilds people and messages under existing rows: ids, references and checks hold, foreign keys stay on")
    func plainChecks() throws {
        let temporary = TemporaryDatabase()
        do {
            let old = try temporary.open()
            try Migrator(migrations: Array(Schema.migrations.prefix(4))).migrate(old, now: now)
            try old.execute("""
                INSERT INTO people (id, role, name, phone, language, channel, pickup, created_at, updated_at)
                    VALUES (7, 'senior', 'Fatima Hassan', '+46701740605', 'ar', 'both', 'Rosengård C', 'x', 'x');
                INSERT INTO sessions (id, title, place, start_local, duration_minutes, time_zone, created_at)
                    VALUES (3, 'Kaffe och samtal', 'Råslätt', '2026-11-24T14:00', 120, 'Europe/Stockholm', 'x');
                INSERT INTO enrollments (person_id, session_id, created_at) VALUES (7, 3, 'x');
                INSERT INTO campaigns (id, name, template, audience, status, created_at, updated_at)
                    VALUES (2, 'Eid', 'help', 'all', 'running', 'x', 'x');
                INSERT INTO messages (id, person_id, campaign_id, phone, channel, language, template, body, encoding, segments,
                                      dedupe_key, status, attempts, not_before, provider, provider_id, created_at, updated_at)
                    VALUES (41, 7, 2, '+46701740605', 'sms', 'ar', 'help', 'مرحبا', 'UCS-2', 1, 'k41', 'sent', 1, 'x', 'twilio', 'SM1', 'x', 'y'),
                           (42, 7, 2, '+46701740605', 'sms', 'ar', 'help', 'مرحبا', 'UCS-2', 1, 'k42', 'queued', 0,
                            '2026-11-23T09:00:00Z', NULL, NULL, 'x', 'x');
                INSERT INTO inbound (provider, provider_id, from_phone, to_phone, body, received_at, message_id)
                    VALUES ('twilio', 'SM9', '+46701740605', '+46766861004', '1', 'x', 41);
                INSERT INTO people (id, role, name, phone, language, channel, created_at, updated_at)
                    VALUES (8, 'guide', 'Hodan Ali', '+46701740611', 'so', 'sms', 'x', 'x');
                INSERT INTO escorts (senior_id, guide_id, session_id, occurrence_start, pickup_at, status, reply_code, created_at, updated_at)
                    VALUES (7, 8, 3, '2026-11-24T13:00:00Z', '2026-11-24T12:30:00Z', 'confirmed', 'E7', 'x', 'x');
                INSERT INTO call_attempts (message_id, status, started_at) VALUES (42, 'completed', 'x');
                """)
        }
        let database = try temporary.open()
        #expect(try Migrator().migrate(database, now: now) == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        let message = try database.statement("SELECT id, person_id, campaign_id, body, status, provider_id, updated_at FROM messages ORDER BY id")
            .rows { "\($0.int64(0)) \($0.int64(1)) \($0.int64(2)) \($0.string(3)) \($0.string(4)) \($0.optionalString(5) ?? "-") \($0.string(6))" }
        #expect(message == ["41 7 2 مرحبا sent SM1 y", "42 7 2 مرحبا queued - x"])
        #expect(try database.statement("SELECT name, pickup FROM people WHERE id = 7").firstRow { "\($0.string(0)), \($0.string(1))" }
                == "Fatima Hassan, Rosengård C")
        #expect(try database.statement("SELECT count(*) FROM enrollments WHERE person_id = 7").firstRow { $0.int(0) } == 1)
        #expect(try database.statement("SELECT message_id FROM inbound").firstRow { $0.int64(0) } == 41)
        #expect(try database.statement("SELECT senior_id, guide_id FROM escorts").firstRow { "\($0.int64(0)) \($0.int64(1))" } == "7 8")
        #expect(try database.statement("SELECT message_id FROM call_attempts").firstRow { $0.int64(0) } == 42)
        #expect(try database.statement("PRAGMA integrity_check").firstRow { $0.string(0) } == "ok")
        #expect(try database.statement("PRAGMA foreign_keys").firstRow { $0.int(0) } == 1)
        #expect(try database.statement("PRAGMA foreign_key_check").rows { $0.string(0) }.isEmpty)
        let indexes = try database.statement("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('messages', 'people') AND sql IS NOT NULL")
            .rows { $0.string(0) }
        #expect(Set(indexes) == ["messages_due", "messages_campaign", "messages_unknown", "people_role_language"])
        // The outbox still works on the rebuilt table, and references are still enforced.
        let claimed = try OutboxStore(database).claimDue(now: Timestamp.parse("2026-11-23T10:00:00Z")!, limit: 10)
        #expect(claimed.map(\.id) == [42])
        #expect(throws: StoreError.self) {
            try database.execute("UPDATE messages SET person_id = 999 WHERE id = 42")
        }
        // Writing a person or a message no longer builds a temporary table for its checks.
        for sql in ["UPDATE messages SET status = 'sent' WHERE id = ?", "UPDATE people SET role = 'guide', channel = 'sms' WHERE id = ?",
                    """
                    INSERT INTO messages (phone, channel, language, template, body, dedupe_key, status, not_before, created_at, updated_at)
                    VALUES (?, 'sms', 'sv', 'help', 'x', 'k', 'queued', 'x', 'x', 'x')
                    """,
                    "INSERT INTO people (role, name, phone, language, channel, created_at, updated_at) VALUES ('senior', 'A', ?, 'sv', 'sms', 'x', 'x')"] {
            let program = try database.statement("EXPLAIN " + sql).bind("+46701740699").rows { $0.string(1) }
            #expect(!program.contains("OpenEphemeral"), "\(sql)")
        }
    }

    @Test("a rebuild finding a reference to a missing row changes nothing, says so, and leaves foreign keys on")
    func rebuildWithDanglingReference() throws {
        let temporary = TemporaryDatabase()
        do {
            let old = try temporary.open()
            try Migrator(migrations: Array(Schema.migrations.prefix(4))).migrate(old, now: now)
            try old.execute("""
                PRAGMA foreign_keys = OFF;
                INSERT INTO sessions (id, title, place, start_local, duration_minutes, time_zone, created_at)
                    VALUES (3, 'Kaffe och samtal', 'Råslätt', '2026-11-24T14:00', 120, 'Europe/Stockholm', 'x');
                INSERT INTO enrollments (person_id, session_id, created_at) VALUES (99, 3, 'x');
                """)
        }
        let database = try temporary.open()
        do {
            try Migrator().migrate(database, now: now)
            Issue.record("expected the rebuild to refuse")
        } catch let error as StoreError {
            #expect(error.message.contains("migration 5"))
            #expect(error.message.contains("a row of enrollments refers to a missing people"))
        }
        #expect(try Migrator().appliedVersions(in: database) == [1, 2, 3, 4])
        #expect(try database.statement("PRAGMA foreign_keys").firstRow { $0.int(0) } == 1)
        #expect(database.isAutocommit)
        let tables = try database.statement("SELECT name FROM sqlite_master WHERE name LIKE '%_new'").rows { $0.string(0) }
        #expect(tables.isEmpty)
    }

    @Test("a rebuild refuses to run inside an open transaction, where foreign keys cannot be switched off")
    func rebuildInsideTransaction() throws {
        let temporary = TemporaryDatabase()
        let database = try temporary.open()
        try Migrator(migrations: Array(Schema.migrations.prefix(4))).migrate(database, now: now)
        #expect(throws: StoreError.self) {
            try database.transaction { try Migrator().migrate(database, now: now) }
        }
        #expect(try Migrator().appliedVersions(in: database) == [1, 2, 3, 4])
        #expect(try Migrator().migrate(database, now: now) == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    }

    @Test("two processes upgrading one file at the same moment: the rebuild runs once, neither fails")
    func concurrentUpgrade() throws {
        let temporary = TemporaryDatabase()
        do {
            let old = try temporary.open()
            try Migrator(migrations: Array(Schema.migrations.prefix(4))).migrate(old, now: now)
        }
        final class Outcomes: @unchecked Sendable {
            private let lock = NSLock()
            private var all: [Result<[Int], any Error>] = []
            func add(_ outcome: Result<[Int], any Error>) { lock.withLock { all.append(outcome) } }
            var values: [Result<[Int], any Error>] { lock.withLock { all } }
        }
        let outcomes = Outcomes()
        let (path, now) = (temporary.path, self.now)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            outcomes.add(Result { try Migrator().migrate(try Database(path: path), now: now) })
        }
        let applied = outcomes.values.map { outcome -> [Int] in
            switch outcome {
            case .success(let versions): return versions
            case .failure(let error): Issue.record("an upgrade failed: \(error)"); return []
            }
        }
        #expect(applied.flatMap { $0 }.sorted() == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        #expect(try Migrator().appliedVersions(in: try temporary.open()) == Array(1...14))
    }

    @Test("a failing migration rolls back entirely and names itself")
    func failingMigration() throws {
        let temporary = TemporaryDatabase()
        let database = try temporary.open()
        let broken = Migrator(migrations: Schema.migrations + [
            Migration(version: 99, name: "broken", sql: "CREATE TABLE half (x INTEGER); CREATE TABLE people (y INTEGER);"),
        ])
        do {
            try broken.migrate(database, now: now)
            Issue.record("expected the migration to fail")
        } catch let error as StoreError {
            #expect(error.kind == .migration)
            #expect(error.message.contains("migration 99 (broken)"))
        }
        // The shipped versions stay applied; nothing of 99 remains.
        #expect(try Migrator().appliedVersions(in: database) == Array(1...14))
        let half = try database.statement("SELECT count(*) FROM sqlite_master WHERE name = 'half'").firstRow { $0.int(0) }
        #expect(half == 0)
    }

    @Test("a database from a newer gateway is refused")
    func newerSchema() throws {
        let temporary = TemporaryDatabase()
        let database = try temporary.open()
        try Migrator().migrate(database, now: now)
        try database.statement("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
            .bind(1000, "from the future", "x").run()
        do {
            try Migrator().migrate(database, now: now)
            Issue.record("expected a refusal")
        } catch let error as StoreError {
            #expect(error.kind == .schemaTooNew)
            #expect(error.message.contains("1000"))
        }
    }

    @Test("schema constraints reject bad rows", arguments: [
        "INSERT INTO people (role, name, phone, language, channel, created_at, updated_at) VALUES ('boss', 'A', '+46701740605', 'sv', 'sms', 'x', 'x')",
        "INSERT INTO people (role, name, phone, language, channel, created_at, updated_at) VALUES ('senior', 'A', '0701740605', 'sv', 'sms', 'x', 'x')",
        "INSERT INTO people (role, name, phone, language, channel, created_at, updated_at) VALUES ('senior', ' ', '+46701740605', 'sv', 'sms', 'x', 'x')",
        "INSERT INTO people (role, name, phone, language, channel, created_at, updated_at) VALUES ('senior', 'A', '+46701740605', 'sv', 'fax', 'x', 'x')",
        "INSERT INTO enrollments (person_id, session_id, created_at) VALUES (42, 42, 'x')",
        "INSERT INTO messages (phone, channel, language, template, body, dedupe_key, status, not_before, created_at, updated_at) VALUES ('+4670', 'sms', 'sv', 't', 'b', 'k', 'lost', 'x', 'x', 'x')",
    ])
    func constraints(sql: String) throws {
        let database = try Store.open(path: ":memory:", now: now)
        #expect(throws: StoreError.self) { try database.execute(sql) }
    }

    @Test("the dedupe key makes the outbox refuse a second copy")
    func dedupeKey() throws {
        let database = try Store.open(path: ":memory:", now: now)
        let insert = """
            INSERT INTO messages (phone, channel, language, template, body, dedupe_key, not_before, created_at, updated_at)
            VALUES ('+46701740605', 'sms', 'sv', 't', 'b', 'reminder:1:1:2026-11-24T13:00:00Z:day-before', 'x', 'x', 'x')
            """
        try database.execute(insert)
        do {
            try database.execute(insert)
            Issue.record("expected a UNIQUE violation")
        } catch {
            #expect(error.kind == .constraint)
        }
    }
}
