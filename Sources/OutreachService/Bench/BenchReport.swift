import Foundation

/// What `outreach bench` measured: per campaign size, each figure beside its raw ceiling from the same run.
public struct BenchReport: Sendable, Codable, Equatable {
    /// Runs per size: each figure is the run with the median share (see `Bench.figure`); the pipeline's rate is the
    /// fastest.
    public var repeats: Int
    public var runs: [BenchRun]

    public init(repeats: Int, runs: [BenchRun]) {
        self.repeats = repeats
        self.runs = runs
    }
}

/// One campaign size: fan-out, dispatch and memory.
public struct BenchRun: Sendable, Codable, Equatable {
    public var messages: Int
    public var fanOut: BenchFigure
    public var dispatch: BenchFigure
    /// The dispatcher with a provider that answers at once, without the network: what claiming, checking and
    /// recording cost alone (beside `dispatch`, it shows how much of a send is ours and how much is HTTP).
    public var pipeline: BenchRate?
    public var memory: BenchMemory

    public init(messages: Int, fanOut: BenchFigure, dispatch: BenchFigure, pipeline: BenchRate? = nil, memory: BenchMemory) {
        self.messages = messages
        self.fanOut = fanOut
        self.dispatch = dispatch
        self.pipeline = pipeline
        self.memory = memory
    }
}

/// A rate on its own (no ceiling beside it).
public struct BenchRate: Sendable, Codable, Equatable {
    public var count: Int
    public var seconds: Double
    public var cpuSeconds: Double

    public init(count: Int, seconds: Double, cpuSeconds: Double) {
        self.count = count
        self.seconds = seconds
        self.cpuSeconds = cpuSeconds
    }

    public var perSecond: Double { seconds > 0 ? Double(count) / seconds : 0 }
    public var cpuMicrosEach: Double { count > 0 ? cpuSeconds * 1e6 / Double(count) : 0 }
}

/// A rate of our code path beside the rate of the bare operation underneath it (the ceiling).
public struct BenchFigure: Sendable, Codable, Equatable {
    /// What was counted ("messages", "rows", "requests").
    public var count: Int
    /// Wall-clock seconds of the run with the median share.
    public var seconds: Double
    /// Process CPU seconds (all threads) of that same run.
    public var cpuSeconds: Double
    public var rawCount: Int
    public var rawSeconds: Double
    public var rawCPUSeconds: Double
    /// The share of the ceiling we should reach (0.5 = half).
    public var aim: Double
    /// Each run's own share, in the order run: ours beside the ceiling measured back to back with it.
    public var runShares: [Double]
    /// The fastest run of each side, whatever the other side did then (nil when not measured).
    public var fastestSeconds: Double?
    public var fastestRawSeconds: Double?

    public init(count: Int, seconds: Double, cpuSeconds: Double, rawCount: Int, rawSeconds: Double, rawCPUSeconds: Double,
                aim: Double, runShares: [Double] = [], fastestSeconds: Double? = nil, fastestRawSeconds: Double? = nil) {
        self.count = count
        self.seconds = seconds
        self.cpuSeconds = cpuSeconds
        self.rawCount = rawCount
        self.rawSeconds = rawSeconds
        self.rawCPUSeconds = rawCPUSeconds
        self.aim = aim
        self.runShares = runShares
        self.fastestSeconds = fastestSeconds
        self.fastestRawSeconds = fastestRawSeconds
    }

    /// How many runs' own shares reach the aim.
    public var runsMeetingAim: Int { runShares.filter { $0 >= aim }.count }

    /// The fastest of each side as rates, and the first as a share of the second (nil when not measured).
    public var fastest: (perSecond: Double, rawPerSecond: Double, ratio: Double)? {
        guard let fastestSeconds, let fastestRawSeconds, fastestSeconds > 0, fastestRawSeconds > 0 else { return nil }
        return (Double(count) / fastestSeconds, Double(rawCount) / fastestRawSeconds, fastestRawSeconds / fastestSeconds)
    }

