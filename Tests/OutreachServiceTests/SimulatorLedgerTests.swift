import Foundation
import Testing
import OutreachCore
import OutreachService

@Suite("The Simulator's ledger in the gateway's database")
struct SimulatorLedgerTests {
    @Test("a lookup finds what was sent for our message id, not another message that reads alike; ids survive a reopen")
    func findsByMessageID() throws {
        let world = try ServiceWorld()
        let phone = PhoneNumber(e164: "+46701740605")
        let body = "Påminnelse: Kaffe och samtal tisdag 24 november klockan 14:00."
        let ledger = try SQLiteSimulatorLedger(path: world.path)
        let first = ledger.recordSent(kind: "sms", to: phone, from: "Raslatt", body: body, messageID: 7)
        let call = ledger.recordSent(kind: "call", to: phone, from: "Raslatt", body: "[sv] " + body, messageID: 8)
        #expect(first == "sim-s-1" && call == "sim-c-2")
        #expect(ledger.findSent(messageID: 7) == "sim-s-1")
        // The next day's reminder reads the same, to the same number: never sent, so not found.
        #expect(ledger.findSent(messageID: 9) == nil)
        let reopened = try SQLiteSimulatorLedger(path: world.path)
        #expect(reopened.recordSent(kind: "sms", to: phone, from: "Raslatt", body: body, messageID: 9) == "sim-s-3")
        #expect(reopened.findSent(messageID: 9) == "sim-s-3" && reopened.findSent(messageID: 7) == "sim-s-1")
        // The Simulator's status lookup reads the recipient back (its receipt says what the network did to that number).
        #expect(reopened.recipient(providerID: "sim-s-1") == phone && reopened.recipient(providerID: "sim-s-99") == nil)
    }
}
