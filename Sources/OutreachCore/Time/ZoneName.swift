import Foundation

/// A time zone named by a coordinator (config `timeZone`, `sessions add --tz`): an IANA name such as Europe/Stockholm.
public enum ZoneName {
    /// The zone, or why the name is refused. Offsets such as "UTC+1" or "GMT+1" are refused: Foundation reads them as
    /// a fixed offset with no summer time, so every reminder would be an hour off half the year (and one could go after
    /// its session began). "UTC" and "GMT" themselves are fine.
    public static func parse(_ name: String) -> Result<TimeZone, ZoneNameError> {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        let zone = TimeZone(identifier: trimmed)
        if isOffset(trimmed) || zone.map({ isOffset($0.identifier) }) == true {
            return .failure(ZoneNameError(description: "'\(name)' is a fixed offset with no summer time, so times would be "
                                          + "an hour off half the year (use a name like Europe/Stockholm)"))
        }
        guard let zone else {
            return .failure(ZoneNameError(description: "'\(name)' is not a time zone (use a name like Europe/Stockholm)"))
        }
        return .success(zone)
    }

    /// "UTC+1", "GMT-02:00", "Etc/GMT-1", Foundation's "GMT+0100": an offset, not a place's zone.
    static func isOffset(_ name: String) -> Bool {
        let upper = name.uppercased()
        let bare = upper.hasPrefix("ETC/") ? String(upper.dropFirst(4)) : upper
        guard let rest = ["UTC", "GMT"].first(where: { bare.hasPrefix($0) }).map({ bare.dropFirst($0.count) }) else {
            return name.first == "+" || name.first == "-"
        }
        return rest.first == "+" || rest.first == "-"
    }
}

public struct ZoneNameError: Error, Equatable, CustomStringConvertible {
    public let description: String
}
