import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// The pipeline's values: what finishes in the task group, a claimed batch, a recheck, and the bookkeeping the
/// dispatcher's task keeps while it drains (see `Dispatcher.pump`).
extension Dispatcher {
    /// What finished in the pipeline: a send, or a job on the database lane.
    enum Finished: Sendable {
        case sent(OutboxMessage, Result<ProviderAccepted, SendFailure>)
        /// A claim, with the results written in its transaction (handed back on failure, to be written again).
        case claimed([SendOutcome], Result<Claim, LaneFailure>)
        case recorded([SendOutcome], Result<Void, LaneFailure>)
        case released([OutboxMessage], Result<Int, LaneFailure>)
        case rechecked(Result<Recheck, LaneFailure>)
        /// `DispatchSettings.flushAge` has passed since results began to wait: without it, the last results of a drain
        /// could wait `sending` for as long as one slow send takes (up to the client's timeout).
        case tick
    }

    /// A claimed batch: what may be sent, and what was settled at once (expired, opted out meanwhile).
    struct Claim: Sendable {
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
    struct Pump {
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
        /// A call's result is among them: written at once, not with the next batch. A crash before the write leaves the
        /// call in doubt, and a call in doubt is never placed again: it waits for a coordinator.
        var pendingCall = false
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
        /// When the claim out (there is at most one) was handed to the lane.
        var claimIssued = ContinuousClock.now
        /// A `.tick` is on its way, woken by `alarm` (rung when the drain ends).
        var ticking = false
        var alarm: Alarm?
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

        /// Gives back the message `nextReady` just took: it did not start.
        mutating func putBack() {
            precondition(readyIndex > 0, "nothing was taken to put back")
            readyIndex -= 1
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
                pendingCall = false
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
}
