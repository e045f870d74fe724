import Foundation
import Testing
@testable import OutreachCore

/// A small prompt library built in code, shaped like the shipped Prompts folder.
enum PromptFixtures {
    static let stockholm = TimeZone(identifier: "Europe/Stockholm")!

    static func language(_ native: String, _ english: String, _ locale: String, rtl: Bool = false,
                         fallback: [String] = []) -> CatalogLanguage {
        CatalogLanguage(nativeName: native, englishName: english, direction: rtl ? .rtl : .ltr, locale: locale, fallback: fallback)
    }

    static let catalog = Catalog(
        defaultLanguage: "sv",
        languages: [
            "sv": language("Svenska", "Swedish", "sv_SE"),
            "en": language("English", "English", "en_GB"),
            "ar": language("العربية", "Arabic", "ar_SE", rtl: true),
            "fa": language("فارسی", "Persian", "fa_IR", rtl: true),
            "fi": language("Suomi", "Finnish", "fi_FI"),
            "so": language("Soomaali", "Somali", "so_SO", fallback: ["en"]),
            "ckb": language("کوردی", "Kurdish (Sorani)", "ckb_IQ", rtl: true),
        ],
        templates: [
            "session-reminder": CatalogTemplate(
                audience: .senior, channels: [.sms, .voice],
                placeholders: ["first_name", "org.name", "session.title", "session.place", "session.start"], segmentBudget: 3),
            "help": CatalogTemplate(audience: .all, channels: [.sms], placeholders: ["org.name", "org.phone"], segmentBudget: 2),
            "escort-unanswered": CatalogTemplate(
                audience: .coordinator, channels: [.sms], placeholders: ["guide.name", "senior.name", "pickup.time"], segmentBudget: 2),
        ])

    static let texts: [String: [String: String]] = [
        "sv": [
            "session-reminder.sms": "Hej {{first_name}}! Välkommen till {{session.title}} {{session.start | weekday}} {{session.start | date}} kl. {{session.start | time}}, {{session.place}}. Svara 1 om du kommer, 2 om du inte kan. /{{org.name}}\n",
            "session-reminder.voice": "Hej {{first_name}}. {{session.start}}.\nTryck 1 om du kommer.\n",
            "help.sms": "{{org.name|upper}}: svara 1 eller 2. Ring {{ org.phone }}.\n",
            "escort-unanswered.sms": "{{guide.name}} har inte svarat om {{senior.name}} {{pickup.time | time}}.\n",
        ],
        "en": [
            "session-reminder.sms": "Hi {{first_name}}! {{session.title}} on {{session.start | weekday}} {{session.start | date}} at {{session.start | time}}.",
            "session-reminder.voice": "Hello {{first_name}}.",
            "help.sms": "{{org.name}}: reply 1 or 2. Call {{org.phone}}.",
            "escort-unanswered.sms": "{{guide.name}} has not answered about {{senior.name}}.",
        ],
        "ar": [
            "session-reminder.sms": "مرحبا {{first_name}}! {{session.title}} يوم {{session.start | weekday}} {{session.start | date}} الساعة {{session.start | time}}.",
            "session-reminder.voice": "مرحبا {{first_name}}.",
            "help.sms": "{{org.name}}: أرسل 1 أو 2. اتصل {{org.phone}}.",
        ],
        "fa": [
            "session-reminder.sms": "سلام {{first_name}}! {{session.start | weekday}} {{session.start | date}} ساعت {{session.start | time}}.",
            "session-reminder.voice": "سلام {{first_name}}.",
            "help.sms": "{{org.name}}: ۱ یا ۲ بفرستید.",
        ],
        "fi": [
            "session-reminder.sms": "Hei {{first_name}}! {{session.start | weekday}} {{session.start | date}} klo {{session.start | time}}.",
            "session-reminder.voice": "Hei {{first_name}}.",
            "help.sms": "{{org.name}}: vastatkaa 1 tai 2.",
        ],
        "so": [
            "session-reminder.sms": "Haye {{first_name}}! {{session.start | date}}.",
        ],
        "ckb": [
            "session-reminder.sms": "سڵاو {{first_name}}، {{session.start | weekday}} {{session.start | date}} {{session.start | time}}.",
            "session-reminder.voice": "سڵاو {{first_name}}.",
            "help.sms": "{{org.name}}: ١ یان ٢ بنێرن.",
        ],
    ]

