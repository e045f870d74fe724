import Dispatch
import Foundation
import OutreachService

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
        SIGTERM or Ctrl-C (it then stops taking work, finishes the messages in flight and closes the database).
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
        // Before anything touches the outbox: a second service would take this one's messages in flight for a crash's.
        let lock = try RunLock.acquire(databasePath: try context.databasePath())
        defer { withExtendedLifetime(lock) {} }
        let gateway = try context.makeGateway(log: log)
        let stop = StopFlag()
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.set() }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }
        let recovered = try gateway.recover()
        log.info("started", ["provider": gateway.provider.name, "once": once ? "yes" : "no", "recovered": String(recovered)])
        let clock = context.now
        do {
            while !stop.isSet {
                let report = try await gateway.pass(shouldStop: { stop.isSet })
                if report.dispatched.claimed > 0 || report.scheduled.enqueued > 0 {
                    log.info("pass", ["enqueued": String(report.scheduled.enqueued), "sent": String(report.dispatched.sent),
                                      "retried": String(report.dispatched.retried), "failed": String(report.dispatched.failed),
                                      "suppressed": String(report.dispatched.suppressed),
                                      "unconfirmed": String(report.dispatched.unconfirmed)])
                }
                if once {
                    // Done when nothing is due now (later messages wait for the next run).
                    if report.dispatched.claimed == 0 { break }
                    continue
                }
                let wait = min(max((try gateway.nextDue()?.timeIntervalSince(clock())) ?? 30, 0.2), 30)
                var slept = 0.0
                while slept < wait, !stop.isSet {
                    try await Task.sleep(nanoseconds: 200_000_000)
                    slept += 0.2
                }
            }
        }
        log.info("stopped", ["reason": stop.isSet ? "signal" : "done"])
    }
}

