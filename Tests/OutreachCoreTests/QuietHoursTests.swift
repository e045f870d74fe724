import Foundation
import Testing
@testable import OutreachCore

private let stockholm = TimeZone(identifier: "Europe/Stockholm")!
private let helsinki = TimeZone(identifier: "Europe/Helsinki")!
private func instant(_ text: String) -> Date { Timestamp.parse(text)! }
private func clock(_ text: String) -> ClockTime { ClockTime(parsing: text)! }
private func window(_ start: String, _ end: String) -> QuietWindow { QuietWindow(start: clock(start), end: clock(end)) }

@Suite("Quiet hours")
struct QuietHoursTests {
    // Stockholm is UTC+1 (CET) in November, UTC+2 (CEST) in summer.
    @Test("isQuiet reads the local wall clock", arguments: [
        // 20:00–09:00 wraps midnight: start is quiet, end is not.
        ("20:00", "09:00", "2026-11-24T18:59:59Z", false), // 19:59:59 CET
        ("20:00", "09:00", "2026-11-24T19:00:00Z", true),  // 20:00 CET
        ("20:00", "09:00", "2026-11-24T23:30:00Z", true),  // 00:30 CET
        ("20:00", "09:00", "2026-11-25T07:59:59Z", true),  // 08:59:59 CET
        ("20:00", "09:00", "2026-11-25T08:00:00Z", false), // 09:00 CET
        ("20:00", "09:00", "2026-07-01T07:30:00Z", false), // 09:30 CEST (07:30Z would be quiet in winter)
        ("20:00", "09:00", "2026-07-01T06:30:00Z", true),  // 08:30 CEST
        // 12:00–13:00 does not wrap.
        ("12:00", "13:00", "2026-11-24T10:59:00Z", false),
        ("12:00", "13:00", "2026-11-24T11:00:00Z", true),
        ("12:00", "13:00", "2026-11-24T11:59:59Z", true),
        ("12:00", "13:00", "2026-11-24T12:00:00Z", false),
        // start == end: never quiet.
        ("09:00", "09:00", "2026-11-24T08:00:00Z", false),
        ("00:00", "00:00", "2026-11-24T23:00:00Z", false),
    ])
    func isQuiet(start: String, end: String, at: String, quiet: Bool) {
        #expect(window(start, end).isQuiet(instant(at), in: stockholm) == quiet)
    }

    @Test("release holds until the window's end on the right local day", arguments: [
        // Not quiet: released at once.
        ("20:00", "09:00", "2026-11-24T08:00:00Z", "2026-11-24T08:00:00Z"),
        ("20:00", "09:00", "2026-11-24T18:59:59Z", "2026-11-24T18:59:59Z"),
        // Evening part: next local day at 09:00 CET = 08:00Z.
        ("20:00", "09:00", "2026-11-24T19:00:00Z", "2026-11-25T08:00:00Z"),
        ("20:00", "09:00", "2026-11-23T20:00:00Z", "2026-11-24T08:00:00Z"), // a day-before at 21:00 → 09:00 next day
        ("20:00", "09:00", "2026-11-24T22:59:59Z", "2026-11-25T08:00:00Z"), // 23:59:59 CET
        // Morning part: the same local day.
        ("20:00", "09:00", "2026-11-24T23:00:00Z", "2026-11-25T08:00:00Z"), // 00:00 CET on the 25th
        ("20:00", "09:00", "2026-11-25T05:00:00Z", "2026-11-25T08:00:00Z"), // 06:00 CET
        // Summer: 09:00 CEST = 07:00Z.
        ("20:00", "09:00", "2026-07-01T04:00:00Z", "2026-07-01T07:00:00Z"),
        // Not wrapping.
        ("12:00", "13:00", "2026-11-24T11:30:00Z", "2026-11-24T12:00:00Z"),
        ("12:00", "13:00", "2026-11-24T12:00:00Z", "2026-11-24T12:00:00Z"),
        // Nights that span a DST change: autumn (25 Oct 2026) and spring (28 Mar 2027).
        ("20:00", "09:00", "2026-10-24T19:00:00Z", "2026-10-25T08:00:00Z"), // Sat 21:00 CEST → Sun 09:00 CET
        ("20:00", "09:00", "2027-03-27T20:00:00Z", "2027-03-28T07:00:00Z"), // Sat 21:00 CET → Sun 09:00 CEST
        // The end falls in the spring gap (02:30 does not exist): released when the clock jumps, 03:00 CEST.
        ("22:00", "02:30", "2027-03-27T22:00:00Z", "2027-03-28T01:00:00Z"),
        // The end happens twice in autumn: the first 02:30 (CEST) when held from before it...
        ("01:00", "02:30", "2026-10-24T23:30:00Z", "2026-10-25T00:30:00Z"),
        // ...and the second (CET) when the first has already passed (02:15 CET, the second time round).
        ("01:00", "02:30", "2026-10-25T01:15:00Z", "2026-10-25T01:30:00Z"),
        // The autumn change sets the clock back from 03:00 CEST to 02:00 CET, out of a 02:15–03:00 window.
        ("02:15", "03:00", "2026-10-25T00:20:00Z", "2026-10-25T01:00:00Z"),
        // start == end: nothing is held.
        ("09:00", "09:00", "2026-11-24T02:00:00Z", "2026-11-24T02:00:00Z"),
    ])
    func release(start: String, end: String, at: String, expected: String) {
        #expect(Timestamp.format(window(start, end).release(instant(at), in: stockholm)) == expected)
    }

