/// How a command ends badly: a usage mistake (exit 2) or a failure (exit 1). One line each on stderr.
public enum CLIError: Error, Equatable, CustomStringConvertible {
    case usage(String)
    case failure(String)
    /// Several lines, e.g. every bad row of an import; exit 1.
    case failures([String])

    public var description: String {
        switch self {
        case .usage(let message), .failure(let message): return message
        case .failures(let lines): return lines.joined(separator: "\n")
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .usage: return 2
        case .failure, .failures: return 1
        }
    }
}
