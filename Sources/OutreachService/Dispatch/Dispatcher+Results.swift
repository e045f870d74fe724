import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// What a send's answer becomes (sent, retried with backoff, failed, suppressed, in doubt), how written results
/// are counted and logged, and what happens when the database refuses to write them.
extension Dispatcher {
    func outcome(for message: OutboxMessage, _ result: Result<ProviderAccepted, SendFailure>) -> SendOutcome {
        switch result {
        case .success(let accepted):
            return .sent(messageID: message.id, provider: provider.name, providerID: accepted.providerID)
        case .failure(.account(let code, let reason)):
            // The account, not this message: sending pauses, and the message waits in the queue without spending an
            // attempt (each probe after a pause would spend one, and a rotated key would fail the queue in a day).
            return waiting(message, "\(provider.name) account problem (\(code)): \(reason)")
        case .failure(.misconfigured(let code, let reason)):
            return waiting(message, "\(code): \(reason)")
        case .failure(.permanent(let code, let reason)), .failure(.refusedBeforeSending(let code, let reason)):
            return .failed(messageID: message.id, error: "\(provider.name) \(code): \(reason)")
        case .failure(.optedOut(let reason)):
            return .optedOut(messageID: message.id, phone: message.phone, channel: message.channel, reason: reason)
        case .failure(.unconfirmed(let reason)):
            // Worded for the coordinator, who sees it beside the `unknown` status (see `Reconciler`).
            let next = message.channel == .voice
                ? "a call is never placed again: check it there and 'outreach settle' it"
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

    /// Back to the queue without spending an attempt, to be tried again `holdBack` from now (or when quiet hours end): a
    /// probe after a pause then takes another message, so one that the account or the config refuses does not hold up
    /// the rest (a call from a wrong caller number while the SMS go). Too late by then: suppressed, as a retry would be.
    func waiting(_ message: OutboxMessage, _ reason: String) -> SendOutcome {
        let next = settings.quietHours.release(now().addingTimeInterval(Self.holdBack), in: settings.timeZone)
        if let expiry = message.expiresAt, next >= expiry {
            return .suppressed(messageID: message.id, reason: "too late to send before the session starts: \(reason)")
        }
        return .waiting(messageID: message.id, notBefore: next, error: reason + OutboxStore.waitingMark)
    }

    /// Counts and logs written results.
    func tally(_ outcomes: [SendOutcome], into report: inout DispatchReport) {
        for outcome in outcomes {
            switch outcome {
            case .sent(let id, _, let providerID):
                report.sent += 1
                log.info("sent", ["message": String(id), "provider_id": providerID])
            case .retry(let id, let notBefore, let error):
                report.retried += 1
                log.warning("retry", ["message": String(id), "at": Timestamp.format(notBefore), "reason": error])
            case .waiting(let id, _, let error):
                report.retried += 1
                report.held += 1
                report.heldReason = error
                log.warning("waiting", ["message": String(id), "reason": error])
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

    /// A write the database refused: the drain winds down (no new claim or send; what is claimed but not started goes
    /// back) and, when the database was busy (another process holding it), the refused write is tried again after a
    /// pause, 0.5 s doubling to 8 s, for up to `DispatchSettings.writeRetryBudget` (10 s once a stop is asked for).
    /// Then the drain ends and the next one writes them first. Any other error (a constraint, the disk) will not pass
    /// by waiting: the drain ends at once, and what it holds stays `sending` for the next start to settle.
    /// The results are the only record of what the provider accepted: dropping them would leave those messages
    /// `sending`, and calls among them `unknown` for good.
    func writeFailed(_ failure: LaneFailure, _ state: inout Pump, shouldStop: () -> Bool) {
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
    func logUnwritten(_ results: [SendOutcome], _ releases: [OutboxMessage], kept: Bool) {
        let note = kept ? "kept: written when the database takes it" : "not written: 'outreach settle' it after the next start"
        for outcome in results {
            var fields: KeyValuePairs<String, String>
            switch outcome {
            case .sent(let id, _, let providerID): fields = ["message": String(id), "result": "sent", "provider_id": providerID, "note": note]
            case .retry(let id, _, let error): fields = ["message": String(id), "result": "not sent (retry)", "reason": error, "note": note]
            case .waiting(let id, _, let error): fields = ["message": String(id), "result": "not sent (waiting)", "reason": error, "note": note]
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
}
