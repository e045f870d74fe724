import Foundation

/// Where a command reads and writes. Tests capture it; the executable wires it to the real streams.
public final class Console: @unchecked Sendable {
    private let writeOut: (String) -> Void
    private let writeErr: (String) -> Void
    private let readLine: () -> String?

    public init(out: @escaping (String) -> Void, err: @escaping (String) -> Void, readLine: @escaping () -> String?) {
        self.writeOut = out
        self.writeErr = err
        self.readLine = readLine
    }

    public func print(_ line: String = "") { writeOut(line + "\n") }
    public func error(_ line: String) { writeErr(line + "\n") }
    public func nextInputLine() -> String? { readLine() }

    /// The process's real stdin, stdout and stderr.
    public static func standard() -> Console {
        Console(
            // A reader gone away (`run | tee` ended by the same Ctrl-C) drops the line; it must not end the process
            // before its clean stop (SIGPIPE is ignored in main.swift; `write(_: Data)` would trap on the error).
            out: { text in try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) },
            err: { text in try? FileHandle.standardError.write(contentsOf: Data(text.utf8)) },
            readLine: { Swift.readLine(strippingNewline: true) })
    }
}

/// A console that records everything, for tests.
public final class CapturedConsole: @unchecked Sendable {
    private let lock = NSLock()
    private var outText = ""
    private var errText = ""
    private var input: [String]

    public init(input: [String] = []) { self.input = input }

    public var out: String { lock.withLock { outText } }
    public var err: String { lock.withLock { errText } }

    public var console: Console {
        Console(
            out: { text in self.lock.withLock { self.outText += text } },
            err: { text in self.lock.withLock { self.errText += text } },
            readLine: { self.lock.withLock { self.input.isEmpty ? nil : self.input.removeFirst() } })
    }
}
