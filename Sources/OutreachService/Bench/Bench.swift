import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

public struct BenchOptions: Sendable {
    /// Campaign sizes to measure, each in fresh databases.
    public var sizes: [Int]
    /// Each figure is the fastest of this many runs, raw and ours interleaved so both meet the same load.
    public var repeats: Int
    /// Sends in flight, for the Dispatcher and for the raw POST ceiling alike.
    public var concurrency: Int
    /// Messages the Dispatcher claims per round (the service's default).
    public var claimSize: Int
    /// Parent of the temporary folder holding the databases (removed afterwards).
    public var temporaryDirectory: String
    /// The instant the campaign is launched and sent at: a weekday noon, outside quiet hours.
    public var now: Date

    public init(sizes: [Int] = [10_000], repeats: Int = 3, concurrency: Int = 16,
                claimSize: Int = DispatchSettings(from: "").claimSize,
                temporaryDirectory: String = NSTemporaryDirectory(),
                now: Date = Timestamp.parse("2026-03-11T11:00:00Z")!) {
        self.sizes = sizes
        self.repeats = repeats
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
        guard (1...20).contains(options.repeats) else { throw BenchError(message: "bench repeats must be between 1 and 20") }
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
        let fanOut = FanOutBench(config: config, library: library, now: options.now)
        let sender = DispatchBench(fake: fake, client: client, concurrency: options.concurrency, claimSize: options.claimSize,
                                   now: options.now)
        // Warm up: libcurl's connections and threads, the server's connection threads.
        _ = await sender.rawPosts(4 * options.concurrency, bodies: try fanOut.sampleTexts().map(\.text))
        var runs: [BenchRun] = []
        for size in options.sizes {
            runs.append(try await measure(size, options: options, fanOut: fanOut, sender: sender, folder: folder, progress: progress))
        }
        return BenchReport(repeats: options.repeats, runs: runs)
    }

    /// Our rate as a share of the ceiling's, both counting the same number of items.
    private static func share(_ ours: Timing, beside raw: Timing) -> Double {
        ours.wall > 0 ? raw.wall / ours.wall : 0
    }

    private static func measure(_ size: Int, options: BenchOptions, fanOut: FanOutBench, sender: DispatchBench, folder: String,
                                progress: @Sendable (String) -> Void) async throws -> BenchRun {
        let bodies = try fanOut.sampleTexts().map(\.text)
        var rawInsert: Timing?
        var rawPosts: Timing?
        var launch: Timing?
        var dispatch: Timing?
        var pipeline: Timing?
        var fanOutShares: [Double] = []
        var dispatchShares: [Double] = []
        var memory = BenchMemory(startKB: nil, peakKB: nil, peakIsForThisRun: false)
        for round in 1...options.repeats {
            let roundFolder = (folder as NSString).appendingPathComponent("\(size)-\(round)")
            try FileManager.default.createDirectory(atPath: roundFolder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: roundFolder) }
            let step = "\(size) messages, run \(round) of \(options.repeats)"

            progress("\(step): raw SQLite inserts")
            let inserted = try fanOut.rawInsert(size, path: (roundFolder as NSString).appendingPathComponent("raw.sqlite"))
            rawInsert = Timing.best(rawInsert, inserted)

            progress("\(step): raw libcurl POSTs to the loopback fake")
            let raw = await sender.rawPosts(size, bodies: bodies)
            guard raw.accepted == size else {
                throw BenchError(message: "the loopback fake accepted \(raw.accepted) of \(size) raw requests")
            }
            rawPosts = Timing.best(rawPosts, raw.timing)

            progress("\(step): adding \(size) seniors")
            let database = try Store.open(path: (roundFolder as NSString).appendingPathComponent("outreach.sqlite"), now: options.now)
            try fanOut.addSeniors(size, to: database)

            // Memory is watched over the last run's fan-out + dispatch.
            let watchMemory = round == options.repeats
            if watchMemory {
                memory.peakIsForThisRun = ProcessMemory.resetPeak()
                memory.startKB = ProcessMemory.residentKB()
            }
            progress("\(step): campaign launch (render + enqueue)")
            let launched = try fanOut.launch(in: database)
            guard launched.enqueued == size else {
                throw BenchError(message: "the campaign enqueued \(launched.enqueued) of \(size) messages")
            }
            launch = Timing.best(launch, launched.timing)
            fanOutShares.append(Self.share(launched.timing, beside: inserted))

            progress("\(step): dispatch through the Twilio adapter")
            let acceptedBefore = sender.fake.accepted
            let dispatched = try await sender.dispatch(database)
            if watchMemory {
                // The kernel updates the high-water mark lazily (per-thread counters): never report less than seen.
                let seen = [ProcessMemory.peakKB(), ProcessMemory.residentKB(), memory.startKB].compactMap { $0 }
                memory.peakKB = seen.max()
            }
            let seen = sender.fake.accepted - acceptedBefore
            guard dispatched.report.sent == size, seen == size else {
                throw BenchError(message: "dispatch sent \(dispatched.report.sent) of \(size) messages (the fake saw \(seen)); "
                                 + "failed \(dispatched.report.failed), retried \(dispatched.report.retried), "
                                 + "suppressed \(dispatched.report.suppressed)")
            }
            dispatch = Timing.best(dispatch, dispatched.timing)
            dispatchShares.append(Self.share(dispatched.timing, beside: raw.timing))

            // The same again without the network (a second campaign to the same people), outside the memory watch.
            progress("\(step): dispatch with no network (the pipeline alone)")
            _ = try fanOut.launch(in: database, name: "bench without network")
            let alone = try await sender.dispatch(database, network: false)
            guard alone.report.sent == size else {
                throw BenchError(message: "the dispatcher alone sent \(alone.report.sent) of \(size) messages")
            }
            pipeline = Timing.best(pipeline, alone.timing)
        }
        guard let rawInsert, let rawPosts, let launch, let dispatch, let pipeline else { throw BenchError(message: "no run was measured") }
        return BenchRun(
            messages: size,
            fanOut: BenchFigure(count: size, seconds: launch.wall, cpuSeconds: launch.cpu,
                                rawCount: size, rawSeconds: rawInsert.wall, rawCPUSeconds: rawInsert.cpu, aim: 0.5,
                                runShares: fanOutShares),
            dispatch: BenchFigure(count: size, seconds: dispatch.wall, cpuSeconds: dispatch.cpu,
                                  rawCount: size, rawSeconds: rawPosts.wall, rawCPUSeconds: rawPosts.cpu, aim: 0.6,
                                  runShares: dispatchShares),
            pipeline: BenchRate(count: size, seconds: pipeline.wall, cpuSeconds: pipeline.cpu),
            memory: memory)
    }
}
