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
        let optOuts = try OptOutStore(database).snapshot()
        let quiet = QuietWindow(start: config.quietHours.start, end: config.quietHours.end)
        var session: Session?
        var sessionStart: Date?
        if let sessionID = campaign.sessionID {
            session = try SessionStore(database).find(id: sessionID)
            sessionStart = session?.schedule.occurrences(after: now, limit: 1).first?.start
        }
        let sendAt = quiet.release(campaign.sendAt ?? now, in: config.timeZone)
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
            voiceLanguages(language) == nil ? "no voice for '\(language)' with \(kind.rawValue): a recording is needed" : nil
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
            // A voice-only person with no voice version of this template gets an SMS rather than nothing.
            if !channels.contains(where: offered.contains), campaign.channel == nil, offered.contains(.sms) { channels = [.sms] }
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
                                             notBefore: sendAt, expiresAt: sessionStart, status: reason == nil ? .queued : .suppressed,
                                             error: reason))
            }
        }
    }
}

public struct CampaignError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
