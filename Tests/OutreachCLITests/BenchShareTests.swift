import Testing
@testable import OutreachCLI
import OutreachService

@Suite("outreach bench: the share line")
struct BenchShareTests {
    /// A figure whose rate is `share` of a raw rate of 10,000 a second.
    static func figure(_ share: Double, aim: Double = 0.6) -> BenchFigure {
        BenchFigure(count: 10_000, seconds: 1 / share, cpuSeconds: 1, rawCount: 10_000, rawSeconds: 1, rawCPUSeconds: 1, aim: aim)
    }

    @Test("a share that rounds to the aim without reaching it keeps a decimal; others are whole percents")
    func share() {
        #expect(BenchCommand.share(Self.figure(0.5984)) == "59.8% of raw (aim 60%, NOT met)")
        #expect(BenchCommand.share(Self.figure(0.59999)) == "59.9% of raw (aim 60%, NOT met)")
        #expect(BenchCommand.share(Self.figure(0.6001)) == "60% of raw (aim 60%, met)")
        #expect(BenchCommand.share(Self.figure(0.6049)) == "60% of raw (aim 60%, met)")
        #expect(BenchCommand.share(Self.figure(0.56)) == "56% of raw (aim 60%, NOT met)")
        #expect(BenchCommand.share(Self.figure(1.12, aim: 0.5)) == "112% of raw (aim 50%, met)")
    }

    @Test("each run's own share is listed with the fastest of each side, only when there was more than one run")
    func runByRun() {
        var figure = Self.figure(0.612)
        figure.runShares = [0.612, 0.85, 0.57]
        #expect(BenchCommand.runShares(figure) == ["            run by run: 61% 85% 57% (2 of 3 at the aim)"])
        figure.fastestSeconds = 0.5
        figure.fastestRawSeconds = 0.4
        #expect(BenchCommand.runShares(figure) == ["            run by run: 61% 85% 57% (2 of 3 at the aim); fastest of each: 20000 vs 25000 a second (80%)"])
        figure.runShares = [0.66]
        #expect(BenchCommand.runShares(figure).isEmpty)
    }
}
