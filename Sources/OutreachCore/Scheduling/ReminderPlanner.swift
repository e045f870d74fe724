import Foundation

/// A senior enrolled in a session, as the planner needs it.
public struct Enrollment: Sendable, Equatable {
    public let person: Person
    public let sessionID: Int64
    public let session: Session

    public init(person: Person, sessionID: Int64, session: Session) {
        self.person = person
        self.sessionID = sessionID
        self.session = session
    }
}

/// One reminder of one occurrence to one person on one channel, with when it may go out and until when.
public struct PlannedReminder: Sendable, Equatable {
    public let personID: Int64
    public let sessionID: Int64
    public let occurrence: Occurrence
    /// The rule's name (part of the dedupe key).
    public let rule: String
    /// `.sms` or `.voice` (a `.both` person yields two reminders).
    public let channel: ContactChannel
    /// When the rule says, before quiet hours.
    public let sendAt: Date
    /// Not sent before this: `sendAt` (or, for a reminder planned late, the planning instant) moved out of quiet hours.
    public let notBefore: Date
    /// The occurrence's start: nothing is sent at or after it.
    public let expiresAt: Date
    /// Why it must not be sent, for status; nil when it should go out.
    public let suppressed: String?

    public init(personID: Int64, sessionID: Int64, occurrence: Occurrence, rule: String, channel: ContactChannel,
                sendAt: Date, notBefore: Date, expiresAt: Date, suppressed: String?) {
        self.personID = personID
        self.sessionID = sessionID
        self.occurrence = occurrence
        self.rule = rule
        self.channel = channel
        self.sendAt = sendAt
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.suppressed = suppressed
    }

    /// `reminder:<person>:<session>:<occurrence start, UTC>:<rule>`, plus `:voice` for a call: enqueueing the same
    /// reminder twice (two ticks, two schedulers) hits the outbox's UNIQUE key instead of sending twice.
    public var dedupeKey: String {
        "reminder:\(personID):\(sessionID):\(Timestamp.format(occurrence.start)):\(rule)" + (channel == .voice ? ":voice" : "")
    }
}

/// Turns reminder rules, enrollments and quiet hours into the reminders to enqueue. Pure: `now` is a parameter.
///
/// `plan(_:now:horizon:)` returns, for every occurrence that has not started at `now` (start > now), each
/// reminder whose `sendAt <= now + horizon`. There is no lower bound on `sendAt`: a reminder whose time
/// passed while the gateway was down is still planned while its occurrence has not started (catch-up), with
/// `notBefore` no earlier than `now`. Planning is idempotent through `dedupeKey`: call it on every tick and
/// enqueue with "insert or ignore"; the first enqueue of a key wins.
///
/// Rules, in the session's time zone (quiet hours use the same zone: seniors live where the meeting place is):
/// - `.daysBefore(n, at: t)`: the occurrence's local date minus n days, at t on the wall clock (DST-correct).
/// - `.minutesBefore(m)`: the occurrence's start minus m minutes of elapsed time.
/// - A rule whose `sendAt` is not before the occurrence's start is skipped (not planned at all).
/// - In quiet hours a reminder waits for the window's end; if that is at or after the start it is planned with
///   `suppressed` set, so status can show it.
/// - Superseded: when a later rule's reminder of the same occurrence, person and channel would go out no later
///   (both late after downtime, or both held by the same quiet hours), the earlier one is planned with
///   `suppressed` set: a senior never gets two reminders of one session at once.
/// - `.sms` people get an SMS, `.voice` a call, `.both` both (distinct keys). Enrollments whose person has no
///   id (never stored) cannot be keyed and are skipped.
public struct ReminderPlanner: Sendable {
    public let rules: [ReminderRule]
    public let quietHours: QuietWindow

    public init(rules: [ReminderRule], quietHours: QuietWindow) {
        self.rules = rules
        self.quietHours = quietHours
    }

