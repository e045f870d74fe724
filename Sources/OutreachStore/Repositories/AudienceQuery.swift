import Foundation
import OutreachCore

extension PeopleStore {
    /// The people an audience filter selects, streamed in id order so a large list is never held twice.
    public func forEach(in audience: AudienceFilter, _ visit: (Person) throws -> Void) throws {
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
        sql += " ORDER BY p.id"
        try database.statement(sql).bind(values).forEachRow { row in
            try visit(try Self.person(row))
            return true
        }
    }
}
