internal import CSQLite
import Foundation

/// A value that can be bound to a statement parameter.
public enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// A prepared statement owned by its `Database` cache. Bind, then `step()` / `rows()`.
public final class Statement {
    private let handle: OpaquePointer
    private unowned let database: Database
    let sql: String

    init(database: Database, sql: String) throws(StoreError) {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else {
            throw StoreError.from(code: result, message: "\(database.lastErrorMessage) in: \(sql.prefix(80))")
        }
        self.handle = statement
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds values to parameters 1...n in order. A parameter pack, not an array of existentials: statements
    /// run per message (enqueue, results), and this builds no array and boxes no value.
    @discardableResult
    public func bind<each Value: SQLBindable>(_ values: repeat each Value) throws(StoreError) -> Statement {
        var index: Int32 = 0
        for value in repeat each values {
            index += 1
            try bind(value.sqlValue, at: index)
        }
        return self
    }

    @discardableResult
    public func bind(_ values: [any SQLBindable]) throws(StoreError) -> Statement {
        for (offset, value) in values.enumerated() {
            try bind(value.sqlValue, at: Int32(offset + 1))
        }
        return self
    }

    private func bind(_ value: SQLValue, at index: Int32) throws(StoreError) {
        let result: Int32
        switch value {
        case .null: result = sqlite3_bind_null(handle, index)
        case .integer(let number): result = sqlite3_bind_int64(handle, index, number)
        case .real(let number): result = sqlite3_bind_double(handle, index, number)
        case .text(var text):
            // The string's own UTF-8 bytes, without copying them into a C string first (SQLite copies them).
            result = text.withUTF8 { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    // A nil pointer would bind NULL; an empty text must stay ''.
                    guard let start = chars.baseAddress else { return outreach_sqlite3_bind_text(handle, index, "", 0) }
                    return outreach_sqlite3_bind_text(handle, index, start, Int32(chars.count))
                }
            }
        case .blob(let bytes):
            result = bytes.withUnsafeBytes { buffer in
                outreach_sqlite3_bind_blob(handle, index, buffer.baseAddress, Int32(buffer.count))
            }
        }
        guard result == SQLITE_OK else {
            throw StoreError.from(code: result, message: "cannot bind parameter \(index): \(database.lastErrorMessage)")
        }
    }

    /// Steps once. Returns true when a row is available.
    @discardableResult
    public func step() throws(StoreError) -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = database.lastErrorMessage
            sqlite3_reset(handle)
            throw StoreError.from(code: result, message: message)
        }
    }

    /// Runs a statement that returns no rows.
    public func run() throws(StoreError) {
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Maps every row with `transform`.
    public func rows<T>(_ transform: (Row) throws -> T) throws -> [T] {
        var result: [T] = []
        while try step() {
            result.append(try transform(Row(handle: handle)))
        }
        sqlite3_reset(handle)
        return result
    }

    /// Visits rows one at a time without collecting them (for large lists). Return false to stop.
    public func forEachRow(_ visit: (Row) throws -> Bool) throws {
        defer { sqlite3_reset(handle) }
        while try step() {
            if try !visit(Row(handle: handle)) { return }
        }
    }

    /// The first row mapped with `transform`, or nil.
    public func firstRow<T>(_ transform: (Row) throws -> T) throws -> T? {
        defer { sqlite3_reset(handle) }
        guard try step() else { return nil }
        return try transform(Row(handle: handle))
    }
}

/// The current row of a stepping statement. Valid only inside the closure that received it.
public struct Row {
    fileprivate let handle: OpaquePointer

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    public func bool(_ column: Int32) -> Bool { sqlite3_column_int64(handle, column) != 0 }
    public func string(_ column: Int32) -> String {
        // The text first, then its length in bytes (SQLite's documented order); no scan for the terminator.
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }
    public func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }
    public func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
