import Foundation
import OutreachCore

/// A campaign's texts, each rendered and inspected once per language, channel and the personal values its template
/// names. Within one campaign nothing else changes a text (organisation, session and send time are shared, and a
/// template can only use the placeholders its catalog entry lists), so an announcement to 100,000 seniors in six
/// languages renders six texts, and a greeting by first name renders once per distinct first name.
struct CampaignTexts {
    /// What a recipient gets on one channel: the text as sent (after smart encoding), or why they cannot get it.
    struct Outcome {
        /// Empty when `missing` is set.
        let body: String
        /// The language actually used (after any fallback); the recipient's own when there is no text.
        let language: String
        /// For SMS only.
        let inspection: SMSInspection?
        /// Why there is no text at all: the template has no version for the channel, or it cannot be rendered.
        let missing: String?
        /// Why a voice text cannot be spoken (the provider has no voice for its language).
        let unvoiced: String?
    }

    private struct Key: Hashable {
        let language: String
        let channel: Channel
        let personal: [String]
    }

    /// The personal placeholders, with how to read each from a person.
    static let personalValues: [(name: String, value: @Sendable (Person) -> String)] = [
        ("first_name", { $0.firstName }),
        ("senior.first_name", { $0.firstName }),
        ("senior.name", { $0.name }),
        ("senior.pickup", { $0.pickup }),
    ]

    /// Enough for every language × channel and many repeated first names; past it texts are rendered and not kept,
    /// so memory stays bounded however large the audience.
    static let capacity = 4_096

    let template: String
    let offered: [Channel]
    /// The values every recipient shares (organisation, session).
    let shared: [String: String]
    let dates: [String: Date]
    let timeZone: TimeZone
    let renderer: TemplateRenderer
    /// The voice used for a language, or nil when the provider has none (then a recording is needed).
    let voiceProblem: (String) -> String?
    /// The personal placeholders this template names, in `personalValues` order.
    private let personal: [(name: String, value: @Sendable (Person) -> String)]
    private var memo: [Key: Outcome] = [:]

    init(template: String, placeholders: [String], offered: [Channel], shared: [String: String], dates: [String: Date],
         timeZone: TimeZone, renderer: TemplateRenderer, voiceProblem: @escaping (String) -> String?) {
        self.template = template
        self.offered = offered
        self.shared = shared
        self.dates = dates
        self.timeZone = timeZone
        self.renderer = renderer
        self.voiceProblem = voiceProblem
        personal = Self.personalValues.filter { placeholders.contains($0.name) }
    }

    /// What `person` gets on `channel`.
    mutating func outcome(for person: Person, channel: Channel) -> Outcome {
        let key = Key(language: person.language, channel: channel, personal: personal.map { $0.value(person) })
        if let known = memo[key] { return known }
        let outcome = render(key)
        if memo.count < Self.capacity { memo[key] = outcome }
        return outcome
    }

    private func render(_ key: Key) -> Outcome {
        var missing: String?
        var unvoiced: String?
        var body = ""
        var language = key.language
        if !offered.contains(key.channel) {
            missing = "template '\(template)' has no \(key.channel.rawValue) version"
        } else {
            var values = shared
            for (index, placeholder) in personal.enumerated() { values[placeholder.name] = key.personal[index] }
            do {
                let rendered = try renderer.render(template: template, channel: key.channel, language: key.language,
                                                   context: RenderContext(values: values, dates: dates, timeZone: timeZone))
                body = rendered.text
                language = rendered.language
                if key.channel == .voice { unvoiced = voiceProblem(language) }
            } catch {
                missing = error.description
            }
        }
        let inspection = key.channel == .sms ? SMSEncoder.inspect(body, smartEncoding: true) : nil
        return Outcome(body: inspection?.text ?? body, language: language, inspection: inspection, missing: missing,
                       unvoiced: unvoiced)
    }
}