    static let keywords: [String: KeywordList] = [
        "sv": KeywordList(yes: ["ja"], no: ["nej"], stop: ["sluta"], start: ["börja"], help: ["hjälp"]),
        "en": KeywordList(yes: ["yes"], no: ["no"], stop: ["end"], start: ["begin"], help: ["info"]),
        "ar": KeywordList(yes: ["نعم"], no: ["لا"], stop: ["توقف"], start: ["ابدأ"], help: ["مساعدة"]),
        "fa": KeywordList(yes: ["بله"], no: ["نه"], stop: ["لغو"], start: ["شروع"], help: ["کمک"]),
        "fi": KeywordList(yes: ["kyllä"], no: ["ei"], stop: ["lopeta"], start: ["aloita"], help: ["apua"]),
        "so": KeywordList(yes: ["haa"], no: ["maya"], stop: ["jooji"], start: ["bilow"], help: ["caawimaad"]),
        "ckb": KeywordList(yes: ["بەڵێ"], no: ["نەخێر"], stop: ["ڕاگرتن"], start: ["دەستپێکردن"], help: ["یارمەتی"]),
    ]

    static let library = PromptLibrary(catalog: catalog, texts: texts, keywords: keywords)

    /// Tuesday 25 November 2025, 14:00 in Stockholm; pickup 13:15.
    static var context: RenderContext {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = stockholm
        let start = calendar.date(from: DateComponents(year: 2025, month: 11, day: 25, hour: 14, minute: 0))!
        let pickup = calendar.date(from: DateComponents(year: 2025, month: 11, day: 25, hour: 13, minute: 15))!
        return RenderContext(values: [
            "first_name": "Fatima", "org.name": "Träffpunkt Råslätt", "org.phone": "036-10 50 00",
            "session.title": "Kaffe och samtal", "session.place": "Råslätts centrum",
            "guide.name": "Ali Hassan", "senior.name": "Fatima Ahmed",
        ], dates: ["session.start": start, "pickup.time": pickup], timeZone: stockholm)
    }
}

@Suite("Template rendering")
struct TemplateRendererTests {
    let renderer = TemplateRenderer(library: PromptFixtures.library)

    func render(_ template: String, _ language: String, channel: Channel = .sms,
                context: RenderContext = PromptFixtures.context) throws(TemplateError) -> RenderedMessage {
        try renderer.render(template: template, channel: channel, language: language, context: context)
    }

    @Test("Swedish reminder, the trailing newline stripped")
    func swedish() throws {
        let message = try render("session-reminder", "sv")
        #expect(message.text == "Hej Fatima! Välkommen till Kaffe och samtal tisdag 25 november kl. 14:00, Råslätts centrum. Svara 1 om du kommer, 2 om du inte kan. /Träffpunkt Råslätt")
        #expect(message == RenderedMessage(text: message.text, language: "sv", requestedLanguage: "sv", usedFallback: false))
    }

    @Test("dates in each language's words and digits", arguments: [
        ("sv", "tisdag|25 november|14:00"),
        ("en", "Tuesday|25 November|14:00"),
        ("ar", "الثلاثاء|٢٥ نوفمبر|١٤:٠٠"),
        ("fa", "سه‌شنبه|۲۵ نوامبر|۱۴:۰۰"),
        ("fi", "tiistai|25. marraskuuta|14:00"),
        ("ckb", "سێشەممە|تشرینی دووەم ٢٥|١٤:٠٠"),
    ])
    func dates(_ language: String, _ expected: String) {
        let formatter = DateTimeFormatter(locale: PromptFixtures.library.locale(for: language), timeZone: PromptFixtures.stockholm)
        let start = PromptFixtures.context.dates["session.start"]!
        let parts = [TemplateFilter.weekday, .date, .time].map { formatter.format(start, as: $0) }
        #expect(parts.joined(separator: "|") == expected)
    }

