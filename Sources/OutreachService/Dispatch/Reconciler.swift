import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// Settles messages left `unknown` by a stop or by an answer that never came (handed to the provider or not:
/// nobody knows) by searching the provider's own records. Found: the message was sent, and gets the provider's id
/// and status. Not found: the provider never got it, so it is queued again (the dispatcher still checks expiry and
/// opt-outs). A provider without such a search leaves them `unknown` for the coordinator: never re-sent blindly.
/// So do calls (see `OutboxStore.unknownSMS`).
/// Owned by the `Gateway` and driven by one task at a time, like the rest of the service loop.
final class Reconciler {
    let database: Database
    let provider: any Provider
    let now: @Sendable () -> Date
    let log: ServiceLog
    /// How long a message must have been `unknown` before it is looked up: a request the stopping gateway had
    /// on the wire may reach the provider a moment later, and an early "not found" would then send it twice.
    let grace: TimeInterval
    /// Lookups per pass, and how long they may take, so a large backlog holds up sending little.
    let limit: Int
    let timeBudget: Duration
    /// Set once the provider has answered that it offers no search: later passes read nothing.
    private var providerHasNoSearch = false
    /// Messages whose search failed for good (more pages than a search reads, a status this gateway does not
    /// know): they stay `unknown` for the coordinator, with the reason, and are not searched
    /// again until the next start (or until they become unknown anew), so one of them never holds up the others.
    /// By id, with the `updated_at` written when giving up.
    private var givenUp: [Int64: String] = [:]
    /// Messages whose last search failed for now (a timeout): searched after the others in the next passes, so one
    /// that keeps timing out (each can take the HTTP client's whole timeout, longer than a pass) never holds them up.
    private var failedLately: Set<Int64> = []
    /// Attempts in all (`Backoff.maxAttempts`): a message the provider never got, after that many, fails instead of
    /// going back to the queue. (A send answered by a server error is unconfirmed; without this it could loop.)
    let maxAttempts: Int

    init(database: Database, provider: any Provider, now: @escaping @Sendable () -> Date, log: ServiceLog,
         grace: TimeInterval, limit: Int, maxAttempts: Int = Backoff().maxAttempts, timeBudget: Duration = .seconds(10)) {
        self.database = database
        self.provider = provider
        self.now = now
        self.log = log
        self.grace = grace
        self.limit = limit
        self.maxAttempts = maxAttempts
        self.timeBudget = timeBudget
    }

    struct Report: Sendable, Equatable {
        var found = 0
        var requeued = 0
        var givenUp = 0
    }

    /// The provider cannot search its records (Vonage without its Reports API): the messages stay `unknown` for the
    /// coordinator, and their reason says so. (It said they would be looked up before ever being sent again.)
    private func explainNoSearch(_ messages: [OutboxMessage], _ outbox: OutboxStore) throws {
        for message in messages {
            try giveUp(message.id, reason: OutboxStore.leftUnknown + "\(provider.name) may have it, and offers no search of its records here; "
                       + "check it there and 'outreach settle' it", outbox)
        }
    }

    /// Leaves the message `unknown` for the coordinator with `reason`, and searches it no more until it becomes
    /// unknown anew (see `givenUp`).
    private func giveUp(_ id: Int64, reason: String, _ outbox: OutboxStore) throws {
        let stamp = now()
        try outbox.explainUnknown(id: id, error: reason, now: stamp)
        givenUp[id] = Timestamp.format(stamp)
    }

