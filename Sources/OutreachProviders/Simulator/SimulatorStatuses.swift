import OutreachCore

/// The Simulator's words and what they mean in our lifecycle.
public enum SimulatorStatuses {
    public static let delivery: [String: DeliveryState] = [
        "sent": .sent, "delivered": .delivered, "undelivered": .undelivered, "failed": .failed,
    ]

    public static let call: [String: CallOutcome] = [
        "completed": .completed, "busy": .busy, "no-answer": .noAnswer, "failed": .failed,
    ]

    enum ScriptedOutcome: Equatable { case normal, invalidNumber, optedOut, undelivered }

    /// Failure paths chosen by the recipient's last two digits (see SimulatorProvider).
    static func scriptedOutcome(for phone: PhoneNumber) -> ScriptedOutcome {
        switch phone.e164.suffix(2) {
        case "90": return .invalidNumber
        case "91": return .optedOut
        case "92": return .undelivered
        default: return .normal
        }
    }
}
