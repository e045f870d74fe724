import Foundation
@testable import OutreachStore

/// A real SQLite file in a fresh temporary folder, removed when the value is deinitialized.
final class TemporaryDatabase {
    let folder: String
    let path: String

    init() {
        folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("outreach-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        path = (folder as NSString).appendingPathComponent("test.sqlite")
    }

    func open() throws -> Database { try Database(path: path) }

    func migrated(now: Date = Date(timeIntervalSince1970: 1_795_000_000)) throws -> Database {
        try Store.open(path: path, now: now)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}
