import Foundation
import Testing
@testable import OutreachStore

@Suite("SQLite connection")
struct DatabaseTests {
    @Test("opens in WAL mode with foreign keys on")
    func pragmas() throws {
        let temporary = TemporaryDatabase()
        let database = try temporary.open()
        #expect(try database.statement("PRAGMA journal_mode").firstRow { $0.string(0) } == "wal")
        #expect(try database.statement("PRAGMA foreign_keys").firstRow { $0.int(0) } == 1)
    }

    @Test("binds and reads back every type, including UTF-8 and blobs")
    func roundTrip() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        let text = "Råslätt · مرحبا · ሰላም 👋"
        try database.statement("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
            .bind(Int64.max, 2.5, text, SQLValue.blob([0, 1, 255]), String?.none).run()
        let row = try database.statement("SELECT i, r, s, b, n FROM t").firstRow { row in
            (row.int64(0), row.double(1), row.string(2), row.blob(3), row.optionalString(4))
        }
        #expect(row?.0 == Int64.max)
        #expect(row?.1 == 2.5)
        #expect(row?.2 == text)
        #expect(row?.3 == [0, 1, 255])
        #expect(row?.4 == nil)
    }

    @Test("reuses the cached prepared statement")
    func statementCache() throws {
        let database = try Database(path: ":memory:")
        let first = try database.statement("SELECT 1")
        let second = try database.statement("SELECT 1")
        #expect(first === second)
        #expect(try second.firstRow { $0.int(0) } == 1)
    }

    @Test("a transaction commits when the closure returns")
    func commit() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (x INTEGER)")
        try database.transaction {
            try database.statement("INSERT INTO t VALUES (?)").bind(1).run()
            try database.statement("INSERT INTO t VALUES (?)").bind(2).run()
        }
        #expect(try database.statement("SELECT count(*) FROM t").firstRow { $0.int(0) } == 2)
    }

    @Test("a transaction rolls back everything when the closure throws, and keeps the first error")
    func rollback() throws {
        struct Boom: Error {}
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (x INTEGER)")
        #expect(throws: Boom.self) {
            try database.transaction {
                try database.statement("INSERT INTO t VALUES (?)").bind(1).run()
                throw Boom()
            }
        }
        #expect(try database.statement("SELECT count(*) FROM t").firstRow { $0.int(0) } == 0)
        // The connection is usable afterwards.
        try database.transaction { try database.statement("INSERT INTO t VALUES (?)").bind(3).run() }
        #expect(try database.statement("SELECT count(*) FROM t").firstRow { $0.int(0) } == 1)
    }

    @Test("a COMMIT that fails is rolled back: nothing stays pending and the connection works on")
    func failedCommit() throws {
        let database = try Database(path: ":memory:")
        try database.execute("""
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
            """)
        // A deferred foreign key is checked at COMMIT, so the commit itself fails.
        #expect(throws: StoreError.self) {
            try database.transaction { try database.execute("INSERT INTO child VALUES (42)") }
        }
        #expect(database.isAutocommit)
        #expect(try database.statement("SELECT count(*) FROM child").firstRow { $0.int(0) } == 0)
        try database.transaction {
            try database.execute("INSERT INTO parent VALUES (42)")
            try database.execute("INSERT INTO child VALUES (42)")
        }
        #expect(try database.statement("SELECT count(*) FROM child").firstRow { $0.int(0) } == 1)
    }

    @Test("a nested transaction rolls back only its savepoint")
    func nested() throws {
        struct Boom: Error {}
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (x INTEGER)")
        try database.transaction {
            try database.statement("INSERT INTO t VALUES (?)").bind(1).run()
            try? database.transaction {
                try database.statement("INSERT INTO t VALUES (?)").bind(2).run()
                throw Boom()
            }
        }
        #expect(try database.statement("SELECT x FROM t").rows { $0.int(0) } == [1])
    }

    @Test("a constraint violation is reported as a constraint error without the bound value")
    func constraint() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (phone TEXT UNIQUE)")
        try database.statement("INSERT INTO t VALUES (?)").bind("+46701740605").run()
        do {
            try database.statement("INSERT INTO t VALUES (?)").bind("+46701740605").run()
            Issue.record("expected a constraint error")
        } catch {
            #expect(error.kind == .constraint)
            #expect(error.message.contains("UNIQUE"))
            #expect(error.message.contains("t.phone"))
            #expect(!error.message.contains("46701740605"))
        }
    }

    @Test("a second connection sees committed writes (WAL) and the busy timeout applies")
    func twoConnections() throws {
        let temporary = TemporaryDatabase()
        let writer = try temporary.open()
        let reader = try temporary.open()
        try writer.execute("CREATE TABLE t (x INTEGER)")
        try writer.transaction { try writer.statement("INSERT INTO t VALUES (?)").bind(7).run() }
        #expect(try reader.statement("SELECT x FROM t").firstRow { $0.int(0) } == 7)
    }

    @Test("an unreadable path is an open error naming the file")
    func openError() {
        do {
            _ = try Database(path: "/nonexistent-folder/x/y.sqlite")
            Issue.record("expected an open error")
        } catch {
            #expect(error.kind == .open)
            #expect(error.message.contains("/nonexistent-folder/x/y.sqlite"))
        }
    }
}
