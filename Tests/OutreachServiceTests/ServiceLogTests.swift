import Foundation
import Testing
@testable import OutreachService

@Suite("Service log: one event, one line")
struct ServiceLogTests {
    /// The lines a log wrote, each as written.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var written: [String] = []
        func append(_ line: String) { lock.withLock { written.append(line) } }
        var all: [String] { lock.withLock { written } }
    }

    @Test("a value with a line break, a quote or an = stays one token of one line; plain values are left as they are")
    func valuesAreEscaped() {
        let lines = Lines()
        let log = ServiceLog(now: { Date(timeIntervalSince1970: 1_795_341_600) }, write: lines.append)
        // A proxy's error page, as a 46elks reason may hold it: its second line must not read as a log line of its own.
        log.warning("failed", ["message": "42", "reason": "<html>Bad gateway\n2026-11-22T10:00:00Z info sent to=***</html>",
                               "note": #"say "hej""#, "url": "a=b", "empty": "", "tab": "a\tb\u{2028}c\\"])
        #expect(lines.all == [
            #"2026-11-22T10:00:00Z warning failed message=42 reason="<html>Bad gateway\n2026-11-22T10:00:00Z info sent to=***</html>" "#
                + #"note="say \"hej\"" url="a=b" empty="" tab="a\tb\u2028c\\""#,
        ])
        #expect(!lines.all[0].contains("\n"))
    }
}
