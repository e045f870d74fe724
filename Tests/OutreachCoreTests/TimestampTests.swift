import Foundation
import Testing
@testable import OutreachCore

@Suite("UTC timestamps")
struct TimestampTests {
    @Test("formats and parses fixed-width UTC text", arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (1_795_512_600, "2026-11-24T09:30:00Z"),
        (4_102_444_799, "2099-12-31T23:59:59Z"),
        (-1.0, "1969-12-31T23:59:59Z"),
    ])
    func roundTrip(seconds: Double, text: String) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(Timestamp.format(date) == text)
        #expect(Timestamp.parse(text) == date)
    }

    @Test("agrees with Foundation over many instants")
    func agreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var seconds: Double = 1_600_000_000
        for _ in 0..<500 {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(Timestamp.format(date) == formatter.string(from: date))
            seconds += 86_400 * 3 + 3_671
        }
    }

    @Test("29 February exists in a leap year")
    func leapDay() {
        #expect(Timestamp.parse("2028-02-29T10:00:00Z") != nil)
    }

    @Test("rejects text that is not the stored form", arguments: ["", "2026-11-24", "2026-11-24T09:30:00", "2026-13-24T09:30:00Z", "2026-11-24 09:30:00Z",
                                                                   // Dates and times that do not exist are not rolled over.
                                                                   "2027-02-30T10:00:00Z", "2027-04-31T10:00:00Z", "2027-02-29T10:00:00Z",
                                                                   "2027-03-30T10:00:60Z"])
    func rejects(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
