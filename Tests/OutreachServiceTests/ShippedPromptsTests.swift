import Foundation
import Testing
import OutreachCore
@testable import OutreachService

/// Every shipped Prompts file is loaded, linted and rendered: a typo in a translation fails the build.
@Suite("Shipped Prompts folder")
struct ShippedPromptsTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Prompts").path
    static let shippedLanguages = ["sv", "en", "ar", "so", "fa", "ti", "bs", "fi", "nb", "tr", "ckb"]

    static func library() throws -> PromptLibrary { try PromptFiles.load(folder: folder) }

    @Test("the catalog lists exactly the eleven shipped languages, none reviewed yet")
    func languages() throws {
        let catalog = try Self.library().catalog
        #expect(Set(catalog.languages.keys) == Set(Self.shippedLanguages))
        for code in ["ar", "fa", "ckb"] { #expect(catalog.languages[code]?.direction == .rtl, "\(code)") }
        for code in ["sv", "en", "so", "ti", "bs", "fi", "nb", "tr"] { #expect(catalog.languages[code]?.direction == .ltr, "\(code)") }
    }

    @Test("templates lint finds no errors")
    func lint() throws {
        let library = try Self.library()
        let problems = TemplateLint.lint(library, sample: TemplateLint.realisticSample(timeZone: TimeZone(identifier: "Europe/Stockholm")!))
        let errors = problems.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map(\.description).joined(separator: "\n"))")
    }

    @Test("every template renders in every language and channel, with no placeholder left", arguments: shippedLanguages)
    func renders(language: String) throws {
        let library = try Self.library()
        let renderer = TemplateRenderer(library: library)
        let sample = TemplateLint.realisticSample(timeZone: TimeZone(identifier: "Europe/Stockholm")!)
        for (name, template) in library.catalog.templates.sorted(by: { $0.key < $1.key }) {
            for channel in template.channels {
                let rendered = try renderer.render(template: name, channel: channel, language: language, context: sample)
                #expect(!rendered.text.contains("{{"), "\(language)/\(name).\(channel.rawValue)")
                #expect(!rendered.text.isEmpty)
                if template.audience != .coordinator {
                    #expect(rendered.language == language, "\(language)/\(name).\(channel.rawValue) fell back to \(rendered.language)")
                }
            }
        }
    }

    @Test("scripts: Tigrinya in Ge'ez, Arabic-script languages in Arabic script, all right-to-left ones UCS-2")
    func scripts() throws {
        let library = try Self.library()
        let reminder = { (language: String) in library.text(template: "session-reminder", channel: .sms, language: language) ?? "" }
        #expect(reminder("ti").unicodeScalars.contains { (0x1200...0x137F).contains($0.value) })
        for code in ["ar", "fa", "ckb"] {
            #expect(reminder(code).unicodeScalars.contains { (0x0600...0x06FF).contains($0.value) }, "\(code)")
            #expect(SMSEncoder.inspect(reminder(code)).encoding == .ucs2, "\(code)")
        }
        #expect(!reminder("sv").unicodeScalars.contains { [0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E].contains($0.value) })
    }

    @Test("reply keywords from the shipped tables", arguments: [
        ("ja", "sv", ReplyIntent.yes), ("nej", "sv", .no), ("STOPP", "sv", .stop), ("نعم", "ar", .yes), ("لا", "ar", .no),
        ("١", "ar", .yes), ("۲", "fa", .no), ("፩", "ti", .yes), ("haa", "so", .yes), ("STOP", "fa", .stop), ("HELP", "tr", .help),
        ("kyllä", "fi", .yes), ("evet", "tr", .yes), ("da", "bs", .yes),
        // STOPs a review found missed: polite and plural forms, Sorani typed without its own letters, Tigrinya አ for ኣ.
        ("Stoppa", "sv", .stop), ("Lopettakaa", "fi", .stop), ("Durdurun", "tr", .stop), ("Prekinite", "bs", .stop),
        ("ኣቋርጹ", "ti", .stop), ("አቋርጽ", "ti", .stop), ("أوقفوا الرسائل", "ar", .stop), ("راوهسته", "ckb", .stop),
        ("نهخێر", "ckb", .no), ("بهلێ", "ckb", .yes), ("አይፋል", "ti", .no),
    ])
    func keywords(text: String, language: String, intent: ReplyIntent) throws {
        #expect(try Self.library().matcher.match(text, language: language)?.intent == intent)
    }

    @Test("a missing folder is a clear error naming the catalog")
    func missing() {
        #expect(throws: PromptFileError.self) { try PromptFiles.load(folder: "/nonexistent/Prompts") }
    }
}

@Suite("Reply matching hazards across languages (shipped keyword tables)")
struct CrossLanguageReplyTests {
    @Test("another language's word counts only as the whole reply", arguments: [
        ("Ja ne mogu", "bs", ReplyIntent?.none),      // "I can't": not Swedish "ja"
        ("ja", "bs", ReplyIntent.yes),                  // a bare "ja" from a Bosnian speaker in Sweden
        ("Ja, jag kommer!", "sv", ReplyIntent.yes),
        ("Ne mogu doći", "bs", ReplyIntent.no),
        ("STOP please", "ar", ReplyIntent.stop),        // English STOP always holds
    ])
    func hazards(text: String, language: String, expected: ReplyIntent?) throws {
        #expect(try ShippedPromptsTests.library().matcher.match(text, language: language)?.intent == expected)
    }
}
