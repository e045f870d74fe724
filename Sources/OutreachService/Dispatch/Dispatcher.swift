import Dispatch
import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// Sends due messages as a pipeline: claims small batches (`queued → sending` in one transaction) ahead of need,
/// checks opt-outs and expiry once more, keeps up to `concurrency` sends going under the rate limit, and writes
/// results in small transactions as they arrive. Claims and writes run on a database lane (a serial queue on
/// the same connection) so sending never waits for SQLite. The number of messages `sending` at once is bounded
/// (claimed ahead, in flight, answered but not yet written: about 350 with the defaults), and so is what a crash
/// leaves `unknown`.
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
    /// Set when a run of failures paused sending (see `DispatchSettings.troubleLimit`): no send starts before it.
    public var heldUntil: Date? { trouble.heldUntil }
    /// Sends in a row that failed for the provider's sake, across drains and processes (kept in the database: a
    /// `run --once` from cron must not forget a pause); and pauses since the last send that went through. At the
    /// limit, the next drain sends one message at a time (a probe) until one goes through.
    var trouble: ProviderTroubleStore.Trouble
    var troubleSaved: ProviderTroubleStore.Trouble
    /// Results and releases a drain could not write (the database stayed busy past `writeRetryBudget`): the next drain
    /// writes them before it claims anything. In memory only; each is logged when kept, so nothing is known only here.
    private var carriedResults: [SendOutcome] = []
    private var carriedReleases: [OutboxMessage] = []

    /// Results usually ride in the next claim's transaction. They are written on their own when this many wait,
    /// when the oldest has waited `DispatchSettings.flushAge`, or when no send is in flight.
    static let flushBatch = 128
    /// How long a message the account or the config refused waits before it is tried again (see `waiting`).
    static let holdBack: TimeInterval = 900
    /// Why a message whose session has started is not sent (at the claim, or when its turn comes).
    static let tooLate = "too late: the session had started"

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
        // A burst of one: a full bucket of a second's worth, refilled at the rate, let twice the limit through in the
        // first second (Vonage 30/s: about 60), and every cron `run --once` starts full.
        self.bucket = settings.ratePerSecond.map { TokenBucket(ratePerSecond: $0, burst: 1, now: now()) }
        // Unreadable (a database not migrated yet): start without trouble, as before it was kept.
        self.trouble = (try? ProviderTroubleStore(database).load(provider: provider.name)) ?? .init()
        self.troubleSaved = trouble
    }

    /// Whether results or releases a busy database refused are kept in memory for the next drain to write.
    public var keepsUnwritten: Bool { !carriedResults.isEmpty || !carriedReleases.isEmpty }

    /// Sends everything due now until nothing is due or `shouldStop` says so. On stop, no new send starts:
    /// the sends in flight finish and are recorded, and messages claimed but not started go back to `queued`.
    public func drain(shouldStop: @Sendable () -> Bool = { false }) async throws -> DispatchReport {
        try await pump(maxClaims: nil, shouldStop: shouldStop)
    }

    /// One claim's worth: claim, check, send, record.
    public func dispatchOnce() async throws -> DispatchReport {
        try await pump(maxClaims: 1, shouldStop: { false })
    }


    private func pump(maxClaims: Int?, shouldStop: @Sendable () -> Bool) async throws -> DispatchReport {
        // What the last drain could not write goes first, whatever holds sending: this drain writes only that.
        let carrying = !carriedResults.isEmpty || !carriedReleases.isEmpty
        if !carrying, let heldUntil, now() < heldUntil { return DispatchReport() }
        if !carrying, isQuiet() { return DispatchReport() }
        // When quiet hours begin, found once: each message is checked against it before it starts, so none starts
        // in the night, however long it waited its turn (a rate limit, a slow provider). The drain stops there.
        let quietFrom = settings.quietHours.nextStart(after: now(), in: settings.timeZone)
        let quietBegun = { quietFrom.map { self.now() >= $0 } ?? false }
        var state = Pump()
        if carrying {
            state.pending = carriedResults
            state.unreleased = carriedReleases
            state.report.claimed = carriedReleases.count  // released below, claimed by the drain before
            (carriedResults, carriedReleases) = ([], [])
            state.stopping = true
            state.exhausted = true
        }
        let fullLimit = max(1, settings.concurrency)
        // After a pause, one send at a time until one goes through: an outage costs one message per pause.
        var limit = inTrouble ? 1 : fullLimit
        let claimSize = Self.claimSize(settings)
        // Claim the next batch while this many or fewer wait to start, so sends rarely wait for a claim even when the
        // lane's thread gets little CPU. outreach bench, 20,000 messages: with a lead of only `limit`, sends waited for
        // a claim 15–25% of the time; with `limit` + one claim, 21–70 ms a drain; with `limit` + two claims, 7 ms.
        // Under a rate limit the provider, not the CPU, sets the pace: one claim ahead, of a second's worth, is plenty,
        // and fewer wait `sending` for a crash to leave in doubt.
        let lowWater = min(fullLimit, claimSize) + (settings.ratePerSecond == nil ? 2 : 1) * claimSize
        let lane = DatabaseLane(database)
        let provider = self.provider
        let from = settings.from
        let caller = settings.callFrom ?? from
        let callbackBase = settings.callbackBaseURL
        let smsCallback = callbackBase.map { $0 + "/sms/status" }
        let instant = now
        // Never zero: a tick that returned at once would make the wait for a write retry spin.
        let flushAge = max(settings.flushAge, .milliseconds(1))
        await withTaskGroup(of: Finished.self) { group in
            while true {
                // A cancelled task is a stop too (its sleeps would return at once, and the loop would spin).
                if !state.stopping, state.failure != nil || state.troubled || state.quiet || shouldStop() || Task.isCancelled {
                    state.stopping = true
                    state.exhausted = true
                    let unstarted = state.takeUnstarted()
                    if state.failure == nil, !state.troubled, !state.quiet, state.sendsInFlight > 0 || !unstarted.isEmpty {
                        // What a stop waits for, and for how long at most: a provider that does not answer holds it for the
                        // HTTP client's timeout, and a silent wait reads as a hang.
                        log.info("stopping-sends", ["in_flight": String(state.sendsInFlight), "back_to_queue": String(unstarted.count),
                                                    "note": "the sends in flight finish or time out; the others go back to the queue"])
                    }
                    release(unstarted, &state, group: &group, lane: lane)
                }
                if !state.exhausted, !state.claiming, state.writeRetryAt == nil, state.readyCount <= lowWater {
                    if let maxClaims, state.claims >= maxClaims {
                        state.exhausted = true
                    } else if quietBegun() {
                        // Quiet hours began: nothing new starts, and what is claimed but not started goes back.
                        state.quiet = true
                        continue
                    } else {
                        state.claiming = true
                        state.claimIssued = .now
                        // The lane may run this claim before a check that is out: that check must not advance the baseline.
                        if state.rechecking { state.recheckPartial = true }
                        state.claims += 1
                        state.laneJobs += 1
                        // Results waiting to be written go in the claim's transaction: one commit instead of two.
                        let outcomes = state.takePending()
                        group.addTask {
                            .claimed(outcomes, await lane.run { try Self.claimRecording(outcomes, in: $0, limit: claimSize, now: instant()) })
                        }
                    }
                }
                if !state.stopping, !state.rechecking, state.readyCount > 0, let baseline = state.dataVersion,
                   .now - state.lastRecheck >= settings.recheckEvery {
                    recheck(Array(state.ready[state.readyIndex...]), &state, since: baseline, group: &group, lane: lane)
                }
                // No send starts while a check is out: the message next in line may be one it stops.
                if !state.stopping, !state.rechecking, state.sendsInFlight < limit, state.readyCount > 0 {
                    if quietBegun() {
                        state.quiet = true
                        continue
                    }
                    // Expiry was checked at the claim; a rate limit or a slow provider can make a message wait past it.
                    if isExpired(state.ready[state.readyIndex]) {
                        state.add(.suppressed(messageID: state.nextReady().id, reason: Self.tooLate))
                        continue
                    }
                    // Under a rate limit the wait for a token can be long: with the token in hand, the loop looks again
                    // at a stop, expiry and the recheck before the message goes.
                    if !state.holdsToken, await waitForToken() {
                        state.holdsToken = true
                        continue
                    }
                    state.holdsToken = false
                    let message = state.nextReady()
                    let script = message.channel == .voice ? voiceScript(message) : nil
                    // A call's attempt is noted before it is placed: after a crash, a call claimed but never placed goes
                    // back to the queue instead of being left in doubt (a second call is never risked). Calls are few.
                    if message.channel == .voice, script != nil {
                        if case .failure(let failure) = await lane.run({ try OutboxStore($0).notePlacingCall(message, now: instant()) }) {
                            state.unreleased.append(message)
                            writeFailed(failure, &state, shouldStop: shouldStop)
                            continue
                        }
                        // A stop that came while the note was written: the call is not placed, and goes back to the queue
                        // with the others not started (the release takes its note away).
                        if shouldStop() || Task.isCancelled {
                            state.putBack()
                            continue
                        }
                    }
                    group.addTask {
                        let result = await Self.send(message, provider: provider, from: message.channel == .voice ? caller : from,
                                                     callbackBase: callbackBase,
                                                     smsCallback: smsCallback, script: script)
                        return .sent(message, result)
                    }
                    state.sendsInFlight += 1
                    continue
                }
                if !state.pending.isEmpty, state.writesAllowed, state.pending.count >= Self.flushBatch || state.sendsInFlight == 0
                    || state.stopping || state.pendingCall || state.pendingSince.map({ .now - $0 >= flushAge }) == true {
                    state.writeRetryAt = nil
                    record(&state, group: &group, lane: lane)
                }
                // Releases refused before, when their retry is due; or once more after giving up on writes.
                if !state.unreleased.isEmpty, state.writesAllowed || state.lastReleaseDue {
                    if !state.gaveUp { state.writeRetryAt = nil }
                    state.lastReleaseDue = false
                    let messages = state.unreleased
                    state.unreleased = []
                    release(messages, &state, group: &group, lane: lane)
                }
                // Wake the loop while results wait to be written or messages wait to be checked again: otherwise it
                // sleeps until a send ends, which with a slow provider is seconds.
                if !state.ticking, state.unwritten || (state.readyCount > 0 && state.dataVersion != nil && !state.stopping) {
                    state.ticking = true
                    let alarm = Alarm()
                    state.alarm = alarm
                    group.addTask {
                        await alarm.sleep(flushAge)
                        return .tick
                    }
                }
                // Results or releases waiting for a write retry keep the drain alive (the tick wakes it for them).
                guard state.sendsInFlight > 0 || state.laneJobs > 0 || (state.unwritten && !state.gaveUp),
                      let finished = await group.next() else { break }
                switch finished {
                case .sent(let message, let result):
                    state.sendsInFlight -= 1
                    state.add(outcome(for: message, result))
                    if message.channel == .voice { state.pendingCall = true }
                    noteTrouble(result, &state)
                    limit = inTrouble ? 1 : fullLimit
                case .claimed(let outcomes, let result):
                    state.claiming = false
                    state.laneJobs -= 1
                    switch result {
                    case .success(let claim):
                        // Later claims' messages were checked when claimed, at this version or a later one.
                        if state.dataVersion == nil {
                            state.dataVersion = claim.dataVersion
                        } else if claim.dataVersion == state.dataVersion, !state.rechecking {
                            // No other connection has written since the last check (the claim read the version too):
                            // the messages waiting are as good as checked when the claim was handed over, and no
                            // check need hold the sends. At full speed claims come every few milliseconds.
                            state.lastRecheck = max(state.lastRecheck, state.claimIssued)
                        }
                        tally(claim.recorded, into: &state.report)
                        state.report.claimed += claim.count
                        if claim.count == 0 { state.exhausted = true }
                        state.add(claim.settled)
                        if state.stopping {
                            release(claim.ready, &state, group: &group, lane: lane)
                        } else {
                            state.addReady(claim.ready)
                        }
                    case .failure(let failure):
                        if outcomes.isEmpty && !state.unwritten {
                            // Nothing of ours was in it: the pass fails, and the service tries again later.
                            state.failure = state.failure ?? failure
                            state.exhausted = true
                        } else {
                            // The claim's transaction was undone, the results in it too: they are written again.
                            state.pending.insert(contentsOf: outcomes, at: 0)
                            writeFailed(failure, &state, shouldStop: shouldStop)
                        }
                    }
                case .recorded(let outcomes, let result):
                    state.laneJobs -= 1
                    switch result {
                    case .success:
                        state.writeTroubleSince = nil
                        tally(outcomes, into: &state.report)
                    case .failure(let failure):
                        state.pending.insert(contentsOf: outcomes, at: 0)
                        writeFailed(failure, &state, shouldStop: shouldStop)
                    }
                case .rechecked(let result):
                    state.rechecking = false
                    state.laneJobs -= 1
                    switch result {
                    case .success(let recheck):
                        if !state.recheckPartial { state.dataVersion = recheck.dataVersion }
                        guard !recheck.optedOut.isEmpty || !recheck.held.isEmpty else { break }
                        let (optedOut, held) = state.takeReady(optedOut: recheck.optedOut, held: recheck.held)
                        for message in optedOut { state.add(.suppressed(messageID: message.id, reason: "opted out")) }
                        release(held, &state, group: &group, lane: lane)
                    case .failure(let failure):
                        state.failure = state.failure ?? failure
                    }
                case .tick:
                    state.ticking = false
                case .released(let messages, let result):
                    state.laneJobs -= 1
                    switch result {
                    case .success(let moved):
                        state.writeTroubleSince = nil
                        state.report.claimed -= messages.count
                        if moved > 0 {
                            log.info("released", ["messages": String(moved), "note": "claimed but not sent: queued again, or cancelled with their campaign or session date, or as their person changed"])
                        }
                    case .failure(let failure):
                        state.unreleased.append(contentsOf: messages)
                        writeFailed(failure, &state, shouldStop: shouldStop)
                    }
                }
            }
            // A `.tick` may still be asleep: it has nothing left to do, and the group would wait for it to wake.
            state.alarm?.ring()
            group.cancelAll()
        }
        saveTrouble()
        if state.unwritten, let failure = state.failure {
            let busy = (failure.underlying as? StoreError)?.kind == .busy
            // Logged one by one: if the process ends before they are written, the log is what a coordinator settles from.
            logUnwritten(state.pending, state.unreleased, kept: busy && !shouldStop())
            if busy && !shouldStop() {
                // Kept for the next drain; this pass fails, and the service tries again after a pause.
                (carriedResults, carriedReleases) = (state.pending, state.unreleased)
                throw failure.underlying
            }
            throw DispatchError.resultsUnwritten(messages: state.pending.count + state.unreleased.count, underlying: failure.underlying)
        }
        if let failure = state.failure { throw failure.underlying }
        return state.report
    }

    /// Whether quiet hours hold sending now. Messages are enqueued outside them, but a backlog, a restart after
    /// downtime, a release or a requeue can make one due inside them: it waits for the window to open (and is
    /// suppressed then if its session has started). A drain checks it when it begins, then compares each message's
    /// start with the window's next beginning.
    func isQuiet() -> Bool {
        !settings.quietHours.isEmpty && settings.quietHours.isQuiet(now(), in: settings.timeZone)
    }

    /// The first instant, not before now, a message due at `due` can start: after a pause for provider trouble and
    /// outside quiet hours.
    public func earliestStart(due: Date) -> Date {
        Self.earliestStart(due: due, now: now(), heldUntil: heldUntil, quietHours: settings.quietHours, in: settings.timeZone)
    }

    /// The same for one who reads the pause from the database (`outreach due`): the rule is this one, not a copy.
    public static func earliestStart(due: Date, now: Date, heldUntil: Date?, quietHours: QuietWindow, in zone: TimeZone) -> Date {
        quietHours.release(max(due, now, heldUntil ?? due), in: zone)
    }

    private static func send(_ message: OutboxMessage, provider: any Provider, from: String, callbackBase: String?,
                             smsCallback: String?, script: VoiceScript?) async -> Result<ProviderAccepted, SendFailure> {
        switch message.channel {
        case .sms:
            let sms = OutboundSMS(messageID: message.id, to: message.phone, from: from, body: message.body,
                                  statusCallbackURL: smsCallback)
            return await provider.sendSMS(sms)
        case .voice:
            guard let script else {
                return .failure(.refusedBeforeSending(code: "no-voice",
                    reason: Gateway.noVoiceReason(language: message.language, provider: provider.name)))
            }
            let call = OutboundCall(messageID: message.id, to: message.phone, from: from, script: script,
                                    callbackBaseURL: callbackBase ?? "")
            return await provider.placeCall(call)
        }
    }

    private func isExpired(_ message: OutboxMessage) -> Bool {
        message.expiresAt.map { $0 <= now() } ?? false
    }

    /// Takes a rate-limit token, waiting for one if need be. Whether it waited (or was cancelled while waiting).
    private func waitForToken() async -> Bool {
        guard bucket != nil else { return false }
        var waited = false
        while let wait = bucket?.take(now: now()) {
            waited = true
            guard !Task.isCancelled else { break }
            try? await Task.sleep(nanoseconds: UInt64(max(wait, 0.001) * 1_000_000_000))
        }
        return waited
    }
}
