/// 46elks' words for message and call states, mapped to ours. Unknown words map to nil: the webhook
/// acknowledges them (`.ignored`) so 46elks does not retry for 24 hours.
public enum ElksStatuses {
    /// `status` of a delivery report (46elks.se/docs/sms-delivery-reports): sent, then delivered or failed.
    /// 46elks gives no reason code for `failed`.
    public static let delivery: [String: DeliveryState] = [
        "sent": .sent,
        "delivered": .delivered,
        "failed": .failed,
    ]

    /// `status` from GET /a1/sms/{id} (crash reconciliation): as above, plus `created`, which means
    /// 46elks accepted the message, i.e. our `sent` (handed to the provider).
    public static let lookup: [String: DeliveryState] = delivery.merging(["created": .sent]) { old, _ in old }

    /// `state` of the `whenhangup` callback. `failed` without any executed action means the call never
    /// connected (voice_start is loaded only when someone answers): we report that as no answer [inferred].
    public static let hangup: [String: CallOutcome] = [
        "success": .completed,
        "busy": .busy,
        "failed": .failed,
    ]

    public static func deliveryState(_ word: String) -> DeliveryState? { delivery[word.lowercased()] }

    public static func lookupState(_ word: String) -> DeliveryState? { lookup[word.lowercased()] }

    /// `actionsRan`: whether the hangup's `actions` list held at least one action; nil when it was
    /// missing or not readable (then `failed` stays `failed`).
    public static func callOutcome(state: String, actionsRan: Bool?) -> CallOutcome? {
        guard let outcome = hangup[state.lowercased()] else { return nil }
        if outcome == .failed, actionsRan == false { return .noAnswer }
        return outcome
    }
}
