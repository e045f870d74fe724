import Foundation
import OutreachCore
import OutreachStore

/// Creating, previewing and launching campaigns: one templated message to everyone an audience filter selects.
public struct CampaignService {
    let database: Database
    let config: OutreachConfig
    let library: PromptLibrary
    /// Which provider's voices count when checking who can be called.
    let voiceLanguages: (String) -> String?

    public init(database: Database, config: OutreachConfig, library: PromptLibrary, voiceLanguages: @escaping (String) -> String?) {
        self.database = database
        self.config = config
        self.library = library
        self.voiceLanguages = voiceLanguages
    }

    public struct LanguagePreview: Sendable {
        public let language: String
        public let usedLanguage: String
        public let channel: Channel
        public let text: String
        public let inspection: SMSInspection?
        public var recipients: Int
        /// SMS segments of all its messages, and the fewest and most of one (names make texts differ in length).
        public var segments = 0
        public var fewestSegments = Int.max
        public var mostSegments = 0
        /// The encodings its messages take: a name with a letter GSM-7 lacks makes that one message UCS-2.
        public var encodings: Set<SMSEncoding> = []

        mutating func add(segments count: Int?, encoding: SMSEncoding?) {
            if let encoding { encodings.insert(encoding) }
            guard let count else { return }
            segments += count
            fewestSegments = min(fewestSegments, count)
            mostSegments = max(mostSegments, count)
        }
    }

    public struct Preview: Sendable {
        public var languages: [LanguagePreview] = []
        /// Who cannot be reached on a channel, and why: one line per person and reason, naming the channels.
        public var warnings: [String] = []
        /// Languages whose recipients get another language's text.
        public var fallbacks: [String] = []
        /// People who take calls only and get an SMS, as the template has no voice version (one line each).
        public var smsInstead: [String] = []
        /// Messages to send, and to how many people.
        public var reachable = 0
        public var people = 0
        /// Messages that cannot be sent (opted out, no text, no voice).
        public var unreachable = 0
        public var segments = 0
        public var calls = 0
        /// For a campaign launched before: messages to send that are not in the outbox yet (people who joined the
        /// audience since). Zero for a draft, where all are new.
        public var newSinceLaunch = 0
        /// Whether anyone matches the audience at all.
        public var matched: Bool { reachable + unreachable > 0 }
    }

    /// Who gets what, per language and channel, and who cannot be reached and why. Sends nothing.
    public func preview(_ campaign: Campaign, now: Date) throws -> Preview {
        var preview = Preview()
        var byKey: [String: Int] = [:]
        var lastPerson: Int64?
        var lastWarning: (person: Int64?, channel: Channel, reason: String)?
        let outbox = OutboxStore(database)
        let launched = campaign.status != .draft
        try forEachMessage(campaign, now: now) { person, message in
            if message.status == .suppressed {
                preview.unreachable += 1
                let who = "\(person.name) (\(person.phone.masked), \(person.language))"
                let reason = message.error ?? "cannot be reached"
                // A person's messages come one after the other: one line when both channels fail for the same reason.
                if let last = lastWarning, last.person == person.id, last.reason == reason {
                    preview.warnings[preview.warnings.count - 1] = "\(who), \(last.channel.rawValue) and \(message.channel.rawValue): \(reason)"
                } else {
                    preview.warnings.append("\(who), \(message.channel.rawValue): \(reason)")
                }
                lastWarning = (person.id, message.channel, reason)
                return
            }
            preview.reachable += 1
            if launched, try !alreadyMessaged(person, campaign: campaign, outbox) { preview.newSinceLaunch += 1 }
            if person.channel == .voice, message.channel == .sms, campaign.channel == nil {
                preview.smsInstead.append("\(person.name) (\(person.phone.masked), \(person.language))")
            }
            // A person's messages come one after the other (one per channel).
            if person.id != lastPerson { preview.people += 1 }
            lastPerson = person.id
            preview.segments += message.segments ?? 0
            if message.channel == .voice { preview.calls += 1 }
            let key = "\(person.language)/\(message.channel.rawValue)"
            if let index = byKey[key] {
                preview.languages[index].recipients += 1
                preview.languages[index].add(segments: message.segments, encoding: message.encoding)
            } else {
                byKey[key] = preview.languages.count
                let inspection = message.channel == .sms ? SMSEncoder.inspect(message.body) : nil
                var language = LanguagePreview(language: person.language, usedLanguage: message.language, channel: message.channel,
                                               text: message.body, inspection: inspection, recipients: 1)
                language.add(segments: message.segments, encoding: message.encoding)
                preview.languages.append(language)
                let fallback = "no \(campaign.template) text in '\(person.language)': those recipients get '\(message.language)'"
                // One note per language, not per channel.
                if message.language != person.language, !preview.fallbacks.contains(fallback) {
                    preview.fallbacks.append(fallback)
                }
            }
        }
        preview.languages.sort { ($0.language, $0.channel.rawValue) < ($1.language, $1.channel.rawValue) }
        return preview
    }

