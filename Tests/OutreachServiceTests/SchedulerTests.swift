import Foundation
import Testing
import OutreachCore
import OutreachStore
@testable import OutreachService

@Suite("Scheduler: reminders enqueued once, at the right instants")
struct SchedulerTests {
    /// `people` enrolled in a weekly Tuesday 14:00 session, on Sunday 2026-11-22 at 13:00 local.
    func tuesdaySession(_ people: [(String, String, String, ContactChannel)]) throws -> (ServiceWorld, Scheduler) {
        let world = try ServiceWorld(now: "2026-11-22T12:00:00Z")
        try world.weeklySession(start: "2026-11-24 14:00", enroll: try world.addPeople(people))
        return (world, Scheduler(database: world.database, config: world.config, library: world.library))
    }

    @Test("day-before 10:00 and two-hours-before across the October DST change (Europe/Stockholm)")
    func octoberDST() throws {
        let world = try ServiceWorld(now: "2026-10-19T05:00:00Z")
        let ids = try world.addPeople([("Fatima Hassan", "+46701740605", "ar", .sms)])
        try world.weeklySession(start: "2026-10-20 14:00", enroll: ids)
        let scheduler = Scheduler(database: world.database, config: world.config, library: world.library, horizon: 10 * 86_400)
        try scheduler.tick(now: world.clock.now)
        let due = try world.messages().map { Timestamp.format($0.notBefore) }
        // Tue 20 Oct (CEST, UTC+2) and Tue 27 Oct (CET, UTC+1): local 10:00 the day before, and 12:00 on the day.
        #expect(due.contains("2026-10-19T08:00:00Z"))
        #expect(due.contains("2026-10-20T10:00:00Z"))
        #expect(due.contains("2026-10-26T09:00:00Z"))
        #expect(due.contains("2026-10-27T11:00:00Z"))
        #expect(try world.messages().allSatisfy { $0.body.contains("14:00") || $0.body.contains("١٤:٠٠") })
    }

