import Dispatch
import Foundation
import OutreachCore
import OutreachService
import OutreachStore

/// A flag set from a signal handler and read by the service loop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    var isSet: Bool { lock.withLock { stopped } }
    func set() { lock.withLock { stopped = true } }
}

enum RunCommand {
    static let node = CommandNode("run", summary: "run the service: scheduler and dispatcher until stopped", help: """
        Usage: outreach run [--once] [--quiet]

        Schedules reminders, sends what is due through the configured provider and applies receipts, until
        SIGTERM or Ctrl-C (it then stops taking work, finishes the messages in flight and closes the database; a
        second signal stops it at once, and the messages then in flight are settled at the next start).
        A pass that fails (the database held by another process, say) is logged and tried again, 2 s doubling to 60 s.
        At start, messages a crash left 'sending' become 'unknown' and are reported, never re-sent.
        One service per database: a second 'outreach run' on the same database stops at once with an error.
          --once    one scheduler and dispatch pass, until nothing is due now; then exit (for cron and tests)
          --quiet   log warnings and errors only
        Log lines go to stderr, with phone numbers masked.
        """) { arguments, context in
        let once = arguments.flag("--once")
        let quiet = arguments.flag("--quiet")
        try arguments.finish()
        let log = context.serviceLog(quiet: quiet)
        let stop = StopFlag()
        var sources: [DispatchSourceSignal] = []
        // First of all, so a stop asked for while the service starts (a service manager restarting it) is a clean stop,
        // not the default action's abrupt end. SIGHUP too: an SSH session that drops would otherwise end the service at
        // once, its sends in flight left in doubt.
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                guard !stop.isSet else { return }
                stop.set()
                log.info("stopping", ["note": "finishing the sends in flight; the same signal again stops at once (messages in flight then become unknown)"])
                // A second signal takes the default action: the process ends at once (an operator's second Ctrl-C).
                signal(SIGTERM, SIG_DFL)
                signal(SIGINT, SIG_DFL)
                signal(SIGHUP, SIG_DFL)
            }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }
        // Before anything touches the outbox: a second service would take this one's messages in flight for a crash's.
        // (A database that is not there is refused first, leaving no lock file beside the mistyped path.)
        try context.requireDatabaseFile()
        let databasePath = try context.databasePath()
        let lock: RunLock?
        switch try RunLock.take(databasePath: databasePath, once: once) {
        case .success(let taken): lock = taken
        case .failure(let holder) where once && holder.once:
            // Cron started this one while the last is still sending (46elks takes 20 minutes for 2,000 messages): that
            // one has the work in hand. Not an error, or cron would report one every minute.
            log.info("skipped", ["reason": "another 'run --once' is still at work", "pid": holder.pid.map(String.init) ?? "?"])
            return
        case .failure(let holder):
            throw RunLock.busy(databasePath, holder)
        }
        defer { withExtendedLifetime(lock) {} }
        let gateway = try context.makeGateway(log: log)
        /// Sleeps up to `seconds`, waking early on a stop, or when `wake` says so (looked at every 0.2 s after the first
        /// second: another process writing often, a webhook server's receipts, wakes a pass at most once a second).
        func pause(_ seconds: Double, wake: () -> Bool = { false }) async throws {
            var slept = 0.0
            while slept < seconds, !stop.isSet, !(slept >= 1 && wake()) {
                try await Task.sleep(nanoseconds: 200_000_000)
                slept += 0.2
            }
        }
        /// The wait after the `failures`-th failure in a row: 2 s, doubling to 60 s.
        func backoff(_ failures: Int) -> Double { min(2 * pow(2, Double(min(failures, 6) - 1)), 60) }
        // At start the recovery needs the write lock too: a database held by another process is waited for.
        var recovered = 0
        for attempt in 1... {
            do {
                recovered = try gateway.recover()
                break
            } catch let error as StoreError where error.kind == .busy && !once {
                if !stop.isSet {
                    log.error("recover-failed", ["reason": "\(error)", "retry_in_seconds": String(Int(backoff(attempt)))])
                    try await pause(backoff(attempt))
                }
                // Stopped while waiting: nothing was claimed or sent, so it is a clean stop (a service manager must not
                // see a failure), not the busy database's error.
                if stop.isSet {
                    log.info("stopped", ["reason": "signal", "note": "before starting: the database was busy"])
                    return
                }
            }
        }
        log.info("started", ["provider": gateway.provider.name, "once": once ? "yes" : "no", "recovered": String(recovered)])
        let clock = context.now
        var failuresInARow = 0
        // Messages held back for the account's or the config's sake in this run, and the last reason (for cron).
        var heldBack = 0
        var heldReason: String?
        do {
            while !stop.isSet {
                let report: Gateway.PassReport
                do {
                    report = try await gateway.pass(shouldStop: { stop.isSet })
                    failuresInARow = 0
                    heldBack += report.dispatched.held
                    heldReason = report.dispatched.heldReason ?? heldReason
                } catch let error as DispatchError {
                    // Results the database refused are only in memory: exit, and the next start settles them.
                    throw error
                } catch {
                    // A database held by another process (a long import, an open sqlite3 transaction) must not end the
                    // service: results it refused are kept and written first by the next pass (see
                    // `Dispatcher.keepsUnwritten`), so wait and try again. `--once` reports it, for cron.
                    if once {
                        try? await gateway.writeKept()
                        throw error
                    }
                    failuresInARow += 1
                    log.error("pass-failed", ["reason": "\(error)", "retry_in_seconds": String(Int(backoff(failuresInARow)))])
                    try await pause(backoff(failuresInARow))
                    continue
                }
                if report.dispatched.claimed > 0 || report.scheduled.enqueued > 0 {
                    // Reminders stored as suppressed when planned (opted out, too late, superseded, no voice) count as
                    // suppressed here, not as enqueued; so do queued ones a tick superseded.
                    let plannedSuppressed = report.scheduled.suppressed + report.scheduled.superseded
                    log.info("pass", ["enqueued": String(max(0, report.scheduled.enqueued - report.scheduled.suppressed)),
                                      "sent": String(report.dispatched.sent),
                                      "retried": String(report.dispatched.retried), "failed": String(report.dispatched.failed),
                                      "suppressed": String(report.dispatched.suppressed + plannedSuppressed),
                                      "unconfirmed": String(report.dispatched.unconfirmed)])
                }
                if once {
                    // Done when nothing is due now (later messages wait for the next run).
                    if report.dispatched.claimed == 0 { break }
                    continue
                }
                // Another process writing (a coordinator launching or resuming a campaign, adding a session) wakes the
                // service at once: otherwise a launch would wait for the next look, up to 30 s. Read before `nextDue`,
                // so a write between the two is not missed.
                let database = try context.database()
                let seen = try? database.dataVersion()
                let wait: TimeInterval
                do {
                    wait = try gateway.nextDue()?.timeIntervalSince(clock()) ?? 30
                } catch {
                    wait = 2  // the database is busy: look again soon
                }
                try await pause(min(max(wait, 0.2), 30)) { (try? database.dataVersion()) != seen }
            }
        }
        // Results a busy database refused are written before the process ends, if it will take them now.
        do {
            try await gateway.writeKept()
        } catch {
            log.error("results-unwritten", ["reason": "\(error)", "note": "the next start makes them unknown and settles them"])
        }
        // A pause for provider trouble ends `--once` with messages still due: cron should hear of the outage.
        if once, !stop.isSet, let until = try? gateway.pauseHoldingMessages() ?? (heldBack > 0 ? gateway.pausedUntil : nil) {
            log.warning("stopped", ["reason": "provider-trouble", "paused_until": Timestamp.format(until)])
            throw CLIError.failure("run: \(gateway.provider.name) keeps failing; sending is paused until \(Timestamp.format(until)) "
                                   + "and the messages due wait in the queue (see the log above)")
        }
        // Held back by the config (a call with no number to come from): nothing paused, but cron should hear of it.
        if once, !stop.isSet, heldBack > 0, let heldReason = OutboxStore.heldBackReason(heldReason) {
            log.warning("stopped", ["reason": "held-back", "messages": String(heldBack)])
            throw CLIError.failure("run: \(heldBack) message\(heldBack == 1 ? "" : "s") held back until you put it right: "
                                   + heldReason + " (they wait in the queue)")
        }
        log.info("stopped", ["reason": stop.isSet ? "signal" : "done"])
    }
}