    /// What a launch enqueued: messages to send, and messages stored `suppressed` (opted out, no text, no voice) so
    /// the coordinator sees them.
    public struct Launched: Sendable, Equatable {
        public var queued = 0
        public var suppressed = 0
        /// The people they are for (whether or not their messages were new).
        public var people = 0
        public var total: Int { queued + suppressed }
    }

    /// Enqueues the campaign's messages (idempotently) and marks it running, or scheduled when `sendAt` is later.
    /// The audience is streamed and enqueued in batches, so a large list is never held in memory. Launched again, it
    /// enqueues only for people with no message of it yet: someone who took up another channel since gets no second one.
    @discardableResult
    public func launch(_ campaign: Campaign, now: Date, batchSize: Int = 500) throws -> Launched {
        guard let id = campaign.id else { return Launched() }
        let outbox = OutboxStore(database)
        let store = CampaignStore(database)
        // Read again: the caller's copy may be older than a coordinator's cancel or pause (asked to confirm meanwhile).
        let current = try store.find(id: id)
        if let current, !Self.launchable.contains(current.status) {
            throw CampaignError(message: "campaign \(id) is \(current.status.rawValue): nothing enqueued")
        }
        let again = (current?.status ?? campaign.status) != .draft
        var launched = Launched()
        try enqueue(campaign, now: now, batchSize: batchSize, into: &launched) { person in
            try !again || !alreadyMessaged(person, campaign: campaign, outbox)
        }
        let status: CampaignStatus = (campaign.sendAt.map { $0 > now } ?? false) ? .scheduled : .running
        // Until this write the campaign is not running, so nothing of it is sent. A cancel or pause that came during
        // the enqueue wins: a cancel also cancels what was enqueued after it.
        guard try store.setStatus(id: id, status, onlyFrom: Self.launchable, now: now) else {
            let current = try store.find(id: id)?.status
            if current == .cancelled { try outbox.cancelQueued(campaignID: id, now: now) }
            throw CampaignError(message: "campaign \(id) became \(current?.rawValue ?? "unknown") while it was launched: "
                                + (current == .cancelled ? "nothing of it is sent" : "nothing of it is sent until it is resumed"))
        }
        return launched
    }

