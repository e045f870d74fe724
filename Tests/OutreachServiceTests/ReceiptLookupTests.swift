import Foundation
import Testing
import OutreachCore
import OutreachProviders
import OutreachStore
import OutreachTesting
@testable import OutreachService

/// The Simulator, whose lookups say what `answer` says (nil: no lookup at all). Records the ids asked about.
struct ScriptedLookup: SimulatorStub {
    let base: SimulatorProvider
    let answer: @Sendable () -> Result<DeliveryStatus, SendFailure>?
    let asked = Recorded()

    func lookupStatus(providerID: String) async -> Result<DeliveryStatus, SendFailure>? {
        asked.append(providerID)
        return answer()
    }
}

/// The Simulator's lookups, each taking 50 ms, counting how many were in flight at once.
final class SlowLookups: SimulatorStub, @unchecked Sendable {
    let base: SimulatorProvider
    private let lock = NSLock()
    private var inFlight = 0
    private(set) var mostAtOnce = 0
    init(base: SimulatorProvider) { self.base = base }

    func lookupStatus(providerID: String) async -> Result<DeliveryStatus, SendFailure>? {
        lock.withLock { inFlight += 1; mostAtOnce = max(mostAtOnce, inFlight) }
        try? await Task.sleep(nanoseconds: 50_000_000)
        lock.withLock { inFlight -= 1 }
        return await base.lookupStatus(providerID: providerID)
    }
}

@Suite("Receipts that never came")
struct ReceiptLookupTests {
    /// Fatima (+46701740605) and Rahel (+46701740692, whose SMS the simulated network does not deliver), enrolled in
    /// Tuesday's session: their day-before reminders are due at 10:00 local on Monday.
    func world() throws -> ServiceWorld {
        let world = try ServiceWorld(now: "2026-11-23T09:00:00Z")
        let ids = try world.addPeople([("Fatima Hassan", "+46701740605", "ar", .sms), ("Rahel Tesfay", "+46701740692", "ti", .sms)])
        try world.weeklySession(start: "2026-11-24 14:00", enroll: ids)
        return world
    }

    /// Sends what is due and loses the Simulator's receipts, as a gateway killed before it read them does.
    func sendLosingReceipts(_ world: ServiceWorld, provider: any Provider) async throws {
        let gateway = world.gateway(provider: provider)
        try Scheduler(database: world.database, config: world.config, library: world.library).tick(now: world.clock.now)
        #expect(try await gateway.dispatcher.drain().sent == 2)
        #expect(try world.count(.sent) == 2)
    }

    func status(_ world: ServiceWorld, _ phone: String) throws -> OutboxMessage? {
        try world.messages().first { $0.phone.e164 == phone }
    }

    @Test("an SMS whose receipt was lost is looked up half an hour after the send: delivered, or undelivered")
    func lostSimulatorReceipts() async throws {
        let world = try world()
        try await sendLosingReceipts(world, provider: SimulatorProvider(settings: SimulatorSettings(), ledger: world.ledger))
        // The next start: a new Simulator, the same records (the ledger).
        let gateway = world.gateway()
        world.clock.advance(by: 600)
        let early = try await gateway.pass()
        #expect(early.receiptsLookedUp == 0 && early.receiptsSettled == 0)
        #expect(try world.count(.sent) == 2)

        world.clock.advance(by: 1201)
        let report = try await gateway.pass()
        #expect(report.receiptsLookedUp == 2 && report.receiptsSettled == 2, "\(report)")
        #expect(try status(world, "+46701740605")?.status == .delivered)
        let rahel = try #require(try status(world, "+46701740692"))
        #expect(rahel.status == .undelivered, "\(rahel)")
        // Nothing was sent again.
        #expect(world.ledger.entries.count == 2)
        world.clock.advance(by: 3600)
        #expect(try await gateway.pass().receiptsLookedUp == 0)
    }

    @Test("lookups go a few at a time, not one after another")
    func concurrentLookups() async throws {
        let world = try world()
        let slow = SlowLookups(base: SimulatorProvider(settings: SimulatorSettings(), ledger: world.ledger))
        try await sendLosingReceipts(world, provider: slow)
        world.clock.advance(by: 1801)
        let report = try await world.gateway(provider: slow).pass()
        #expect(report.receiptsSettled == 2)
        #expect(slow.mostAtOnce == 2)
    }

