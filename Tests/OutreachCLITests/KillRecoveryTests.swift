import Foundation
import Testing
import OutreachCore
import OutreachProviders
import OutreachService
import OutreachStore
import OutreachTesting
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The crash-safety promise, tested on the real binary: a 2,000-message campaign, `outreach run --once` (as cron runs
/// it) or the long-running `outreach run` (as a service manager does) killed with SIGKILL at random moments and
/// restarted until done: a `--once` run that finishes by itself, or a service that has sent everything and is stopped. Afterwards every message is in a
/// final state, and the loopback Twilio's request log shows nobody got the message twice. Messages a kill left
/// `unknown` are reconciled from the fake's message list once older than the grace period (1 s in this test):
/// in the end every senior has the message exactly once. Every 20th message is a call: nobody is called twice, and a
/// call a kill left in doubt is one the gateway had begun to place (those claimed but never placed are placed later).
@Suite("kill -9: a real `outreach run` killed at random moments loses nothing and sends nothing twice")
struct KillRecoveryTests {
    static let seniors = 2_000
    /// Every 20th message is a voice call.
    static let callEvery = 20
    static var calls: Int { seniors / callEvery }
    static let maxRuns = 40
    static let timeLimitSeconds: TimeInterval = 180
    static let finalStatuses: Set<MessageStatus> = [.sent, .delivered, .failed, .unknown, .suppressed]

    @Test("2,000 messages, SIGKILL at random moments, restarted until done: every message accounted for, none sent twice",
          .timeLimit(.minutes(3)), arguments: [false, true])
    func killedAndRestartedUntilDone(service: Bool) async throws {
        let binary = try #require(Self.outreachBinary(), "the `outreach` binary is not beside the test bundle: run `swift build --build-tests` first")
        let fake = try TwilioFake()
        defer { fake.stop() }
        let world = try KillWorld(fakeBaseURL: fake.baseURL)
        #expect(try world.launchCampaign(callEvery: Self.callEvery) == Self.seniors)

        let common = ["--config", world.configPath, "--db", world.databasePath]
        let databasePath = world.databasePath
        var loop = KillLoop(binary: binary, arguments: common + (service ? ["run", "--quiet"] : ["run", "--once", "--quiet"]),
                            environment: ["TWILIO_ACCOUNT_SID": fake.accountSID, "TWILIO_AUTH_TOKEN": fake.authToken],
                            logPath: world.path("runs.log"), maxRuns: Self.maxRuns, timeLimit: Self.timeLimitSeconds,
                            sentRequests: { Self.messagePosts(fake).count })
        if service {
            // The service never ends by itself: once the kills are spent, it is stopped when nothing waits to be sent.
            loop.serviceDone = {
                guard let counts = try? OutboxStore(try Database(path: databasePath)).counts() else { return false }
                return counts[.queued] == nil && counts[.sending] == nil
            }
        }
        let outcome = try await loop.runOnThread()
        guard outcome.finished else {
            Issue.record("""
                no `outreach run --once` finished by itself within \(Self.maxRuns) runs / \(Int(Self.timeLimitSeconds)) s \
                (\(outcome.runs) runs, \(outcome.kills) kills, last: \(outcome.lastTermination)); end of its log:
                \(outcome.logTail.isEmpty ? KillLoop.tail(of: world.path("runs.log")) : outcome.logTail)
                """)
            return
        }

        // Unknowns left by the last kills are reconciled once they are older than the grace period (1 s here):
        // one more run looks each up in the fake's message list, settles the ones it has, re-queues and sends
        // the others.
        let unknownBefore = try OutboxStore(try Database(path: world.databasePath)).counts()[.unknown] ?? 0
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let reconcileRun = try await loop.finalRun(arguments: common + ["run", "--once", "--quiet"])
        #expect(reconcileRun == 0, "the reconciling run failed: \(KillLoop.tail(of: world.path("runs.log")))")

        // Nothing left behind: every message in a final state the coordinator can see.
        let database = try Database(path: world.databasePath)
        let everything = try OutboxStore(database).list(limit: 100_000)
        let counts = Dictionary(grouping: everything, by: \.status).mapValues(\.count)
        #expect(everything.count == Self.seniors)
        let messages = everything.filter { $0.channel == .sms }
        #expect(messages.count == Self.seniors - Self.calls)
        #expect(counts[.queued] == nil, "messages left queued")
        #expect(counts[.sending] == nil, "messages left sending")
        #expect(everything.allSatisfy { Self.finalStatuses.contains($0.status) })
        #expect(counts[.failed] == nil && counts[.suppressed] == nil, "the loopback fake accepts everything: \(counts)")
        #expect(try CampaignStore(database).find(id: world.campaignID)?.status == .done)

        // The fake's log is the proof: no number asked for twice, and the requests match what the outbox says.
        let posts = Self.messagePosts(fake)
        let requestedTo = posts.compactMap { $0.formValue("To") }
        #expect(requestedTo.count == posts.count)
        // Counted, not compared as collections: a failure message must not print phone numbers unmasked.
        let twice = Dictionary(grouping: requestedTo, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        let numbersSentTwice = twice.count
        #expect(numbersSentTwice == 0, "sent to more than once, e.g. \(twice.prefix(3).map { PhoneNumber(e164: $0).masked })")
        let sent = messages.filter { $0.status == .sent || $0.status == .delivered }
        let unknown = messages.filter { $0.status == .unknown }
        // After reconciliation nothing is in doubt: everyone got the message, exactly once.
        #expect(unknown.isEmpty, "\(unknown.count) messages still unknown after reconciliation")
        let texted = Self.seniors - Self.calls
        #expect(sent.count == texted && posts.count == texted && Set(requestedTo).count == texted,
                "sent \(sent.count), requests \(posts.count), numbers \(Set(requestedTo).count)")
        #expect(sent.count <= posts.count && posts.count <= sent.count + unknown.count,
                "requests \(posts.count), sent \(sent.count), unknown \(unknown.count)")
        let requested = Set(requestedTo)
        #expect(sent.allSatisfy { requested.contains($0.phone.e164) }, "a message is 'sent' but the fake never got it")
        let mayHaveGone = Set((sent + unknown).map(\.phone.e164))
        #expect(requested.isSubset(of: mayHaveGone), "the fake got a message the outbox says was never sent")

        // Every 'sent' carries a SID the fake issued, for that very number.
        #expect(sent.allSatisfy { $0.provider == "twilio" })
        let sids = sent.compactMap(\.providerID)
        #expect(sids.count == sent.count && Set(sids).count == sids.count, "sent messages without a provider id, or sharing one")
        let mismatched = await Self.unissued(sent, fake: fake)
        #expect(mismatched == 0, "\(mismatched) sent messages have a provider id the fake did not issue for that number")

        // Calls: nobody called twice (a call is never placed again), every call placed or in doubt. One in doubt is one
        // the gateway had begun to place when killed; calls claimed ahead and never placed went back to the queue and
        // were placed later (before, every call claimed ahead was left in doubt for the coordinator).
        let calls = everything.filter { $0.channel == .voice }
        let callPosts = fake.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/Calls.json") }
        let calledTo = callPosts.compactMap { $0.formValue("To") }
        #expect(Dictionary(grouping: calledTo, by: { $0 }).filter { $0.value.count > 1 }.isEmpty, "someone was called twice")
        let placed = calls.filter { $0.status == .sent || $0.status == .delivered }
        let callsInDoubt = calls.filter { $0.status == .unknown }
        #expect(placed.count + callsInDoubt.count == Self.calls, "calls neither placed nor in doubt: \(calls.count - placed.count - callsInDoubt.count)")
        #expect(Set(placed.map(\.phone.e164)).isSubset(of: Set(calledTo)), "a call is 'sent' but the fake never got it")
        let neverPlaced = callsInDoubt.filter { !calledTo.contains($0.phone.e164) }.count
        #expect(neverPlaced <= outcome.kills, "\(neverPlaced) calls in doubt that were never placed, after \(outcome.kills) kills")

        // The test only means something if runs were really killed while sending.
        #expect(outcome.kills > 0)
        #expect(outcome.midCampaignKills > 0, "no kill landed while messages were being sent")
        if ProcessInfo.processInfo.environment["OUTREACH_KILLTEST_VERBOSE"] != nil {
            print("kill test: runs \(outcome.runs), kills \(outcome.kills) (\(outcome.midCampaignKills) mid-campaign), "
                  + "unknown before the last reconciliation \(unknownBefore), requests \(posts.count), sent \(sent.count), "
                  + "calls placed \(placed.count), in doubt \(callsInDoubt.count) (never placed \(neverPlaced)), "
                  + "\(String(format: "%.1f", outcome.seconds)) s")
        }
    }

    static func messagePosts(_ fake: TwilioFake) -> [FakeProviderServer.RecordedRequest] {
        fake.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/Messages.json") }
    }

    /// How many sent messages the fake does not know by their SID, or knows for another number.
    static func unissued(_ sent: [OutboxMessage], fake: TwilioFake) async -> Int {
        let client = CurlHTTPClient(maxConcurrent: 8, options: .init(connectTimeoutMilliseconds: 2_000, totalTimeoutMilliseconds: 10_000))
        let base = fake.baseURL + "/2010-04-01/Accounts/\(fake.accountSID)/Messages/"
        let authorization = HTTPRequest.basicAuthorization(user: fake.accountSID, password: fake.authToken)
        return await withTaskGroup(of: Bool.self) { group in
            for message in sent {
                let url = base + (message.providerID ?? "none") + ".json"
                let phone = message.phone.e164
                group.addTask {
                    var request = HTTPRequest(method: .get, url: url)
                    request.headers.set("Authorization", authorization)
                    guard let response = try? await client.send(request), response.status == 200,
                          let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else { return false }
                    return object["to"] as? String == phone
                }
            }
            var bad = 0
            for await ok in group where !ok { bad += 1 }
            return bad
        }
    }

    /// The `outreach` executable sits in the build folder beside the test bundle (Linux: the bundle is an
    /// executable in that folder; macOS: a `.xctest` bundle in it).
    static func outreachBinary() -> URL? {
        var starts = [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath(), Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL { starts.append(executable) }
        for start in starts {
            var folder = start.deletingLastPathComponent()
            for _ in 0..<5 {
                let candidate = folder.appendingPathComponent("outreach")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                folder = folder.deletingLastPathComponent()
            }
        }
        return nil
    }
}

/// The temporary folder: a database with 2,000 seniors and a launched campaign, and a config pointing at the fake.
final class KillWorld {
    let folder: String
    let configPath: String
    var databasePath: String { path("outreach.sqlite") }
    private(set) var campaignID: Int64 = 0
    private let config: OutreachConfig

    init(fakeBaseURL: String) throws {
        folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("outreach-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let prompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Prompts").path
        let text = """
            // The kill test's config: shipped prompts, the loopback Twilio, no quiet hours (nothing is held).
            {
              prompts: "\(prompts)",
              quietHours: { start: "00:00", end: "00:00" },
              provider: { kind: "twilio", baseURL: "\(fakeBaseURL)", from: "+46701740600", reconcileAfterSeconds: 1 },
            }
            """
        configPath = (folder as NSString).appendingPathComponent("outreach.json5")
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
        config = try OutreachConfig.decode(Data(text.utf8), file: configPath)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// 2,000 seniors (+46 70 2xx xx xx), a "help" campaign to all by SMS (every `callEvery`-th message a call, when
    /// given), launched now. Returns how many were queued.
    /// The connection closes on return, before any `outreach` process opens the file.
    func launchCampaign(callEvery: Int? = nil) throws -> Int {
        let now = Date()
        let database = try Store.open(path: databasePath, now: now)
        let people = (0..<KillRecoveryTests.seniors).map { index in
            Person(role: .senior, name: "Senior \(index)", phone: PhoneNumber(e164: "+46702" + String(format: "%06d", 100_000 + index * 37)),
                   language: "sv", channel: .sms)
        }
        _ = try PeopleStore(database).upsert(people, now: now)
        let store = CampaignStore(database)
        campaignID = try store.create(Campaign(name: "Kill test", template: "help", audience: AudienceFilter(roles: [.senior]),
                                               channel: .sms, sendAt: nil), now: now)
        guard let campaign = try store.find(id: campaignID) else { return 0 }
        let library = try PromptFiles.load(folder: config.prompts)
        let service = CampaignService(database: database, config: config, library: library, voiceLanguages: { _ in nil })
        let queued = try service.launch(campaign, now: now).queued
        // Every `callEvery`-th message becomes a call (spread through the run, so kills land among them).
        if let callEvery { try database.statement("UPDATE messages SET channel = 'voice' WHERE id % ? = 0").bind(callEvery).run() }
        return try OutboxStore(database).counts()[.queued] == queued ? queued : -1
    }
}

/// Starts `outreach run --once`, kills it with SIGKILL after a random 30–400 ms (seeded), and again, until a run
/// exits by itself. Blocking (Process, usleep), so it runs on its own thread, off the test's cooperative pool.
struct KillLoop: Sendable {
    let binary: URL
    let arguments: [String]
    let environment: [String: String]
    let logPath: String
    let maxRuns: Int
    let timeLimit: TimeInterval
    /// How many sends the fake has received so far.
    let sentRequests: @Sendable () -> Int
    /// After this many kills the next run is left to finish, so a slow machine cannot make the test flaky.
    var killBudget = 30
    /// For the long-running `run`, which never ends by itself: whether it has done its work. The run left to finish
    /// is stopped with SIGTERM once this says so, and finishes if it then exits 0.
    var serviceDone: (@Sendable () -> Bool)?
    /// OUTREACH_KILLTEST_SEED (decimal) replays other kill moments.
    var seed: UInt64 = ProcessInfo.processInfo.environment["OUTREACH_KILLTEST_SEED"].flatMap { UInt64($0) } ?? 0x6B69_6C6C_2D39

    struct Outcome: Sendable {
        var finished = false
        var runs = 0
        var kills = 0
        /// Kills of a run that had sent something, with more sent by later runs.
        var midCampaignKills = 0
        var lastTermination = "none"
        var seconds = 0.0
        /// The end of the runs' stderr when a run failed by itself.
        var logTail = ""
    }

    static func tail(of path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return String(text.suffix(1_500))
    }

    /// One more run of `arguments`, left to finish (after the kills): returns its exit status.
    func finalRun(arguments: [String]) async throws -> Int32 {
        try await OutreachProcess.onOwnThread {
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            defer { try? log.close() }
            log.seekToEndOfFile()
            let process = try OutreachProcess.start(binary, arguments, environment: environment, stderr: log)
            process.waitUntilExit()
            return OutreachProcess.exitStatus(process)
        }
    }

    func runOnThread() async throws -> Outcome {
        try await OutreachProcess.onOwnThread { try self.run() }
    }

    func run() throws -> Outcome {
        var random = SplitMix64(seed: seed)
        var outcome = Outcome()
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        let started = Date()
        var killedRuns: [(before: Int, after: Int)] = []
        while outcome.runs < maxRuns, Date().timeIntervalSince(started) < timeLimit {
            outcome.runs += 1
            var stop = false
            let before = sentRequests()
            let process = try OutreachProcess.start(binary, arguments, environment: environment, stderr: log)
            let delay = Int.random(in: 30...400, using: &random)
            if outcome.kills < killBudget {
                usleep(useconds_t(delay * 1_000))
            } else if let serviceDone {
                // Kill budget spent: the service works until nothing waits, then is stopped as a service manager stops it
                // (not in its first 2 s: a signal before the process has set up its handlers ends it at once).
                let begun = Date()
                while process.isRunning, Date().timeIntervalSince(begun) < 2 || !serviceDone(),
                      Date().timeIntervalSince(started) < timeLimit { usleep(20_000) }
                if process.isRunning { kill(process.processIdentifier, SIGTERM) }
                let stopping = Date()
                while process.isRunning, Date().timeIntervalSince(stopping) < 30 { usleep(10_000) }
            } else {
                // Kill budget spent (a slow, loaded machine): this run may finish, within the time limit.
                while process.isRunning, Date().timeIntervalSince(started) < timeLimit { usleep(10_000) }
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            switch process.terminationReason {
            case .uncaughtSignal:
                outcome.kills += 1
                killedRuns.append((before, sentRequests()))
                outcome.lastTermination = "signal \(process.terminationStatus) after \(delay) ms"
            case .exit:
                outcome.lastTermination = "exit \(process.terminationStatus) after less than \(delay) ms"
                outcome.finished = process.terminationStatus == 0
                // A run that fails by itself is a finding, not something to retry: stop and report it.
                if !outcome.finished { outcome.logTail = Self.tail(of: logPath) }
                stop = true
            @unknown default:
                outcome.lastTermination = "unknown"
                stop = true
            }
            if stop { break }
        }
        let total = sentRequests()
        outcome.midCampaignKills = killedRuns.filter { $0.after > $0.before && $0.after < total }.count
        outcome.seconds = Date().timeIntervalSince(started)
        return outcome
    }
}

/// A small seeded generator so the kill moments are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Starting the real `outreach` binary from a test: no stdin, stdout discarded, stderr to the run log.
enum OutreachProcess {
    static func start(_ binary: URL, _ arguments: [String], environment: [String: String], stderr: FileHandle?) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The exit code of a finished process, or minus the signal that ended it.
    static func exitStatus(_ process: Process) -> Int32 {
        process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    /// Runs blocking work (Process, usleep) on a thread of its own, off the tests' cooperative pool.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