    /// Reminders with `sendAt <= now + horizon` of occurrences starting after `now`, ordered by `notBefore`
    /// then `dedupeKey`. A negative horizon counts as 0 (only reminders already due).
    public func plan(_ enrollments: [Enrollment], now: Date, horizon: TimeInterval) -> [PlannedReminder] {
        let through = now.addingTimeInterval(horizon.isFinite ? max(0, horizon) : 0)
        guard !rules.isEmpty else { return [] }
        // Any reminder due by `through` belongs to an occurrence starting within the longest lead after it.
        let lastStart = through.addingTimeInterval(longestLead)
        var planned: [PlannedReminder] = []
        for enrollment in enrollments {
            guard let personID = enrollment.person.id else { continue }
            let schedule = enrollment.session.schedule
            for occurrence in schedule.occurrences(from: now, to: lastStart) where occurrence.start > now {
                for channel in Self.channels(for: enrollment.person.channel) {
                    let reminders = self.reminders(of: occurrence, in: schedule.timeZone, personID: personID,
                                                   sessionID: enrollment.sessionID, channel: channel, now: now)
                    planned += reminders.filter { $0.sendAt <= through }
                }
            }
        }
        return planned.sorted { ($0.notBefore, $0.dedupeKey) < ($1.notBefore, $1.dedupeKey) }
    }

    /// When `rule` sends for `occurrence` in `zone`, or nil when that is not before the start.
    /// (Also nil for a clock time that is not a time of day, which config never produces.)
    public func sendTime(of rule: ReminderRule, for occurrence: Occurrence, in zone: TimeZone) -> Date? {
        let instant: Date
        switch rule.timing {
        case .daysBefore(let days, let time):
            guard let clock = LocalTime(hour: time.hour, minute: time.minute) else { return nil }
            instant = LocalDateTime(date: occurrence.localDate.adding(days: -days), time: clock).instant(in: zone)
        case .minutesBefore(let minutes):
            instant = occurrence.start.addingTimeInterval(-Double(minutes) * 60)
        }
        return instant < occurrence.start ? instant : nil
    }

    /// Every rule's reminder of one occurrence for one person and channel, suppression decided among them.
    private func reminders(of occurrence: Occurrence, in zone: TimeZone, personID: Int64, sessionID: Int64,
                           channel: ContactChannel, now: Date) -> [PlannedReminder] {
        // (rule index, reminder) in rule order; "later" means a later sendAt, ties broken by rule order.
        var candidates: [(index: Int, reminder: PlannedReminder)] = []
        for (index, rule) in rules.enumerated() {
            guard let sendAt = sendTime(of: rule, for: occurrence, in: zone) else { continue }
            let notBefore = quietHours.release(max(sendAt, now), in: zone)
            let tooLate = notBefore >= occurrence.start
                ? "quiet hours until \(quietHours.end) would make it too late" : nil
            candidates.append((index, PlannedReminder(
                personID: personID, sessionID: sessionID, occurrence: occurrence, rule: rule.name, channel: channel,
                sendAt: sendAt, notBefore: notBefore, expiresAt: occurrence.start, suppressed: tooLate)))
        }
        return candidates.map { candidate in
            guard candidate.reminder.suppressed == nil else { return candidate.reminder }
            let successor = candidates.first { other in
                other.reminder.suppressed == nil
                    && (other.reminder.sendAt, other.index) > (candidate.reminder.sendAt, candidate.index)
                    && other.reminder.notBefore <= candidate.reminder.notBefore
            }
            guard let successor else { return candidate.reminder }
            return candidate.reminder.suppressing(
                "superseded by reminder '\(successor.reminder.rule)', which goes out no later")
        }
    }

    /// The most time any rule puts between a reminder and its occurrence's start (a day's DST change included).
    private var longestLead: TimeInterval {
        rules.map { rule -> TimeInterval in
            switch rule.timing {
            case .daysBefore(let days, _): Double(max(0, days) + 1) * 86_400 + 7_200
            case .minutesBefore(let minutes): Double(max(0, minutes)) * 60
            }
        }.max() ?? 0
    }

    private static func channels(for preference: ContactChannel) -> [ContactChannel] {
        switch preference {
        case .sms: [.sms]
        case .voice: [.voice]
        case .both: [.sms, .voice]
        }
    }
}

extension PlannedReminder {
    fileprivate func suppressing(_ reason: String) -> PlannedReminder {
        PlannedReminder(personID: personID, sessionID: sessionID, occurrence: occurrence, rule: rule, channel: channel,
                        sendAt: sendAt, notBefore: notBefore, expiresAt: expiresAt, suppressed: reason)
    }
}
