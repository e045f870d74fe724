import Foundation
import OutreachCore
import OutreachService
import OutreachStore

enum TemplateCommands {
    static let node = CommandNode("templates", summary: "check and preview message templates", children: [
        CommandNode("lint", summary: "check every template in every language", help: """
            Usage: outreach templates lint

            Checks the Prompts folder (config "prompts"): every template in every language or a fallback, no unknown
            placeholders or filters, every SMS within its segment budget with realistic values, keyword lists present
            and without collisions across languages. Prints one line per problem and exits 1 on any error;
            warnings (a text that falls back to another language) do not fail.
            """, run: lint),
        CommandNode("preview", summary: "show a rendered template with its encoding, segments and cost", help: """
            Usage: outreach templates preview NAME --lang CODE [--person ID] [--channel sms|voice]

            Renders NAME in the language (with realistic sample values, or the person's own name and the next
            session they are enrolled in) and shows the encoding, segment count and estimated cost per message
            with the configured provider.
            """, run: preview),
    ])

    static func library(_ context: AppContext) throws -> PromptLibrary {
        let folder = try context.config().prompts
        do {
            return try PromptFiles.load(folder: folder)
        } catch {
            throw CLIError.failure(error.description)
        }
    }

    static func lint(_ arguments: inout Arguments, _ context: AppContext) throws {
        try arguments.finish()
        let config = try context.config()
        let library = try library(context)
        let problems = TemplateLint.lint(library, sample: TemplateLint.realisticSample(timeZone: config.timeZone))
        for problem in problems { context.console.print(problem.description) }
        let errors = problems.filter { $0.severity == .error }.count
        let templates = library.catalog.templates.count, languages = library.catalog.languages.count
        if errors > 0 {
            throw CLIError.failure("templates lint: \(errors) \(errors == 1 ? "problem" : "problems") in \(config.prompts)")
        }
        context.console.print("\(templates) templates in \(languages) languages: no problems" +
                              (problems.isEmpty ? "" : " (\(problems.count) warnings)"))
    }

    static func preview(_ arguments: inout Arguments, _ context: AppContext) throws {
        let name = try arguments.requiredPositional("NAME")
        let languageOption = try arguments.option("--lang")
        let personID = try arguments.intOption("--person")
        let channelText = try arguments.option("--channel") ?? "sms"
        try arguments.finish()
        guard let channel = Channel(rawValue: channelText) else { throw CLIError.usage("templates preview: --channel must be sms or voice") }
        let config = try context.config()
        let library = try library(context)
        var sample = TemplateLint.realisticSample(timeZone: config.timeZone)
        sample.values["org.name"] = config.organization.name
        if !config.organization.phone.isEmpty { sample.values["org.phone"] = config.organization.phone }
        var language = languageOption.flatMap(LanguageCode.canonical)
        if let personID {
            let database = try context.database()
            guard let person = try PeopleStore(database).find(id: Int64(personID)) else {
                throw CLIError.failure("templates preview: there is no person with id \(personID)")
            }
            sample.values["first_name"] = person.firstName
            sample.values["senior.first_name"] = person.firstName
            sample.values["senior.name"] = person.name
            if !person.pickup.isEmpty { sample.values["senior.pickup"] = person.pickup }
            language = language ?? person.language
        }
        guard let language else { throw CLIError.usage("templates preview: give --lang CODE or --person ID") }
        let rendered: RenderedMessage
        do {
            rendered = try TemplateRenderer(library: library).render(template: name, channel: channel, language: language, context: sample)
        } catch {
            throw CLIError.failure("templates preview: \(error.description)")
        }
        let console = context.console
        let languageInfo = library.catalog.languages[rendered.language]
        console.print("template:  \(name) (\(channel.rawValue))")
        console.print("language:  \(rendered.language)" + (rendered.usedFallback ? " (fallback: no \(language) text)" : "") +
                      (languageInfo.map { ", \($0.nativeName), \($0.direction.rawValue)" + ($0.reviewed ? "" : ", not yet reviewed by a native speaker") } ?? ""))
        console.print("")
        console.print(rendered.text)
        console.print("")
        if channel == .sms {
            let inspection = SMSEncoder.inspect(rendered.text, smartEncoding: true)
            let price = PriceEstimate.perSegment(for: config.provider)
            let cost = Double(inspection.segments) * price.amount
            console.print("encoding:  \(inspection.encoding.rawValue), \(inspection.units) \(inspection.encoding == .gsm7 ? "septets" : "UTF-16 units")")
            console.print("segments:  \(inspection.segments)" + (library.catalog.templates[name]?.segmentBudget.map { " (budget \($0))" } ?? ""))
            console.print("cost:      about \(String(format: "%.2f", cost)) \(price.currency) per message with \(config.provider.kind.rawValue) (\(price.note))")
        } else {
            let voice = languageInfo?.tts
            let code: String?
            switch config.provider.kind {
            case .twilio: code = voice?.twilio
            case .elks: code = voice?.elks
            case .vonage: code = voice?.vonage
            case .simulator: code = voice?.simulator
            }
            console.print("voice:     " + (code.map { "text-to-speech \($0) with \(config.provider.kind.rawValue)" }
                                            ?? "\(config.provider.kind.rawValue) has no voice for \(rendered.language): a recording is needed"))
        }
    }
}

/// Rough per-segment SMS prices to Swedish mobiles, for previews. Contracts differ: set
/// `provider.pricePerSegment` and `provider.currency` in the config for real figures.
enum PriceEstimate {
    struct Price { let amount: Double; let currency: String; let note: String }

    static func perSegment(for settings: OutreachConfig.ProviderSettings) -> Price {
        if let amount = settings.pricePerSegment {
            return Price(amount: amount, currency: settings.currency ?? "SEK", note: "price from config")
        }
        switch settings.kind {
        case .simulator: return Price(amount: 0, currency: "SEK", note: "the Simulator is free")
        case .elks: return Price(amount: 0.35, currency: "SEK", note: "estimate: 46elks list price; set provider.pricePerSegment")
        case .twilio: return Price(amount: 0.08, currency: "USD", note: "estimate; set provider.pricePerSegment")
        case .vonage: return Price(amount: 0.06, currency: "EUR", note: "estimate; set provider.pricePerSegment")
        }
    }
}
