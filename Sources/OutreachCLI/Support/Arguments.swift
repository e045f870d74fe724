/// A hand-written argument reader: `--name value`, `--name=value`, boolean `--flag`, and positionals.
/// Every option a command accepts is declared by asking for it; `finish()` rejects anything left over.
public struct Arguments {
    private var tokens: [String]
    private var known: [String] = []
    public let command: String

    public init(_ tokens: [String], command: String) {
        self.tokens = tokens
        self.command = command
    }

    public var isEmpty: Bool { tokens.isEmpty }
    public var wantsHelp: Bool { tokens.contains("--help") || tokens.contains("-h") }

    /// The value of `--name VALUE` or `--name=VALUE`, removed from the list.
    public mutating func option(_ name: String) throws(CLIError) -> String? {
        known.append(name)
        for (index, token) in tokens.enumerated() {
            if token == name {
                guard index + 1 < tokens.count, !tokens[index + 1].hasPrefix("--") || tokens[index + 1] == "--" else {
                    throw .usage("\(command): \(name) needs a value")
                }
                let value = tokens[index + 1]
                tokens.removeSubrange(index...(index + 1))
                return value
            }
            if token.hasPrefix(name + "=") {
                tokens.remove(at: index)
                return String(token.dropFirst(name.count + 1))
            }
        }
        return nil
    }

    public mutating func requiredOption(_ name: String) throws(CLIError) -> String {
        guard let value = try option(name) else { throw .usage("\(command): missing \(name)") }
        return value
    }

    public mutating func intOption(_ name: String) throws(CLIError) -> Int? {
        guard let text = try option(name) else { return nil }
        guard let value = Int(text) else { throw .usage("\(command): \(name) must be a whole number, not '\(text)'") }
        return value
    }

    /// True when `--name` is present (and removes it).
    public mutating func flag(_ name: String) -> Bool {
        known.append(name)
        guard let index = tokens.firstIndex(of: name) else { return false }
        tokens.remove(at: index)
        return true
    }

    /// The next positional argument, or nil.
    public mutating func positional() -> String? {
        guard let index = tokens.firstIndex(where: { !$0.hasPrefix("--") || $0 == "-" }) else { return nil }
        return tokens.remove(at: index)
    }

    public mutating func requiredPositional(_ what: String) throws(CLIError) -> String {
        guard let value = positional() else { throw .usage("\(command): missing \(what)") }
        return value
    }

    /// Fails on anything not consumed: an unknown option gets a did-you-mean.
    public func finish() throws(CLIError) {
        guard let first = tokens.first else { return }
        if first.hasPrefix("--") {
            let name = String(first.split(separator: "=", maxSplits: 1)[0])
            // Options are consumed once: a second `--name` is left over, and is known.
            if known.contains(name) { throw .usage("\(command): \(name) is given twice") }
            if name == "--db" || name == "--config" {
                let bare = command.hasPrefix("outreach ") ? String(command.dropFirst("outreach ".count)) : command
                throw .usage("\(command): \(name) is a global option and goes before the command: outreach \(name) FILE \(bare) ...")
            }
            if let suggestion = Suggestion.closest(to: name, among: known) {
                throw .usage("\(command): unknown option \(name) (did you mean \(suggestion)?)")
            }
            throw .usage("\(command): unknown option \(name)")
        }
        throw .usage("\(command): unexpected argument '\(first)'")
    }
}

import OutreachCore
