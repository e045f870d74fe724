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
    }

    public struct Preview: Sendable {
        public var languages: [LanguagePreview] = []
        public var warnings: [String] = []
        public var reachable = 0
        public var unreachable = 0
        public var segments = 0
    }

    /// Who gets what, per language and channel, and who cannot be reached and why. Sends nothing.
    public func preview(_ campaign: Campaign, now: Date) throws -> Preview {
        var preview = Preview()
        var byKey: [String: Int] = [:]
        try forEachMessage(campaign, now: now) { person, message in
            if message.status == .suppressed {
                preview.unreachable += 1
                preview.warnings.append("\(person.name) (\(person.phone.masked), \(person.language)): \(message.error ?? "cannot be reached")")
                return
            }
            preview.reachable += 1
            preview.segments += message.segments ?? 0
            let key = "\(person.language)/\(message.channel.rawValue)"
            if let index = byKey[key] {
                preview.languages[index].recipients += 1
            } else {
                byKey[key] = preview.languages.count
                let inspection = message.channel == .sms ? SMSEncoder.inspect(message.body) : nil
                preview.languages.append(LanguagePreview(language: person.language, usedLanguage: message.language, channel: message.channel,
                                                         text: message.body, inspection: inspection, recipients: 1))
                if message.language != person.language {
                    preview.warnings.append("no \(campaign.template) text in '\(person.language)': those recipients get '\(message.language)'")
                }
            }
        }
        preview.languages.sort { ($0.language, $0.channel.rawValue) < ($1.language, $1.channel.rawValue) }
        return preview
    }

    /// Enqueues the campaign's messages (idempotently) and marks it running, or scheduled when `sendAt` is later.
    /// The audience is streamed and enqueued in batches, so a large list is never held in memory.
    @discardableResult
    public func launch(_ campaign: Campaign, now: Date, batchSize: Int = 500) throws -> Int {
        guard let id = campaign.id else { return 0 }
        let outbox = OutboxStore(database)
        var batch: [NewMessage] = []
        var enqueued = 0
        try forEachMessage(campaign, now: now) { _, message in
            batch.append(message)
            if batch.count >= batchSize {
                enqueued += try outbox.enqueue(batch, now: now)
                batch.removeAll(keepingCapacity: true)
            }
        }
        enqueued += try outbox.enqueue(batch, now: now)
        let status: CampaignStatus = (campaign.sendAt.map { $0 > now } ?? false) ? .scheduled : .running
        try CampaignStore(database).setStatus(id: id, status, now: now)
        return enqueued
    }

    /// A template that names a session ({{session.title}}) needs the audience to name one (session=ID).
    public static func sessionProblem(template: String, placeholders: [String], audience: AudienceFilter) -> String? {
        guard audience.sessionID == nil, placeholders.contains(where: { $0.hasPrefix("session.") }) else { return nil }
        return "template '\(template)' is about a session: add session=ID to the audience"
    }

    /// Builds each recipient's message without writing it.
    func forEachMessage(_ campaign: Campaign, now: Date, _ visit: (Person, NewMessage) throws -> Void) throws {
        guard let entry = library.catalog.templates[campaign.template] else {
            throw TemplateError.unknownTemplate(campaign.template)
        }
        if let problem = Self.sessionProblem(template: campaign.template, placeholders: entry.placeholders, audience: campaign.audience) {
            throw CampaignError(message: problem)
        }
        let renderer = TemplateRenderer(library: library)
        let optOuts = try OptOutStore(database).snapshot()
        let quiet = QuietWindow(start: config.quietHours.start, end: config.quietHours.end)
        let zone = config.timeZone
        var session: Session?
        var sessionStart: Date?
        if let sessionID = campaign.sessionID {
            session = try SessionStore(database).find(id: sessionID)
            sessionStart = session?.schedule.occurrences(after: now, limit: 1).first?.start
        }
        let sendAt = quiet.release(campaign.sendAt ?? now, in: zone)
        let offered = library.catalog.templates[campaign.template]?.channels ?? [.sms]
        try PeopleStore(database).forEach(in: campaign.audience) { person in
            var channels: [Channel]
            if let channel = campaign.channel {
                channels = [channel]
            } else {
                channels = []
                if person.channel.includesSMS { channels.append(.sms) }
                if person.channel.includesVoice { channels.append(.voice) }
            }
            // A voice-only person with no voice version of this template gets an SMS rather than nothing.
            if !channels.contains(where: offered.contains), campaign.channel == nil, offered.contains(.sms) { channels = [.sms] }
            for channel in channels {
                try visit(person, message(campaign, person: person, channel: channel, offered: offered, renderer: renderer,
                                          optOuts: optOuts, session: session, sessionStart: sessionStart, sendAt: sendAt))
            }
        }
    }

    private func message(_ campaign: Campaign, person: Person, channel: Channel, offered: [Channel], renderer: TemplateRenderer,
                         optOuts: OptOutStore.Snapshot, session: Session?, sessionStart: Date?, sendAt: Date) throws -> NewMessage {
        let firstName = person.firstName
        var values = ["first_name": firstName, "org.name": config.organization.name, "org.phone": config.organization.phone,
                      "senior.first_name": firstName, "senior.name": person.name, "senior.pickup": person.pickup]
        var dates: [String: Date] = [:]
        if let session {
            values["session.title"] = session.title
            values["session.place"] = session.place
            if let sessionStart { dates["session.start"] = sessionStart }
        }
        var status = MessageStatus.queued
        var reason: String?
        var body = ""
        var language = person.language
        if optOuts.contains(phone: person.phone, channel: channel) {
            status = .suppressed
            reason = "opted out"
        }
        if !offered.contains(channel) {
            status = .suppressed
            reason = "template '\(campaign.template)' has no \(channel.rawValue) version"
        } else {
            do {
                let rendered = try renderer.render(template: campaign.template, channel: channel, language: person.language,
                                                   context: RenderContext(values: values, dates: dates,
                                                                          timeZone: session?.schedule.timeZone ?? config.timeZone))
                body = rendered.text
                language = rendered.language
                if channel == .voice, voiceLanguages(language) == nil, status == .queued {
                    status = .suppressed
                    reason = "no voice for '\(language)' with \(config.provider.kind.rawValue): a recording is needed"
                }
            } catch {
                status = .suppressed
                reason = error.description
            }
        }
        let inspection = channel == .sms ? SMSEncoder.inspect(body, smartEncoding: true) : nil
        return NewMessage(personID: person.id, campaignID: campaign.id, phone: person.phone, channel: channel, language: language,
                          template: campaign.template, body: inspection?.text ?? body, encoding: inspection?.encoding,
                          segments: inspection?.segments,
                          dedupeKey: Campaign.dedupeKey(campaignID: campaign.id ?? 0, personID: person.id ?? 0, channel: channel),
                          notBefore: sendAt, expiresAt: sessionStart, status: status, error: reason)
    }
}

public struct CampaignError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
