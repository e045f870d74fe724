import Foundation
import OutreachCore
@testable import OutreachService
import Testing

/// The benchmark at a tiny size: the report must be coherent (no timing assertions: machines differ).
@Suite("outreach bench")
struct BenchTests {
    @Test("a tiny run counts every message and reports positive rates beside positive ceilings")
    func tinyRun() async throws {
        let library = try ShippedPromptsTests.library()
        var config = OutreachConfig()
        config.organization.name = "Träffpunkt Råslätt"
        // Three runs: the second measures ours before its ceiling.
        let report = try await Bench.run(BenchOptions(sizes: [200, 300], repeats: 3, concurrency: 4), config: config, library: library)
        #expect(report.repeats == 3)
        #expect(report.runs.map(\.messages) == [200, 300])
        for run in report.runs {
            for figure in [run.fanOut, run.dispatch] {
                #expect(figure.count == run.messages)
                #expect(figure.rawCount == run.messages)
                #expect(figure.perSecond > 0)
                #expect(figure.rawPerSecond > 0)
                #expect(figure.ratio > 0)
                #expect(figure.cpuSeconds >= 0)
            }
            let pipeline = try #require(run.pipeline)
            #expect(pipeline.count == run.messages && pipeline.perSecond > 0)
            #expect(run.fanOut.aim == 0.5)
            #expect(run.dispatch.aim == 0.6)
            // One share per run, each from its own pair of timings.
            #expect(run.fanOut.runShares.count == 3 && run.dispatch.runShares.count == 3)
            #expect(run.dispatch.runShares.allSatisfy { $0 > 0 })
            #if os(Linux)
            let peak = try #require(run.memory.peakKB)
            let start = try #require(run.memory.startKB)
            #expect(peak > 0 && start > 0)
            if run.memory.peakIsForThisRun { #expect(peak >= start) }
            #endif
        }
    }

    @Test("the JSON report carries the derived rates and round-trips")
    func jsonReport() throws {
        let figure = BenchFigure(count: 100, seconds: 0.5, cpuSeconds: 0.4, rawCount: 100, rawSeconds: 0.25, rawCPUSeconds: 0.2, aim: 0.5,
                                 runShares: [0.5, 0.7, 0.4, 0.6], fastestSeconds: 0.4, fastestRawSeconds: 0.2)
        #expect(figure.perSecond == 200)
        #expect(figure.rawPerSecond == 400)
        #expect(figure.ratio == 0.5)
        #expect(figure.meetsAim)
        #expect(figure.cpuMicrosEach == 4000)
        let report = BenchReport(repeats: 1, runs: [BenchRun(messages: 100, fanOut: figure, dispatch: figure,
                                                            memory: BenchMemory(startKB: 1000, peakKB: 1500, peakIsForThisRun: true))])
        let data = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let run = try #require((object["runs"] as? [[String: Any]])?.first)
        let fanOut = try #require(run["fanOut"] as? [String: Any])
        #expect(fanOut["perSecond"] as? Double == 200)
        #expect(fanOut["ratio"] as? Double == 0.5)
        #expect(fanOut["runShares"] as? [Double] == [0.5, 0.7, 0.4, 0.6])
        #expect(fanOut["fastestSeconds"] as? Double == 0.4)
        #expect(try JSONDecoder().decode(BenchReport.self, from: data) == report)
        #expect(report.runs[0].memory.growthKB == 500)
    }

    @Test("a figure is the run with the median share, not the fastest of each side (those can come from different moments)")
    func medianRun() throws {
        var cpu = 0.0
        func timing(_ wall: Double) -> Timing {
            cpu += 1  // each timing its own CPU figure: they must come from the chosen run too
            return Timing(wall: wall, cpu: cpu)
        }
        // Run 2's ceiling was measured in a quiet moment, run 1's ours in another: the fastest of each read 0.5.
        let runs = [(ours: timing(1.0), raw: timing(0.7)), (ours: timing(1.4), raw: timing(0.5)), (ours: timing(1.2), raw: timing(0.78))]
        let figure = try #require(Bench.figure(runs, count: 1000, aim: 0.6))
        #expect(figure.seconds == 1.2 && figure.rawSeconds == 0.78, "the middle share, 0.65, is run 3's")
        #expect(figure.cpuSeconds == 5 && figure.rawCPUSeconds == 6)
        #expect(figure.runsMeetingAim == 2)
        #expect(abs(figure.ratio - 0.65) < 1e-9)
        #expect(figure.runShares.map { ($0 * 100).rounded() } == [70, 36, 65])
        let fastest = try #require(figure.fastest)
        #expect(fastest.perSecond == 1000 && fastest.rawPerSecond == 2000 && fastest.ratio == 0.5)
        // An even count takes the lower of the middle two.
        let even = try #require(Bench.figure(Array(runs.prefix(2)), count: 1000, aim: 0.6))
        #expect(even.seconds == 1.4)
        #expect(Bench.figure([], count: 1000, aim: 0.6) == nil)
    }

    @Test("sizes and repeats out of range are refused with a message", arguments: [
        BenchOptions(sizes: []), BenchOptions(sizes: [0]), BenchOptions(sizes: [1_000_000]), BenchOptions(sizes: [10], repeats: 0),
    ])
    func badOptions(_ options: BenchOptions) async throws {
        let library = try ShippedPromptsTests.library()
        await #expect(throws: BenchError.self) {
            _ = try await Bench.run(options, config: OutreachConfig(), library: library)
        }
    }
}
