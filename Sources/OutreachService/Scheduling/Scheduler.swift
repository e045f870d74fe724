import Foundation
import OutreachCore
import OutreachStore

/// Turns enrollments and reminder rules into outbox messages. Running it any number of times, or two at
/// once, enqueues each reminder once: the dedupe key is UNIQUE in the outbox and the insert is
/// `ON CONFLICT DO NOTHING` inside an immediate transaction.
public struct Scheduler {
    public static let reminderTemplate = "session-reminder"

    let database: Database
    let planner: ReminderPlanner
    let renderer: TemplateRenderer
    let organization: OutreachConfig.Organization
    /// How far ahead reminders are enqueued (they wait in the outbox with `not_before`).
    let horizon: TimeInterval
    /// Why a call in a language cannot be placed with the configured provider (it has no voice for it), or nil.
    let voiceProblem: (String) -> String?

    public init(database: Database, config: OutreachConfig, library: PromptLibrary, horizon: TimeInterval = 2 * 86_400) {
        self.database = database
        self.planner = ReminderPlanner(rules: config.reminders,
                                       quietHours: QuietWindow(start: config.quietHours.start, end: config.quietHours.end),
                                       quietZone: config.timeZone)
        self.renderer = TemplateRenderer(library: library)
        self.organization = config.organization
        self.horizon = horizon
        let catalog = library.catalog
        let kind = config.provider.kind
        // As for campaigns: the reminder is suppressed with the reason when it is planned, so `due` and `status` say
        // so, instead of failing at every send.
        self.voiceProblem = { language in
            Gateway.voiceLanguage(catalog: catalog, kind: kind, language: language) == nil
                ? Gateway.noVoiceReason(language: language, provider: kind.rawValue) : nil
        }
    }

    public struct TickReport: Sendable, Equatable {
        public var planned = 0
        public var enqueued = 0
        public var suppressed = 0
        public var alreadyQueued = 0
        /// Queued reminders dropped because a later one of the same session date was due as well (see `supersedeMissed`).
        public var superseded = 0
        public init() {}
    }

    /// What would be enqueued at `now`, without writing: (reminder, message) pairs for reminders not yet in the outbox.
    /// With `through`, the horizon reaches at least that far (`outreach due --at` a later time, planned from now).
    public func pending(now: Date, through: Date? = nil) throws -> [(PlannedReminder, NewMessage)] {
        let enrollments = try loadEnrollments()
        let outbox = OutboxStore(database)
        let optOuts = OptOutStore(database)
        var byKey: [String: Enrollment] = [:]
        for enrollment in enrollments { byKey["\(enrollment.person.id ?? 0):\(enrollment.sessionID)"] = enrollment }
        var result: [(PlannedReminder, NewMessage)] = []
        let reach = max(horizon, through.map { $0.timeIntervalSince(now) } ?? 0)
        for reminder in planner.plan(enrollments, now: now, horizon: reach) {
            if try outbox.find(dedupeKey: reminder.dedupeKey) != nil { continue }
            guard let enrollment = byKey["\(reminder.personID):\(reminder.sessionID)"] else { continue }
            var message = try message(for: reminder, enrollment: enrollment, optOuts: optOuts)
            if message.status == .queued, let reached = try reachedOnOtherChannel(reminder, outbox) {
                // The other channel's is in flight, withdrawn as the person changed: wait to see whether it goes (then
                // this one is suppressed at a later tick) or comes back (then this one goes). Stored suppressed now, it
                // would hold its key when the other came back, and the senior would get neither.
                if try outbox.isReplacedInFlight(dedupeKey: reminder.dedupeKey(for: reminder.channel == .voice ? .sms : .voice)) { continue }
                message.status = .suppressed
                message.error = "already sent by \(reached.rawValue) before the person's channel changed"
            }
            result.append((reminder, message))
        }
        return result
    }