    /// Enqueues the messages of the people `include` takes, in batches of queued and of suppressed ones.
    private func enqueue(_ campaign: Campaign, now: Date, batchSize: Int, into launched: inout Launched,
                         include: (Person) throws -> Bool) throws {
        let outbox = OutboxStore(database)
        var queued: [NewMessage] = []
        var suppressed: [NewMessage] = []
        var lastPerson: (id: Int64?, included: Bool)?
        try forEachMessage(campaign, now: now) { person, message in
            // A person's messages come one after the other (one per channel): ask once per person.
            if lastPerson?.id != person.id || lastPerson == nil {
                lastPerson = (person.id, try include(person))
                if lastPerson?.included == true { launched.people += 1 }
            }
            guard lastPerson?.included == true else { return }
            if message.status == .suppressed {
                suppressed.append(message)
                try flush(&suppressed, counting: &launched.suppressed, from: batchSize)
            } else {
                queued.append(message)
                try flush(&queued, counting: &launched.queued, from: batchSize)
            }
        }
        try flush(&queued, counting: &launched.queued, from: 0)
        try flush(&suppressed, counting: &launched.suppressed, from: 0)

        /// Enqueues `batch` once it holds `size` messages, adding how many were new to `count`.
        func flush(_ batch: inout [NewMessage], counting count: inout Int, from size: Int) throws {
            guard batch.count >= size else { return }
            count += try outbox.enqueue(batch, now: now)
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Whether `person` has a message of `campaign` already, on any channel (a message set aside when the person
    /// changed has its key freed, and does not count).
    func alreadyMessaged(_ person: Person, campaign: Campaign, _ outbox: OutboxStore) throws -> Bool {
        guard let campaignID = campaign.id, let personID = person.id else { return false }
        return try Campaign.dedupeKeys(campaignID: campaignID, personID: personID).contains { try outbox.find(dedupeKey: $0) != nil }
    }

    /// After an import changed these people's language, channel or role, their messages of this campaign that had not
    /// gone were set aside (`PeopleStore.upsert`): enqueues them again as the people are now (none for someone who no
    /// longer matches the audience). The campaign's status is left as it is (a paused one stays paused).
    public func enqueueAgain(campaignID: Int64, personIDs: Set<Int64>, now: Date) throws -> Launched {
        // A done campaign too: a suppressed message of it comes back on a START (see `OptOutStore`).
        guard let campaign = try CampaignStore(database).find(id: campaignID),
              [.running, .scheduled, .paused, .done].contains(campaign.status) else { return Launched() }
        var launched = Launched()
        try enqueue(campaign, now: now, batchSize: 500, into: &launched) { person in person.id.map(personIDs.contains) ?? false }
        return launched
    }

    /// The statuses a campaign may be launched from (again: a second launch only enqueues what is new).
    public static let launchable: [CampaignStatus] = [.draft, .scheduled, .running]

    /// Throws a `CampaignError` naming what keeps `campaign` from being sent as it stands (see `resolve`).
    public func check(_ campaign: Campaign, now: Date) throws {
        _ = try resolve(campaign, now: now)
    }

    /// A template that names a session ({{session.title}}) needs the audience to name one (session=ID).
    public static func sessionProblem(template: String, placeholders: [String], audience: AudienceFilter) -> String? {
        guard audience.sessionID == nil, placeholders.contains(where: { $0.hasPrefix("session.") }) else { return nil }
        return "template '\(template)' is about a session: add session=ID to the audience"
    }

    /// The values a campaign can put in a text: the organisation's, the session its audience names, and each
    /// recipient's own. Others (a guide's name, a pickup time) belong to the escort messages.
    static let fillable = Set(["org.name", "org.phone", "session.title", "session.place", "session.start"]
                              + CampaignTexts.personalValues.map(\.name))

    /// What a campaign resolves to at a moment: its template, the session it is about and that session's next date
    /// after the messages go, and when they go (after quiet hours).
    struct Resolved {
        let entry: CatalogTemplate
        let session: Session?
        let sessionStart: Date?
        let sendAt: Date
    }

    /// When a campaign launched at `now` sends: its send time, or now when that has passed or it has none, moved out
    /// of quiet hours. Its messages are enqueued for then.
    public func firstSend(_ campaign: Campaign, now: Date) -> Date {
        QuietWindow(config.quietHours).release(max(campaign.sendAt ?? now, now), in: config.timeZone)
    }

    /// Checks that `campaign` can be sent as it stands, and resolves it. Throws a `CampaignError` naming every
    /// problem: a template a campaign cannot fill, a forced channel the template lacks, a session or people that do
    /// not exist, a session with no date after the send time. Checked at create, and again at preview and launch
    /// (a draft can outlive its session or its people).
    func resolve(_ campaign: Campaign, now: Date) throws -> Resolved {
        guard let entry = library.catalog.templates[campaign.template] else {
            throw TemplateError.unknownTemplate(campaign.template)
        }
        var problems: [String] = []
        let unfillable = entry.placeholders.filter { !Self.fillable.contains($0) }
        if let sender = entry.sentOnlyBy {
            problems.append("template '\(campaign.template)' is sent only by \(sender), not by a campaign")
        } else if !unfillable.isEmpty {
            problems.append("template '\(campaign.template)' needs \(unfillable.joined(separator: ", ")), which a campaign "
                            + "cannot fill (it is sent by the escort flow)")
        }
        if let channel = campaign.channel, !entry.channels.contains(channel) {
            problems.append("template '\(campaign.template)' has no \(channel.rawValue) version")
        }
        if let problem = Self.sessionProblem(template: campaign.template, placeholders: entry.placeholders, audience: campaign.audience) {
            problems.append(problem)
        }
        let sendAt = firstSend(campaign, now: now)
        var session: Session?
        var sessionStart: Date?
        if let sessionID = campaign.audience.sessionID {
            session = try SessionStore(database).find(id: sessionID)
            if let session {
                // The session's next date after the messages go: a campaign sent later is about a later date. Not one
                // under way when they go: that invitation would be too late, and the next date never invited.
                sessionStart = session.schedule.occurrences(after: sendAt, limit: 2).first { $0.start > sendAt }?.start
                if sessionStart == nil, entry.placeholders.contains(where: { $0.hasPrefix("session.") }) {
                    let zone = session.schedule.timeZone
                    problems.append("session \(sessionID) (\(session.title)) has no date after \(LocalDateTime(sendAt, in: zone)) \(zone.identifier): "
                                    + "there is nothing to invite to")
                }
            } else {
                problems.append("there is no session \(sessionID) (see 'outreach sessions list')")
            }
        }
        let people = PeopleStore(database)
        let missing = try campaign.audience.personIDs.filter { try people.find(id: $0) == nil }
        if !missing.isEmpty {
            problems.append("no person with id \(missing.map(String.init).joined(separator: ", ")) (see 'outreach people list')")
        }
        guard problems.isEmpty else { throw CampaignError(message: problems.joined(separator: "; ")) }
        return Resolved(entry: entry, session: session, sessionStart: sessionStart, sendAt: sendAt)
    }

    /// Builds each recipient's message without writing it.
    func forEachMessage(_ campaign: Campaign, now: Date, _ visit: (Person, NewMessage) throws -> Void) throws {
        let resolved = try resolve(campaign, now: now)
        let entry = resolved.entry
        let session = resolved.session
        let sessionStart = resolved.sessionStart
        let sendAt = resolved.sendAt
        // A text about the session is too late once it has begun; another one sent to its audience (help, a greeting)
        // is not.
        let expiresAt = entry.placeholders.contains { $0.hasPrefix("session.") } ? sessionStart : nil
        let optOuts = try OptOutStore(database).snapshot()
        let offered = entry.channels
        var shared = ["org.name": config.organization.name, "org.phone": config.organization.phone]
        var dates: [String: Date] = [:]
        if let session {
            shared["session.title"] = session.title
            shared["session.place"] = session.place
            if let sessionStart { dates["session.start"] = sessionStart }
        }
        let kind = config.provider.kind
        let voiceLanguages = self.voiceLanguages
        var texts = CampaignTexts(template: campaign.template, placeholders: entry.placeholders, offered: offered, shared: shared,
                                  dates: dates, timeZone: session?.schedule.timeZone ?? config.timeZone,
                                  renderer: TemplateRenderer(library: library)) { language in
            voiceLanguages(language) == nil ? Gateway.noVoiceReason(language: language, provider: kind.rawValue) : nil
        }
        try PeopleStore(database).forEach(in: campaign.audience) { person in
            var channels: [Channel]
            if let channel = campaign.channel {
                channels = [channel]
            } else {
                channels = []
                if person.channel.includesSMS { channels.append(.sms) }
                if person.channel.includesVoice { channels.append(.voice) }
            }
            if campaign.channel == nil {
                // By preference: the channels the template has. A person who takes both gets the one there is, and a
                // voice-only person with no voice version of this template gets an SMS rather than nothing.
                // Otherwise the person keeps their channels, and the preview names the missing version.
                let usable = channels.filter(offered.contains)
                if !usable.isEmpty {
                    channels = usable
                } else if offered.contains(.sms) {
                    channels = [.sms]
                }
            }
            for channel in channels {
                let text = texts.outcome(for: person, channel: channel)
                // No text at all outranks an opt-out; an opt-out outranks a missing voice.
                let optedOut = optOuts.contains(phone: person.phone, channel: channel)
                let reason = text.missing ?? (optedOut ? "opted out" : text.unvoiced)
                try visit(person, NewMessage(personID: person.id, campaignID: campaign.id, phone: person.phone, channel: channel,
                                             language: text.language, template: campaign.template, body: text.body,
                                             encoding: text.inspection?.encoding, segments: text.inspection?.segments,
                                             dedupeKey: Campaign.dedupeKey(campaignID: campaign.id ?? 0, personID: person.id ?? 0,
                                                                           channel: channel),
                                             notBefore: sendAt, expiresAt: expiresAt, status: reason == nil ? .queued : .suppressed,
                                             error: reason))
            }
        }
    }
}

public struct CampaignError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
