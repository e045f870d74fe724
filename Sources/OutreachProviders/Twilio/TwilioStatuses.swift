/// Twilio's status words mapped to ours. Words not listed map to nil: the webhook acknowledges them
/// as `.ignored` so Twilio does not retry.
public enum TwilioStatuses {
    /// `MessageStatus` of a status callback → our delivery state. Intermediate states are not receipts.
    public static let messageStatuses: [String: DeliveryState?] = [
        "queued": nil, "accepted": nil, "sending": nil, "scheduled": nil,
        "sent": .sent,
        "delivered": .delivered, "read": .delivered,
        "undelivered": .undelivered,
        "failed": .failed,
        // Not in our lifecycle's words: a partly delivered multipart text needs a coordinator's look,
        // a cancelled scheduled message never went out.
        "partially_delivered": .undelivered,
        "canceled": .failed,
    ]

    /// Twilio's opt-out error (21610 "Attempt to send to unsubscribed recipient").
    public static let optedOutErrorCode = "21610"

    /// The delivery state for a status callback, nil for intermediate or unknown statuses.
    public static func callbackState(_ status: String) -> DeliveryState? {
        messageStatuses[status.lowercased()] ?? nil
    }

    /// The state for a status *lookup*: a message Twilio still holds (queued, accepted, sending, scheduled)
    /// was accepted by the provider, which our lifecycle calls `sent`. Nil for unknown words.
    public static func lookupState(_ status: String) -> DeliveryState? {
        let word = status.lowercased()
        if ["queued", "accepted", "sending", "scheduled"].contains(word) { return .sent }
        return callbackState(word)
    }

    /// Terminal `CallStatus` values of a voice status callback.
    public static let callStatuses: [String: CallOutcome] = [
        "completed": .completed,
        "busy": .busy,
        "no-answer": .noAnswer,
        "failed": .failed,
        "canceled": .cancelled,
    ]

    /// The outcome of a finished call; an answering machine (AnsweredBy `machine_*`, `fax`) wins over
    /// `completed`. Nil for intermediate (queued, ringing, in-progress) or unknown statuses.
    public static func callOutcome(status: String, answeredBy: String?) -> CallOutcome? {
        guard let outcome = callStatuses[status.lowercased()] else { return nil }
        if let answeredBy = answeredBy?.lowercased(), answeredBy.hasPrefix("machine") || answeredBy == "fax" {
            return .machine
        }
        return outcome
    }
}