    /// The channel this reminder (person, date, rule) already went out on, or may have, when it is not `reminder`'s:
    /// the person's channel changed after it went, and the next tick plans the rule again under the new channel. One
    /// reminder per rule and date reaches a senior, however their preference changes. (Someone on both channels gets
    /// both as usual: the two are planned together, before either goes.)
    private func reachedOnOtherChannel(_ reminder: PlannedReminder, _ outbox: OutboxStore) throws -> Channel? {
        guard let other = try outbox.find(dedupeKey: reminder.dedupeKey(for: reminder.channel == .voice ? .sms : .voice)),
              [.sending, .sent, .delivered, .unknown].contains(other.status) else { return nil }
        return other.channel
    }

    /// Plans, renders and enqueues every reminder due within the horizon.
    @discardableResult
    public func tick(now: Date) throws -> TickReport {
        var report = TickReport()
        try database.transaction {
            let pending = try pending(now: now)
            report.planned = pending.count
            report.suppressed = pending.filter { $0.1.status == .suppressed }.count
            report.enqueued = try OutboxStore(database).enqueue(pending.map(\.1), now: now)
            report.alreadyQueued = pending.count - report.enqueued
            report.superseded = try supersedeMissed(now: now)
        }
        return report
    }

    /// Reminders are enqueued days ahead, so after downtime (or an opt-out ended late) a reminder of one session date
    /// can be due when the next one of that date is due too, or soon after (see `ReminderPlanner.supersedes`):
    /// only the later goes, as the planner decides for reminders it plans late. The others are suppressed with the
    /// reason (those past their session are left to the dispatcher: "too late"). Reads only the queue's next hour
    /// (its partial index), which the dispatcher keeps short.
    func supersedeMissed(now: Date) throws -> Int {
        let superseded = try supersededDue(now: now)
        guard !superseded.isEmpty else { return 0 }
        let update = try database.statement("""
            UPDATE messages SET status = 'suppressed', error = ?, updated_at = ? WHERE id = ? AND status = 'queued'
            """)
        for (id, reason) in superseded {
            try update.bind(reason, Timestamp.format(now), id).run()
        }
        return superseded.count
    }

    /// The queued reminders due at `now` that `supersedeMissed` would suppress, with the reason. `outreach due` (which
    /// writes nothing) passes the reminders the tick would plan now as `planned`: they compete as if already queued.
    public func supersededDue(now: Date, planned: [PlannedReminder] = []) throws -> [Int64: String] {
        struct Queued { let id: Int64?; let rule: String; let rank: Date; let notBefore: Date }
        // The widest window: a later reminder due within it of a due one may supersede it.
        let reach = now.addingTimeInterval(3600)
        var dates: [String: [Queued]] = [:]
        var zones: [Int64: TimeZone] = [:]
        try database.statement("""
            SELECT id, person_id, expires_at, channel, dedupe_key, not_before FROM messages
            WHERE status = 'queued' AND not_before <= ?3 AND template = ?2 AND person_id IS NOT NULL AND expires_at > ?1
            """).bind(Timestamp.format(now), Self.reminderTemplate, Timestamp.format(reach)).forEachRow { row in
            let key = row.string(4)
            guard let sessionID = PlannedReminder.sessionID(inKey: key), let rule = PlannedReminder.rule(inKey: key),
                  let start = Timestamp.parse(row.string(2)), let notBefore = Timestamp.parse(row.string(5)) else { return true }
            if zones[sessionID] == nil {
                zones[sessionID] = (try? SessionStore(database).find(id: sessionID))??.schedule.timeZone ?? TimeZone(identifier: "UTC")!
            }
            // Ranked by when the rule sends for this date, not by `not_before`, which a retry or quiet hours move. A rule
            // no longer configured ranks first: any configured one supersedes it.
            let rank = sendTime(rule: rule, start: start, zone: zones[sessionID]!) ?? .distantPast
            dates[Self.date(row.int64(1), sessionID, start, row.string(3)), default: []]
                .append(Queued(id: row.int64(0), rule: rule, rank: rank, notBefore: notBefore))
            return true
        }
        for reminder in planned where reminder.suppressed == nil && reminder.notBefore <= reach && reminder.expiresAt > now {
            let channel = reminder.channel == .voice ? Channel.voice : .sms
            dates[Self.date(reminder.personID, reminder.sessionID, reminder.occurrence.start, channel.rawValue), default: []]
                .append(Queued(id: nil, rule: reminder.rule, rank: reminder.sendAt, notBefore: reminder.notBefore))
        }
        var superseded: [Int64: String] = [:]
        for queued in dates.values where queued.count > 1 {
            let ranked = queued.sorted { ($0.rank, $0.id ?? .max) < ($1.rank, $1.id ?? .max) }
            for (index, earlier) in ranked.enumerated() {
                // Only one due now is decided now; it goes at once, so "soon after" counts from now.
                guard let id = earlier.id, earlier.notBefore <= now else { continue }
                // The latest that qualifies names the reason: it is the one that goes.
                guard let later = ranked[(index + 1)...].last(where: { later in
                    ReminderPlanner.supersedes(laterGoes: later.notBefore, laterRule: later.rank, earlierGoes: now, earlierRule: earlier.rank)
                }) else { continue }
                superseded[id] = later.notBefore <= now
                    ? "superseded by reminder '\(later.rule)', due at the same time"
                    : "superseded by reminder '\(later.rule)', which goes out soon after it"
            }
        }
        return superseded
    }

