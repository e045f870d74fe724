import Foundation
import Testing
import OutreachCore
@testable import OutreachStore

@Suite("People and sessions in the store")
struct PeopleStoreTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    func person(_ name: String, _ phone: String, role: Role = .senior, language: String = "sv") -> Person {
        Person(role: role, name: name, phone: PhoneNumber(e164: phone), language: language, channel: .sms)
    }

    @Test("upsert by phone: new, unchanged, updated")
    func upsert() throws {
        let temporary = TemporaryDatabase()
        let store = PeopleStore(try temporary.migrated())
        let people = [person("Fatima Hassan", "+46701740605", language: "ar"), person("Leila Haddad", "+46701740615", role: .guide, language: "ar")]
        #expect(try store.upsert(people, now: now) == UpsertSummary(added: 2))
        #expect(try store.upsert(people, now: now) == UpsertSummary(unchanged: 2))
        var changed = people
        changed[0].channel = .both
        #expect(try store.upsert(changed, now: now) == UpsertSummary(updated: 1, unchanged: 1))
        #expect(try store.count() == 2)
        #expect(try store.find(phone: PhoneNumber(e164: "+46701740605"))?.channel == .both)
    }

    @Test("a failing row rolls back the whole upsert")
    func allOrNothing() throws {
        let temporary = TemporaryDatabase()
        let store = PeopleStore(try temporary.migrated())
        let bad = [person("A", "+46701740605"), person("B", "not-e164")]  // violates the phone CHECK
        #expect(throws: StoreError.self) { try store.upsert(bad, now: now) }
        #expect(try store.count() == 0)
    }

    @Test("list filters by role and language")
    func list() throws {
        let temporary = TemporaryDatabase()
        let store = PeopleStore(try temporary.migrated())
        _ = try store.upsert([
            person("Fatima", "+46701740605", language: "ar"), person("Amina", "+46701740606", language: "so"),
            person("Leila", "+46701740615", role: .guide, language: "ar"),
        ], now: now)
        #expect(try store.list().count == 3)
        #expect(try store.list(PeopleFilter(role: .senior)).map(\.name) == ["Amina", "Fatima"])
        #expect(try store.list(PeopleFilter(language: "ar")).map(\.name) == ["Leila", "Fatima"])  // guides before seniors
        #expect(try store.list(PeopleFilter(role: .guide, language: "so")).isEmpty)
    }

    @Test("sessions keep their schedule, exceptions and enrollments")
    func sessions() throws {
        let temporary = TemporaryDatabase()
        let database = try temporary.migrated()
        let zone = TimeZone(identifier: "Europe/Stockholm")!
        let rule = try RecurrenceRule.parse("FREQ=WEEKLY;BYDAY=TU", timeZone: zone).get()
        let schedule = SessionSchedule(start: LocalDateTime(parsing: "2026-11-24 14:00")!, durationMinutes: 120, timeZone: zone,
                                       rule: rule, exceptionDates: [LocalDate(parsing: "2026-12-22")!])
        let sessions = SessionStore(database)
        let id = try sessions.add(Session(title: "Kaffe och samtal", place: "Råslätts träffpunkt", schedule: schedule), now: now)
        let loaded = try #require(try sessions.find(id: id))
        #expect(loaded.schedule == schedule)
        #expect(loaded.title == "Kaffe och samtal")

        _ = try PeopleStore(database).upsert([person("Fatima", "+46701740605")], now: now)
        #expect(try sessions.enroll(personID: 1, sessionID: id, now: now))
        #expect(try !sessions.enroll(personID: 1, sessionID: id, now: now))
        #expect(try sessions.enrolledPersonIDs(sessionID: id) == [1])
        #expect(throws: StoreError.self) { try sessions.enroll(personID: 99, sessionID: id, now: now) }
    }
}
