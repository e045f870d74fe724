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

/// A coordinator launches a campaign while `outreach run` idles with nothing due: the service sees the write at once,
/// not at its next look (up to 30 s later).
@Suite("`outreach run` wakes when another process writes")
struct ServiceWakeTests {
    @Test("a campaign launched while the service idles starts going within seconds", .timeLimit(.minutes(2)))
    func launchWakesTheService() async throws {
        let binary = try #require(KillRecoveryTests.outreachBinary(), "the `outreach` binary is not beside the test bundle")
        let fake = try TwilioFake()
        defer { fake.stop() }
        let world = try KillWorld(fakeBaseURL: fake.baseURL)
        _ = try Store.open(path: world.databasePath, now: Date())  // the database exists, with nothing to send
        let environment = ["TWILIO_ACCOUNT_SID": fake.accountSID, "TWILIO_AUTH_TOKEN": fake.authToken]
        let arguments = ["--config", world.configPath, "--db", world.databasePath, "run"]
        let logPath = world.path("run.log")
        // Used on the blocking thread only, while this task waits for it.
        nonisolated(unsafe) let launcher = world

        let outcome = try await OutreachProcess.onOwnThread { () -> (started: Bool, secondsToFirstSend: Double?, exit: Int32) in
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            defer { try? log.close() }
            let process = try OutreachProcess.start(binary, arguments, environment: environment, stderr: log)
            defer {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
            }
            // Idle: started, its first pass found nothing, and it sleeps (up to 30 s) until something is due.
            let begun = Date()
            while process.isRunning, !KillLoop.tail(of: logPath).contains("started"), Date().timeIntervalSince(begun) < 30 {
                usleep(20_000)
            }
            guard process.isRunning else { return (false, nil, OutreachProcess.exitStatus(process)) }
            usleep(1_000_000)
            _ = try launcher.launchCampaign()  // as `outreach campaign launch` does, from another process
            let launched = Date()
            while process.isRunning, KillRecoveryTests.messagePosts(fake).isEmpty, Date().timeIntervalSince(launched) < 40 {
                usleep(20_000)
            }
            let first = KillRecoveryTests.messagePosts(fake).isEmpty ? nil : Date().timeIntervalSince(launched)
            kill(process.processIdentifier, SIGTERM)
            let signalled = Date()
            while process.isRunning, Date().timeIntervalSince(signalled) < 30 { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return (true, first, OutreachProcess.exitStatus(process))
        }
        #expect(outcome.started, "log: \(KillLoop.tail(of: logPath))")
        let seconds = try #require(outcome.secondsToFirstSend, "nothing was sent; log: \(KillLoop.tail(of: logPath))")
        // The wake looks every 0.2 s; before it, the first send came after the service's next look, up to 30 s.
        #expect(seconds < 10, "the first send came \(seconds) s after the launch")
        #expect(outcome.exit == 0, "log: \(KillLoop.tail(of: logPath))")
    }
}
