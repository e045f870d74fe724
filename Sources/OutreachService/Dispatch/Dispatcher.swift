import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

public struct DispatchSettings: Sendable {
    /// Messages claimed at a time (the next claim overlaps the sends in flight); small, so a crash leaves few `unknown`.
    public var claimSize: Int
    /// Sends in flight at once.
    public var concurrency: Int
    public var backoff: Backoff
    /// Messages per second to the provider; nil = unlimited.
    public var ratePerSecond: Double?
    /// Sender id or number.
    public var from: String
    /// Base URL of our webhook server for this provider ("https://gw.example/hooks/twilio").
    public var callbackBaseURL: String?
    /// A retry that would fall in quiet hours waits for the window's end, in this zone.
    public var quietHours: QuietWindow
    public var timeZone: TimeZone
    /// Messages a stop left `unknown` are looked up at the provider after this many seconds (see `Reconciler`).
    public var reconcileAfter: TimeInterval

    public init(claimSize: Int = 16, concurrency: Int = 16, backoff: Backoff = Backoff(), ratePerSecond: Double? = nil,
                from: String, callbackBaseURL: String? = nil, quietHours: QuietWindow = .none,
                timeZone: TimeZone = TimeZone(identifier: "Europe/Stockholm")!, reconcileAfter: TimeInterval = 600) {
        self.reconcileAfter = reconcileAfter
        self.quietHours = quietHours
        self.timeZone = timeZone
        self.claimSize = claimSize
        self.concurrency = concurrency
        self.backoff = backoff
        self.ratePerSecond = ratePerSecond
        self.from = from
        self.callbackBaseURL = callbackBaseURL
    }
}

public struct DispatchReport: Sendable, Equatable {
    public var claimed = 0
    public var sent = 0
    public var retried = 0
    public var failed = 0
    public var suppressed = 0
    public init() {}

    static func += (lhs: inout DispatchReport, rhs: DispatchReport) {
        lhs.claimed += rhs.claimed
        lhs.sent += rhs.sent
        lhs.retried += rhs.retried
        lhs.failed += rhs.failed
        lhs.suppressed += rhs.suppressed
    }
}

/// Sends due messages as a pipeline: claims small batches (`queued → sending` in one transaction) while earlier
/// sends are still in flight, checks opt-outs and expiry once more, keeps up to `concurrency` sends going under
/// the rate limit, and records results in small transactions as they arrive. Few messages are ever `sending`
/// at once (at most a claim, the sends in flight and a flush batch), so a crash leaves few `unknown`.
/// Retry policy lives here, not in the adapters.
public final class Dispatcher {
    let database: Database
    let provider: any Provider
    let settings: DispatchSettings
    let now: @Sendable () -> Date
    let random: @Sendable () -> Double
    /// The words or recording for a voice message; nil when the person's language has no voice with this provider.
    let voiceScript: @Sendable (OutboxMessage) -> VoiceScript?
    let log: ServiceLog
    private var bucket: TokenBucket?

    /// Results are written when this many wait, or when the oldest has waited `flushAge`.
    static let flushBatch = 16
    static let flushAge: Duration = .milliseconds(50)

    public init(database: Database, provider: any Provider, settings: DispatchSettings, now: @escaping @Sendable () -> Date,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                voiceScript: @escaping @Sendable (OutboxMessage) -> VoiceScript?, log: ServiceLog) {
        self.database = database
        self.provider = provider
        self.settings = settings
        self.now = now
        self.random = random
        self.voiceScript = voiceScript
        self.log = log
        self.bucket = settings.ratePerSecond.map { TokenBucket(ratePerSecond: $0, burst: max(1, Int($0.rounded(.up))), now: now()) }
    }

    /// Sends everything due now until nothing is due or `shouldStop` says so. On stop, no new send starts:
    /// the sends in flight finish and are recorded, and messages claimed but not started go back to `queued`.
    public func drain(shouldStop: @Sendable () -> Bool = { false }) async throws -> DispatchReport {
        try await pump(maxClaims: nil, shouldStop: shouldStop)
    }

