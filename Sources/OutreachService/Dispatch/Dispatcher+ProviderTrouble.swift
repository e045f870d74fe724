import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// Sends that fail for the provider's sake pause sending, and the pause outlives the process.
extension Dispatcher {
    var inTrouble: Bool { trouble.failuresInARow >= max(1, settings.troubleLimit) }

    /// Counts sends that failed for the provider's sake; at the limit, sending pauses: no new send starts, the sends
    /// in flight finish, and messages claimed but not started go back to the queue with their attempt untouched.
    /// Each pause in a row lasts twice the one before, up to 16 times `troublePause` (at most 15 minutes, unless
    /// `troublePause` itself is longer). An answer from the provider, even a refusal of one message, ends the trouble.
    /// A problem with the account (`SendFailure.account`) pauses at once; a refusal of ours, made before any request,
    /// changes nothing.
    func noteTrouble(_ result: Result<ProviderAccepted, SendFailure>, _ state: inout Pump) {
        switch result {
        // Nothing was asked of the provider: no pause starts, not even in a probe after one (a call from a sender name,
        // oldest in the queue, started a new and longer pause at every probe without a request).
        case .failure(.refusedBeforeSending), .failure(.misconfigured): return
        case .failure(.account):
            trouble.failuresInARow = max(trouble.failuresInARow + 1, settings.troubleLimit)
        case .failure(.transient), .failure(.unconfirmed): trouble.failuresInARow += 1
        case .success, .failure(.permanent), .failure(.optedOut):
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

    /// Keeps the trouble in the database when it changed. Called when a drain has ended (the lane is idle).
    func saveTrouble() {
        guard trouble != troubleSaved else { return }
        do {
            try ProviderTroubleStore(database).save(trouble, provider: provider.name, now: now())
            troubleSaved = trouble
        } catch {
            log.warning("trouble-not-saved", ["reason": "\(error)", "note": "a restart will not know of the pause"])
        }
    }
}
