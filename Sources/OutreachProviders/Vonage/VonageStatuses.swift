/// Vonage delivery receipt words → our `DeliveryState` (reference 3.2, spec `DeliveryReceipt.status`).
///
/// - `accepted`, `buffered`: with the carrier, not yet on the phone → `.sent`;
/// - `unknown`: Vonage's final "no word from the carrier" → `.sent` as well: we claim neither delivery nor
///   failure, and the provider's word stays visible to the coordinator;
/// - `expired`: the carrier could not deliver within the validity period → `.undelivered`;
/// - `failed`, `rejected` → `.failed`.
/// Any other word → nil: the webhook acknowledges it (204) as `.ignored` so Vonage does not retry for 24 hours.
public enum VonageStatuses {
    public static let delivery: [String: DeliveryState] = [
        "delivered": .delivered,
        "accepted": .sent,
        "buffered": .sent,
        "unknown": .sent,
        "expired": .undelivered,
        "failed": .failed,
        "rejected": .failed,
    ]

    /// DLR `err-code` meaning "the user asked not to receive messages" (Vonage opt-out, reference 3.4).
    public static let optedOutErrorCode = "9"

    public static func deliveryState(for status: String) -> DeliveryState? {
        delivery[status.lowercased()]
    }

    /// A receipt's `err-code` or a report record's `error_code`; nil for none. Vonage writes "0" on receipts that
    /// went well (delivered, accepted), which is no error to show a coordinator.
    public static func errorCode(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty, raw != "0" else { return nil }
        return raw
    }

    /// The recipient opted out: code 9 on a message that did not arrive.
    public static func isOptOut(errorCode: String?, state: DeliveryState) -> Bool {
        errorCode == optedOutErrorCode && (state == .failed || state == .undelivered)
    }

    /// Retry-worthy DLR err-codes (absent subscriber temporary, handset busy, network error), for reference.
    public static let temporaryErrorCodes: Set<String> = ["2", "7", "8"]
}