    @Test("across the March DST change")
    func marchDST() throws {
        let world = try ServiceWorld(now: "2027-03-22T05:00:00Z")
        let ids = try world.addPeople([("Aino Virtanen", "+46701740610", "fi", .sms)])
        try world.weeklySession(start: "2027-03-23 14:00", enroll: ids)
        let scheduler = Scheduler(database: world.database, config: world.config, library: world.library, horizon: 10 * 86_400)
        try scheduler.tick(now: world.clock.now)
        let due = Set(try world.messages().map { Timestamp.format($0.notBefore) })
        #expect(due.isSuperset(of: ["2027-03-22T09:00:00Z", "2027-03-23T11:00:00Z",   // CET
                                    "2027-03-29T08:00:00Z", "2027-03-30T10:00:00Z"])) // CEST
        #expect(try world.messages().allSatisfy { $0.expiresAt != nil })
    }

    @Test("a call reminder in a language the provider cannot speak is suppressed with the reason when planned, not failed at every send")
    func noVoiceForLanguage() throws {
        let world = try ServiceWorld(now: "2026-11-22T12:00:00Z")
        world.config.provider.kind = .twilio  // Twilio has no Somali voice; it has a Swedish one
        let ids = try world.addPeople([("Amina Warsame", "+46701740606", "so", .voice), ("Birgitta Johansson", "+46701740613", "sv", .voice)])
        try world.weeklySession(start: "2026-11-24 14:00", enroll: ids)
        try Scheduler(database: world.database, config: world.config, library: world.library).tick(now: world.clock.now)
        let messages = try world.messages()
        #expect(messages.filter { $0.phone.e164 == "+46701740606" }.allSatisfy {
            $0.status == .suppressed && $0.error == "no voice for 'so' with twilio: a recording is needed"
        })
        #expect(messages.filter { $0.phone.e164 == "+46701740613" }.allSatisfy { $0.status == .queued && $0.channel == .voice })
        #expect(messages.count == 4)
    }

    @Test("a re-import that changes a senior's channel or language re-plans their queued reminders as they are now")
    func personChanged() throws {
        let (world, scheduler) = try tuesdaySession([("Reza Karimi", "+46701740607", "fa", .both),
                                                     ("Fatima Hassan", "+46701740605", "ar", .sms)])
        #expect(try scheduler.tick(now: world.clock.now).enqueued == 6)  // Reza by SMS and by call, Fatima by SMS
        // Reza now takes SMS only, and reads Swedish.
        let summary = try PeopleStore(world.database).upsert(
            [Person(role: .senior, name: "Reza Karimi", phone: PhoneNumber(e164: "+46701740607"), language: "sv", channel: .sms)],
            now: world.clock.now)
        #expect(summary.remindersReplanned == 4)
        #expect(try scheduler.tick(now: world.clock.now).enqueued == 2)
        let reza = try world.messages().filter { $0.phone.e164 == "+46701740607" }
        let queued = reza.filter { $0.status == .queued }
        #expect(queued.count == 2 && queued.allSatisfy { $0.channel == .sms && $0.language == "sv" }, "\(queued)")
        #expect(reza.filter { $0.status == .cancelled }.allSatisfy { $0.error?.hasPrefix("replaced:") == true })
        #expect(try world.messages().filter { $0.phone.e164 == "+46701740605" }.allSatisfy { $0.status == .queued && $0.language == "ar" })
        // Nothing else changes: a second tick plans nothing.
        #expect(try scheduler.tick(now: world.clock.now).enqueued == 0)

        // Fatima becomes a health guide: her reminders are set aside and none is planned again.
        #expect(try PeopleStore(world.database).upsert(
            [Person(role: .guide, name: "Fatima Hassan", phone: PhoneNumber(e164: "+46701740605"), language: "ar", channel: .sms)],
            now: world.clock.now).remindersReplanned == 2)
        #expect(try scheduler.tick(now: world.clock.now).enqueued == 0)
        #expect(try world.messages().filter { $0.phone.e164 == "+46701740605" }.allSatisfy { $0.status == .cancelled })
    }

    @Test("of reminders of one date found due together, the latest rule's goes, however a retry moved the others; two sessions at once are two dates")
    func supersedeByRule() throws {
        let (world, scheduler) = try tuesdaySession([("Fatima Hassan", "+46701740605", "ar", .sms)])
        try world.weeklySession(start: "2026-11-24 14:00", enroll: [1])  // a second session at the same hour
        #expect(try scheduler.tick(now: world.clock.now).enqueued == 4)
        // Monday 10:00 local: both sessions' day-before reminders are due; neither supersedes the other.
        #expect(try scheduler.tick(now: world.at("2026-11-23T09:00:00Z")).superseded == 0)
        // The first session's day-before reminder was retried until after its two-hours-before one (12:00Z) came due.
        try world.database.statement("""
            UPDATE messages SET not_before = '2026-11-24T12:20:00Z' WHERE dedupe_key LIKE 'reminder:1:1:%:day-before'
            """).run()
        try world.database.statement("UPDATE messages SET status = 'sent' WHERE dedupe_key LIKE 'reminder:1:2:%:day-before'").run()
        #expect(try scheduler.tick(now: world.at("2026-11-24T12:30:00Z")).superseded == 1)
        let first = try world.messages().filter { $0.dedupeKey.hasPrefix("reminder:1:1:") }
        #expect(first.first { $0.dedupeKey.hasSuffix("day-before") }?.error == "superseded by reminder 'two-hours-before', due at the same time")
        #expect(first.first { $0.dedupeKey.hasSuffix("two-hours-before") }?.status == .queued)
    }

    @Test("back from downtime two minutes before the two-hours-before reminder: the day-before one is dropped, not sent just before it")
    func supersedeSoonAfter() async throws {
        let (world, scheduler) = try tuesdaySession([("Fatima Hassan", "+46701740605", "ar", .sms)])
        #expect(try scheduler.tick(now: world.clock.now).enqueued == 2)
        // Down from Sunday until Tuesday 11:58 local; the two-hours-before reminder goes at 12:00 local (11:00Z).
        world.set("2026-11-24T10:58:00Z")
        let back = try await world.gateway().pass()
        #expect(back.scheduled.superseded == 1 && back.dispatched.sent == 0, "\(back)")
        let dayBefore = try world.messages().first { $0.dedupeKey.hasSuffix("day-before") }
        #expect(dayBefore?.status == .suppressed)
        #expect(dayBefore?.error == "superseded by reminder 'two-hours-before', which goes out soon after it")
        world.set("2026-11-24T11:00:00Z")
        #expect(try await world.gateway().pass().dispatched.sent == 1)
        #expect(world.ledger.entries.count == 1)

        // Back an hour and a half before it instead: both go (half the rules' gap, at most an hour, is the limit).
        let (other, otherScheduler) = try tuesdaySession([("Fatima Hassan", "+46701740605", "ar", .sms)])
        #expect(try otherScheduler.tick(now: other.clock.now).enqueued == 2)
        other.set("2026-11-24T09:30:00Z")
        #expect(try await other.gateway().pass().dispatched.sent == 1)
        other.set("2026-11-24T11:00:00Z")
        #expect(try await other.gateway().pass().dispatched.sent == 1)
    }

    @Test("a channel changed after a reminder went does not send that reminder again on the new channel")
    func channelChangedAfterSend() async throws {
        let (world, scheduler) = try tuesdaySession([("Ingrid Berg", "+46701740613", "sv", .voice)])
        #expect(try scheduler.tick(now: world.clock.now).enqueued == 2)
        world.set("2026-11-23T09:00:30Z")  // Monday 10:00 local: the day-before call goes
        #expect(try await world.gateway().pass().dispatched.sent == 1)
        // At noon Ingrid asks for SMS instead (a re-import).
        world.set("2026-11-23T11:00:00Z")
        _ = try PeopleStore(world.database).upsert(
            [Person(role: .senior, name: "Ingrid Berg", phone: PhoneNumber(e164: "+46701740613"), language: "sv", channel: .sms)],
            now: world.clock.now)
        let replanned = try await world.gateway().pass()
        #expect(replanned.dispatched.sent == 0, "\(replanned)")  // it sent the day-before reminder again, by SMS
        let dayBefore = try world.messages().filter { $0.dedupeKey.contains(":day-before") }
        #expect(dayBefore.count == 2, "\(dayBefore)")
        #expect(dayBefore.first { $0.channel == .sms }?.status == .suppressed)
        #expect(dayBefore.first { $0.channel == .sms }?.error == "already sent by voice before the person's channel changed")
        // The two-hours-before reminder goes by SMS, once.
        world.set("2026-11-24T11:00:00Z")
        #expect(try await world.gateway().pass().dispatched.sent == 1)
        #expect(world.ledger.entries.count == 2)
        #expect(try world.messages().filter { [.sent, .delivered].contains($0.status) }.map(\.channel)
            .sorted { $0.rawValue < $1.rawValue } == [.sms, .voice])
    }

    @Test("running the scheduler again enqueues nothing new")
    func idempotent() throws {
        let (world, scheduler) = try tuesdaySession([("Fatima Hassan", "+46701740605", "ar", .sms),
                                                     ("Gül Yılmaz", "+46701740611", "tr", .both)])
        let first = try scheduler.tick(now: world.clock.now)
        #expect(first.enqueued == 6)  // 2 rules × (1 SMS + 1 SMS + 1 call)
        #expect(try scheduler.tick(now: world.clock.now).enqueued == 0)
        world.clock.advance(by: 3600)
        #expect(try scheduler.tick(now: world.clock.now).enqueued == 0)
        #expect(try world.messages().count == 6)
        #expect(Set(try world.messages().map(\.dedupeKey)).count == 6)
    }

    @Test("two schedulers at once, on two connections, enqueue each reminder once")
    func concurrentSchedulers() async throws {
        let world = try ServiceWorld(now: "2026-11-22T12:00:00Z")
        var people: [(String, String, String, ContactChannel)] = []
        for index in 0..<60 { people.append(("Senior \(index)", "+4670174\(String(format: "%04d", 1000 + index))", "sv", .sms)) }
        let ids = try world.addPeople(people)
        try world.weeklySession(start: "2026-11-24 14:00", enroll: ids)
        let path = world.path, config = world.config, library = world.library, now = world.clock.now
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    let connection = try Database(path: path)
                    var total = 0
                    for _ in 0..<5 {
                        total += try Scheduler(database: connection, config: config, library: library).tick(now: now).enqueued
                    }
                    return total
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(results == 120)
        #expect(try world.messages().count == 120)
    }

    @Test("nothing about an occurrence that has started; quiet hours hold, or suppress when too late")
    func expiryAndQuietHours() throws {
        let world = try ServiceWorld(now: "2026-11-24T13:30:00Z")  // 14:30 local, the 14:00 session has started
        let ids = try world.addPeople([("Fatima Hassan", "+46701740605", "ar", .sms)])
        try world.weeklySession(start: "2026-11-24 14:00", enroll: ids)
        let scheduler = Scheduler(database: world.database, config: world.config, library: world.library, horizon: 86_400)
        try scheduler.tick(now: world.clock.now)
        #expect(try world.messages().allSatisfy { !$0.dedupeKey.contains("2026-11-24T13:00:00Z") })

        let early = try ServiceWorld(now: "2026-11-22T08:00:00Z")
        let earlyIDs = try early.addPeople([("Aino Virtanen", "+46701740610", "fi", .sms)])
        try early.weeklySession(start: "2026-11-24 08:00", durationMinutes: 60, enroll: earlyIDs)  // 06:00 reminder is in quiet hours
        try Scheduler(database: early.database, config: early.config, library: early.library).tick(now: early.clock.now)
        let twoHours = try #require(try early.messages().first { $0.dedupeKey.hasSuffix("two-hours-before") })
        #expect(twoHours.status == .suppressed)
        #expect(twoHours.error?.contains("quiet") == true)
        let dayBefore = try #require(try early.messages().first { $0.dedupeKey.hasSuffix("day-before") })
        #expect(dayBefore.status == .queued)
        #expect(Timestamp.format(dayBefore.notBefore) == "2026-11-23T09:00:00Z")
    }

    @Test("a reminder rendered in the person's language, SMS or voice by preference")
    func rendering() throws {
        let world = try ServiceWorld(now: "2026-11-22T08:00:00Z")
        let ids = try world.addPeople([("Amina Warsame", "+46701740606", "so", .voice), ("Fatima Hassan", "+46701740605", "ar", .sms)])
        try world.weeklySession(start: "2026-11-24 14:00", enroll: ids)
        try Scheduler(database: world.database, config: world.config, library: world.library).tick(now: world.clock.now)
        let messages = try world.messages()
        #expect(messages.filter { $0.phone.e164 == "+46701740606" }.allSatisfy { $0.channel == .voice && $0.language == "so" })
        let arabic = try #require(messages.first { $0.phone.e164 == "+46701740605" })
        #expect(arabic.channel == .sms)
        #expect(arabic.body.contains("Fatima"))
        #expect(arabic.body.unicodeScalars.contains { (0x0600...0x06FF).contains($0.value) })
    }
}
