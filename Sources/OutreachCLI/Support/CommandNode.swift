/// One level of the command tree: a group with children, or a leaf that runs.
struct CommandNode: Sendable {
    let name: String
    let summary: String
    /// Extra help shown by `--help`: usage lines and option descriptions.
    let help: String
    let children: [CommandNode]
    let run: (@Sendable (inout Arguments, AppContext) async throws -> Void)?

    init(_ name: String, summary: String, help: String = "", children: [CommandNode]) {
        self.name = name
        self.summary = summary
        self.help = help
        self.children = children
        self.run = nil
    }

    init(_ name: String, summary: String, help: String, run: @escaping @Sendable (inout Arguments, AppContext) async throws -> Void) {
        self.name = name
        self.summary = summary
        self.help = help
        self.children = []
        self.run = run
    }

    func helpText(path: String) -> String {
        var lines = ["\(path): \(summary)"]
        if !help.isEmpty { lines += ["", help] }
        if !children.isEmpty {
            lines += ["", "Commands:"]
            let width = children.map(\.name.count).max() ?? 0
            for child in children {
                lines.append("  " + child.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + child.summary)
            }
            lines += ["", "Run '\(path) COMMAND --help' for more."]
        }
        return lines.joined(separator: "\n")
    }
}

import Foundation
