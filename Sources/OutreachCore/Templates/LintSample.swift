import Foundation

extension TemplateLint {
    /// Long but realistic values: segment budgets must hold for "Gamla Råslättsvägen 2, Råslätts centrum",
    /// not for "X". The date is a Wednesday in September (long day and month names in most languages).
    public static func realisticSample(timeZone: TimeZone) -> RenderContext {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = calendar.date(from: DateComponents(year: 2025, month: 9, day: 24, hour: 13, minute: 30))!
        let pickup = calendar.date(from: DateComponents(year: 2025, month: 9, day: 24, hour: 12, minute: 45))!
        return RenderContext(values: [
            "first_name": "Marie-Louise",
            "org.name": "Träffpunkt Råslätt",
            "org.phone": "036-10 50 00",
            "session.title": "Kaffe och samtal",
            "session.place": "Gamla Råslättsvägen 2, Råslätts centrum",
            "senior.first_name": "Marie-Louise",
            "senior.name": "Marie-Louise Andersson",
            "senior.pickup": "Råslättsvägen 12, port B",
            "guide.first_name": "Abdirahman",
            "guide.name": "Abdirahman Mohamed",
            "reply_code": "K17",
        ], dates: ["session.start": start, "pickup.time": pickup], timeZone: timeZone)
    }
}
