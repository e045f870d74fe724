import Foundation
import Testing
import OutreachCore
import OutreachStore
import OutreachTesting
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGTERM (a service manager stopping the gateway) mid-campaign: `outreach run` starts no new send, finishes
/// and records the ones in flight, puts claimed-but-unsent messages back in the queue and exits 0. Nothing is
/// left `sending` or `unknown`, and a later run sends the rest, each once.
@Suite("SIGTERM: `outreach run` stops gracefully mid-campaign")
struct GracefulStopTests {
    /// SIGINT too: Ctrl-C in the terminal `run` was started from.
    @Test("SIGTERM or SIGINT while 2,000 messages are being sent: exit 0, nothing in doubt, the rest sent later, each once",
          .timeLimit(.minutes(3)), arguments: [SIGTERM, SIGINT])
    func sigtermMidCampaign(signalNumber: Int32) async throws {
        let binary = try #require(KillRecoveryTests.outreachBinary(), "the `outreach` binary is not beside the test bundle")
        let fake = try TwilioFake()
        defer { fake.stop() }
        fake.setLatency(0.03)  // a provider's round trip: the campaign takes seconds, so the signal lands mid-way
        let world = try KillWorld(fakeBaseURL: fake.baseURL)
        let total = try world.launchCampaign()
        #expect(total == KillRecoveryTests.seniors)
        let environment = ["TWILIO_ACCOUNT_SID": fake.accountSID, "TWILIO_AUTH_TOKEN": fake.authToken]
        let common = ["--config", world.configPath, "--db", world.databasePath]

        let stopped = try await GracefulRun(binary: binary, arguments: common + ["run"], environment: environment,
                                            logPath: world.path("run.log"), signalAfterSends: 100, signal: signalNumber,
                                            sends: { KillRecoveryTests.messagePosts(fake).count }).runOnThread()
        #expect(stopped.signalled, "the campaign ended before the signal could be sent")
        #expect(stopped.exitStatus == 0, "log: \(KillLoop.tail(of: world.path("run.log")))")
        #expect(stopped.secondsAfterSignal < 10)
        let log = (try? String(contentsOfFile: world.path("run.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("stopped") && log.contains("signal"))
        // The stop says what it waits for (it was silent for as long as the sends in flight took).
        #expect(log.contains("stopping-sends in_flight="), "\(KillLoop.tail(of: world.path("run.log")))")

        let postsAtStop = KillRecoveryTests.messagePosts(fake).count
        do {
            let database = try Database(path: world.databasePath)
            let counts = try OutboxStore(database).counts()
            #expect(counts[.sending] == nil, "messages left sending: \(counts)")
            #expect(counts[.unknown] == nil, "messages left in doubt: \(counts)")
            let sent = (counts[.sent] ?? 0) + (counts[.delivered] ?? 0)
            #expect(sent == postsAtStop, "the fake got \(postsAtStop) requests, the outbox says \(sent) sent")
            #expect(sent < total)
            #expect(counts[.queued] == total - sent)
        }

        // A later run sends the rest; every number exactly once.
        fake.setLatency(0)
        let finish = try OutreachProcess.start(binary, common + ["run", "--once", "--quiet"], environment: environment, stderr: nil)
        finish.waitUntilExit()
        #expect(finish.terminationStatus == 0)
        let to = KillRecoveryTests.messagePosts(fake).compactMap { $0.formValue("To") }
        #expect(to.count == total)
        #expect(Set(to).count == total, "someone got the message twice")
        let counts = try OutboxStore(try Database(path: world.databasePath)).counts()
        #expect((counts[.sent] ?? 0) + (counts[.delivered] ?? 0) == total)
    }
}

extension GracefulStopTests {
    @Test("SIGTERM after the log's reader went away (`run | tee`, both ended by one Ctrl-C): the same clean stop",
          .timeLimit(.minutes(3)))
    func sigtermWithLogReaderGone() async throws {
        let binary = try #require(KillRecoveryTests.outreachBinary(), "the `outreach` binary is not beside the test bundle")
        let fake = try TwilioFake()
        defer { fake.stop() }
        fake.setLatency(0.03)
        let world = try KillWorld(fakeBaseURL: fake.baseURL)
        let total = try world.launchCampaign()
        let environment = ["TWILIO_ACCOUNT_SID": fake.accountSID, "TWILIO_AUTH_TOKEN": fake.authToken]
        // Before, the first log line after the reader went ("stopping") killed the process by SIGPIPE: every claimed
        // message was left `sending`, to become `unknown`.
        let stopped = try await GracefulRun(binary: binary, arguments: ["--config", world.configPath, "--db", world.databasePath, "run"],
                                            environment: environment, logPath: world.path("run.log"), signalAfterSends: 100,
                                            readerGoneAtSignal: true,
                                            sends: { KillRecoveryTests.messagePosts(fake).count }).runOnThread()
        #expect(stopped.signalled, "the campaign ended before the signal could be sent")
        #expect(stopped.exitStatus == 0)
        let counts = try OutboxStore(try Database(path: world.databasePath)).counts()
        #expect(counts[.sending] == nil && counts[.unknown] == nil, "\(counts)")
        let sent = (counts[.sent] ?? 0) + (counts[.delivered] ?? 0)
        #expect(sent == KillRecoveryTests.messagePosts(fake).count && counts[.queued] == total - sent, "\(counts)")
    }

    /// SIGHUP too: the SSH session `run` was started from dropped.
    @Test("SIGTERM or SIGHUP while `run` waits at start for a database another process holds: a clean stop, exit 0",
          .timeLimit(.minutes(2)), arguments: [SIGTERM, SIGHUP])
    func sigtermWhileDatabaseBusyAtStart(signalNumber: Int32) async throws {
        let binary = try #require(KillRecoveryTests.outreachBinary(), "the `outreach` binary is not beside the test bundle")
        let fake = try TwilioFake()
        defer { fake.stop() }
        let world = try KillWorld(fakeBaseURL: fake.baseURL)
        _ = try world.launchCampaign()
        let holder = try Database(path: world.databasePath)
        try holder.execute("BEGIN IMMEDIATE")  // a long import, an open sqlite3 transaction
        let logPath = world.path("run.log")
        let arguments = ["--config", world.configPath, "--db", world.databasePath, "run"]
        let environment = ["TWILIO_ACCOUNT_SID": fake.accountSID, "TWILIO_AUTH_TOKEN": fake.authToken]
        let exitStatus = try await OutreachProcess.onOwnThread { () -> Int32 in
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            defer { try? log.close() }
            let process = try OutreachProcess.start(binary, arguments, environment: environment, stderr: log)
            let started = Date()
            // Its recovery waits for the lock (5 s), fails, and waits 2 s before trying again: the signal comes then.
            while process.isRunning, Date().timeIntervalSince(started) < 30,
                  !((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").contains("recover-failed") { usleep(20_000) }
            kill(process.processIdentifier, signalNumber)
            let signalled = Date()
            while process.isRunning, Date().timeIntervalSince(signalled) < 20 { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return OutreachProcess.exitStatus(process)
        }
        try holder.execute("ROLLBACK")
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        #expect(log.contains("recover-failed"), "\(log)")
        // Before, it tried once more after the signal, waited out the lock again and exited 1 with "database is busy".
        #expect(exitStatus == 0, "\(log)")
        #expect(log.contains("stopped reason=signal"), "\(log)")
    }
}

/// Starts `outreach run`, sends SIGTERM once the fake has seen `signalAfterSends` sends, waits for the exit.
/// Blocking (Process, usleep), so it runs on its own thread.
/// `readerGoneAtSignal`: the log goes to a pipe whose reader closes just before the signal, as `outreach run | tee`
/// when one Ctrl-C ends both (`logPath` stays empty).
struct GracefulRun: Sendable {
    let binary: URL
    let arguments: [String]
    let environment: [String: String]
    let logPath: String
    let signalAfterSends: Int
    var signal: Int32 = SIGTERM
    var readerGoneAtSignal = false
    let sends: @Sendable () -> Int

    struct Outcome: Sendable {
        var signalled = false
        var exitStatus: Int32 = -1
        var secondsAfterSignal = 0.0
    }

    func runOnThread() async throws -> Outcome {
        try await OutreachProcess.onOwnThread { try self.run() }
    }

    func run() throws -> Outcome {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        let pipe = Pipe()
        let process = try OutreachProcess.start(binary, arguments, environment: environment,
                                                stderr: readerGoneAtSignal ? pipe.fileHandleForWriting : log)
        try pipe.fileHandleForWriting.close()  // the child holds the only writer
        var outcome = Outcome()
        let started = Date()
        while process.isRunning, sends() < signalAfterSends, Date().timeIntervalSince(started) < 60 { usleep(5_000) }
        let signalled = Date()
        try pipe.fileHandleForReading.close()
        if process.isRunning {
            kill(process.processIdentifier, signal)
            outcome.signalled = true
        }
        // A run that ignores the signal is killed after 30 s, so the test fails instead of hanging.
        while process.isRunning, Date().timeIntervalSince(signalled) < 30 { usleep(5_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        outcome.secondsAfterSignal = Date().timeIntervalSince(signalled)
        outcome.exitStatus = OutreachProcess.exitStatus(process)
        return outcome
    }
}
