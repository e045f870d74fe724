import Foundation
@testable import OutreachCLI

/// Runs the CLI in-process against a temporary folder with its own database, a captured console and a fixed clock.
final class CLIHarness {
    let folder: String
    var now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T09:06:40Z, a Wednesday

    init() {
        folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("outreach-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    var databasePath: String { path("outreach.sqlite") }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let file = path(name)
        try! Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    struct Outcome {
        let code: Int32
        let out: String
        let err: String
        var outLines: [String] { out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
    }

    /// `outreach --db <temp> ARGS` with an empty environment (so no real config is picked up unless given).
    func run(_ arguments: [String], input: [String] = [], config: String? = nil, environment: [String: String] = [:]) async -> Outcome {
        let captured = CapturedConsole(input: input)
        var global = ["--db", databasePath]
        if let config { global += ["--config", config] }
        let fixed = now
        let code = await OutreachCLI.run(global + arguments, console: captured.console, environment: environment, now: { fixed })
        return Outcome(code: code, out: captured.out, err: captured.err)
    }

    func run(_ arguments: String...) async -> Outcome { await run(arguments) }
}
