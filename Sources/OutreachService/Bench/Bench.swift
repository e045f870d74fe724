import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

public struct BenchOptions: Sendable {
    /// Campaign sizes to measure, each in a fresh database.
    public var sizes: [Int]
    /// Sends in flight, for the Dispatcher and for the raw POST ceiling alike.
    public var concurrency: Int
    /// Messages the Dispatcher claims per round (the service's default).
    public var claimSize: Int
    /// Parent of the temporary folder holding the databases (removed afterwards).
    public var temporaryDirectory: String
    /// The instant the campaign is launched and sent at: a weekday noon, outside quiet hours.
    public var now: Date

    public init(sizes: [Int] = [10_000], concurrency: Int = 16, claimSize: Int = DispatchSettings(from: "").claimSize,
                temporaryDirectory: String = NSTemporaryDirectory(),
                now: Date = Timestamp.parse("2026-03-11T11:00:00Z")!) {
        self.sizes = sizes
        self.concurrency = concurrency
        self.claimSize = claimSize
        self.temporaryDirectory = temporaryDirectory
        self.now = now
    }
}

public struct BenchError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// `outreach bench`: fan-out, dispatch and memory at each size, each figure beside its raw ceiling.
public enum Bench {
    /// Runs every size in turn. `progress` hears a line before each step (for a terminal; may ignore it).
    public static func run(_ options: BenchOptions, config: OutreachConfig, library: PromptLibrary,
                           progress: @Sendable (String) -> Void = { _ in }) async throws -> BenchReport {
        guard !options.sizes.isEmpty, options.sizes.allSatisfy({ $0 > 0 && $0 < 1_000_000 }) else {
            throw BenchError(message: "bench sizes must be between 1 and 999999 messages")
        }
        guard library.catalog.templates[FanOutBench.template] != nil else {
            throw BenchError(message: "the prompts have no '\(FanOutBench.template)' template to benchmark with")
        }
        let folder = (options.temporaryDirectory as NSString).appendingPathComponent("outreach-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let fake = try LoopbackTwilio()
        let client = CurlHTTPClient(maxConcurrent: options.concurrency, options: .init())
        defer {
            client.close()
            fake.stop()
        }
        var runs: [BenchRun] = []
        for (index, size) in options.sizes.enumerated() {
            let run = try await measure(size, options: options, config: config, library: library, fake: fake, client: client,
                                        folder: (folder as NSString).appendingPathComponent("run-\(index + 1)"), progress: progress)
            runs.append(run)
        }
        return BenchReport(runs: runs)
    }

    private static func measure(_ size: Int, options: BenchOptions, config: OutreachConfig, library: PromptLibrary,
                                fake: LoopbackTwilio, client: CurlHTTPClient, folder: String,
                                progress: @Sendable (String) -> Void) async throws -> BenchRun {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fanOut = FanOutBench(config: config, library: library, now: options.now)
        let sender = DispatchBench(fake: fake, client: client, concurrency: options.concurrency, claimSize: options.claimSize,
                                   now: options.now)

        progress("\(size): raw SQLite inserts")
        let rawInsertSeconds = try fanOut.rawInsert(size, path: (folder as NSString).appendingPathComponent("raw.sqlite"))

        progress("\(size): raw libcurl POSTs to the loopback fake")
        let body = try fanOut.sampleBody()
        _ = await sender.rawPosts(min(size, 2 * options.concurrency), body: body)  // warm up: connections and threads
        let raw = await sender.rawPosts(size, body: body)
        guard raw.accepted == size else {
            throw BenchError(message: "the loopback fake accepted \(raw.accepted) of \(size) raw requests")
        }

        progress("\(size): adding \(size) seniors")
        let database = try Store.open(path: (folder as NSString).appendingPathComponent("outreach.sqlite"), now: options.now)
        try fanOut.addSeniors(size, to: database)

        // Memory is watched over fan-out + dispatch only.
        let peakReset = ProcessMemory.resetPeak()
        let startKB = ProcessMemory.residentKB()
        progress("\(size): campaign launch (render + enqueue)")
        let launched = try fanOut.launch(in: database)
        guard launched.enqueued == size else {
            throw BenchError(message: "the campaign enqueued \(launched.enqueued) of \(size) messages")
        }
        progress("\(size): dispatch through the Twilio adapter")
        let acceptedBefore = fake.accepted
        let dispatched = try await sender.dispatch(database)
        let peakKB = ProcessMemory.peakKB()
        guard dispatched.sent == size, fake.accepted - acceptedBefore == size else {
            throw BenchError(message: "dispatch sent \(dispatched.sent) of \(size) messages (the fake saw \(fake.accepted - acceptedBefore)); "
                             + "failed \(dispatched.report.failed), retried \(dispatched.report.retried), suppressed \(dispatched.report.suppressed)")
        }
        return BenchRun(
            messages: size,
            fanOut: BenchFigure(count: launched.enqueued, seconds: launched.seconds, rawCount: size, rawSeconds: rawInsertSeconds, aim: 0.5),
            dispatch: BenchFigure(count: dispatched.sent, seconds: dispatched.seconds, rawCount: raw.accepted, rawSeconds: raw.seconds, aim: 0.6),
            memory: BenchMemory(startKB: startKB, peakKB: peakKB, peakIsForThisRun: peakReset))
    }
}
