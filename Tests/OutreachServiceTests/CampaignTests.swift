import Foundation
import Testing
import OutreachCore
import OutreachStore
@testable import OutreachService

@Suite("Campaigns")
struct CampaignTests {
    func world() throws -> (ServiceWorld, CampaignService) {
        let world = try ServiceWorld(now: "2026-11-22T10:00:00Z")
        try world.addPeople([("Fatima Hassan", "+46701740605", "ar", .sms), ("Amina Warsame", "+46701740606", "so", .voice),
                             ("Reza Karimi", "+46701740607", "fa", .both), ("Birgitta Johansson", "+46701740613", "sv", .sms)])
        let library = world.library
        let service = CampaignService(database: world.database, config: world.config, library: library,
                                      voiceLanguages: { Gateway.voiceLanguage(catalog: library.catalog, kind: .twilio, language: $0) })
        return (world, service)
    }

    /// A "help" campaign by SMS to all four, created and launched: its id.
    func launchedFika(_ world: ServiceWorld, _ service: CampaignService) throws -> Int64 {
        let store = CampaignStore(world.database)
        let id = try store.create(Campaign(name: "Fika", template: "help", audience: AudienceFilter(), channel: .sms, sendAt: nil),
                                  now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: id)), now: world.clock.now).total == 4)
        return id
    }

    @Test("preview: per language, and who cannot be reached and why")
    func preview() throws {
        let (world, service) = try world()
        try OptOutStore(world.database).add(phone: PhoneNumber(e164: "+46701740613"), channel: .all, keyword: "STOPP", source: "reply", now: world.clock.now)
        let session = try world.weeklySession(start: "2026-11-24 14:00", enroll: [1, 2, 3, 4])
        let campaign = Campaign(id: 1, name: "Eid", template: "session-invite", audience: AudienceFilter(roles: [.senior], sessionID: session),
                                channel: nil, sendAt: nil)
        #expect(throws: CampaignError.self) {
            try service.preview(Campaign(id: 2, name: "x", template: "session-invite", audience: AudienceFilter(), channel: nil, sendAt: nil),
                                now: world.clock.now)
        }
        let preview = try service.preview(campaign, now: world.clock.now)
        #expect(preview.languages.map { "\($0.language)/\($0.channel.rawValue)" } == ["ar/sms", "fa/sms"])  // no Twilio voice for so or fa
        #expect(preview.languages.first { $0.language == "ar" }?.inspection?.encoding == .ucs2)
        // Twilio has no Somali or Persian voice; Birgitta said STOPP.
        #expect(preview.unreachable == 3)
        #expect(preview.warnings.contains { $0.contains("Birgitta") && $0.contains("opted out") })
        #expect(preview.warnings.contains { $0.contains("Amina") && $0.contains("recording") })

        // Reza takes both channels: after his STOPP, one line names both (it used to be two identical lines).
        try OptOutStore(world.database).add(phone: PhoneNumber(e164: "+46701740607"), channel: .all, keyword: "STOPP", source: "reply",
                                            now: world.clock.now)
        let after = try service.preview(campaign, now: world.clock.now)
        #expect(after.unreachable == 4)
        #expect(after.warnings.filter { $0.contains("Reza") } == ["Reza Karimi (+46 70 *** ** 07, fa), sms and voice: opted out"])
        #expect(after.warnings.filter { $0.contains("Birgitta") } == ["Birgitta Johansson (+46 70 *** ** 13, sv), sms: opted out"])
    }

    @Test("preview: a language's segments are its messages' own, so the languages add up to the total when names differ in length")
    func previewSegmentsAddUp() throws {
        let (world, service) = try world()
        // Arabic texts are UCS-2 (67 characters a segment): a first name 67 characters longer takes at least one more.
        let ids = try world.addPeople([("Ali Hassan", "+46701740620", "ar", .sms),
                                       ("Abdulrahman-Muhammad-Abdulaziz-Ibrahim-Khalid-Mustafa-Hassan-Yusuf-Ali Hassan", "+46701740621", "ar", .sms),
                                       ("Abdulrahman-Muhammad-Abdulaziz-Ibrahim-Khalid-Mustafa-Hassan-Yusuf-Ali Omar", "+46701740622", "ar", .sms)])
        let session = try world.weeklySession(start: "2026-11-24 14:00", enroll: ids)
        let campaign = Campaign(id: 1, name: "Jul", template: "session-invite", audience: AudienceFilter(roles: [.senior], sessionID: session),
                                channel: .sms, sendAt: nil)
        let preview = try service.preview(campaign, now: world.clock.now)
        let arabic = try #require(preview.languages.first { $0.language == "ar" })
        #expect(arabic.recipients == 3)
        // Ali's text (shown) fits in fewer segments than the two long names'.
        #expect(arabic.fewestSegments == arabic.inspection?.segments)
        #expect(arabic.fewestSegments < arabic.mostSegments, "\(arabic.fewestSegments) \(arabic.mostSegments)")
        #expect(arabic.segments == arabic.fewestSegments + 2 * arabic.mostSegments)
        #expect(preview.languages.map(\.segments).reduce(0, +) == preview.segments)
    }

    @Test("preview: a language with no text is noted once, even for someone on both channels")
    func fallbackNotedOnce() throws {
        let (world, service) = try world()
        let ids = try world.addPeople([("Hans Müller", "+46701740630", "de", .both)])
        let session = try world.weeklySession(start: "2026-11-24 14:00", enroll: ids)
        let campaign = Campaign(id: 1, name: "Jul", template: "session-invite", audience: AudienceFilter(roles: [.senior], sessionID: session),
                                channel: nil, sendAt: nil)
        let preview = try service.preview(campaign, now: world.clock.now)
        #expect(preview.languages.filter { $0.language == "de" }.count == 2, "\(preview.languages.map(\.language))")  // sms and voice
        #expect(preview.fallbacks == ["no session-invite text in 'de': those recipients get 'sv'"], "\(preview.fallbacks)")
    }

    @Test("launch twice enqueues once; pause holds, resume sends, cancel stops what is left")
    func lifecycle() async throws {
        let (world, service) = try world()
        let store = CampaignStore(world.database)
        let id = try store.create(Campaign(name: "Eid", template: "help", audience: AudienceFilter(languages: ["ar", "sv"]),
                                           channel: .sms, sendAt: nil), now: world.clock.now)
        let campaign = try #require(try store.find(id: id))
        #expect(try service.launch(campaign, now: world.clock.now).total == 2)
        #expect(try service.launch(campaign, now: world.clock.now).total == 0)
        #expect(try OutboxStore(world.database).nextDue() != nil)
        try store.setStatus(id: id, .paused, now: world.clock.now)
        // Held messages are not "due": the service sleeps instead of passing again at once.
        #expect(try OutboxStore(world.database).nextDue() == nil)
        let gateway = world.gateway()
        #expect(try await gateway.pass().dispatched.sent == 0)
        try store.setStatus(id: id, .running, now: world.clock.now)
        #expect(try OutboxStore(world.database).nextDue() != nil)
        #expect(try await gateway.pass().dispatched.sent == 2)
        #expect(try store.find(id: id)?.status == .done)

        let second = try store.create(Campaign(name: "Later", template: "help", audience: AudienceFilter(),
                                               channel: .sms, sendAt: world.clock.now.addingTimeInterval(86_400)), now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: second)), now: world.clock.now).total == 4)
        #expect(try store.find(id: second)?.status == .scheduled)
        #expect(try OutboxStore(world.database).cancelQueued(campaignID: second, now: world.clock.now) == 4)
        #expect(try OutboxStore(world.database).counts(campaignID: second)[.cancelled] == 4)
    }

    @Test("messages in flight when a campaign is cancelled do not go back to the queue: a retry, a release or a requeue cancels them")
    func cancelWhileInFlight() throws {
        let (world, service) = try world()
        let store = CampaignStore(world.database)
        let outbox = OutboxStore(world.database)
        let id = try launchedFika(world, service)
        let inFlight = try outbox.claimDue(now: world.clock.now, limit: 3).map(\.id)
        #expect(inFlight.count == 3)
        try store.setStatus(id: id, .cancelled, now: world.clock.now)
        #expect(try outbox.cancelQueued(campaignID: id, now: world.clock.now) == 1)

        try outbox.record([.retry(messageID: inFlight[0], notBefore: world.clock.now.addingTimeInterval(60), error: "HTTP 503")],
                          now: world.clock.now)
        try outbox.release([inFlight[1]], now: world.clock.now)
        #expect(try outbox.recoverInterrupted(now: world.clock.now).unknown == 1)
        try outbox.requeueUnknown(id: inFlight[2], reason: "never got it", now: world.clock.now)
        #expect(try outbox.counts(campaignID: id) == [.cancelled: 4])

        // A campaign that is only paused gets them back in its queue.
        let other = try store.create(Campaign(name: "Later", template: "help", audience: AudienceFilter(), channel: .sms, sendAt: nil),
                                     now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: other)), now: world.clock.now).total == 4)
        let claimed = try outbox.claimDue(now: world.clock.now, limit: 1).map(\.id)
        try store.setStatus(id: other, .paused, now: world.clock.now)
        try outbox.release(claimed, now: world.clock.now)
        #expect(try outbox.counts(campaignID: other) == [.queued: 4])
    }

    @Test("a done campaign whose message in doubt goes back to the queue runs again, so it can still be paused or cancelled")
    func requeueReopensDone() async throws {
        let (world, service) = try world()
        let store = CampaignStore(world.database)
        let outbox = OutboxStore(world.database)
        let id = try launchedFika(world, service)
        // A crash with one message on its way: it is in doubt, the rest are sent, and the campaign is done.
        let doubtful = try #require(try outbox.claimDue(now: world.clock.now, limit: 1).first?.id)
        #expect(try outbox.recoverInterrupted(now: world.clock.now).unknown == 1)
        #expect(try await world.gateway().pass().dispatched.sent == 3)
        #expect(try store.find(id: id)?.status == .done)

        // The provider never got it (`outreach settle --resend`, or the reconciler): back in the queue, and running.
        #expect(try outbox.requeueUnknown(id: doubtful, reason: "never got it", now: world.clock.now))
        #expect(try store.find(id: id)?.status == .running)
        #expect(try store.setStatus(id: id, .cancelled, onlyFrom: [.running, .paused, .scheduled], now: world.clock.now))
        #expect(try outbox.cancelQueued(campaignID: id, now: world.clock.now) == 1)
        #expect(try outbox.requeueUnknown(id: doubtful, reason: "again", now: world.clock.now) == false)
        #expect(try store.find(id: id)?.status == .cancelled)
    }

    @Test("each text is rendered once per language and name, yet everyone gets their own name and language")
    func personalTexts() throws {
        let (world, service) = try world()
        let added = try world.addPeople([("Fatima Ali", "+46701740620", "ar", .sms), ("Fatima Nilsson", "+46701740621", "sv", .sms),
                                         ("Kerstin Nilsson", "+46701740622", "sv", .sms), ("Amina Warsame", "+46701740623", "xx", .sms)])
        let session = try world.weeklySession(start: "2026-11-24 14:00", enroll: [1, 2, 3, 4] + added)
        let store = CampaignStore(world.database)
        let id = try store.create(Campaign(name: "Inbjudan", template: "session-invite", audience: AudienceFilter(sessionID: session),
                                           channel: .sms, sendAt: nil), now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: id)), now: world.clock.now).total == 8)
        let sent = Dictionary(uniqueKeysWithValues: try world.messages().map { ($0.phone.e164, $0) })
        func body(_ phone: String) -> String { sent[phone]?.body ?? "" }
        #expect(sent["+46701740605"]?.language == "ar" && sent["+46701740620"]?.language == "ar")
        #expect(sent["+46701740621"]?.language == "sv" && sent["+46701740622"]?.language == "sv" && sent["+46701740613"]?.language == "sv")
        // Two Fatimas in Arabic: one text. Fatima and Kerstin in Swedish: the same text but for the name.
        #expect(body("+46701740605") == body("+46701740620") && body("+46701740605").contains("Fatima"))
        #expect(body("+46701740621").contains("Fatima") && body("+46701740622").contains("Kerstin"))
        #expect(body("+46701740621").replacingOccurrences(of: "Fatima", with: "Kerstin") == body("+46701740622"))
        #expect(body("+46701740613").contains("Birgitta") && body("+46701740613") != body("+46701740621"))
        // No text in 'xx': the catalog's fallback language, still with her own name.
        #expect(sent["+46701740623"]?.language != "xx")
        #expect(body("+46701740623").contains("Amina"))
        let encodings = try world.database.statement("SELECT phone, encoding FROM messages ORDER BY id")
            .rows { "\($0.string(0)) \($0.string(1))" }
        #expect(encodings.contains("+46701740605 UCS-2") && encodings.contains("+46701740620 UCS-2"))
        #expect(encodings.contains("+46701740622 GSM-7"))
    }

    @Test("no text outranks an opt-out, and an opt-out outranks a missing voice")
    func reasons() throws {
        let (world, service) = try world()
        let optOuts = OptOutStore(world.database)
        try optOuts.add(phone: PhoneNumber(e164: "+46701740606"), channel: .all, keyword: "STOPP", source: "reply", now: world.clock.now)
        try optOuts.add(phone: PhoneNumber(e164: "+46701740605"), channel: .all, keyword: "STOPP", source: "reply", now: world.clock.now)
        let store = CampaignStore(world.database)
        let voice = try store.create(Campaign(name: "Röst", template: "session-invite", audience: AudienceFilter(sessionID: try world.weeklySession(
            start: "2026-11-24 14:00", enroll: [1, 2, 3])), channel: .voice, sendAt: nil), now: world.clock.now)
        try service.launch(try #require(try store.find(id: voice)), now: world.clock.now)
        // A channel forced that the template lacks is refused whole, before anything is enqueued.
        let help = try store.create(Campaign(name: "Hjälp", template: "help", audience: AudienceFilter(personIDs: [1]), channel: .voice,
                                             sendAt: nil), now: world.clock.now)
        #expect(throws: CampaignError(message: "template 'help' has no voice version")) {
            try service.launch(try #require(try store.find(id: help)), now: world.clock.now)
        }
        let messages = try world.messages()
        func reason(_ campaign: Int64, _ phone: String) -> String? {
            messages.first { $0.campaignID == campaign && $0.phone.e164 == phone }?.error
        }
        #expect(reason(voice, "+46701740606") == "opted out")  // Somali: no Twilio voice, but she said STOPP
        #expect(reason(voice, "+46701740607")?.contains("recording") == true)  // Persian: no Twilio voice
        #expect(reason(voice, "+46701740605") == "opted out")
        #expect(messages.filter { $0.campaignID == voice }.allSatisfy { $0.status == .suppressed })
        #expect(!messages.contains { $0.campaignID == help })
    }

    @Test("a campaign sent later is about the session's next date after it goes, and expires then")
    func sessionDateAfterSendTime() throws {
        let (world, service) = try world()
        let session = try world.weeklySession(start: "2026-11-24 14:00", enroll: [1, 4])  // Tuesdays 13:00Z
        let store = CampaignStore(world.database)
        let monday = Timestamp.parse("2026-11-30T09:00:00Z")!
        let id = try store.create(Campaign(name: "Nästa", template: "session-invite", audience: AudienceFilter(sessionID: session),
                                           channel: .sms, sendAt: monday), now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: id)), now: world.clock.now).total == 2)
        let messages = try world.messages().filter { $0.campaignID == id }
        #expect(messages.allSatisfy { $0.notBefore == monday && $0.expiresAt == Timestamp.parse("2026-12-01T13:00:00Z") })
        #expect(messages.contains { $0.body.contains("1 december") }, "\(messages.map(\.body))")
    }

    @Test("an invitation launched while the session is under way is about its next date, not the one that has begun")
    func sessionUnderWay() throws {
        let (world, service) = try world()
        let session = try world.weeklySession(start: "2026-11-24 14:00", enroll: [1, 4])  // Tuesdays 13:00Z–15:00Z
        world.set("2026-11-24T13:30:00Z")
        let store = CampaignStore(world.database)
        let id = try store.create(Campaign(name: "Nästa", template: "session-invite", audience: AudienceFilter(sessionID: session),
                                           channel: .sms, sendAt: nil), now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: id)), now: world.clock.now) == .init(queued: 2, suppressed: 0, people: 2))
        let messages = try world.messages().filter { $0.campaignID == id }
        // Before, both were about today's date (under way), expired at once, and were suppressed as too late.
        #expect(messages.allSatisfy { $0.expiresAt == Timestamp.parse("2026-12-01T13:00:00Z") }, "\(messages)")
        #expect(messages.contains { $0.body.contains("1 december") }, "\(messages.map(\.body))")
    }

    @Test("a text not about the session, sent to its audience, does not expire at its start")
    func helpToSessionAudience() throws {
        let (world, service) = try world()
        let session = try world.weeklySession(start: "2026-11-24 14:00", enroll: [1, 4])
        let store = CampaignStore(world.database)
        let help = try store.create(Campaign(name: "Hjälp", template: "help", audience: AudienceFilter(sessionID: session), channel: .sms,
                                             sendAt: nil), now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: help)), now: world.clock.now).queued == 2)
        #expect(try world.messages().filter { $0.campaignID == help }.allSatisfy { $0.expiresAt == nil })
        let invite = try store.create(Campaign(name: "Bjud in", template: "session-invite", audience: AudienceFilter(sessionID: session),
                                               channel: .sms, sendAt: nil), now: world.clock.now)
        try service.launch(try #require(try store.find(id: invite)), now: world.clock.now)
        #expect(try world.messages().filter { $0.campaignID == invite }.allSatisfy { $0.expiresAt == Timestamp.parse("2026-11-24T13:00:00Z") })
    }

    @Test("a person whose language or channel changes gets the campaign's message as they are now, once: an import sets aside what has not gone, and a relaunch gives no one a second channel")
    func personChangesAfterLaunch() throws {
        let (world, service) = try world()
        let store = CampaignStore(world.database)
        // Fatima (ar, sms), Amina (so, voice), Reza (fa, both), Birgitta (sv, sms). The help text has SMS only.
        let help = try store.create(Campaign(name: "Hjälp", template: "help", audience: AudienceFilter(personIDs: [1, 4]), channel: nil,
                                             sendAt: nil), now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: help)), now: world.clock.now).queued == 2)
        #expect(try store.setStatus(id: help, .paused, onlyFrom: [.running], now: world.clock.now))
        // An invitation went to Birgitta by SMS.
        let session = try world.weeklySession(start: "2026-11-24 14:00", enroll: [4])
        let invite = try store.create(Campaign(name: "Bjud in", template: "session-invite", audience: AudienceFilter(sessionID: session),
                                               channel: nil, sendAt: nil), now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: invite)), now: world.clock.now).queued == 1)
        try world.database.execute("UPDATE messages SET status = 'delivered' WHERE campaign_id = \(invite)")

        // Fatima now reads Tigrinya; Birgitta takes calls only.
        let summary = try PeopleStore(world.database).upsert([
            Person(role: .senior, name: "Fatima Hassan", phone: PhoneNumber(e164: "+46701740605"), language: "ti", channel: .sms),
            Person(role: .senior, name: "Birgitta Johansson", phone: PhoneNumber(e164: "+46701740613"), language: "sv", channel: .voice),
        ], now: world.clock.now)
        #expect(summary.campaignMessagesSetAside == [help: [1, 4]], "\(summary.campaignMessagesSetAside)")
        #expect(try service.enqueueAgain(campaignID: help, personIDs: [1, 4], now: world.clock.now) == .init(queued: 2, suppressed: 0, people: 2))
        let fatima = try world.messages().filter { $0.phone.e164 == "+46701740605" }
        // Before, the Arabic text stayed queued and went when the campaign was resumed.
        #expect(fatima.map(\.status) == [.cancelled, .queued] && fatima.last?.language == "ti", "\(fatima)")
        #expect(fatima.first?.error?.hasPrefix("replaced: the person's language, channel or role changed") == true)
        #expect(try store.find(id: help)?.status == .paused)  // enqueued again, not resumed

        // The invitation launched again: Birgitta, who now takes calls, had hers by SMS. Before, she was counted as new
        // and called as well.
        let again = try #require(try store.find(id: invite))
        #expect(try service.preview(again, now: world.clock.now).newSinceLaunch == 0)
        #expect(try service.launch(again, now: world.clock.now) == .init(queued: 0, suppressed: 0))
        #expect(try world.messages().filter { $0.campaignID == invite }.count == 1)
    }

    @Test("a done campaign's message suppressed by an opt-out is made again when the person changes, so a START brings back the new one")
    func doneCampaignPersonChanges() throws {
        let (world, service) = try world()
        try OptOutStore(world.database).add(phone: PhoneNumber(e164: "+46701740613"), channel: .all, keyword: "STOPP", source: "reply",
                                            now: world.clock.now)
        let session = try world.weeklySession(start: "2026-11-24 14:00", enroll: [4])
        let store = CampaignStore(world.database)
        let id = try store.create(Campaign(name: "Bjud in", template: "session-invite", audience: AudienceFilter(sessionID: session),
                                           channel: .sms, sendAt: nil), now: world.clock.now)
        #expect(try service.launch(try #require(try store.find(id: id)), now: world.clock.now) == .init(queued: 0, suppressed: 1, people: 1))
        try store.setStatus(id: id, .done, now: world.clock.now)
        // A help text to her, suppressed too: no session, so a START never brings it back, and the change leaves it be.
        let help = try store.create(Campaign(name: "Hjälp", template: "help", audience: AudienceFilter(personIDs: [4]), channel: .sms,
                                             sendAt: nil), now: world.clock.now)
        try service.launch(try #require(try store.find(id: help)), now: world.clock.now)
        try store.setStatus(id: help, .done, now: world.clock.now)
        let summary = try PeopleStore(world.database).upsert([
            Person(role: .senior, name: "Birgitta Johansson", phone: PhoneNumber(e164: "+46701740613"), language: "en", channel: .sms),
        ], now: world.clock.now)
        // Before, a done campaign was left out, and a START queued the Swedish text.
        #expect(summary.campaignMessagesSetAside == [id: [4]])
        #expect(try service.enqueueAgain(campaignID: id, personIDs: [4], now: world.clock.now) == .init(queued: 0, suppressed: 1, people: 1))
        let live = try world.messages().filter { $0.campaignID == id && $0.status != .cancelled }
        #expect(live.count == 1 && live.first?.language == "en" && live.first?.error == "opted out", "\(live)")
    }

    @Test("a person who takes both channels gets the one the template has, and is not counted unreachable for the other")
    func bothGetsTheChannelThereIs() throws {
        let (world, service) = try world()
        let store = CampaignStore(world.database)
        let id = try store.create(Campaign(name: "Hjälp", template: "help", audience: AudienceFilter(personIDs: [3]), channel: nil,
                                           sendAt: nil), now: world.clock.now)
        let campaign = try #require(try store.find(id: id))
        let preview = try service.preview(campaign, now: world.clock.now)
        #expect(preview.reachable == 1 && preview.unreachable == 0 && preview.people == 1)
        #expect(try service.launch(campaign, now: world.clock.now).total == 1)
        #expect(try world.messages().filter { $0.campaignID == id }.map(\.channel) == [.sms])
    }

    @Test("a cancel that comes while a coordinator confirms, or during the enqueue, wins: nothing of the campaign is sent")
    func cancelDuringLaunch() async throws {
        let (world, service) = try world()
        let store = CampaignStore(world.database)
        let id = try store.create(Campaign(name: "Eid", template: "help", audience: AudienceFilter(roles: [.senior]), channel: .sms,
                                           sendAt: nil), now: world.clock.now)
        let stale = try #require(try store.find(id: id))  // read before the confirmation prompt
        try store.setStatus(id: id, .cancelled, now: world.clock.now)
        #expect(throws: CampaignError(message: "campaign \(id) is cancelled: nothing enqueued")) {
            try service.launch(stale, now: world.clock.now)
        }
        #expect(try world.messages().isEmpty)

        // Another process cancels after the second message is enqueued (a trigger stands in for it).
        let second = try store.create(Campaign(name: "Fika", template: "help", audience: AudienceFilter(roles: [.senior]), channel: .sms,
                                               sendAt: nil), now: world.clock.now)
        try world.database.execute("""
            CREATE TEMP TRIGGER cancel_meanwhile AFTER INSERT ON messages WHEN NEW.campaign_id = \(second)
                AND (SELECT count(*) FROM messages WHERE campaign_id = \(second)) = 2
            BEGIN UPDATE campaigns SET status = 'cancelled' WHERE id = \(second); END
            """)
        #expect(throws: CampaignError.self) { try service.launch(try #require(try store.find(id: second)), now: world.clock.now, batchSize: 1) }
        #expect(try store.find(id: second)?.status == .cancelled)
        #expect(try world.messages().filter { $0.campaignID == second }.allSatisfy { $0.status == .cancelled })
        #expect(try await world.gateway().pass().dispatched.claimed == 0)
    }

    @Test("audience filters parse and print back", arguments: [
        ("role=senior;language=ar,so", "role=senior;language=ar,so"), ("all", "all"), ("people=4,7", "people=4,7"),
        ("session=3;role=guide", "role=guide;session=3"),
    ])
    func audience(text: String, canonical: String) throws {
        #expect(try AudienceFilter.parse(text).get().description == canonical)
    }

    @Test("bad audience filters name the problem", arguments: ["role=boss", "colour=red", "session=x", "language"])
    func badAudience(text: String) {
        guard case .failure(let error) = AudienceFilter.parse(text) else { Issue.record("expected failure"); return }
        #expect(!error.message.isEmpty)
    }
}
