import Foundation

/// One occurrence of a session: UTC instants plus the local date it falls on (the key for exception dates).
public struct Occurrence: Hashable, Sendable, Codable {
    public let start: Date
    public let end: Date
    public let localDate: LocalDate

    public init(start: Date, end: Date, localDate: LocalDate) {
        self.start = start
        self.end = end
        self.localDate = localDate
    }
}

/// When a session happens: a first start on the wall clock of `timeZone`, a duration, and an optional rule.
/// Every occurrence keeps the start's wall-clock time across daylight-saving changes
/// (Tuesdays 14:00 in Stockholm are 13:00Z in winter and 12:00Z in summer).
public struct SessionSchedule: Equatable, Sendable {
    /// The first occurrence, always included (RFC 5545 DTSTART), even on a day BYDAY does not list.
    public var start: LocalDateTime
    public var durationMinutes: Int
    public var timeZone: TimeZone
    /// nil for a one-off session.
    public var rule: RecurrenceRule?
    /// Occurrences on these local dates are skipped (EXDATE); they still count towards COUNT.
    public var exceptionDates: Set<LocalDate>

    /// Expansion never looks at more candidate days than this, whatever the rule, limit or exceptions.
    public static let maximumCandidates = 100_000

    public init(start: LocalDateTime, durationMinutes: Int, timeZone: TimeZone,
                rule: RecurrenceRule? = nil, exceptionDates: Set<LocalDate> = []) {
        self.start = start
        self.durationMinutes = durationMinutes
        self.timeZone = timeZone
        self.rule = rule
        self.exceptionDates = exceptionDates
    }

    /// The first `limit` occurrences that END after `after` (pass .distantPast for all), in order.
    public func occurrences(after: Date, limit: Int) -> [Occurrence] {
        guard limit > 0 else { return [] }
        var found: [Occurrence] = []
        forEachOccurrence(near: after) { occurrence in
            if occurrence.end > after { found.append(occurrence) }
            return found.count < limit
        }
        return found
    }

    /// Occurrences whose start lies in [from, to).
    public func occurrences(from: Date, to: Date) -> [Occurrence] {
        guard from < to else { return [] }
        var found: [Occurrence] = []
        forEachOccurrence(near: from) { occurrence in
            guard occurrence.start < to else { return false }
            if occurrence.start >= from { found.append(occurrence) }
            return true
        }
        return found
    }

    /// The occurrence on `date` at the start's wall-clock time.
    public func occurrence(on date: LocalDate) -> Occurrence {
        let start = LocalDateTime(date: date, time: self.start.time).instant(in: timeZone)
        // Elapsed minutes (Double: an absurd duration cannot overflow); a session never ends before it starts.
        let end = start.addingTimeInterval(Double(max(0, durationMinutes)) * 60)
        return Occurrence(start: start, end: end, localDate: date)
    }

    /// Calls `body` with each occurrence in order, minus exception dates, until it returns false or the rule ends.
    /// Without COUNT, expansion skips straight to the period just before `instant`: far-away instants
    /// cost nothing. With COUNT it must walk from the start, which COUNT's upper bound keeps short.
    private func forEachOccurrence(near instant: Date, _ body: (Occurrence) -> Bool) {
        guard let rule else {
            if !exceptionDates.contains(start.date) { _ = body(occurrence(on: start.date)) }
            return
        }
        var skipTo: LocalDate?
        if rule.count == nil {
            // Back off by the duration plus a day either side so an occurrence still running at `instant` is seen.
            let durationDays = Int(min(Double(max(0, durationMinutes)) / 1440, 36_600))
            skipTo = LocalDateTime(instant, in: timeZone).date.adding(days: -(durationDays + 2))
        }
        let untilInstant = rule.until?.instant(in: timeZone)
        var dates = CandidateDates(rule: rule, start: start.date, skippingTo: skipTo)
        var counted = 0
        for _ in 0..<Self.maximumCandidates {
            guard let date = dates.next() else { return }
            if let count = rule.count {
                guard counted < count else { return }
                counted += 1
            }
            let occurrence = occurrence(on: date)
            if let untilInstant, occurrence.start > untilInstant { return }
            if exceptionDates.contains(date) { continue }
            guard body(occurrence) else { return }
        }
    }
}

/// The local dates a rule produces, in order: the start's date first, then each matching day after it.
/// Weeks run Monday to Sunday and INTERVAL counts from the start's week (RFC 5545, WKST=MO).
struct CandidateDates: IteratorProtocol {
    private static let lastDay = LocalDate(year: 9999, month: 12, day: 31)!.daysSinceEpoch

    private let start: Int             // day number of the start's date
    private let stride: Int            // days between periods: interval, or 7 × interval
    private let offsets: [Int]         // day offsets inside a period (weekly: 0 = Monday)
    private let firstPeriod: Int       // day number of the first period (weekly: Monday of the start's week)
    private var period: Int            // index of the current period
    private var offsetIndex = 0
    private var startPending: Bool

    init(rule: RecurrenceRule, start date: LocalDate, skippingTo target: LocalDate?) {
        start = date.daysSinceEpoch
        let interval = max(1, rule.interval)
        switch rule.frequency {
        case .daily:
            stride = interval
            offsets = [0]
            firstPeriod = start
        case .weekly:
            stride = 7 * interval
            let days = rule.byDay.isEmpty ? [date.weekday] : rule.byDay
            offsets = Set(days.map(\.indexFromMonday)).sorted()
            firstPeriod = start - date.weekday.indexFromMonday
        }
        period = 0
        if let target, target.daysSinceEpoch > start {
            period = (target.daysSinceEpoch - firstPeriod) / stride
        }
        startPending = period == 0
    }

    mutating func next() -> LocalDate? {
        if startPending {
            startPending = false
            return LocalDate(daysSinceEpoch: start)
        }
        while true {
            if offsetIndex == offsets.count {
                offsetIndex = 0
                period += 1
            }
            let day = firstPeriod + period * stride + offsets[offsetIndex]
            offsetIndex += 1
            guard day <= Self.lastDay else { return nil }
            // The start's own period may list days before (or on) the start: those are not occurrences.
            if day > start { return LocalDate(daysSinceEpoch: day) }
        }
    }
}