    @Test("another zone reads its own wall clock")
    func otherZone() {
        // 21:00 EET in Helsinki; 09:00 EET next day is 07:00Z.
        let released = window("20:00", "09:00").release(instant("2026-11-24T19:00:00Z"), in: helsinki)
        #expect(Timestamp.format(released) == "2026-11-25T07:00:00Z")
        #expect(window("20:00", "09:00").isQuiet(instant("2026-11-24T18:30:00Z"), in: helsinki))
        #expect(!window("20:00", "09:00").isQuiet(instant("2026-11-24T18:30:00Z"), in: stockholm))
    }

    /// Over both DST weekends, every 7 minutes: the release is not before the instant, is outside the window,
    /// and everything from the instant up to it is quiet (it is the FIRST instant outside).
    @Test("release is the first instant outside the window", arguments: [
        ("20:00", "09:00"), ("12:00", "13:00"), ("01:00", "02:30"), ("22:00", "02:30"), ("02:15", "03:00"), ("23:00", "02:00"),
    ])
    func releaseIsFirstInstantOutside(start: String, end: String) {
        let quiet = window(start, end)
        for weekendStart in ["2026-10-23T12:00:00Z", "2027-03-26T12:00:00Z"] {
            let from = instant(weekendStart)
            for step in 0..<(3 * 24 * 60 / 7) {
                let at = from.addingTimeInterval(Double(step) * 7 * 60)
                let released = quiet.release(at, in: stockholm)
                #expect(released >= at)
                #expect(!quiet.isQuiet(released, in: stockholm), "\(Timestamp.format(at)) released at \(Timestamp.format(released))")
                guard released > at else { continue }
                let probes = stride(from: 0, to: released.timeIntervalSince(at), by: 300).map { at.addingTimeInterval($0) }
                for probe in probes + [released.addingTimeInterval(-1)] {
                    #expect(quiet.isQuiet(probe, in: stockholm), "\(Timestamp.format(probe)) not quiet before release")
                }
            }
        }
    }

    @Test("nextStart: when the window next begins, from outside it", arguments: [
        ("20:00", "09:00", "2026-11-24T08:00:00Z", "2026-11-24T19:00:00Z"),  // 09:00 CET → 20:00 CET
        ("20:00", "09:00", "2026-11-24T18:59:59Z", "2026-11-24T19:00:00Z"),
        ("12:00", "13:00", "2026-11-24T12:30:00Z", "2026-11-25T11:00:00Z"),  // after today's window: tomorrow's
        ("20:00", "09:00", "2026-10-24T17:00:00Z", "2026-10-24T18:00:00Z"),  // Sat 19:00 CEST → 20:00 CEST
        ("20:00", "09:00", "2026-10-25T17:00:00Z", "2026-10-25T19:00:00Z"),  // Sun 18:00 CET → 20:00 CET
        // The start falls in the spring gap (02:30 does not exist): the window begins when the clock jumps, 03:00 CEST.
        ("02:30", "04:00", "2027-03-27T23:00:00Z", "2027-03-28T01:00:00Z"),
        // The autumn change sets the clock back from 03:00 CEST to 02:00 CET, into a 01:30–02:30 window: it begins
        // at the change, though no 01:30 reading comes between...
        ("01:30", "02:30", "2026-10-25T00:40:00Z", "2026-10-25T01:00:00Z"),
        // ...and a window of 02:15–02:45 begins again at the second 02:15 (CET).
        ("02:15", "02:45", "2026-10-25T00:50:00Z", "2026-10-25T01:15:00Z"),
    ])
    func nextStart(start: String, end: String, at: String, expected: String) {
        let next = window(start, end).nextStart(after: instant(at), in: stockholm)
        #expect(next.map(Timestamp.format) == expected)
        #expect(QuietWindow.none.nextStart(after: instant(at), in: stockholm) == nil)
    }

    /// Over both DST weekends, every 7 minutes outside the window: everything before `nextStart` is outside it, and
    /// `nextStart` itself is quiet (it is the FIRST quiet instant).
    @Test("nextStart is the first quiet instant", arguments: [
        ("20:00", "09:00"), ("12:00", "13:00"), ("01:00", "02:30"), ("22:00", "02:30"), ("02:15", "03:00"), ("02:30", "04:00"), ("01:30", "02:30"),
    ])
    func nextStartIsFirstQuietInstant(start: String, end: String) throws {
        let quiet = window(start, end)
        for weekendStart in ["2026-10-23T12:00:00Z", "2027-03-26T12:00:00Z"] {
            let from = instant(weekendStart)
            for step in 0..<(3 * 24 * 60 / 7) {
                let at = from.addingTimeInterval(Double(step) * 7 * 60)
                guard !quiet.isQuiet(at, in: stockholm) else { continue }
                let next = try #require(quiet.nextStart(after: at, in: stockholm))
                #expect(next > at && quiet.isQuiet(next, in: stockholm), "\(Timestamp.format(at)) → \(Timestamp.format(next))")
                let probes = stride(from: 0, to: next.timeIntervalSince(at), by: 300).map { at.addingTimeInterval($0) }
                for probe in probes + [next.addingTimeInterval(-1)] {
                    #expect(!quiet.isQuiet(probe, in: stockholm), "\(Timestamp.format(probe)) quiet before \(Timestamp.format(next))")
                }
            }
        }
    }

    @Test("built from config: the default is 20:00–09:00")
    func fromConfig() {
        let config = OutreachConfig()
        #expect(config.quietHours.window == window("20:00", "09:00"))
        #expect(QuietWindow(config.quietHours).description == "20:00–09:00")
        #expect(QuietWindow.none.isEmpty)
        #expect(QuietWindow.none.description == "no quiet hours")
        #expect(!QuietWindow.none.isQuiet(instant("2026-11-24T02:00:00Z"), in: stockholm))
    }
}
