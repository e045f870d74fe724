import Foundation
import OutreachCore
import OutreachProviders
import OutreachService
import OutreachStore
import OutreachTesting

/// A real SQLite file, the shipped Prompts, a manual clock, and a provider (Simulator unless given).
final class ServiceWorld {
    static let zone = TimeZone(identifier: "Europe/Stockholm")!
    let folder: String
    let path: String
    let database: Database
    let clock: ManualClock
    var config = OutreachConfig()
    let library: PromptLibrary
    let ledger = InMemorySimulatorLedger()

    init(now: String = "2026-11-22T08:00:00Z") throws {
        folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("outreach-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        path = (folder as NSString).appendingPathComponent("outreach.sqlite")
        clock = ManualClock(Timestamp.parse(now)!)
        database = try Store.open(path: path, now: clock.now)
        library = try PromptFiles.load(folder: ShippedPromptsTests.folder)
        config.organization.name = "Träffpunkt Råslätt"
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func at(_ text: String) -> Date { Timestamp.parse(text)! }

    func set(_ text: String) { clock.set(at(text)) }

    @discardableResult
    func addPeople(_ people: [(String, String, String, ContactChannel)]) throws -> [Int64] {
        _ = try PeopleStore(database).upsert(people.map {
            Person(role: .senior, name: $0.0, phone: PhoneNumber(e164: $0.1), language: $0.2, channel: $0.3)
        }, now: clock.now)
        return try people.map { try PeopleStore(database).find(phone: PhoneNumber(e164: $0.1))!.id! }
    }

    /// A weekly Tuesday session at `start` local wall-clock time, everyone enrolled.
    @discardableResult
    func weeklySession(start: String, durationMinutes: Int = 120, enroll personIDs: [Int64]) throws -> Int64 {
        let rule = try RecurrenceRule.parse("FREQ=WEEKLY", timeZone: Self.zone).get()
        let schedule = SessionSchedule(start: LocalDateTime(parsing: start)!, durationMinutes: durationMinutes, timeZone: Self.zone,
                                       rule: rule, exceptionDates: [])
        let store = SessionStore(database)
        let id = try store.add(Session(title: "Kaffe och samtal", place: "Råslätts träffpunkt", schedule: schedule), now: clock.now)
        for person in personIDs { try store.enroll(personID: person, sessionID: id, now: clock.now) }
        return id
    }

    func gateway(provider: (any Provider)? = nil, backoff: Backoff = Backoff(), claimSize: Int = 32, concurrency: Int = 4,
                 writeRetryBudget: TimeInterval = 120, callFrom: String? = nil) -> Gateway {
        let provider = provider ?? SimulatorProvider(settings: SimulatorSettings(), ledger: ledger)
        return Gateway(database: database, config: config, library: library, provider: provider,
                       dispatch: DispatchSettings(claimSize: claimSize, concurrency: concurrency, backoff: backoff, from: "Raslatt", callFrom: callFrom,
                                                  callbackBaseURL: "http://127.0.0.1:8080/hooks/\(provider.name)",
                                                  quietHours: QuietWindow(config.quietHours), timeZone: Self.zone,
                                                  writeRetryBudget: writeRetryBudget),
                       now: clock.function, random: { 0.5 }, log: .silent)
    }

    func messages() throws -> [OutboxMessage] {
        try OutboxStore(database).list(limit: 100_000).sorted { $0.id < $1.id }
    }

    func count(_ status: MessageStatus) throws -> Int { try OutboxStore(database).counts()[status] ?? 0 }
}
