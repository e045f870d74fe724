import Foundation
import Testing
@testable import OutreachCore

@Suite("Template lint")
struct TemplateLintTests {
    static let sample = TemplateLint.realisticSample(timeZone: PromptFixtures.stockholm)

    /// The fixture library with one of each kind of problem.
    static var broken: PromptLibrary {
        var catalog = PromptFixtures.catalog
        catalog.languages["fi"]!.fallback = ["xx"]
        catalog.languages["en"]!.locale = "de_DE"
        catalog.languages["ti"] = PromptFixtures.language("ትግርኛ", "Tigrinya", "ti_ER")
        catalog.templates["optin-confirmation"] = CatalogTemplate(audience: .all, channels: [.sms], placeholders: ["org.name"], segmentBudget: 1)
        catalog.templates["session-invite"] = CatalogTemplate(audience: .senior, channels: [.sms], placeholders: ["session.end"])
        var texts = PromptFixtures.texts
        texts["sv"]!["help.sms"] = "{{org.phon}} {{first_name}} {{org.name | lower}} {{org.name | date}}"
        texts["en"]!["help.sms"] = "Call {org.phone}"
        texts["ar"]!["help.sms"] = String(repeating: "اتصلوا بنا في أي وقت. ", count: 10) + "{{org.name}}"
        texts["sv"]!["sesion-reminder.sms"] = "Hej"
        texts["sv"]!["help.voice"] = "Hej"
        texts["sv"]!["session-invite.sms"] = "Hej {{session.end}}"
        texts["de"] = ["help.sms": "Hallo {{org.name}}"]
        var keywords = PromptFixtures.keywords
        keywords["fi"] = nil
        keywords["so"] = KeywordList(yes: ["haa", "1", "nej"], no: ["maya"], stop: [], start: ["👍"])
        return PromptLibrary(catalog: catalog, texts: texts, keywords: keywords)
    }

    static let brokenProblems = TemplateLint.lint(broken, sample: sample).map(\.description)

    @Test("each kind of problem is reported", arguments: [
        // catalog
        "catalog.json5: languages.fi.fallback: 'xx' is not in languages",
        "catalog.json5: warning: languages.en.locale: 'de_DE' is not a locale of 'en'",
        "catalog.json5: templates.session-invite: an SMS template needs a segmentBudget",
        "catalog.json5: templates.session-invite.placeholders: 'session.end' is not a placeholder",
        // folders
        "catalog.json5: language 'ti' has no folder",
        "de/: folder is not a language in catalog.json5",
        // texts
        "sv/help.sms: unknown placeholder 'org.phon' (did you mean 'org.phone'?)",
        "sv/help.sms: placeholder 'first_name' is not listed for 'help' in catalog.json5",
        "sv/help.sms: unknown filter 'lower' on 'org.name'",
        "sv/help.sms: filter 'date' needs a date-time, 'org.name' is not one here",
        "sv/session-invite.sms: unknown placeholder 'session.end'",
        "en/help.sms: stray '{' near '{org.phone}' (placeholders are written {{name}})",
        "ar/help.sms: 4 segments with realistic values, budget is 2 (UCS-2, 238 units)",
        "ar/escort-unanswered.sms: warning: missing, falls back to sv",
        "so/help.sms: warning: missing, falls back to en",
        "sv/optin-confirmation.sms: missing in every language of its chain (sv)",
        "so/optin-confirmation.sms: missing in every language of its chain (so → en → sv)",
        "sv/sesion-reminder.sms: not a template in catalog.json5 (did you mean 'session-reminder'?)",
        "sv/help.voice: template 'help' has no voice channel in catalog.json5",
        // keywords
        "fi/keywords.json5: missing",
        "ti/keywords.json5: missing",
        "so/keywords.json5: yes: '1' contains a digit (digits are built in: 1 = yes, 2 = no)",
        "so/keywords.json5: start: '👍' has no letters",
        "so/keywords.json5: warning: no 'stop' words",
        "keywords: collision: 'nej': yes (so), no (sv)",
    ])
    func reported(_ line: String) {
        let exists = Self.brokenProblems.contains(line)
        #expect(exists, "missing: \(line)\nall:\n\(Self.brokenProblems.joined(separator: "\n"))")
    }

    @Test("the fixture library has no errors, only fallback warnings")
    func clean() {
        let problems = TemplateLint.lint(PromptFixtures.library, sample: Self.sample)
        #expect(problems.filter { $0.severity == .error } == [])
        #expect(problems.map(\.description).sorted() == [
            "ar/escort-unanswered.sms: warning: missing, falls back to sv",
            "ckb/escort-unanswered.sms: warning: missing, falls back to sv",
            "fa/escort-unanswered.sms: warning: missing, falls back to sv",
            "fi/escort-unanswered.sms: warning: missing, falls back to sv",
            "so/escort-unanswered.sms: warning: missing, falls back to en",
            "so/help.sms: warning: missing, falls back to en",
            "so/session-reminder.voice: warning: missing, falls back to en",
        ])
    }

    @Test("budgets are checked with realistic values, not short ones")
    func realisticValues() {
        var texts = PromptFixtures.texts
        // 120 UCS-2 units + the organization's name: 2 segments with "X", 3 with "Träffpunkt Råslätt".
        texts["ar"]!["help.sms"] = String(repeating: "س", count: 120) + " {{org.name}}"
        let library = PromptLibrary(catalog: PromptFixtures.catalog, texts: texts, keywords: PromptFixtures.keywords)
        var shortValues = Self.sample
        shortValues.values["org.name"] = "X"
        #expect(TemplateLint.lint(library, sample: shortValues).filter { $0.severity == .error } == [])
        let problems = TemplateLint.lint(library, sample: Self.sample).filter { $0.severity == .error }.map(\.description)
        #expect(problems == ["ar/help.sms: 3 segments with realistic values, budget is 2 (UCS-2, 139 units)"])
    }

    @Test("a sample without a value is reported, not a crash")
    func missingSampleValue() {
        var sample = Self.sample
        sample.values["org.phone"] = nil
        let problems = TemplateLint.lint(PromptFixtures.library, sample: sample).filter { $0.severity == .error }.map(\.description)
        #expect(problems.contains("sv/help.sms: cannot render with the sample values: sv/help: no value for 'org.phone'"))
    }
}
