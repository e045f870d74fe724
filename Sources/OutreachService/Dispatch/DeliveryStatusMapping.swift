import OutreachCore
import OutreachProviders

// What a provider says of a message (receipt or lookup), in the outbox's terms: shared by `EventProcessor`
// (receipts) and `Reconciler` (lookups after a stop).

extension DeliveryStatus {
    /// What the coordinator sees as the message's error when the provider gave a code ("twilio undelivered (30003)").
    func errorText(provider: String) -> String? {
        errorCode.map { "\(provider) \(providerStatus) (\($0))" }
    }
}

extension MessageStatus {
    /// Our status for what a receipt or a lookup says.
    init(_ state: DeliveryState) {
        switch state {
        case .sent: self = .sent
        case .delivered: self = .delivered
        case .undelivered: self = .undelivered
        case .failed: self = .failed
        }
    }
}
