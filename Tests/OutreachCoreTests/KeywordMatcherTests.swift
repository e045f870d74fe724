import Testing
@testable import OutreachCore

@Suite("Reply keywords")
struct KeywordMatcherTests {
    static let tables: [String: KeywordList] = [
        "sv": KeywordList(yes: ["ja", "jo", "kommer"], no: ["nej", "kommer inte", "kan inte"], stop: ["sluta"],
                          start: ["börja"], help: ["hjälp"]),
        "nb": KeywordList(yes: ["ja"], no: ["nei"], stop: ["slutt"], start: ["begynn"], help: ["hjelp"]),
        "bs": KeywordList(yes: ["da"], no: ["ne"], stop: ["prekini"], start: ["počni"], help: ["pomoć"]),
        "tr": KeywordList(yes: ["evet"], no: ["hayır"], stop: ["dur"], start: ["başla"], help: ["yardım"]),
        "ar": KeywordList(yes: ["نعم", "naam", "na'am", "aywa", "أيوه"], no: ["لا", "la"], stop: ["توقف", "tawaqaf"],
                          start: ["ابدأ"], help: ["مساعدة"]),
        "fa": KeywordList(yes: ["بله", "bale", "آره"], no: ["نه", "na"], stop: ["لغو"], start: ["شروع"], help: ["کمک", "komak"]),
        "ckb": KeywordList(yes: ["بەڵێ", "bale"], no: ["نەخێر"], stop: ["ڕاگرتن"], start: ["دەستپێکردن"], help: ["یارمەتی"]),
        "ti": KeywordList(yes: ["እወ", "ewe"], no: ["ኣይፋል", "ayfal"], stop: ["ደው በል"], start: ["ጀምር"], help: ["ሓገዝ"]),
        "so": KeywordList(yes: ["haa"], no: ["maya"], stop: ["jooji"], start: ["bilow"], help: ["caawimaad"]),
    ]
    static let matcher = KeywordMatcher(tables: tables)

    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let language: String?
        let intent: ReplyIntent?
        var matchLanguage: String? = nil
        var code: String? = nil
        var testDescription: String { "\(text) [\(language ?? "-")]" }
    }

    static let cases: [Case] = [
        // Digits in four numeral systems, with decoration.
        Case(text: "1", language: "sv", intent: .yes),
        Case(text: "2", language: "sv", intent: .no),
        Case(text: "١", language: "ar", intent: .yes),
        Case(text: "٢", language: "ar", intent: .no),
        Case(text: "۱", language: "fa", intent: .yes),
        Case(text: "۲", language: "fa", intent: .no),
        Case(text: "፩", language: "ti", intent: .yes),
        Case(text: "፪", language: "ti", intent: .no),
        Case(text: "1 👍", language: "sv", intent: .yes),
        Case(text: "1️⃣", language: "so", intent: .yes),
        Case(text: " ２ ", language: "sv", intent: .no),                      // full-width digit (NFKC)
        Case(text: "2.", language: nil, intent: .no),
        Case(text: "12", language: "sv", intent: nil),
        Case(text: "3", language: "sv", intent: nil),
        // Swedish, case, punctuation, first word, longest keyword first.
        Case(text: "Ja, jag kommer!", language: "sv", intent: .yes, matchLanguage: "sv"),
        Case(text: "JA", language: "sv", intent: .yes, matchLanguage: "sv"),
        Case(text: "Nej tack", language: "sv", intent: .no, matchLanguage: "sv"),
        Case(text: "Kommer inte, tyvärr", language: "sv", intent: .no, matchLanguage: "sv"),
        Case(text: "kommer", language: "sv", intent: .yes, matchLanguage: "sv"),
        Case(text: "Jag kommer inte", language: "sv", intent: nil),
        Case(text: "Hjälp", language: "sv", intent: .help, matchLanguage: "sv"),
        Case(text: "hjalp", language: "sv", intent: .help, matchLanguage: "sv"),
        Case(text: "Sluta!!", language: "sv", intent: .stop, matchLanguage: "sv"),
        // English words honoured in every language.
        Case(text: "STOP", language: "ar", intent: .stop),
        Case(text: "Stopp.", language: "fa", intent: .stop),
        Case(text: "unsubscribe", language: "so", intent: .stop),
        Case(text: "START", language: "ti", intent: .start),
        Case(text: "help?", language: "tr", intent: .help),
        // Arabic: tatweel, harakat, direction marks, punctuation, emoji, variants.
        Case(text: "نعم", language: "ar", intent: .yes, matchLanguage: "ar"),
        Case(text: "نَعَـــم", language: "ar", intent: .yes, matchLanguage: "ar"),
        Case(text: "\u{200F}نعم؟!", language: "ar", intent: .yes, matchLanguage: "ar"),
        Case(text: "🙏 نعم 🙏", language: "ar", intent: .yes, matchLanguage: "ar"),
        Case(text: "ﻧﻌﻢ", language: "ar", intent: .yes, matchLanguage: "ar"),              // presentation forms (NFKC)
        Case(text: "لا", language: "ar", intent: .no, matchLanguage: "ar"),
        Case(text: "\u{202B}لا\u{202C}.", language: "ar", intent: .no, matchLanguage: "ar"),
        Case(text: "ايوه", language: "ar", intent: .yes, matchLanguage: "ar"),               // hamza dropped
        Case(text: "Na’am", language: "ar", intent: .yes, matchLanguage: "ar"),              // curly apostrophe
        Case(text: "توقف", language: "ar", intent: .stop, matchLanguage: "ar"),
        Case(text: "تـوقـف!", language: "ar", intent: .stop, matchLanguage: "ar"),
        // Persian: Persian yeh/keheh written with Arabic letters and the other way round.
        Case(text: "بله", language: "fa", intent: .yes, matchLanguage: "fa"),
        Case(text: "كمك", language: "fa", intent: .help, matchLanguage: "fa"),               // Arabic kaf
        Case(text: "نه \u{200E}", language: "fa", intent: .no, matchLanguage: "fa"),
        Case(text: "آره!", language: "fa", intent: .yes, matchLanguage: "fa"),
        // Sorani.
        Case(text: "بەڵێ", language: "ckb", intent: .yes, matchLanguage: "ckb"),
        Case(text: "«بەڵـێ»", language: "ckb", intent: .yes, matchLanguage: "ckb"),
        Case(text: "نەخێر", language: "ckb", intent: .no, matchLanguage: "ckb"),
        // Typed on an Arabic or Persian keyboard, without Kurdish's own letters (ڵ as ل, ە as ه, ڕ as ر): still Sorani.
        Case(text: "بەلێ", language: "ckb", intent: .yes, matchLanguage: "ckb"),
        Case(text: "نهخير", language: "ckb", intent: .no, matchLanguage: "ckb"),
        Case(text: "راگرتن", language: "ckb", intent: .stop, matchLanguage: "ckb"),
        // Tigrinya (Ge'ez), with Ethiopic punctuation.
        Case(text: "እወ።", language: "ti", intent: .yes, matchLanguage: "ti"),
        Case(text: "ደው በል", language: "ti", intent: .stop, matchLanguage: "ti"),
        Case(text: "አይፋል", language: "ti", intent: .no, matchLanguage: "ti"),                // አ typed for ኣ (an Amharic keyboard)
        // Turkish dotless ı typed in upper case.
        Case(text: "HAYIR", language: "tr", intent: .no, matchLanguage: "tr"),
        Case(text: "hayır", language: "tr", intent: .no, matchLanguage: "tr"),
        // A word from another language's table.
        Case(text: "Haa", language: "sv", intent: .yes, matchLanguage: "so"),
        Case(text: "ne", language: "tr", intent: .no, matchLanguage: "bs"),
        // Same word, same meaning in two languages: the person's language is reported.
        Case(text: "bale", language: "ckb", intent: .yes, matchLanguage: "ckb"),
        Case(text: "bale", language: "fa", intent: .yes, matchLanguage: "fa"),
        Case(text: "ja", language: "nb", intent: .yes, matchLanguage: "nb"),
        Case(text: "ja", language: "nb-NO", intent: .yes, matchLanguage: "nb"),
        // Escort reply codes.
        Case(text: "K7 JA", language: "sv", intent: .yes, matchLanguage: "sv", code: "K7"),
        Case(text: "k7 nej!", language: "sv", intent: .no, matchLanguage: "sv", code: "K7"),
        Case(text: "AB12 kommer inte", language: "sv", intent: .no, matchLanguage: "sv", code: "AB12"),
        Case(text: "K7 ١", language: "ar", intent: .yes, code: "K7"),
        Case(text: "K7", language: "sv", intent: nil),
        Case(text: "K7 hej", language: "sv", intent: nil),
        // Not understood.
        Case(text: "", language: "sv", intent: nil),
        Case(text: "👍", language: "sv", intent: nil),
        Case(text: "Vad är det för möte?", language: "sv", intent: nil),
    ]

    @Test("replies", arguments: cases)
    func replies(_ item: Case) {
        let match = Self.matcher.match(item.text, language: item.language)
        #expect(match?.intent == item.intent)
        if item.intent != nil {
            #expect(match?.language == item.matchLanguage)
            #expect(match?.code == item.code)
        }
    }

    @Test("normalization", arguments: [
        ("  Ja,  JAG kommer! ", "ja jag kommer"),
        ("نَعَـــم", "نعم"),
        ("\u{200F}لا\u{200E}", "لا"),
        ("ی ک", "ي ك"),
        ("١٢٣ ۴۵۶ ፩፪", "123 456 12"),
        ("na’am 👍🏽", "na'am"),
        ("'ja'", "ja"),
        ("ＳＴＯＰ", "stop"),
    ])
    func normalization(_ input: String, _ expected: String) {
        #expect(KeywordMatcher.normalize(input) == expected)
    }

    @Test("the loose form drops diacritics and apostrophes")
    func looseForm() {
        #expect(KeywordNormalizer.loose("hjälp") == "hjalp")
        #expect(KeywordNormalizer.loose("na'am") == "naam")
        #expect(KeywordNormalizer.loose("hayır") == "hayir")
        #expect(KeywordNormalizer.loose("pomoć") == "pomoc")
    }

    @Test("a word in the person's own table wins over another language's meaning")
    func ownLanguageFirst() {
        let matcher = KeywordMatcher(tables: [
            "sv": KeywordList(yes: ["ja"]),
            "xx": KeywordList(no: ["ja"]),
        ])
        #expect(matcher.match("ja", language: "sv") == KeywordMatch(intent: .yes, language: "sv"))
        #expect(matcher.match("ja", language: "xx") == KeywordMatch(intent: .no, language: "xx"))
        // Nobody's own word and the tables disagree: not understood, rather than a guess.
        #expect(matcher.match("ja", language: "so") == nil)
        #expect(matcher.match("ja", language: nil) == nil)
    }

    @Test("built-in words are honoured even when a table says otherwise")
    func builtInsWin() {
        let matcher = KeywordMatcher(tables: ["xx": KeywordList(yes: ["stop", "2"])])
        #expect(matcher.match("stop", language: "xx")?.intent == .stop)
        #expect(matcher.match("2", language: "xx")?.intent == .no)
    }

    @Test("collisions name the word and every meaning")
    func collisions() {
        let matcher = KeywordMatcher(tables: [
            "bs": KeywordList(no: ["ne"]),
            "tr": KeywordList(yes: ["evet", "ne"]),
            "sv": KeywordList(yes: ["ja"], stop: ["Start"]),
            "nb": KeywordList(yes: ["ja"]),
        ])
        #expect(matcher.collisions() == [
            "'ne': no (bs), yes (tr)",
            "'start': start (built in), stop (sv)",
        ])
        #expect(Self.matcher.collisions() == [])
    }
}
