import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// The Simulator's record of what it "sent", in the gateway's own database (table `simulator_outbox`),
/// on a connection of its own so it can be called from the dispatcher's concurrent sends.
public final class SQLiteSimulatorLedger: SimulatorLedger, @unchecked Sendable {
    private let lock = NSLock()
    private let database: Database

    public init(path: String) throws {
        database = try Database(path: path)
    }

    /// The id is numbered by the table in the same statement, so two gateways sharing the file never clash.
    public func recordSent(kind: String, to: PhoneNumber, from: String, body: String, messageID: Int64) -> String {
        lock.withLock {
            do {
                let prefix = kind == "call" ? "sim-c-" : "sim-s-"
                if let id = try database.statement("""
                    INSERT INTO simulator_outbox (provider_id, kind, to_phone, from_sender, body, message_id, created_at)
                    VALUES (?1 || (SELECT coalesce(max(id), 0) + 1 FROM simulator_outbox), ?2, ?3, ?4, ?5, ?6,
                            strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
                    RETURNING provider_id
                    """).bind(prefix, kind, to.e164, from, body, messageID).firstRow({ $0.string(0) }) {
                    return id
                }
            } catch {
                // The outbox keeps the message either way; the ledger is the Simulator's own diary.
            }
            return (kind == "call" ? "sim-c-" : "sim-s-") + UUID().uuidString.lowercased()
        }
    }

    public func findSent(messageID: Int64) -> String? {
        lock.withLock {
            try? database.statement("SELECT provider_id FROM simulator_outbox WHERE message_id = ? ORDER BY id DESC LIMIT 1")
                .bind(messageID).firstRow { $0.string(0) }
        }
    }

    public func recipient(providerID: String) -> PhoneNumber? {
        lock.withLock {
            try? database.statement("SELECT to_phone FROM simulator_outbox WHERE provider_id = ?").bind(providerID)
                .firstRow { PhoneNumber(e164: $0.string(0)) }
        }
    }
}
