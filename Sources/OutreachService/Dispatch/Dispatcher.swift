import Dispatch
import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

public struct DispatchSettings: Sendable {
    /// Messages claimed at a time (the next claim overlaps the sends in flight). Each claim is one transaction that
    /// also writes the results waiting: larger claims mean fewer commits, smaller ones fewer `unknown` after a crash.
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
    /// Sends in a row that fail for the provider's sake (no connection, throttled, a server error, no answer)
    /// before sending pauses for `troublePause` seconds. Without it an outage would spend every queued message's
    /// retries, or turn the whole queue `unknown`, within minutes.
    public var troubleLimit: Int
    public var troublePause: TimeInterval
    /// How long a drain keeps trying to write results the database refuses (a long `people import`, a coordinator's
    /// open sqlite3 transaction) before it ends, keeping them for the next drain, which writes them before anything else.
    public var writeRetryBudget: TimeInterval

    public init(claimSize: Int = 64, concurrency: Int = 16, backoff: Backoff = Backoff(), ratePerSecond: Double? = nil,
                from: String, callbackBaseURL: String? = nil, quietHours: QuietWindow = .none,
                timeZone: TimeZone = TimeZone(identifier: "Europe/Stockholm")!, reconcileAfter: TimeInterval = 600,
                troubleLimit: Int = 8, troublePause: TimeInterval = 60, writeRetryBudget: TimeInterval = 30) {
        self.writeRetryBudget = writeRetryBudget
        self.reconcileAfter = reconcileAfter
        self.troubleLimit = troubleLimit
        self.troublePause = troublePause
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
    /// Sent, but no answer came back: left `unknown` for the provider's records to settle.
    public var unconfirmed = 0
    public init() {}

    static func += (lhs: inout DispatchReport, rhs: DispatchReport) {
        lhs.claimed += rhs.claimed
        lhs.sent += rhs.sent
        lhs.retried += rhs.retried
        lhs.failed += rhs.failed
        lhs.suppressed += rhs.suppressed
        lhs.unconfirmed += rhs.unconfirmed
    }
}

/// Sends due messages as a pipeline: claims small batches (`queued → sending` in one transaction) ahead of need,
/// checks opt-outs and expiry once more, keeps up to `concurrency` sends going under the rate limit, and writes
/// results in small transactions as they arrive. Claims and writes run on a database lane (a serial queue on
/// the same connection) so sending never waits for SQLite. The number of messages `sending` at once is bounded
/// (claimed ahead, in flight, answered but not yet written: about 300 with the defaults), and so is what a crash
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
    private var trouble: ProviderTroubleStore.Trouble
    private var troubleSaved: ProviderTroubleStore.Trouble
    /// Results and releases a drain could not write (the database stayed busy past `writeRetryBudget`): the next drain
    /// writes them before it claims anything. In memory only; each is logged when kept, so nothing is known only here.
    private var carriedResults: [SendOutcome] = []
    private var carriedReleases: [OutboxMessage] = []

