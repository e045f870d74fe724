import Foundation
import OutreachService

enum BenchCommand {
    static let node = CommandNode("bench", summary: "measure fan-out, dispatch and memory against their raw ceilings", help: """
        Usage: outreach bench [--messages N] [--sizes N,N,...] [--repeat R] [--json]

        In a temporary database (removed afterwards), with the config's prompts:
          fan-out   campaign launch of the "help" text to N seniors (render + enqueue), beside the raw
                    SQLite rate: N inserts of the same row shape in one transaction, one prepared statement
          dispatch  the Dispatcher sending those N messages through the Twilio adapter and libcurl
                    (16 at once) to a loopback fake, beside N bare POSTs to the same fake at the same concurrency
          pipeline  the Dispatcher again with a provider that answers at once: its own cost without HTTP
          memory    peak resident memory (VmHWM) during fan-out + dispatch
          --messages N   campaign size (default 10000)
          --sizes LIST   several sizes, e.g. 10000,100000, to see whether memory stays flat
          --repeat R     R runs (default 3); in each, ours and its ceiling back to back, raw first in odd
                         runs; each figure is the run whose share is the median
          --json         the report as JSON
        Beside each rate: process CPU microseconds per message (all threads), steadier on a busy machine.
        Shares are taken within a run, under the load of that moment. Under fan-out and dispatch: each run's
        share, how many reach the aim, and the fastest of each side, wherever it fell.
        Build with -c release for real figures ('make bench').
        """) { arguments, context in
        let json = arguments.flag("--json")
        let messages = try arguments.intOption("--messages")
        let sizesText = try arguments.option("--sizes")
        let repeats = try arguments.intOption("--repeat") ?? 3
        try arguments.finish()
        var sizes = [messages ?? 10_000]
        if let sizesText {
            guard messages == nil else { throw CLIError.usage("outreach bench: give --messages or --sizes, not both") }
            sizes = try sizesText.split(separator: ",").map { part in
                guard let size = Int(part.trimmingCharacters(in: .whitespaces)), size > 0 else {
                    throw CLIError.usage("outreach bench: --sizes takes positive whole numbers separated by commas, not '\(part)'")
                }
                return size
            }
        }
        guard sizes.allSatisfy({ $0 > 0 && $0 < 1_000_000 }) else {
            throw CLIError.usage("outreach bench: sizes must be between 1 and 999999")
        }
        guard (1...20).contains(repeats) else { throw CLIError.usage("outreach bench: --repeat must be between 1 and 20") }
        let config = try context.config()
        let library = try context.promptLibrary()
        let console = context.console
        let options = BenchOptions(sizes: sizes, repeats: repeats)
        let report: BenchReport
        do {
            report = try await Bench.run(options, config: config, library: library, progress: { console.error("bench: " + $0) })
        } catch let error as BenchError {
            throw CLIError.failure("outreach bench: \(error.message)")
        }
        if json {
            console.print(try JSONOutput.string(report))
        } else {
            for line in lines(report) { console.print(line) }
        }
    }

    static func lines(_ report: BenchReport) -> [String] {
        var lines = [report.repeats > 1
            ? "(fan-out, dispatch: ours and its ceiling measured back to back; rates, share and CPU from the run whose share is "
                + "the median of \(report.repeats). pipeline: the fastest of \(report.repeats))"
            : "(one run: ours and its ceiling measured back to back)"]
        for run in report.runs {
            lines.append("\(run.messages) messages")
            lines.append("  fan-out   " + rate(run.fanOut.perSecond, "messages/s") + "   raw SQLite insert " + rate(run.fanOut.rawPerSecond, "rows/s    ")
                         + "   " + share(run.fanOut) + cpu(run.fanOut))
            lines.append(contentsOf: runShares(run.fanOut))
            lines.append("  dispatch  " + rate(run.dispatch.perSecond, "messages/s") + "   raw libcurl POST  " + rate(run.dispatch.rawPerSecond, "requests/s")
                         + "   " + share(run.dispatch) + cpu(run.dispatch))
            lines.append(contentsOf: runShares(run.dispatch))
            if let pipeline = run.pipeline {
                lines.append("  pipeline  " + rate(pipeline.perSecond, "messages/s") + "   with a provider that answers at once (claim, checks, record)"
                             + "; CPU \(String(format: "%.1f", pipeline.cpuMicrosEach)) µs each")
            }
            let memory = run.memory
            let peak = memory.peakKB.map { megabytes($0) } ?? "unknown"
            let start = memory.startKB.map { megabytes($0) } ?? "unknown"
            let growth = memory.growthKB.map { " (+" + megabytes($0) + ")" } ?? ""
            lines.append("  memory    peak RSS \(peak) during fan-out + dispatch, \(start) at start\(growth)"
                         + (memory.peakIsForThisRun ? "" : "; peak since process start"))
        }
        if report.runs.count > 1, let first = report.runs.first, let last = report.runs.last,
           let low = first.memory.peakKB, let high = last.memory.peakKB {
            lines.append("memory from \(first.messages) to \(last.messages) messages: peak \(megabytes(low)) → \(megabytes(high))")
        }
        return lines
    }

    private static func rate(_ value: Double, _ unit: String) -> String {
        let number = String(Int(value.rounded()))
        return String(repeating: " ", count: max(0, 8 - number.count)) + number + " " + unit
    }

    private static func cpu(_ figure: BenchFigure) -> String {
        "; CPU \(String(format: "%.1f", figure.cpuMicrosEach)) vs \(String(format: "%.1f", figure.rawCPUMicrosEach)) µs each"
    }

    /// "64% of raw (aim 60%, met)". A share that rounds to the aim without reaching it keeps one decimal
    /// ("59.8%"), so the line never reads "60%, NOT met".
    static func share(_ figure: BenchFigure) -> String {
        let aim = Int((figure.aim * 100).rounded())
        var percent = String(Int((figure.ratio * 100).rounded()))
        if !figure.meetsAim, Int(percent)! >= aim {
            percent = String(format: "%.1f", (figure.ratio * 1000).rounded(.down) / 10)
        }
        return "\(percent)% of raw (aim \(aim)%\(figure.meetsAim ? ", met" : ", NOT met"))"
    }

    /// "            run by run: 61% 85% 57% (2 of 3 at the aim); fastest of each: 17165 vs 27115 a second (63%)", with more
    /// than one run.
    static func runShares(_ figure: BenchFigure) -> [String] {
        guard figure.runShares.count > 1 else { return [] }
        var line = "            run by run: " + figure.runShares.map { "\(Int(($0 * 100).rounded()))%" }.joined(separator: " ")
            + " (\(figure.runsMeetingAim) of \(figure.runShares.count) at the aim)"
        if let fastest = figure.fastest {
            line += "; fastest of each: \(Int(fastest.perSecond.rounded())) vs \(Int(fastest.rawPerSecond.rounded())) a second"
                + " (\(Int((fastest.ratio * 100).rounded()))%)"
        }
        return [line]
    }

    private static func megabytes(_ kilobytes: Int) -> String {
        String(format: "%.1f MB", Double(kilobytes) / 1024)
    }
}

