import Foundation
import OutreachCore

/// A time given on the command line (`--at`): an ISO-8601 instant, or a local reading in the config's zone as
/// `sessions add --start` takes it ("2026-12-01 10:00").
enum TimeArgument {
    static func parse(_ text: String, option: String = "--at", command: String, zone: TimeZone, console: Console) throws -> Date {
        if let date = ISO8601.parse(text) { return date }
        if let local = LocalDateTime(parsing: text) {
            let instant = local.instant(in: zone)
            // A reading a spring-forward change skips (02:30 on the last Sunday of March) is moved forward: say so.
            let read = LocalDateTime(instant, in: zone)
            if read != local {
                // On stderr: stdout may be `--json` to a script.
                console.error("note: \(local) does not exist in \(zone.identifier) (the clocks go forward); read as \(read)")
            }
            return instant
        }
        throw CLIError.usage("\(command): \(option) '\(text)' is not a time: use local \"2026-12-01 10:00\" (\(zone.identifier)) "
                             + "or ISO-8601 (2026-12-01T10:00:00+01:00)")
    }
}