    @Test("Arabic, Persian and Sorani texts get their own digits")
    func rightToLeft() throws {
        #expect(try render("session-reminder", "ckb").text == "سڵاو Fatima، سێشەممە تشرینی دووەم ٢٥ ١٤:٠٠.")
        #expect(try render("session-reminder", "ar").text == "مرحبا Fatima! Kaffe och samtal يوم الثلاثاء ٢٥ نوفمبر الساعة ١٤:٠٠.")
        #expect(try render("session-reminder", "fa").text == "سلام Fatima! سه‌شنبه ۲۵ نوامبر ساعت ۱۴:۰۰.")
    }

    @Test("time is 24-hour with two digits, even where the locale prefers 12-hour")
    func twentyFourHour() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = PromptFixtures.stockholm
        let morning = calendar.date(from: DateComponents(year: 2025, month: 11, day: 25, hour: 9, minute: 5))!
        let afternoon = calendar.date(from: DateComponents(year: 2025, month: 11, day: 25, hour: 21, minute: 30))!
        let english = DateTimeFormatter(locale: Locale(identifier: "en_US"), timeZone: PromptFixtures.stockholm)
        #expect(english.format(morning, as: .time) == "09:05")
        #expect(english.format(afternoon, as: .time) == "21:30")
    }

    @Test("the time zone is the context's, not the machine's")
    func timeZone() throws {
        var context = PromptFixtures.context
        context.timeZone = TimeZone(identifier: "Europe/Helsinki")!
        #expect(try render("session-reminder", "fi", context: context).text == "Hei Fatima! tiistai 25. marraskuuta klo 15:00.")
    }

    @Test("a date-time without a filter renders weekday, date and time; upper; spaces inside braces")
    func defaultsAndFilters() throws {
        #expect(try render("session-reminder", "sv", channel: .voice).text == "Hej Fatima. tisdag 25 november 14:00.\nTryck 1 om du kommer.")
        #expect(try render("help", "sv").text == "TRÄFFPUNKT RÅSLÄTT: svara 1 eller 2. Ring 036-10 50 00.")
    }

    @Test("fallback: language → its fallback list → default language", arguments: [
        ("so", "help", "en"),                    // so → en
        ("so", "session-reminder", "so"),
        ("ar", "escort-unanswered", "sv"),       // ar → sv (default)
        ("so", "escort-unanswered", "en"),
        ("de", "help", "sv"),                    // not in the catalog at all
        ("fa", "help", "fa"),
    ])
    func fallback(_ language: String, _ template: String, _ used: String) throws {
        let message = try render(template, language)
        #expect(message.language == used)
        #expect(message.requestedLanguage == language)
        #expect(message.usedFallback == (used != language))
    }

    @Test("a regional tag uses its language")
    func region() throws {
        #expect(try render("help", "fa-IR").language == "fa")
        #expect(PromptFixtures.catalog.fallbackChain(for: "so-SO") == ["so-SO", "so", "en", "sv"])
    }

    @Test("errors are values naming the problem", arguments: [
        ("nope", Channel.sms, "sv", TemplateError.unknownTemplate("nope")),
        ("help", .voice, "sv", .channelNotOffered(template: "help", channel: .voice)),
    ])
    func errors(_ template: String, _ channel: Channel, _ language: String, _ expected: TemplateError) {
        #expect(throws: expected) { try render(template, language, channel: channel) }
    }

    @Test("text errors", arguments: [
        ("Hej {{frist_name}}", TemplateError.unknownPlaceholder(name: "frist_name", template: "help", language: "sv")),
        ("Hej {{first_name}}", .unknownPlaceholder(name: "first_name", template: "help", language: "sv")),   // not listed for help
        ("{{org.name | lower}}", .unknownFilter(name: "lower", template: "help", language: "sv")),
        ("{{org.name | weekday}}", .filterNeedsDateTime(filter: "weekday", placeholder: "org.name", template: "help", language: "sv")),
        ("{{org.phone}}", .missingValue(name: "org.phone", template: "help", language: "sv")),
        ("Hej {first_name}", .syntax(template: "help", language: "sv", message: "stray '{' near '{first_name}' (placeholders are written {{name}})")),
        ("Hej {{org.name", .syntax(template: "help", language: "sv", message: "'{{' is not closed near '{{org.name'")),
    ])
    func textErrors(_ source: String, _ expected: TemplateError) {
        var texts = PromptFixtures.texts
        texts["sv"]!["help.sms"] = source
        let renderer = TemplateRenderer(library: PromptLibrary(catalog: PromptFixtures.catalog, texts: texts, keywords: [:]))
        var context = PromptFixtures.context
        context.values["org.phone"] = nil
        #expect(throws: expected) {
            try renderer.render(template: "help", channel: .sms, language: "sv", context: context)
        }
    }

    @Test("missing in every language of the chain")
    func missingEverywhere() {
        var texts = PromptFixtures.texts
        for language in texts.keys { texts[language]!["help.sms"] = nil }
        let renderer = TemplateRenderer(library: PromptLibrary(catalog: PromptFixtures.catalog, texts: texts, keywords: [:]))
        #expect(throws: TemplateError.missingInAllLanguages(template: "help", channel: .sms, tried: ["so", "en", "sv"])) {
            try renderer.render(template: "help", channel: .sms, language: "so", context: PromptFixtures.context)
        }
        #expect(TemplateError.missingInAllLanguages(template: "help", channel: .sms, tried: ["so", "en", "sv"]).description
                == "'help.sms' is missing in every language tried (so, en, sv)")
    }

    @Test("the locale gets its numbering system", arguments: [
        ("ar_SE", "ar", "ar_SE@numbers=arab"),
        ("ar", "ar", "ar@numbers=arab"),
        ("ar-u-nu-arab", "ar", "ar@numbers=arab"),
        ("ar_SE@numbers=latn", "ar", "ar_SE@numbers=latn"),
        ("fa_IR", "fa", "fa_IR@numbers=arabext"),
        ("ckb_IQ", "ckb", "ckb_IQ@numbers=arab"),
        ("sv_SE", "sv", "sv_SE"),
    ])
    func locales(_ identifier: String, _ language: String, _ expected: String) {
        #expect(DateTimeFormatter.locale(identifier: identifier, language: language).identifier == expected)
    }

    @Test("parsing splits text and placeholders")
    func parsing() throws {
        let template = try Template(parsing: "Hej {{ first_name }}, {{session.start|weekday|upper}}!")
        #expect(template.parts == [
            .text("Hej "),
            .placeholder(.init(name: "first_name", filters: [])),
            .text(", "),
            .placeholder(.init(name: "session.start", filters: ["weekday", "upper"])),
            .text("!"),
        ])
    }
}