    /// Results usually ride in the next claim's transaction. They are written on their own when this many wait,
    /// when the oldest has waited `flushAge`, or when no send is in flight.
    static let flushBatch = 128
    static let flushAge: Duration = .milliseconds(50)
    /// How often messages claimed but not started are checked again, when another process has written since the last
    /// look: a STOP, a pause or a cancel that lands after the claim holds for them too (see `recheck`).
    static let recheckEvery: Duration = .milliseconds(100)
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
        self.bucket = settings.ratePerSecond.map { TokenBucket(ratePerSecond: $0, burst: max(1, Int($0.rounded(.up))), now: now()) }
        // Unreadable (a database not migrated yet): start without trouble, as before it was kept.
        self.trouble = (try? ProviderTroubleStore(database).load(provider: provider.name)) ?? .init()
        self.troubleSaved = trouble
    }

    /// Keeps the trouble in the database when it changed. Called when a drain has ended (the lane is idle).
    private func saveTrouble() {
        guard trouble != troubleSaved else { return }
        do {
            try ProviderTroubleStore(database).save(trouble, provider: provider.name, now: now())
            troubleSaved = trouble
        } catch {
            log.warning("trouble-not-saved", ["reason": "\(error)", "note": "a restart will not know of the pause"])
        }
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

    /// What finished in the pipeline: a send, or a job on the database lane.
    private enum Finished: Sendable {
        case sent(OutboxMessage, Result<ProviderAccepted, SendFailure>)
        /// A claim, with the results written in its transaction (handed back on failure, to be written again).
        case claimed([SendOutcome], Result<Claim, LaneFailure>)
        case recorded([SendOutcome], Result<Void, LaneFailure>)
        case released([OutboxMessage], Result<Int, LaneFailure>)
        case rechecked(Result<Recheck, LaneFailure>)
        /// `flushAge` has passed since results began to wait: without it, the last results of a drain could wait
        /// `sending` for as long as one slow send takes (up to the client's timeout).
        case tick
    }

    /// A claimed batch: what may be sent, and what was settled at once (expired, opted out meanwhile).
    private struct Claim: Sendable {
        var count = 0
        var ready: [OutboxMessage] = []
        var settled: [SendOutcome] = []
        /// Results written in the claim's transaction (see `claimRecording`).
        var recorded: [SendOutcome] = []
        /// `Database.dataVersion()` when the claim looked.
        var dataVersion: Int64 = 0
    }

    /// Claimed messages not started yet that must not start any more: their person opted out, or their campaign was
    /// paused or cancelled, since they were claimed.
    struct Recheck: Sendable {
        var dataVersion: Int64
        var optedOut: Set<Int64> = []
        var held: Set<Int64> = []
    }

    /// The pipeline's bookkeeping, owned by the dispatcher's task (the database is only touched on the lane).
    private struct Pump {
        var report = DispatchReport()
        /// Claimed and checked, not yet started.
        var ready: [OutboxMessage] = []
        var readyIndex = 0
        var claims = 0
        var claiming = false
        var exhausted = false
        var stopping = false
        var sendsInFlight = 0
        var laneJobs = 0
        /// Results not yet handed to the lane, and when the oldest arrived.
        var pending: [SendOutcome] = []
        var pendingSince: ContinuousClock.Instant?
        var failure: LaneFailure?
        /// A run of failures paused sending during this drain.
        var troubled = false
        /// Quiet hours began during the drain.
        var quiet = false
        /// What another connection had written when the messages waiting to start were last checked (nil before
        /// the first claim); whether a check is on the lane, and when the last one began.
        var dataVersion: Int64?
        var rechecking = false
        /// The check on the lane started while a claim was out: that claim's messages are not in its list, so its
        /// version must not become the baseline (they would count as checked at it).
        var recheckPartial = false
        var lastRecheck = ContinuousClock.now
        /// A `.tick` is on its way.
        var ticking = false
        /// A rate-limit token was taken for the next send (after a wait; see the send step).
        var holdsToken = false
        /// The database refused a write (another process holding it, most often): the drain winds down, and what was
        /// not written (results, releases) is written again from `writeRetryAt`, until `writeRetryBudget` runs out.
        var writeTroubleSince: ContinuousClock.Instant?
        var writeRetryAt: ContinuousClock.Instant?
        var writeRetries = 0
        var unreleased: [OutboxMessage] = []
        /// The drain stopped trying to write (see `writeFailed`): it ends with what it holds, after one last try at
        /// releasing what was claimed but not started (a release may pass where a result did not).
        var gaveUp = false
        var lastReleaseDue = false

        /// Whether writes may be handed to the lane now (none is waiting for a retry's time).
        var writesAllowed: Bool { writeRetryAt.map { .now >= $0 } ?? true }
        /// Something that must reach the database before the drain may end.
        var unwritten: Bool { !pending.isEmpty || !unreleased.isEmpty }

        var readyCount: Int { ready.count - readyIndex }

        mutating func nextReady() -> OutboxMessage {
            defer { readyIndex += 1 }
            return ready[readyIndex]
        }

        mutating func addReady(_ messages: [OutboxMessage]) {
            if readyIndex > 0 {
                ready.removeFirst(readyIndex)
                readyIndex = 0
            }
            ready.append(contentsOf: messages)
        }

        mutating func takeUnstarted() -> [OutboxMessage] {
            defer {
                ready = []
                readyIndex = 0
            }
            return Array(ready[readyIndex...])
        }

        /// Takes the messages not started yet whose ids are in `optedOut` or `held`, and returns them.
        mutating func takeReady(optedOut: Set<Int64>, held: Set<Int64>) -> (optedOut: [OutboxMessage], held: [OutboxMessage]) {
            var kept: [OutboxMessage] = []
            var stopped: [OutboxMessage] = []
            var paused: [OutboxMessage] = []
            for message in ready[readyIndex...] {
                if optedOut.contains(message.id) {
                    stopped.append(message)
                } else if held.contains(message.id) {
                    paused.append(message)
                } else {
                    kept.append(message)
                }
            }
            ready = kept
            readyIndex = 0
            return (stopped, paused)
        }

        mutating func takePending() -> [SendOutcome] {
            defer {
                pending = []
                pendingSince = nil
            }
            return pending
        }

        mutating func add(_ outcomes: [SendOutcome]) {
            for outcome in outcomes { add(outcome) }
        }

        /// One send's outcome (no array per message).
        mutating func add(_ outcome: SendOutcome) {
            if pending.isEmpty { pendingSince = .now }
            pending.append(outcome)
        }
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
        // lane's thread gets little CPU (outreach bench: with a lead of only `limit`, sends waited for a claim 15–25%
        // of the time; with this lead about 10%). Under a rate limit the lead shrinks with the claims.
        let lowWater = min(fullLimit, claimSize) + claimSize
        let lane = DatabaseLane(database)
        let provider = self.provider
        let from = settings.from
        let callbackBase = settings.callbackBaseURL
        let smsCallback = callbackBase.map { $0 + "/sms/status" }
        let instant = now
        await withTaskGroup(of: Finished.self) { group in
            while true {
                // A cancelled task is a stop too (its sleeps would return at once, and the loop would spin).
                if !state.stopping, state.failure != nil || state.troubled || state.quiet || shouldStop() || Task.isCancelled {
                    state.stopping = true
                    state.exhausted = true
                    release(state.takeUnstarted(), &state, group: &group, lane: lane)
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
                   .now - state.lastRecheck >= Self.recheckEvery {
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
                    group.addTask {
                        let result = await Self.send(message, provider: provider, from: from, callbackBase: callbackBase,
                                                     smsCallback: smsCallback, script: script)
                        return .sent(message, result)
                    }
                    state.sendsInFlight += 1
                    continue
                }
                if !state.pending.isEmpty, state.writesAllowed, state.pending.count >= Self.flushBatch || state.sendsInFlight == 0
                    || state.stopping || state.pendingSince.map({ .now - $0 >= Self.flushAge }) == true {
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
                    group.addTask {
                        await Self.nap(Self.flushAge)
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
                    noteTrouble(result, &state)
                    limit = inTrouble ? 1 : fullLimit
                case .claimed(let outcomes, let result):
                    state.claiming = false
                    state.laneJobs -= 1
                    switch result {
                    case .success(let claim):
                        // Later claims' messages were checked when claimed, at this version or a later one.
                        if state.dataVersion == nil { state.dataVersion = claim.dataVersion }
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
                            log.info("released", ["messages": String(moved), "note": "claimed but not sent: queued again, or cancelled with their campaign"])
                        }
                    case .failure(let failure):
                        state.unreleased.append(contentsOf: messages)
                        writeFailed(failure, &state, shouldStop: shouldStop)
                    }
                }
            }
            // A `.tick` may still be asleep: it has nothing left to do.
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

    /// Claims up to `limit` due messages and settles at once those past their expiry or whose person opted out
    /// after they were enqueued (a STOP that arrived in between wins).
    private static func claim(in database: Database, limit: Int, now: Date) throws -> Claim {
        let version = try database.dataVersion()
        let claimed = try OutboxStore(database).claimDueCheckingOptOuts(now: now, limit: limit)
        var claim = Claim(count: claimed.count, dataVersion: version)
        guard !claimed.isEmpty else { return claim }
        claim.ready.reserveCapacity(claimed.count)
        for (message, optedOut) in claimed {
            if let expiry = message.expiresAt, expiry <= now {
                claim.settled.append(.suppressed(messageID: message.id, reason: Self.tooLate))
            } else if optedOut {
                claim.settled.append(.suppressed(messageID: message.id, reason: "opted out"))
            } else {
                claim.ready.append(message)
            }
        }
        return claim
    }

    /// Messages per claim: under a rate limit, no more than about a second's worth, so messages do not sit `sending`
    /// waiting for their turn (46elks allows 100 a minute: a claim of 64 would hold some for 40 s, and a crash then
    /// would leave them all `unknown`).
    static func claimSize(_ settings: DispatchSettings) -> Int {
        let configured = max(1, settings.claimSize)
        guard let rate = settings.ratePerSecond else { return configured }
        return max(1, min(configured, Int(rate.rounded(.up))))
    }

    /// Writes `outcomes` and claims the next batch, in one transaction.
    private static func claimRecording(_ outcomes: [SendOutcome], in database: Database, limit: Int, now: Date) throws -> Claim {
        guard !outcomes.isEmpty else { return try claim(in: database, limit: limit, now: now) }
        return try database.transaction {
            try OutboxStore(database).record(outcomes, now: now)
            var claim = try claim(in: database, limit: limit, now: now)
            claim.recorded = outcomes
            return claim
        }
    }

    /// Checks the messages claimed but not started once more, on the lane, if another connection (a coordinator's
    /// command, the webhook server) has written since the last look: those whose person has opted out since are
    /// suppressed, those whose campaign was paused or cancelled go back (see `OutboxStore.backInQueue`). The claim
    /// checked them, but a claim runs ahead of the sends (up to `claimSize` plus a lead), which with a slow provider
    /// or a rate limit is seconds.
    private func recheck(_ waiting: [OutboxMessage], _ state: inout Pump, since baseline: Int64, group: inout TaskGroup<Finished>,
                         lane: DatabaseLane) {
        state.rechecking = true
        state.recheckPartial = state.claiming
        state.lastRecheck = .now
        state.laneJobs += 1
        group.addTask {
            let result = await lane.run { database in try Dispatcher.check(waiting, since: baseline, in: database) }
            return .rechecked(result)
        }
    }

    private static func check(_ waiting: [OutboxMessage], since baseline: Int64, in database: Database) throws -> Recheck {
        var recheck = Recheck(dataVersion: try database.dataVersion())
        guard recheck.dataVersion != baseline else { return recheck }
        let optOuts = try OptOutStore(database).snapshot(of: waiting.map(\.phone))
        let campaigns = CampaignStore(database)
        var sendable: [Int64: Bool] = [:]
        for message in waiting {
            if optOuts.contains(phone: message.phone, channel: message.channel) {
                recheck.optedOut.insert(message.id)
            } else if let id = message.campaignID {
                if sendable[id] == nil { sendable[id] = try campaigns.find(id: id).map { OutboxStore.sendingCampaigns.contains($0.status) } ?? true }
                if sendable[id] == false { recheck.held.insert(message.id) }
            }
        }
        return recheck
    }

    /// Hands the results in hand to the lane, to be written in one transaction.
    private func record(_ state: inout Pump, group: inout TaskGroup<Finished>, lane: DatabaseLane) {
        let outcomes = state.takePending()
        state.laneJobs += 1
        let instant = now
        group.addTask {
            .recorded(outcomes, await lane.run { database in try OutboxStore(database).record(outcomes, now: instant()) })
        }
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
        settings.quietHours.release(max(due, now(), heldUntil ?? due), in: settings.timeZone)
    }

    private var inTrouble: Bool { trouble.failuresInARow >= max(1, settings.troubleLimit) }

    /// Counts sends that failed for the provider's sake; at the limit, sending pauses: no new send starts, the sends
    /// in flight finish, and messages claimed but not started go back to the queue with their attempt untouched.
    /// Each pause in a row lasts twice the one before, up to 16 times `troublePause` (at most 15 minutes, unless
    /// `troublePause` itself is longer). An answer from the provider, even a refusal of one message, ends the trouble.
    private func noteTrouble(_ result: Result<ProviderAccepted, SendFailure>, _ state: inout Pump) {
        switch result {
        case .failure(.transient), .failure(.unconfirmed): trouble.failuresInARow += 1
        default:
            trouble = .init()
        }
        guard !state.troubled, inTrouble else { return }
        state.troubled = true
        let pause = min(settings.troublePause * Double(1 << min(trouble.pausesInARow, 4)), max(settings.troublePause, 900))
        trouble.pausesInARow += 1
        let until = now().addingTimeInterval(pause)
        trouble.heldUntil = until
        log.warning("provider-trouble", ["failed_in_a_row": String(trouble.failuresInARow), "paused_until": Timestamp.format(until),
                                         "note": "no new sends until then; then one at a time until one goes through"])
    }

    /// A write the database refused: the drain winds down (no new claim or send; what is claimed but not started goes
    /// back) and, when the database was busy (another process holding it), the refused write is tried again after a
    /// pause, 0.5 s doubling to 8 s, for up to `DispatchSettings.writeRetryBudget` (10 s once a stop is asked for).
    /// Then the drain ends and the next one writes them first. Any other error (a constraint, the disk) will not pass
    /// by waiting: the drain ends at once, and what it holds stays `sending` for the next start to settle.
    /// The results are the only record of what the provider accepted: dropping them would leave those messages
    /// `sending`, and calls among them `unknown` for good.
    private func writeFailed(_ failure: LaneFailure, _ state: inout Pump, shouldStop: () -> Bool) {
        let since = state.writeTroubleSince ?? .now
        state.writeTroubleSince = since
        let busy = (failure.underlying as? StoreError)?.kind == .busy
        let budget: Duration = .milliseconds(Int((shouldStop() ? min(10, settings.writeRetryBudget) : settings.writeRetryBudget) * 1000))
        if !state.stopping {
            state.stopping = true
            state.exhausted = true
            state.unreleased.append(contentsOf: state.takeUnstarted())
        }
        guard busy, .now - since < budget else {
            // Given up: nothing more is handed to the lane, and the drain ends with what it holds unwritten.
            state.lastReleaseDue = !state.gaveUp
            state.gaveUp = true
            state.failure = state.failure ?? failure
            state.writeRetryAt = .now + .seconds(86_400 * 365)
            return
        }
        // Writes handed to the lane together fail together: one pause for all of them.
        if state.writeRetryAt == nil {
            let delay = min(0.5 * Double(1 << min(state.writeRetries, 4)), 8)
            state.writeRetries += 1
            state.writeRetryAt = .now + .milliseconds(Int(delay * 1000))
            log.warning("database-write-failed", ["reason": failure.description, "retry_in_seconds": String(delay),
                                                  "note": "no new sends until the results are written"])
        }
    }

    /// One line per result or release the database has not taken: `kept` ones are written by the next drain; the
    /// others stay `sending`, become `unknown` at the next start, and these lines say what each one was.
    private func logUnwritten(_ results: [SendOutcome], _ releases: [OutboxMessage], kept: Bool) {
        let note = kept ? "kept: written when the database takes it" : "not written: 'outreach settle' it after the next start"
        for outcome in results {
            var fields: KeyValuePairs<String, String>
            switch outcome {
            case .sent(let id, _, let providerID): fields = ["message": String(id), "result": "sent", "provider_id": providerID, "note": note]
            case .retry(let id, _, let error): fields = ["message": String(id), "result": "not sent (retry)", "reason": error, "note": note]
            case .failed(let id, let error): fields = ["message": String(id), "result": "failed", "reason": error, "note": note]
            case .optedOut(let id, _, _, let reason): fields = ["message": String(id), "result": "opted out", "reason": reason, "note": note]
            case .suppressed(let id, let reason): fields = ["message": String(id), "result": "not sent (suppressed)", "reason": reason, "note": note]
            case .unconfirmed(let id, let error): fields = ["message": String(id), "result": "unconfirmed", "reason": error, "note": note]
            }
            log.warning("result-unwritten", fields)
        }
        for message in releases {
            log.warning("result-unwritten", ["message": String(message.id), "result": "never handed to the provider", "note": note])
        }
    }

    /// Messages claimed but never handed to the provider go back to `queued`, as if never claimed.
    private func release(_ messages: [OutboxMessage], _ state: inout Pump, group: inout TaskGroup<Finished>, lane: DatabaseLane) {
        guard !messages.isEmpty else { return }
        let ids = messages.map(\.id)
        state.laneJobs += 1
        let instant = now
        group.addTask {
            .released(messages, await lane.run { database in try OutboxStore(database).release(ids, now: instant()) })
        }
    }

    /// Waits `duration` even when the task is cancelled: the wake-up's `Task.sleep` would return at once then, and the
    /// loop, waiting to write results again after a refused write, would spin.
    private static func nap(_ duration: Duration) async {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { continuation.resume() }
        }
    }

    /// Counts and logs written results.
    private func tally(_ outcomes: [SendOutcome], into report: inout DispatchReport) {
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
            case .unconfirmed(let id, let error):
                report.unconfirmed += 1
                log.warning("unconfirmed", ["message": String(id), "reason": error])
            }
        }
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
                return .failure(.permanent(code: "no-voice",
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

    private func outcome(for message: OutboxMessage, _ result: Result<ProviderAccepted, SendFailure>) -> SendOutcome {
        switch result {
        case .success(let accepted):
            return .sent(messageID: message.id, provider: provider.name, providerID: accepted.providerID)
        case .failure(.permanent(let code, let reason)):
            return .failed(messageID: message.id, error: "\(provider.name) \(code): \(reason)")
        case .failure(.optedOut(let reason)):
            return .optedOut(messageID: message.id, phone: message.phone, channel: message.channel, reason: reason)
        case .failure(.unconfirmed(let reason)):
            // Worded for the coordinator, who sees it beside the `unknown` status (see `Reconciler`).
            let next = message.channel == .voice
                ? "a call is never placed again"
                : "it is looked up in \(provider.name)'s records before it is ever sent again"
            return .unconfirmed(messageID: message.id, error: "\(provider.name) may have it: \(reason); \(next)")
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

/// Why a drain could not end cleanly.
public enum DispatchError: Error, CustomStringConvertible {
    /// The database refused results for good (an error waiting does not cure, or a stop came while it was busy):
    /// those messages stay `sending`, and the next start makes them `unknown` and settles them from the provider's
    /// records. The log names each one.
    case resultsUnwritten(messages: Int, underlying: any Error)

    public var description: String {
        switch self {
        case .resultsUnwritten(let messages, let underlying):
            "the database refused the results of \(messages) message(s): \(underlying); " +
                "they stay 'sending' until the next start settles them"
        }
    }
}
