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
    @Test("SIGTERM while 2,000 messages are being sent: exit 0, nothing in doubt, the rest sent later, each once",
          .timeLimit(.minutes(3)))
    func sigtermMidCampaign() async throws {
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
                                            logPath: world.path("run.log"), signalAfterSends: 100,
                                            sends: { KillRecoveryTests.messagePosts(fake).count }).runOnThread()
        #expect(stopped.signalled, "the campaign ended before the signal could be sent")
        #expect(stopped.exitStatus == 0, "log: \(KillLoop.tail(of: world.path("run.log")))")
        #expect(stopped.secondsAfterSignal < 10)
        let log = (try? String(contentsOfFile: world.path("run.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("stopped") && log.contains("signal"))

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

/// Starts `outreach run`, sends SIGTERM once the fake has seen `signalAfterSends` sends, waits for the exit.
/// Blocking (Process, usleep), so it runs on its own thread.
struct GracefulRun: Sendable {
    let binary: URL
    let arguments: [String]
    let environment: [String: String]
    let logPath: String
    let signalAfterSends: Int
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
        let process = try OutreachProcess.start(binary, arguments, environment: environment, stderr: log)
        var outcome = Outcome()
        let started = Date()
        while process.isRunning, sends() < signalAfterSends, Date().timeIntervalSince(started) < 60 { usleep(5_000) }
        let signalled = Date()
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
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
