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

    public func recordSent(providerID: String, kind: String, to: PhoneNumber, from: String, body: String) {
        lock.withLock {
            do {
                try database.statement("""
                    INSERT INTO simulator_outbox (provider_id, kind, to_phone, from_sender, body, created_at)
                    VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
                    """).bind(providerID, kind, to.e164, from, body).run()
            } catch {
                // The outbox keeps the message either way; the ledger is the Simulator's own diary.
            }
        }
    }
}
