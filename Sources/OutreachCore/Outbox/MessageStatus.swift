/// Where a message is in its life: `queued → sending → sent → delivered | undelivered | failed`, plus
/// `cancelled`, `suppressed` (opted out, expired, quiet hours made it too late) and `unknown` (the gateway
/// stopped while it was being sent; never re-sent blindly).
public enum MessageStatus: String, CaseIterable, Sendable, Codable {
    case queued, sending, sent, delivered, undelivered, failed, cancelled, suppressed, unknown

    /// No further change is expected from us (a receipt may still turn `sent` into `delivered`).
    public var isFinal: Bool {
        switch self {
        case .queued, .sending: return false
        default: return true
        }
    }
}
