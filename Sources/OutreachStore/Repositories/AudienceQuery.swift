import Foundation
import OutreachCore

extension PeopleStore {
    /// The people an audience filter selects, in id order, read `pageSize` at a time so a large list is never
    /// held in memory. Each page's statement is finished before its people are visited: `visit` may write
    /// (a campaign enqueues as it goes), and no read stays open across those writes, so WAL checkpoints keep
    /// up and a 100,000-person launch costs per person what a 1,000-person one does.
    public func forEach(in audience: AudienceFilter, pageSize: Int = 500, _ visit: (Person) throws -> Void) throws {
        var sql = "SELECT \(Self.columns) FROM people p WHERE 1 = 1"
        var values: [any SQLBindable] = []
        if !audience.roles.isEmpty {
            sql += " AND p.role IN (\(audience.roles.map { _ in "?" }.joined(separator: ",")))"
            values += audience.roles.map(\.rawValue)
        }
        if !audience.languages.isEmpty {
            sql += " AND p.language IN (\(audience.languages.map { _ in "?" }.joined(separator: ",")))"
            values += audience.languages
        }
        if let session = audience.sessionID {
            sql += " AND p.id IN (SELECT person_id FROM enrollments WHERE session_id = ?)"
            values.append(session)
        }
        if !audience.personIDs.isEmpty {
            sql += " AND p.id IN (\(audience.personIDs.map { _ in "?" }.joined(separator: ",")))"
            values += audience.personIDs
        }
        sql += " AND p.id > ? ORDER BY p.id LIMIT ?"
        let statement = try database.statement(sql)
        var after: Int64 = 0
        while true {
            let page = try statement.bind(values + [after, pageSize]).rows(Self.person)
            for person in page { try visit(person) }
            guard page.count == pageSize, let last = page.last?.id else { return }
            after = last
        }
    }
}