    /// One person's session date on one channel.
    private static func date(_ person: Int64, _ session: Int64, _ start: Date, _ channel: String) -> String {
        "\(person) \(session) \(Timestamp.format(start)) \(channel)"
    }

    /// When the rule named `rule` sends for an occurrence starting at `start` (nil for a rule no longer configured).
    private func sendTime(rule name: String, start: Date, zone: TimeZone) -> Date? {
        guard let rule = planner.rules.first(where: { $0.name == name }) else { return nil }
        let occurrence = Occurrence(start: start, end: start, localDate: LocalDateTime(start, in: zone).date)
        return planner.sendTime(of: rule, for: occurrence, in: zone)
    }

    func message(for reminder: PlannedReminder, enrollment: Enrollment, optOuts: OptOutStore) throws -> NewMessage {
        let person = enrollment.person
        let channel: Channel = reminder.channel == .voice ? .voice : .sms
        var status = MessageStatus.queued
        var reason: String?
        if let suppressedReason = reminder.suppressed {
            status = .suppressed
            reason = suppressedReason
        } else if try optOuts.isOptedOut(phone: person.phone, channel: channel) {
            status = .suppressed
            reason = "opted out"
        }
        let context = RenderContext(values: [
            "first_name": person.firstName,
            "org.name": organization.name,
            "org.phone": organization.phone,
            "session.title": enrollment.session.title,
            "session.place": enrollment.session.place,
        ], dates: ["session.start": reminder.occurrence.start], timeZone: enrollment.session.schedule.timeZone)
        var body = ""
        var language = person.language
        do {
            let rendered = try renderer.render(template: Self.reminderTemplate, channel: channel, language: person.language, context: context)
            body = rendered.text
            language = rendered.language
            if channel == .voice, status == .queued, let problem = voiceProblem(language) {
                status = .suppressed
                reason = problem
            }
        } catch {
            status = .suppressed
            reason = "cannot render the reminder: \(error.description)"
        }
        let inspection = channel == .sms ? SMSEncoder.inspect(body, smartEncoding: true) : nil
        return NewMessage(personID: person.id, phone: person.phone, channel: channel, language: language,
                          template: Self.reminderTemplate, body: inspection?.text ?? body, encoding: inspection?.encoding,
                          segments: inspection?.segments, dedupeKey: reminder.dedupeKey, notBefore: reminder.notBefore,
                          expiresAt: reminder.expiresAt, status: status, error: reason)
    }

    func loadEnrollments() throws -> [Enrollment] {
        let sessions = try SessionStore(database).list()
        let people = PeopleStore(database)
        var result: [Enrollment] = []
        for session in sessions {
            for personID in try SessionStore(database).enrolledPersonIDs(sessionID: session.id!) {
                // Reminders are for seniors: one re-imported as a guide or coordinator keeps the enrollment, not them.
                guard let person = try people.find(id: personID), person.role == .senior else { continue }
                result.append(Enrollment(person: person, sessionID: session.id!, session: session))
            }
        }
        return result
    }
}
