import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// Applies provider events to the database: receipts move messages forward, inbound texts are stored
/// once (by provider id) with their parsed intent, STOP and START change opt-outs at once.
public struct EventProcessor {
    let database: Database
    let providerName: String
    let matcher: KeywordMatcher?
    let log: ServiceLog

    public init(database: Database, providerName: String, matcher: KeywordMatcher?, log: ServiceLog) {
        self.database = database
        self.providerName = providerName
        self.matcher = matcher
        self.log = log
    }

    /// Processes the events of one webhook in one transaction.
    public func process(_ events: [ProviderEvent], now: Date) throws {
        try database.transaction {
            for event in events { try process(event, now: now) }
        }
    }

    private func process(_ event: ProviderEvent, now: Date) throws {
        let outbox = OutboxStore(database)
        switch event {
        case .receipt(let providerID, let status, let messageID):
            let mapped = MessageStatus(status.state)
            let error = status.errorText(provider: providerName)
            let applied = try outbox.applyReceipt(provider: providerName, providerID: providerID, messageID: messageID, status: mapped,
                                                  error: error, now: now)
            if status.optedOut, let message = try findSent(providerID: providerID, messageID: messageID) {
                try OptOutStore(database).add(phone: message.phone, channel: OptOutStore.Scope(message.channel),
                                              keyword: nil, source: providerName, now: now)
            }
            if !applied { log.info("receipt-ignored", ["provider_id": providerID, "status": status.providerStatus]) }
        case .inboundSMS(let providerID, let from, let to, let body):
            let person = try PeopleStore(database).find(phone: from)
            let match = matcher?.match(body, language: person?.language)
            try database.statement("""
                INSERT INTO inbound (provider, provider_id, from_phone, to_phone, body, received_at, intent)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_id) DO NOTHING
                """).bind(providerName, providerID, from.e164, to, body, Timestamp.format(now), match?.intent.rawValue).run()
            guard database.changes > 0 else { return }  // a provider retry of a reply we already have
            switch match?.intent {
            case .stop?:
                try OptOutStore(database).add(phone: from, channel: .all, keyword: body, source: "reply", now: now)
                log.info("opt-out", ["from": from.masked])
            case .start?:
                // The person's own STOPs end (by reply, or at the provider); a wish a coordinator recorded for them ("no
                // calls") stays until a coordinator ends it.
                let store = OptOutStore(database)
                try store.remove(phone: from, keepingSource: OptOutStore.coordinatorSource, now: now)
                let kept = try store.active(phone: from)
                if kept.isEmpty {
                    log.info("opt-in", ["from": from.masked])
                } else {
                    log.info("opt-in", ["from": from.masked, "kept": kept.map { "\($0.scope.rawValue) (\($0.source))" }.joined(separator: ", ")])
                }
            default:
                log.info("reply", ["from": from.masked, "intent": match?.intent.rawValue ?? "unknown"])
            }
        case .callDigits(let callID, let messageID, let digits):
            log.info("call-digits", ["call": callID, "message": messageID.map(String.init) ?? "-", "digits": digits])
        case .callEnded(let callID, let messageID, let outcome, _):
            let status: MessageStatus = outcome == .completed || outcome == .machine ? .delivered : .undelivered
            try outbox.applyReceipt(provider: providerName, providerID: callID, messageID: messageID, status: status,
                                    error: outcome == .completed ? nil : "call \(outcome.rawValue)", now: now)
        case .ignored(let reason):
            log.info("webhook-ignored", ["reason": reason])
        }
    }

    private func findSent(providerID: String, messageID: Int64?) throws -> OutboxMessage? {
        try OutboxStore(database).find(provider: providerName, providerID: providerID, messageID: messageID)
    }
}