    /// Our side and the ceiling, each as a rate on its own.
    public var ours: BenchRate { BenchRate(count: count, seconds: seconds, cpuSeconds: cpuSeconds) }
    public var raw: BenchRate { BenchRate(count: rawCount, seconds: rawSeconds, cpuSeconds: rawCPUSeconds) }

    public var perSecond: Double { ours.perSecond }
    public var rawPerSecond: Double { raw.perSecond }
    /// Our rate as a share of the raw one.
    public var ratio: Double { rawPerSecond > 0 ? perSecond / rawPerSecond : 0 }
    public var meetsAim: Bool { ratio >= aim }
    /// CPU microseconds per item: steadier than rates on a busy machine.
    public var cpuMicrosEach: Double { ours.cpuMicrosEach }
    public var rawCPUMicrosEach: Double { raw.cpuMicrosEach }

    private enum Keys: String, CodingKey {
        case count, seconds, cpuSeconds, rawCount, rawSeconds, rawCPUSeconds, aim, perSecond, rawPerSecond, ratio, meetsAim
        case cpuMicrosEach, rawCPUMicrosEach, runShares, fastestSeconds, fastestRawSeconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        count = try container.decode(Int.self, forKey: .count)
        seconds = try container.decode(Double.self, forKey: .seconds)
        cpuSeconds = try container.decode(Double.self, forKey: .cpuSeconds)
        rawCount = try container.decode(Int.self, forKey: .rawCount)
        rawSeconds = try container.decode(Double.self, forKey: .rawSeconds)
        rawCPUSeconds = try container.decode(Double.self, forKey: .rawCPUSeconds)
        aim = try container.decode(Double.self, forKey: .aim)
        runShares = try container.decodeIfPresent([Double].self, forKey: .runShares) ?? []
        fastestSeconds = try container.decodeIfPresent(Double.self, forKey: .fastestSeconds)
        fastestRawSeconds = try container.decodeIfPresent(Double.self, forKey: .fastestRawSeconds)
    }

    /// The derived figures are written too, so `--json` readers need not compute them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(count, forKey: .count)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(cpuSeconds, forKey: .cpuSeconds)
        try container.encode(rawCount, forKey: .rawCount)
        try container.encode(rawSeconds, forKey: .rawSeconds)
        try container.encode(rawCPUSeconds, forKey: .rawCPUSeconds)
        try container.encode(aim, forKey: .aim)
        try container.encode((cpuMicrosEach * 10).rounded() / 10, forKey: .cpuMicrosEach)
        try container.encode((rawCPUMicrosEach * 10).rounded() / 10, forKey: .rawCPUMicrosEach)
        try container.encode(perSecond.rounded(), forKey: .perSecond)
        try container.encode(rawPerSecond.rounded(), forKey: .rawPerSecond)
        try container.encode((ratio * 1000).rounded() / 1000, forKey: .ratio)
        try container.encode(meetsAim, forKey: .meetsAim)
        try container.encode(runShares, forKey: .runShares)
        try container.encodeIfPresent(fastestSeconds, forKey: .fastestSeconds)
        try container.encodeIfPresent(fastestRawSeconds, forKey: .fastestRawSeconds)
    }
}

/// Resident memory around fan-out + dispatch, in KiB, from /proc/self/status (nil where not readable).
public struct BenchMemory: Sendable, Codable, Equatable {
    /// VmRSS just before fan-out started.
    public var startKB: Int?
    /// VmHWM after dispatch: the peak since the start mark (or since the process began when the peak could not be reset).
    public var peakKB: Int?
    /// True when the kernel let us reset the peak at the start mark (write "5" to /proc/self/clear_refs).
    public var peakIsForThisRun: Bool

    public init(startKB: Int?, peakKB: Int?, peakIsForThisRun: Bool) {
        self.startKB = startKB
        self.peakKB = peakKB
        self.peakIsForThisRun = peakIsForThisRun
    }

    /// How far the peak rose above the start mark.
    public var growthKB: Int? {
        guard let startKB, let peakKB else { return nil }
        return max(0, peakKB - startKB)
    }
}
