import Foundation
import Testing
import OutreachCore
@testable import OutreachStore

@Suite("Audience paging and opt-out snapshots")
struct AudienceAndOptOutTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("an audience is read page by page in id order: every person once, across page boundaries, while the visitor writes")
    func paging() throws {
        let temporary = TemporaryDatabase()
        let database = try temporary.migrated()
        let store = PeopleStore(database)
        let people = (0..<23).map { index in
            Person(role: index % 3 == 0 ? .guide : .senior, name: "Person \(index)",
                   phone: PhoneNumber(e164: "+467017406\(10 + index)"), language: index % 2 == 0 ? "sv" : "ar", channel: .sms)
        }
        _ = try store.upsert(people, now: now)
        for pageSize in [1, 2, 5, 7, 500] {
            var seen: [Int64] = []
            try store.forEach(in: AudienceFilter(roles: [.senior]), pageSize: pageSize) { person in
                seen.append(person.id ?? -1)
                // Writing while reading is what a campaign launch does.
                try database.execute("UPDATE people SET notes = 'visited' WHERE id = \(person.id ?? -1)")
            }
            let seniors = try store.list(PeopleFilter(role: .senior)).compactMap(\.id).sorted()
            #expect(seen == seniors, "page size \(pageSize)")
        }
        var arabic = 0
        try store.forEach(in: AudienceFilter(roles: [.senior], languages: ["ar"]), pageSize: 3) { _ in arabic += 1 }
        #expect(arabic == people.filter { $0.role == .senior && $0.language == "ar" }.count)
    }

    @Test("the snapshot answers as the per-number query does, for every scope")
    func snapshot() throws {
        let temporary = TemporaryDatabase()
        let database = try temporary.migrated()
        let optOuts = OptOutStore(database)
        let sms = PhoneNumber(e164: "+46701740605")
        let voice = PhoneNumber(e164: "+46701740613")
        let everything = PhoneNumber(e164: "+46701740621")
        let revoked = PhoneNumber(e164: "+46701740629")
        let nobody = PhoneNumber(e164: "+46701740637")
        try optOuts.add(phone: sms, channel: .sms, keyword: "STOPP", source: "reply", now: now)
        try optOuts.add(phone: voice, channel: .voice, keyword: nil, source: "coordinator", now: now)
        try optOuts.add(phone: everything, channel: .all, keyword: "توقف", source: "reply", now: now)
        try optOuts.add(phone: revoked, channel: .all, keyword: "STOP", source: "reply", now: now)
        try optOuts.remove(phone: revoked, now: now)
        let snapshot = try optOuts.snapshot()
        for phone in [sms, voice, everything, revoked, nobody] {
            for channel in [Channel.sms, .voice] {
                #expect(snapshot.contains(phone: phone, channel: channel) == (try optOuts.isOptedOut(phone: phone, channel: channel)),
                        "\(phone.masked) \(channel)")
            }
        }
        #expect(snapshot.contains(phone: sms, channel: .sms) && !snapshot.contains(phone: sms, channel: .voice))
        #expect(snapshot.contains(phone: everything, channel: .voice))
        #expect(!snapshot.contains(phone: revoked, channel: .sms))
        // The dispatcher's batch lookup agrees too, with repeated numbers and numbers without opt-outs.
        let batch = try optOuts.snapshot(of: [sms, voice, everything, revoked, nobody, sms])
        #expect(batch.scopes == [sms.e164: ["sms"], voice.e164: ["voice"], everything.e164: ["all"]])
        #expect(try optOuts.snapshot(of: [voice]).scopes == [voice.e164: ["voice"]])
        #expect(try optOuts.snapshot(of: []).scopes.isEmpty)
    }
}
