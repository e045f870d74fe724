import Foundation

/// A session at a meeting place: "Kaffe och samtal", Tuesdays 14:00–16:00 at Råslätts träffpunkt.
public struct Session: Equatable, Sendable {
    public var id: Int64?
    public var title: String
    public var place: String
    public var schedule: SessionSchedule

    public init(id: Int64? = nil, title: String, place: String, schedule: SessionSchedule) {
        self.id = id
        self.title = title
        self.place = place
        self.schedule = schedule
    }
}