    /// One claim's worth: claim, check, send, record.
    public func dispatchOnce() async throws -> DispatchReport {
        try await pump(maxClaims: 1, shouldStop: { false })
    }

    typealias SendResult = (message: OutboxMessage, result: Result<ProviderAccepted, SendFailure>)

    /// The pipeline's bookkeeping, owned by the one task that drives it (all database work happens there).
    private struct Pump {
        var report = DispatchReport()
        /// Claimed and checked, not yet started.
        var ready: [OutboxMessage] = []
        var readyIndex = 0
        var claims = 0
        var exhausted = false
        /// Results not yet written, and when the oldest arrived.
        var pending: [SendOutcome] = []
        var pendingSince: ContinuousClock.Instant?
        var failure: (any Error)?

        var hasReady: Bool { readyIndex < ready.count }

        mutating func nextReady() -> OutboxMessage {
            defer { readyIndex += 1 }
            return ready[readyIndex]
        }

        mutating func takeUnstarted() -> [OutboxMessage] {
            defer {
                ready = []
                readyIndex = 0
            }
            return Array(ready[readyIndex...])
        }

        mutating func add(_ outcome: SendOutcome, at instant: ContinuousClock.Instant) {
            if pending.isEmpty { pendingSince = instant }
            pending.append(outcome)
        }
    }

    private func pump(maxClaims: Int?, shouldStop: @Sendable () -> Bool) async throws -> DispatchReport {
        var state = Pump()
        let limit = max(1, settings.concurrency)
        let clock = ContinuousClock()
        let provider = self.provider
        let from = settings.from
        let callbackBase = settings.callbackBaseURL
        await withTaskGroup(of: SendResult.self) { group in
            var inFlight = 0
            while true {
                if state.failure == nil, !state.exhausted, shouldStop() {
                    state.exhausted = true
                    release(&state)
                }
                if state.failure == nil, !state.hasReady, !state.exhausted {
                    if let maxClaims, state.claims >= maxClaims {
                        state.exhausted = true
                    } else {
                        do { try claim(&state) } catch {
                            state.failure = error
                            state.exhausted = true
                        }
                    }
                }
                if state.failure == nil, inFlight < limit, state.hasReady {
                    let message = state.nextReady()
                    await waitForToken()
                    let script = message.channel == .voice ? voiceScript(message) : nil
                    group.addTask {
                        await Self.send(message, provider: provider, from: from, callbackBase: callbackBase, script: script)
                    }
                    inFlight += 1
                    continue
                }
                guard inFlight > 0, let finished = await group.next() else { break }
                inFlight -= 1
                let arrived = clock.now
                state.add(outcome(for: finished.message, finished.result), at: arrived)
                if state.failure == nil,
                   state.pending.count >= Self.flushBatch || state.pendingSince.map({ arrived - $0 >= Self.flushAge }) == true {
                    do { try flush(&state) } catch { state.failure = error }
                }
            }
        }
        if let failure = state.failure {
            // Claimed but never started: back to the queue. Results already in hand: written if the database lets us.
            release(&state)
            try? flush(&state)
            throw failure
        }
        try flush(&state)
        return state.report
    }

    /// Claims the next batch; messages past their expiry or whose person opted out meanwhile are settled at once.
    private func claim(_ state: inout Pump) throws {
        let claimed = try OutboxStore(database).claimDue(now: now(), limit: settings.claimSize)
        state.claims += 1
        state.report.claimed += claimed.count
        guard !claimed.isEmpty else {
            state.exhausted = true
            return
        }
        let optOuts = OptOutStore(database)
        let checkTime = now()
        var ready: [OutboxMessage] = []
        ready.reserveCapacity(claimed.count)
        for message in claimed {
            if let expiry = message.expiresAt, expiry <= checkTime {
                state.add(.suppressed(messageID: message.id, reason: "too late: the session had started"), at: ContinuousClock.now)
            } else if try optOuts.isOptedOut(phone: message.phone, channel: message.channel) {
                // A STOP that arrived after enqueueing wins.
                state.add(.suppressed(messageID: message.id, reason: "opted out"), at: ContinuousClock.now)
            } else {
                ready.append(message)
            }
        }
        state.ready = ready
        state.readyIndex = 0
    }