    /// Looks up what it can within `limit` and `timeBudget`, stopping early when `shouldStop` says so (a SIGTERM must
    /// not wait behind a backlog of lookups).
    func reconcile(shouldStop: @Sendable () -> Bool = { false }) async throws -> Report {
        var report = Report()
        let started = ContinuousClock.now
        let outbox = OutboxStore(database)
        var candidates = try outbox.unknownSMS(updatedBefore: now().addingTimeInterval(-grace), limit: limit, excluding: givenUp)
        candidates = candidates.filter { !failedLately.contains($0.id) } + candidates.filter { failedLately.contains($0.id) }
        guard !providerHasNoSearch else {
            try explainNoSearch(candidates, outbox)
            return report
        }
        var failedInARow = 0
        // Records already some other message's: the same text to the same number (a campaign's text sent again) must not
        // be taken for this one, which would then read sent while it never went.
        var taken = candidates.isEmpty ? [:] : try outbox.providerIDs(sentTo: candidates.map(\.phone), provider: provider.name)
        for message in candidates {
            if shouldStop() || ContinuousClock.now - started >= timeBudget { break }
            let lookup = SentLookup(messageID: message.id, to: message.phone, body: message.body, since: message.notBefore,
                                    taken: taken[message.phone.e164] ?? [])
            guard let answer = await provider.findSent(lookup) else {
                providerHasNoSearch = true
                try explainNoSearch(candidates, outbox)
                return report
            }
            if case .failure(let failure) = answer, !failure.isForGood {
                failedLately.insert(message.id)
            } else {
                failedLately.remove(message.id)
                failedInARow = 0
            }
            switch answer {
            case .success(.found(let providerID, let status)):
                let error = status.errorText(provider: provider.name)
                let settled = try database.transaction {
                    let settled = try outbox.settleUnknown(id: message.id, provider: provider.name, providerID: providerID,
                                                           status: MessageStatus(status.state), error: error, now: now())
                    if status.optedOut {
                        try OptOutStore(database).add(phone: message.phone, channel: OptOutStore.Scope(message.channel),
                                                      keyword: nil, source: provider.name, now: now())
                    }
                    return settled
                }
                guard settled else {
                    log.warning("reconcile-skipped", ["message": String(message.id), "provider_id": providerID,
                                                      "note": "found at the provider, but settled meanwhile (outreach settle): left as it is"])
                    continue
                }
                report.found += 1
                taken[message.phone.e164, default: []].insert(providerID)
                log.info("reconciled", ["message": String(message.id), "provider_id": providerID, "status": status.providerStatus])
            case .success(.notFound) where message.attempts >= maxAttempts:
                guard try outbox.failUnknown(id: message.id, reason: "gave up after \(message.attempts) attempts: \(provider.name) never "
                                             + "got it (each send ended in doubt)", now: now()) else { continue }
                log.warning("reconciled", ["message": String(message.id), "note": "not at the provider after \(message.attempts) attempts; failed"])
            case .success(.notFound):
                guard try outbox.requeueUnknown(id: message.id, reason: "\(provider.name) never got it (checked after a stop); queued again",
                                                now: now()) else {
                    log.info("reconcile-skipped", ["message": String(message.id), "note": "settled meanwhile (outreach settle): left as it is"])
                    continue
                }
                if try outbox.find(id: message.id)?.status == .cancelled {
                    log.info("reconciled", ["message": String(message.id), "note": "not at the provider; cancelled, as its campaign or session date was"])
                    continue
                }
                report.requeued += 1
                log.info("reconciled", ["message": String(message.id), "note": "not at the provider; queued again"])
            case .failure(.permanent(let code, let reason)), .failure(.refusedBeforeSending(let code, let reason)):
                try giveUp(message.id, reason: OutboxStore.leftUnknown + "\(provider.name)'s records could not be searched for it "
                           + "(\(code): \(reason)); check it there by hand", outbox)
                report.givenUp += 1
                log.warning("reconcile-gave-up", ["message": String(message.id), "code": code, "reason": reason])
            case .failure(.account(let code, let reason)):
                // Refused credentials or the like: every search would fail alike, and none says anything about this
                // message. The pass ends; all are searched again at a later one (a key put right takes a restart).
                log.warning("reconcile-failed", ["message": String(message.id), "code": code, "reason": reason,
                                                 "note": "the provider refused the account: searching again later"])
                return report
            case .failure(let failure):
                // Tried again at a later pass. The next ones are tried now: one search that keeps timing out (a long
                // history) must not hold up the rest, which come after it in every pass. Three in a row: the provider
                // is not answering well, and the rest wait too.
                log.warning("reconcile-failed", ["message": String(message.id), "reason": failure.description])
                failedInARow += 1
                if failedInARow >= 3 { return report }
            }
        }
        return report
    }
}

private extension SendFailure {
    /// A search that failed for good (`permanent`) is not tried again; any other failure is, later.
    var isForGood: Bool {
        switch self {
        case .permanent, .refusedBeforeSending: return true
        case .transient, .optedOut, .unconfirmed, .account, .misconfigured: return false
        }
    }
}