@Suite("Prompt catalog decoding")
struct CatalogDecodingTests {
    /// The contract's exact shape (PROMPTS-CONTRACT.md), comments and trailing commas included.
    static let contractCatalog = """
        {
          defaultLanguage: "sv",               // end of every fallback chain
          languages: {
            sv: {
              nativeName: "Svenska", englishName: "Swedish",
              direction: "ltr",                // "ltr" | "rtl"
              locale: "sv_SE",                 // Foundation locale identifier used to format dates/times
              fallback: [],                    // languages tried in order when a template is missing here; then defaultLanguage
              reviewed: false,                 // true only after a native speaker checked every text
              tts: { twilio: "sv-SE", elks: null, vonage: "sv-SE", simulator: "sv-SE" }, // TTS language code or null
            },
            ckb: {
              nativeName: "کوردی", englishName: "Kurdish (Sorani)", direction: "rtl", locale: "ckb_IQ",
              fallback: ["sv"], reviewed: false, tts: { twilio: null, elks: null, vonage: null, simulator: "ckb" },
            },
          },
          templates: {
            "session-reminder": {
              audience: "senior",              // "senior" | "guide" | "coordinator"
              channels: ["sms", "voice"],      // which files exist per language
              placeholders: ["first_name", "org.name", "session.title", "session.place", "session.start"],
              segmentBudget: 3,                // max SMS segments in every language with realistic values filled in
              description: "Reminder of a session; asks for a 1/2 reply.",
            },
            "optout-confirmation": { audience: "all", channels: ["sms"], placeholders: ["org.name"], segmentBudget: 2, description: "" },
          },
        }
        """

