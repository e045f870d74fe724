import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

public struct BenchOptions: Sendable {
    /// Campaign sizes to measure, each in fresh databases.
    public var sizes: [Int]
    /// Runs per size, raw and ours interleaved so both meet the same load: each figure is the run with the median share.
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

    /// The figure of a step measured in several runs, each beside its own ceiling: the run whose share is the median
    /// (the lower of the middle two for an even count), with every run's share and the fastest of each side.
    /// The fastest of each side is each side's quietest moment, wherever it fell; a short raw run finds one more easily
    /// than a longer run of ours. A share taken within a run compares the two under the load of that moment, and the
    /// median keeps one disturbed run (a raw run slowed by others inflates its share) from setting the figure.
    /// On a busy machine neither is exact: the report keeps every share and the fastest of each side.
    static func figure(_ runs: [(ours: Timing, raw: Timing)], count: Int, aim: Double) -> BenchFigure? {
        let share = { (run: (ours: Timing, raw: Timing)) in run.ours.wall > 0 ? run.raw.wall / run.ours.wall : 0 }
        let ranked = runs.sorted { share($0) < share($1) }
        guard !ranked.isEmpty else { return nil }
        let median = ranked[(ranked.count - 1) / 2]
        return BenchFigure(count: count, seconds: median.ours.wall, cpuSeconds: median.ours.cpu,
                           rawCount: count, rawSeconds: median.raw.wall, rawCPUSeconds: median.raw.cpu, aim: aim,
                           runShares: runs.map(share),
                           fastestSeconds: runs.map(\.ours.wall).min(), fastestRawSeconds: runs.map(\.raw.wall).min())
    }

    private static func measure(_ size: Int, options: BenchOptions, fanOut: FanOutBench, sender: DispatchBench, folder: String,
                                progress: @Sendable (String) -> Void) async throws -> BenchRun {
        let bodies = try fanOut.sampleTexts().map(\.text)
        var fanOutRuns: [(ours: Timing, raw: Timing)] = []
        var dispatchRuns: [(ours: Timing, raw: Timing)] = []
        var pipeline: Timing?
        var memory = BenchMemory(startKB: nil, peakKB: nil, peakIsForThisRun: false)
        for round in 1...options.repeats {
            let roundFolder = (folder as NSString).appendingPathComponent("\(size)-\(round)")
            try FileManager.default.createDirectory(atPath: roundFolder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: roundFolder) }
            let step = "\(size) messages, run \(round) of \(options.repeats)"

            progress("\(step): adding \(size) seniors")
            let database = try Store.open(path: (roundFolder as NSString).appendingPathComponent("outreach.sqlite"), now: options.now)
            try fanOut.addSeniors(size, to: database)

            // Each pair is measured back to back, raw first in odd runs and ours first in even ones, so neither side always
            // meets what the machine does just after the other. The last run has raw first: memory is watched from the launch
            // to the end of the dispatch, so the raw inserts' own database stays outside it (the raw POSTs, 16 in flight,
            // fall inside).
            let oursFirst = round % 2 == 0 && round != options.repeats
            func rawInsert() throws -> Timing {
                progress("\(step): raw SQLite inserts")
                return try fanOut.rawInsert(size, path: (roundFolder as NSString).appendingPathComponent("raw.sqlite"))
            }
            func rawPosts() async throws -> Timing {
                progress("\(step): raw libcurl POSTs to the loopback fake")
                let raw = await sender.rawPosts(size, bodies: bodies)
                guard raw.accepted == size else {
                    throw BenchError(message: "the loopback fake accepted \(raw.accepted) of \(size) raw requests")
                }
                return raw.timing
            }

            let insertedFirst = oursFirst ? nil : try rawInsert()
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
            fanOutRuns.append((launched.timing, try insertedFirst ?? rawInsert()))

            let postedFirst = oursFirst ? nil : try await rawPosts()
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
            let posted: Timing
            if let postedFirst { posted = postedFirst } else { posted = try await rawPosts() }
            dispatchRuns.append((dispatched.timing, posted))

            // The same again without the network (a second campaign to the same people), outside the memory watch.
            progress("\(step): dispatch with no network (the pipeline alone)")
            _ = try fanOut.launch(in: database, name: "bench without network")
            let alone = try await sender.dispatch(database, network: false)
            guard alone.report.sent == size else {
                throw BenchError(message: "the dispatcher alone sent \(alone.report.sent) of \(size) messages")
            }
            pipeline = Timing.best(pipeline, alone.timing)
        }
        guard let fanOutFigure = figure(fanOutRuns, count: size, aim: 0.5), let dispatchFigure = figure(dispatchRuns, count: size, aim: 0.6),
              let pipeline else { throw BenchError(message: "no run was measured") }
        return BenchRun(
            messages: size,
            fanOut: fanOutFigure,
            dispatch: dispatchFigure,
            pipeline: BenchRate(count: size, seconds: pipeline.wall, cpuSeconds: pipeline.cpu),
            memory: memory)
    }
}