    /// Messages claimed but never handed to the provider go back to `queued`, as if never claimed.
    private func release(_ state: inout Pump) {
        let unstarted = state.takeUnstarted()
        guard !unstarted.isEmpty else { return }
        do {
            try OutboxStore(database).release(unstarted.map(\.id), now: now())
            state.report.claimed -= unstarted.count
            log.info("released", ["messages": String(unstarted.count), "note": "claimed but not sent; queued again"])
        } catch {
            // They stay `sending` and become `unknown` at the next start: never sent twice.
            log.error("release-failed", ["messages": String(unstarted.count), "reason": String(describing: error)])
            if state.failure == nil { state.failure = error }
        }
    }

    /// Writes the results in hand in one transaction, then counts and logs them.
    private func flush(_ state: inout Pump) throws {
        guard !state.pending.isEmpty else { return }
        try OutboxStore(database).record(state.pending, now: now())
        for outcome in state.pending {
            switch outcome {
            case .sent(let id, _, let providerID):
                state.report.sent += 1
                log.info("sent", ["message": String(id), "provider_id": providerID])
            case .retry(let id, let notBefore, let error):
                state.report.retried += 1
                log.warning("retry", ["message": String(id), "at": Timestamp.format(notBefore), "reason": error])
            case .failed(let id, let error):
                state.report.failed += 1
                log.warning("failed", ["message": String(id), "reason": error])
            case .optedOut(let id, let phone, _, _):
                state.report.failed += 1
                log.info("opted-out-at-provider", ["message": String(id), "to": phone.masked])
            case .suppressed(let id, let reason):
                state.report.suppressed += 1
                log.info("suppressed", ["message": String(id), "reason": reason])
            }
        }
        state.pending.removeAll(keepingCapacity: true)
        state.pendingSince = nil
    }

    private static func send(_ message: OutboxMessage, provider: any Provider, from: String, callbackBase: String?,
                             script: VoiceScript?) async -> SendResult {
        switch message.channel {
        case .sms:
            let sms = OutboundSMS(messageID: message.id, to: message.phone, from: from, body: message.body,
                                  statusCallbackURL: callbackBase.map { $0 + "/sms/status" })
            return (message, await provider.sendSMS(sms))
        case .voice:
            guard let script else {
                return (message, .failure(.permanent(code: "no-voice",
                    reason: "no voice for language '\(message.language)' with \(provider.name): a recording is needed")))
            }
            let call = OutboundCall(messageID: message.id, to: message.phone, from: from, script: script,
                                    callbackBaseURL: callbackBase ?? "")
            return (message, await provider.placeCall(call))
        }
    }

    private func waitForToken() async {
        guard bucket != nil else { return }
        while let wait = bucket?.take(now: now()) {
            try? await Task.sleep(nanoseconds: UInt64(max(wait, 0.001) * 1_000_000_000))
        }
    }

    private func outcome(for message: OutboxMessage, _ result: Result<ProviderAccepted, SendFailure>) -> SendOutcome {
        switch result {
        case .success(let accepted):
            return .sent(messageID: message.id, provider: provider.name, providerID: accepted.providerID)
        case .failure(.permanent(let code, let reason)):
            return .failed(messageID: message.id, error: "\(provider.name) \(code): \(reason)")
        case .failure(.optedOut(let reason)):
            return .optedOut(messageID: message.id, phone: message.phone, channel: message.channel, reason: reason)
        case .failure(.transient(let reason, let retryAfter)):
            guard settings.backoff.shouldRetry(afterAttempt: message.attempts) else {
                return .failed(messageID: message.id, error: "gave up after \(message.attempts) attempts: \(reason)")
            }
            let delay = settings.backoff.delay(afterAttempt: message.attempts, retryAfter: retryAfter, random: random())
            let next = settings.quietHours.release(now().addingTimeInterval(delay), in: settings.timeZone)
            if let expiry = message.expiresAt, next >= expiry {
                return .suppressed(messageID: message.id, reason: "too late to retry before the session starts: \(reason)")
            }
            return .retry(messageID: message.id, notBefore: next, error: reason)
        }
    }
}