    @Test("the contract's catalog shape decodes")
    func contractShape() throws {
        let catalog = try Catalog.decode(Data(Self.contractCatalog.utf8))
        #expect(catalog.defaultLanguage == "sv")
        #expect(catalog.languages["sv"]?.tts == TTSVoices(twilio: "sv-SE", elks: nil, vonage: "sv-SE", simulator: "sv-SE"))
        #expect(catalog.languages["ckb"]?.direction == .rtl)
        #expect(catalog.languages["ckb"]?.fallback == ["sv"])
        let reminder = try #require(catalog.templates["session-reminder"])
        #expect(reminder.channels == [.sms, .voice])
        #expect(reminder.segmentBudget == 3)
        #expect(reminder.audience == .senior)
        #expect(reminder.placeholders.count == 5)
        #expect(catalog.templates["optout-confirmation"]?.audience == .all)
    }

    @Test("bad catalogs fail with the file and the key", arguments: [
        (#"{ defaultLanguage: "sv", languages: { sv: { nativname: "S", englishName: "S", locale: "sv_SE" } }, templates: {} }"#,
         "catalog.json5: languages.sv.nativname: unknown key (did you mean 'nativeName'?)"),
        (#"{ defaultLanguage: "sv", languages: {}, templates: {}, extra: 1 }"#,
         "catalog.json5: extra: unknown key (known here: defaultLanguage, languages, templates)"),
        (#"{ defaultLanguage: "sv", languages: {}, templates: { x: { audience: "senior", channels: ["fax"] } } }"#,
         "catalog.json5: templates.x.channels: 'fax' is not a channel (use sms, voice)"),
        (#"{ defaultLanguage: "sv", languages: { sv: { nativeName: "S", englishName: "S", locale: "sv_SE", direction: "up" } }, templates: {} }"#,
         "catalog.json5: languages.sv.direction: 'up' is not allowed (use ltr, rtl)"),
        (#"{ defaultLanguage: "sv", languages: { sv: { nativeName: "S", englishName: "S", locale: "sv_SE", tts: { polly: "x" } } }, templates: {} }"#,
         "catalog.json5: languages.sv.tts.polly: unknown key (known here: twilio, elks, vonage, simulator)"),
        (#"{ defaultLanguage: "sv", languages: { SV: { nativeName: "S", englishName: "S", locale: "sv_SE" } }, templates: {} }"#,
         "catalog.json5: languages: 'SV' is not a language code as folders are named (write 'sv')"),
    ])
    func badCatalogs(_ text: String, _ expected: String) {
        #expect(throws: PromptFileError.self) { try Catalog.decode(Data(text.utf8)) }
        do {
            _ = try Catalog.decode(Data(text.utf8))
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("keywords.json5 decodes; unknown keys are errors")
    func keywords() throws {
        let list = try KeywordList.decode(Data(#"{ yes: ["ja", "jo"], no: ["nej"], stop: ["stopp"], start: ["start"], help: ["hjälp"], }"#.utf8),
                                          file: "sv/keywords.json5")
        #expect(list == KeywordList(yes: ["ja", "jo"], no: ["nej"], stop: ["stopp"], start: ["start"], help: ["hjälp"]))
        #expect(throws: PromptFileError(file: "sv/keywords.json5", message: "maybe: unknown key (known here: yes, no, stop, start, help)")) {
            try KeywordList.decode(Data(#"{ yes: [], maybe: ["kanske"] }"#.utf8), file: "sv/keywords.json5")
        }
    }
}
