import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

public struct DispatchSettings: Sendable {
    /// Messages claimed per round; kept small so a crash leaves few messages `unknown`.
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

    public init(claimSize: Int = 32, concurrency: Int = 16, backoff: Backoff = Backoff(), ratePerSecond: Double? = nil,
                from: String, callbackBaseURL: String? = nil, quietHours: QuietWindow = .none,
                timeZone: TimeZone = TimeZone(identifier: "Europe/Stockholm")!) {
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

/// Sends due messages: claims a small batch (`queued → sending` in one transaction), checks opt-outs and
/// expiry once more, sends concurrently through the provider under a rate limit, and records every result in
/// one transaction. Retry policy lives here, not in the adapters.
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

    /// Sends everything due now, round after round, until nothing is due or `shouldStop` says so.
    public func drain(shouldStop: @Sendable () -> Bool = { false }) async throws -> DispatchReport {
        var total = DispatchReport()
        while !shouldStop() {
            let round = try await dispatchOnce()
            total += round
            if round.claimed == 0 { break }
        }
        return total
    }

    /// One round: claim, check, send, record. Returns what happened.
    public func dispatchOnce() async throws -> DispatchReport {
        let outbox = OutboxStore(database)
        let claimed = try outbox.claimDue(now: now(), limit: settings.claimSize)
        var report = DispatchReport()
        report.claimed = claimed.count
        guard !claimed.isEmpty else { return report }

        var outcomes: [SendOutcome] = []
        var ready: [OutboxMessage] = []
        let optOuts = OptOutStore(database)
        let checkTime = now()
        for message in claimed {
            if let expiry = message.expiresAt, expiry <= checkTime {
                outcomes.append(.suppressed(messageID: message.id, reason: "too late: the session had started"))
            } else if try optOuts.isOptedOut(phone: message.phone, channel: message.channel) {
                // A STOP that arrived after enqueueing wins.
                outcomes.append(.suppressed(messageID: message.id, reason: "opted out"))
            } else {
                ready.append(message)
            }
        }

        let results = await send(ready)
        for (message, result) in results {
            outcomes.append(outcome(for: message, result))
        }
        try outbox.record(outcomes, now: now())
        for outcome in outcomes {
            switch outcome {
            case .sent(let id, _, let providerID):
                report.sent += 1
                log.info("sent", ["message": String(id), "provider_id": providerID])
            case .retry(let id, let notBefore, let error):
                report.retried += 1
                log.warning("retry", ["message": String(id), "at": Timestamp.format(notBefore), "reason": error])
            case .failed(let id, let error):
                report.failed += 1
                log.warning("failed", ["message": String(id), "reason": error])
            case .optedOut(let id, let phone, _, _):
                report.failed += 1
                log.info("opted-out-at-provider", ["message": String(id), "to": phone.masked])
            case .suppressed(let id, let reason):
                report.suppressed += 1
                log.info("suppressed", ["message": String(id), "reason": reason])
            }
        }
        return report
    }

    private func send(_ messages: [OutboxMessage]) async -> [(OutboxMessage, Result<ProviderAccepted, SendFailure>)] {
        let provider = self.provider
        let from = settings.from
        let callbackBase = settings.callbackBaseURL
        let limit = max(1, settings.concurrency)
        return await withTaskGroup(of: (OutboxMessage, Result<ProviderAccepted, SendFailure>).self) { group in
            var results: [(OutboxMessage, Result<ProviderAccepted, SendFailure>)] = []
            var inFlight = 0
            for message in messages {
                if inFlight >= limit, let finished = await group.next() {
                    results.append(finished)
                    inFlight -= 1
                }
                await waitForToken()
                let script = message.channel == .voice ? voiceScript(message) : nil
                group.addTask {
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
                inFlight += 1
            }
            for await finished in group { results.append(finished) }
            return results
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
