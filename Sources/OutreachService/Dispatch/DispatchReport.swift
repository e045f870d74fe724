/// What a drain did: messages claimed, and how their sends ended.
public struct DispatchReport: Sendable, Equatable {
    public var claimed = 0
    public var sent = 0
    public var retried = 0
    public var failed = 0
    public var suppressed = 0
    /// Sent, but no answer came back: left `unknown` for the provider's records to settle.
    public var unconfirmed = 0
    /// Held back for the account's or the config's sake (also counted as retried), and the last reason why.
    public var held = 0
    public var heldReason: String?
    public init() {}

    static func += (lhs: inout DispatchReport, rhs: DispatchReport) {
        lhs.claimed += rhs.claimed
        lhs.sent += rhs.sent
        lhs.retried += rhs.retried
        lhs.failed += rhs.failed
        lhs.suppressed += rhs.suppressed
        lhs.unconfirmed += rhs.unconfirmed
        lhs.held += rhs.held
        lhs.heldReason = rhs.heldReason ?? lhs.heldReason
    }
}
