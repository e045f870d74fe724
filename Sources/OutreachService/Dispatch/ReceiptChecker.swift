import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// Asks the provider what became of SMS still `sent` long after the send. A receipt can be lost (the webhook server
/// was down, the gateway was killed before it read the Simulator's) or never posted, and a message would stay `sent`
/// for good: the coordinator would never see that it did not arrive. What the provider says goes through the same path
/// as its receipts (`EventProcessor`), opt-outs included.
/// The first look comes `after` the send, later ones space out (see `OutboxStore.awaitingReceipt`) until `window` has
/// passed: a message the provider still calls sent then stays `sent`. Calls are not looked up (their end comes with
/// the call's own callback). A provider with no lookup (Vonage) is never asked.
/// Owned by the `Gateway` and driven by one task at a time, like the rest of the service loop.
final class ReceiptChecker {
    let database: Database
    let provider: any Provider
    let events: EventProcessor
    let now: @Sendable () -> Date
    let log: ServiceLog
    let after: TimeInterval
    let window: TimeInterval
    /// The outbox is read at most this often (it has no index of sent messages: a send writes none).
    let every: TimeInterval
    /// Lookups per pass, how many at once, and how long they may go on starting: a pass sends nothing meanwhile, and a
    /// reminder matters more than a receipt (the looks left wait for the next read, a minute on).
    let limit: Int
    let concurrency: Int
    let timeBudget: Duration
    private var lastRead: Date?
    /// Set once the provider has answered that it offers no lookup.
    private var providerHasNoLookup = false

    init(database: Database, provider: any Provider, events: EventProcessor, now: @escaping @Sendable () -> Date, log: ServiceLog,
         after: TimeInterval = 1800, window: TimeInterval = 2 * 86_400, every: TimeInterval = 60, limit: Int = 400,
         concurrency: Int = 8, timeBudget: Duration = .seconds(5)) {
        self.database = database
        self.provider = provider
        self.events = events
        self.now = now
        self.log = log
        self.after = after
        self.window = window
        self.every = every
        self.limit = limit
        self.concurrency = max(1, concurrency)
        self.timeBudget = timeBudget
    }

    struct Report: Sendable, Equatable {
        /// Lookups answered.
        var looked = 0
        /// Messages the answer moved on (delivered, undelivered, failed).
        var settled = 0
    }

    func check(shouldStop: @Sendable () -> Bool = { false }) async throws -> Report {
        var report = Report()
        let instant = now()
        guard !providerHasNoLookup, !shouldStop() else { return report }
        // A clock set back (a test, a corrected system clock) reads again at once rather than never.
        if let lastRead, instant >= lastRead, instant.timeIntervalSince(lastRead) < every { return report }
        lastRead = instant
        let outbox = OutboxStore(database)
        let due = try outbox.awaitingReceipt(provider: provider.name, sentAfter: instant.addingTimeInterval(-window),
                                             sentBefore: instant.addingTimeInterval(-after), now: instant, limit: limit)
        let started = ContinuousClock.now
        let provider = self.provider
        var failedInARow = 0
        var next = 0
        var ended = false
        // A few at a time: one after another, a campaign of thousands with no receipts took hours to be looked up.
        try await withThrowingTaskGroup(of: (Int, Result<DeliveryStatus, SendFailure>?).self) { group in
            func startNext() {
                guard !ended, next < due.count, !shouldStop(), ContinuousClock.now - started < timeBudget else { return }
                let index = next
                next += 1
                let providerID = due[index].providerID
                group.addTask { (index, await provider.lookupStatus(providerID: providerID)) }
            }
            for _ in 0..<concurrency { startNext() }
            while let (index, answer) = try await group.next() {
                let message = due[index]
                switch answer {
                case nil:
                    providerHasNoLookup = true
                    ended = true
                case .success(let status)? where status.state == .sent:
                    failedInARow = 0
                    report.looked += 1
                    try outbox.noteReceiptLookup(id: message.id, now: now())
                case .success(let status)?:
                    failedInARow = 0
                    report.looked += 1
                    try events.process([.receipt(providerID: message.providerID, status: status, messageID: message.id)], now: now())
                    report.settled += 1
                    log.info("receipt-looked-up", ["message": String(message.id), "provider_id": message.providerID,
                                                   "status": status.providerStatus, "note": "no receipt had come"])
                case .failure(.account(let code, let reason))?:
                    // Every lookup would fail alike: the next read tries again.
                    log.warning("receipt-lookup-failed", ["message": String(message.id), "code": code, "reason": reason])
                    ended = true
                case .failure(let failure)?:
                    // Spaced out like an answer, so one the provider cannot find does not hold up the rest at every read.
                    try outbox.noteReceiptLookup(id: message.id, now: now())
                    log.warning("receipt-lookup-failed", ["message": String(message.id), "reason": failure.description])
                    failedInARow += 1
                    if failedInARow >= 3 { ended = true }
                }
                startNext()
            }
        }
        return report
    }
}
