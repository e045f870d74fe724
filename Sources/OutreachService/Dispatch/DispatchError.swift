/// Why a drain could not end cleanly.
public enum DispatchError: Error, CustomStringConvertible {
    /// The database refused results for good (an error waiting does not cure, or a stop came while it was busy):
    /// those messages stay `sending`, and the next start makes them `unknown` and settles them from the provider's
    /// records. The log names each one.
    case resultsUnwritten(messages: Int, underlying: any Error)

    public var description: String {
        switch self {
        case .resultsUnwritten(let messages, let underlying):
            "the database refused the results of \(messages) message(s): \(underlying); " +
                "they stay 'sending' until the next start settles them"
        }
    }
}
