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
    public var dedupeKey: String { dedupeKey(for: channel) }

    /// The key this reminder has, or would have, on `channel` (the same person, date and rule).
    public func dedupeKey(for channel: ContactChannel) -> String {
        "reminder:\(personID):\(sessionID):\(Timestamp.format(occurrence.start)):\(rule)" + (channel == .voice ? ":voice" : "")
    }

    /// The dedupe keys of one person's reminders, as a half-open range (`lower <= key < upper`): a range of the
    /// outbox's unique key index. (`;` is the character after `:`.)
    public static func keyRange(personID: Int64) -> (lower: String, upper: String) {
        ("reminder:\(personID):", "reminder:\(personID);")
    }

    /// The same for one person's reminders of one session.
    public static func keyRange(personID: Int64, sessionID: Int64) -> (lower: String, upper: String) {
        ("reminder:\(personID):\(sessionID):", "reminder:\(personID):\(sessionID);")
    }

    /// A LIKE pattern matching everyone's reminders of one occurrence (any person, any rule, either channel).
    public static func keyPattern(sessionID: Int64, occurrenceStart: Date) -> String {
        "reminder:%:\(sessionID):\(Timestamp.format(occurrenceStart)):%"
    }

    /// The rule's name in one of these keys, or nil when it is not a reminder key.
    public static func rule(inKey key: String) -> String? {
        let parts = key.split(separator: ":")
        guard parts.first == "reminder", parts.count >= 5 else { return nil }
        return String(parts[parts.count - (parts.last == "voice" ? 2 : 1)])
    }

    /// The session id in one of these keys, or nil when it is not a reminder key.
    public static func sessionID(inKey key: String) -> Int64? {
        let parts = key.split(separator: ":", maxSplits: 3)
        guard parts.count >= 3, parts[0] == "reminder" else { return nil }
        return Int64(parts[2])
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
/// Rules, in the session's time zone. Quiet hours are read in `quietZone` (the config's, where the dispatcher reads
/// them too), or in the session's zone when it is nil:
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
    /// Where quiet hours are read: the recipients' zone, as the dispatcher reads them (people carry no zone of
    /// their own, so it is the config's). Nil reads them in each session's zone.
    public let quietZone: TimeZone?

    public init(rules: [ReminderRule], quietHours: QuietWindow, quietZone: TimeZone? = nil) {
        self.rules = rules
        self.quietHours = quietHours
        self.quietZone = quietZone
    }

    /// Reminders with `sendAt <= now + horizon` of occurrences starting after `now`, ordered by `notBefore`
    /// then `dedupeKey`. A negative horizon counts as 0 (only reminders already due). Enrollments with the same
    /// `sessionID` are taken to carry the same session (its reminder times are worked out once).
    public func plan(_ enrollments: [Enrollment], now: Date, horizon: TimeInterval) -> [PlannedReminder] {
        let through = now.addingTimeInterval(horizon.isFinite ? max(0, horizon) : 0)
        guard !rules.isEmpty else { return [] }
        var slotsBySession: [Int64: [Slot]] = [:]
        var planned: [(key: String, reminder: PlannedReminder)] = []
        for enrollment in enrollments {
            guard let personID = enrollment.person.id else { continue }
            let slots = slotsBySession[enrollment.sessionID] ?? {
                let slots = self.slots(of: enrollment.session.schedule, now: now, through: through)
                slotsBySession[enrollment.sessionID] = slots
                return slots
            }()
            for channel in Self.channels(for: enrollment.person.channel) {
                for slot in slots {
                    let reminder = PlannedReminder(
                        personID: personID, sessionID: enrollment.sessionID, occurrence: slot.occurrence, rule: slot.rule,
                        channel: channel, sendAt: slot.sendAt, notBefore: slot.notBefore, expiresAt: slot.occurrence.start,
                        suppressed: slot.suppressed)
                    planned.append((reminder.dedupeKey, reminder))
                }
            }
        }
        planned.sort { ($0.reminder.notBefore, $0.key) < ($1.reminder.notBefore, $1.key) }
        return planned.map(\.reminder)
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

    /// One rule's reminder of one occurrence, the same for every person and channel.
    private struct Slot {
        let occurrence: Occurrence
        let ruleIndex: Int
        let rule: String
        let sendAt: Date
        let notBefore: Date
        var suppressed: String?
    }

    /// The reminders of a schedule due by `through` for occurrences starting after `now`, suppression decided.
    private func slots(of schedule: SessionSchedule, now: Date, through: Date) -> [Slot] {
        // Any reminder due by `through` belongs to an occurrence starting within the longest lead after it
        // (`occurrences(from:to:)` excludes `to`, hence the extra minute; the sendAt filter is exact).
        let lastStart = through.addingTimeInterval(longestLead + 60)
        return schedule.occurrences(from: now, to: lastStart)
            .filter { $0.start > now }
            .flatMap { slots(of: $0, in: schedule.timeZone, now: now) }
            .filter { $0.sendAt <= through }
    }

    /// Every rule's reminder of one occurrence, including those due after the horizon: whether a reminder is
    /// superseded depends on all of them.
    private func slots(of occurrence: Occurrence, in zone: TimeZone, now: Date) -> [Slot] {
        var slots: [Slot] = []
        for (index, rule) in rules.enumerated() {
            guard let sendAt = sendTime(of: rule, for: occurrence, in: zone) else { continue }
            let notBefore = quietHours.release(max(sendAt, now), in: quietZone ?? zone)
            let tooLate = notBefore >= occurrence.start ? "quiet hours until \(quietHours.end) would make it too late" : nil
            slots.append(Slot(occurrence: occurrence, ruleIndex: index, rule: rule.name, sendAt: sendAt,
                              notBefore: notBefore, suppressed: tooLate))
        }
        // "Later" means a later sendAt, ties broken by rule order.
        return slots.map { slot in
            guard slot.suppressed == nil else { return slot }
            let successor = slots.first { other in
                other.suppressed == nil
                    && (other.sendAt, other.ruleIndex) > (slot.sendAt, slot.ruleIndex)
                    && Self.supersedes(laterGoes: other.notBefore, laterRule: other.sendAt, earlierGoes: slot.notBefore, earlierRule: slot.sendAt)
            }
            guard let successor else { return slot }
            var superseded = slot
            superseded.suppressed = successor.notBefore <= slot.notBefore
                ? "superseded by reminder '\(successor.rule)', which goes out no later"
                : "superseded by reminder '\(successor.rule)', which goes out soon after it"
            return superseded
        }
    }

    /// How soon after a reminder the next one of the same session date may go before the earlier is dropped (the next
    /// one goes less than this after it): half the time the rules put between them, at most an hour. On time, the
    /// next one is a whole gap away and both go. Late (after downtime, a late enrolment, a START, quiet hours), the
    /// earlier one could land just before the next: "the day before at 10:00", planned at 11:58 on the day, would go
    /// two minutes before "two hours before" at 12:00.
    static func supersedeWindow(earlier: Date, later: Date) -> TimeInterval {
        max(0, min(3600, later.timeIntervalSince(earlier) / 2))
    }

    /// Whether a later reminder of a session date, going at `laterGoes` (its rule's time `laterRule`), supersedes an
    /// earlier one going at `earlierGoes` (its rule's time `earlierRule`): it goes no later, or soon after (see
    /// `supersedeWindow`). The planner decides it for reminders it plans; the scheduler's tick for queued ones.
    public static func supersedes(laterGoes: Date, laterRule: Date, earlierGoes: Date, earlierRule: Date) -> Bool {
        laterGoes <= earlierGoes || laterGoes < earlierGoes.addingTimeInterval(supersedeWindow(earlier: earlierRule, later: laterRule))
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