    @Test("a provider that still calls the SMS sent is asked again at widening intervals, and not after two days")
    func spacedLookups() async throws {
        let world = try world()
        let stillSent = ScriptedLookup(base: SimulatorProvider(settings: SimulatorSettings(), ledger: world.ledger)) {
            .success(DeliveryStatus(state: .sent, providerStatus: "sent"))
        }
        try await sendLosingReceipts(world, provider: stillSent)
        let gateway = world.gateway(provider: stillSent)
        var askedAt: [Int] = []
        // A look every 5 minutes for three days (the receipts step of a pass alone: the scheduler would send more).
        for minute in stride(from: 5, through: 3 * 24 * 60, by: 5) {
            world.clock.set(world.at("2026-11-23T09:00:00Z").addingTimeInterval(Double(minute) * 60))
            let report = try await gateway.receipts.check()
            if report.looked > 0 {
                #expect(report.looked == 2 && report.settled == 0)
                askedAt.append(minute)
            }
        }
        // 30 min, then each time as long again as the time since the send.
        #expect(askedAt == [30, 60, 120, 240, 480, 960, 1920], "\(askedAt)")
        #expect(stillSent.asked.value.count == 14)
        #expect(try world.count(.sent) == 2)

        // The looks survive a restart: a new gateway does not ask at once about what was just asked.
        world.set("2026-11-23T09:30:00Z")
        let fresh = try world.reset(sentAt: "2026-11-23T09:00:00Z", checkedAt: "2026-11-23T09:30:00Z")
        #expect(fresh == 2)
        world.set("2026-11-23T09:45:00Z")
        #expect(try await world.gateway(provider: stillSent).receipts.check().looked == 0)
        world.set("2026-11-23T10:00:00Z")
        #expect(try await world.gateway(provider: stillSent).receipts.check().looked == 2)
    }

    @Test("a lookup that fails is tried again later; an account refused ends the pass; a provider without lookups is asked once")
    func failingLookups() async throws {
        let world = try world()
        let notFound = ScriptedLookup(base: SimulatorProvider(settings: SimulatorSettings(), ledger: world.ledger)) {
            .failure(.permanent(code: "20404", reason: "not found"))
        }
        try await sendLosingReceipts(world, provider: notFound)
        world.clock.advance(by: 1801)
        let gateway = world.gateway(provider: notFound)
        #expect(try await gateway.pass().receiptsLookedUp == 0)
        #expect(notFound.asked.value.count == 2)
        // Spaced out like an answer: not asked again a minute later.
        world.clock.advance(by: 61)
        _ = try await gateway.pass()
        #expect(notFound.asked.value.count == 2)
        #expect(try world.count(.sent) == 2)

        let refused = ScriptedLookup(base: SimulatorProvider(settings: SimulatorSettings(), ledger: world.ledger)) {
            .failure(.account(code: "20003", reason: "authenticate"))
        }
        world.clock.advance(by: 7200)
        // One at a time, to see the read end at the first refusal.
        func checker(_ provider: any Provider) -> ReceiptChecker {
            ReceiptChecker(database: world.database, provider: provider,
                           events: EventProcessor(database: world.database, providerName: provider.name, matcher: nil, log: .silent),
                           now: world.clock.function, log: .silent, concurrency: 1)
        }
        let refusing = checker(refused)
        _ = try await refusing.check()
        #expect(refused.asked.value.count == 1)
        // Not noted: asked again at the next read.
        world.clock.advance(by: 61)
        _ = try await refusing.check()
        #expect(refused.asked.value.count == 2)

        let none = ScriptedLookup(base: SimulatorProvider(settings: SimulatorSettings(), ledger: world.ledger)) { nil }
        let noLookups = checker(none)
        _ = try await noLookups.check()
        world.clock.advance(by: 7200)
        _ = try await noLookups.check()
        #expect(none.asked.value.count == 1)
        #expect(try world.count(.sent) == 2)
    }

    @Test("over loopback HTTP, Twilio's answer settles an SMS whose status callback never came, opt-out included")
    func twilioLookup() async throws {
        let world = try world()
        let fake = try TwilioFake()
        let client = CurlHTTPClient(maxConcurrent: 2, options: .init())
        defer { client.close(); fake.stop() }
        let twilio = TwilioProvider(settings: fake.settings(), client: client, now: world.clock.function)
        let gateway = world.gateway(provider: twilio)
        #expect(try await gateway.pass().dispatched.sent == 2)
        let fatima = try #require(try status(world, "+46701740605")?.providerID)
        let rahel = try #require(try status(world, "+46701740692")?.providerID)
        fake.setStatus(of: fatima, to: "delivered")
        fake.setStatus(of: rahel, to: "failed", errorCode: 21610)
        world.clock.advance(by: 1801)
        let report = try await gateway.pass()
        #expect(report.receiptsLookedUp == 2 && report.receiptsSettled == 2, "\(report)")
        #expect(try status(world, "+46701740605")?.status == .delivered)
        #expect(try status(world, "+46701740692")?.status == .failed)
        #expect(try OptOutStore(world.database).isOptedOut(phone: PhoneNumber(e164: "+46701740692"), channel: .sms))
        #expect(fake.requests.filter { $0.method == "GET" }.map(\.path).sorted()
                == [fatima, rahel].map { "/2010-04-01/Accounts/\(fake.accountSID)/Messages/\($0).json" }.sorted())
    }
}

extension ServiceWorld {
    /// Sets every `sent` message's send time and last lookup, as a gateway that stopped would leave them. How many.
    func reset(sentAt: String, checkedAt: String) throws -> Int {
        try database.statement("UPDATE messages SET updated_at = ?, receipt_checked_at = ? WHERE status = 'sent'")
            .bind(sentAt, checkedAt).run()
        return database.changes
    }
}
