import Foundation

/// Checks a prompt library: catalog consistency, every text present (or falling back), placeholders and
/// filters known, SMS within their segment budget with realistic values, keyword tables present and free of
/// cross-language collisions.
public enum TemplateLint {
    /// `sample` fills every placeholder (see `realisticSample`); `smartEncoding` as the sender applies it.
    public static func lint(_ library: PromptLibrary, sample: RenderContext, smartEncoding: Bool = true) -> [LintProblem] {
        catalogProblems(library.catalog)
            + folderProblems(library)
            + textProblems(library, sample: sample, smartEncoding: smartEncoding)
            + keywordProblems(library)
    }

    // MARK: - Catalog

    static func catalogProblems(_ catalog: Catalog) -> [LintProblem] {
        let file = "catalog.json5"
        var problems: [LintProblem] = []
        if catalog.languages[catalog.defaultLanguage] == nil {
            problems.append(LintProblem(file, "defaultLanguage '\(catalog.defaultLanguage)' is not in languages"))
        }
        for code in catalog.languages.keys.sorted() {
            let language = catalog.languages[code]!
            for target in language.fallback where catalog.languages[target] == nil || target == code {
                let why = target == code ? "is the language itself" : "is not in languages"
                problems.append(LintProblem(file, "languages.\(code).fallback: '\(target)' \(why)"))
            }
            let localeLanguage = language.locale.prefix { $0.isLetter }.lowercased()
            if localeLanguage != code.split(separator: "-").first.map({ $0.lowercased() }) {
                problems.append(LintProblem(file, "languages.\(code).locale: '\(language.locale)' is not a locale of '\(code)'",
                                            severity: .warning))
            }
        }
        let vocabulary = PlaceholderVocabulary.all.sorted()
        for name in catalog.templates.keys.sorted() {
            let template = catalog.templates[name]!
            if template.channels.isEmpty {
                problems.append(LintProblem(file, "templates.\(name).channels: empty"))
            }
            if template.channels.contains(.sms), template.segmentBudget == nil {
                problems.append(LintProblem(file, "templates.\(name): an SMS template needs a segmentBudget"))
            }
            for placeholder in template.placeholders where !PlaceholderVocabulary.all.contains(placeholder) {
                problems.append(LintProblem(file, "templates.\(name).placeholders: '\(placeholder)' is not a placeholder"
                                            + suggestion(for: placeholder, among: vocabulary)))
            }
        }
        return problems
    }

    // MARK: - Folders

    static func folderProblems(_ library: PromptLibrary) -> [LintProblem] {
        let folders = Set(library.texts.keys).union(library.keywords.keys)
        let languages = Set(library.catalog.languages.keys)
        var problems: [LintProblem] = []
        for code in languages.subtracting(folders).sorted() {
            problems.append(LintProblem("catalog.json5", "language '\(code)' has no folder"))
        }
        for code in folders.subtracting(languages).sorted() {
            problems.append(LintProblem("\(code)/", "folder is not a language in catalog.json5"
                                        + suggestion(for: code, among: languages.sorted())))
        }
        return problems
    }

    // MARK: - Texts

    static func textProblems(_ library: PromptLibrary, sample: RenderContext, smartEncoding: Bool) -> [LintProblem] {
        let catalog = library.catalog
        var problems: [LintProblem] = []
        let expected = Set(catalog.templates.flatMap { name, template in template.channels.map { $0.fileName(of: name) } })
        for language in Set(catalog.languages.keys).union(library.texts.keys).sorted() {
            for name in catalog.templates.keys.sorted() {
                let template = catalog.templates[name]!
                for channel in template.channels {
                    let location = "\(language)/\(channel.fileName(of: name))"
                    guard let source = library.text(template: name, channel: channel, language: language) else {
                        // A stray folder or a missing folder is reported once by folderProblems.
                        guard catalog.languages[language] != nil, library.texts[language] != nil else { continue }
                        let chain = catalog.fallbackChain(for: language)
                        if let used = chain.first(where: { library.text(template: name, channel: channel, language: $0) != nil }) {
                            problems.append(LintProblem(location, "missing, falls back to \(used)", severity: .warning))
                        } else {
                            problems.append(LintProblem(location, "missing in every language of its chain (\(chain.joined(separator: " → ")))"))
                        }
                        continue
                    }
                    problems += checkText(source, location: location, name: name, template: template, channel: channel,
                                          language: language, library: library, sample: sample, smartEncoding: smartEncoding)
                }
            }
            for file in (library.texts[language] ?? [:]).keys.sorted() where !expected.contains(file) {
                guard file.hasSuffix(".sms") || file.hasSuffix(".voice") else { continue }
                let stem = String(file.prefix { $0 != "." })
                let why = catalog.templates[stem] != nil
                    ? "template '\(stem)' has no \(file.split(separator: ".").last ?? "") channel in catalog.json5"
                    : "not a template in catalog.json5" + suggestion(for: stem, among: catalog.templates.keys.sorted())
                problems.append(LintProblem("\(language)/\(file)", why))
            }
        }
        return problems
    }

    static func checkText(_ source: String, location: String, name: String, template: CatalogTemplate, channel: Channel,
                          language: String, library: PromptLibrary, sample: RenderContext, smartEncoding: Bool) -> [LintProblem] {
        let parsed: Template
        do {
            parsed = try Template(parsing: source)
        } catch {
            return [LintProblem(location, error.message)]
        }
        var problems: [LintProblem] = []
        let allowed = Set(template.placeholders)
        for placeholder in parsed.placeholders {
            if !PlaceholderVocabulary.all.contains(placeholder.name) {
                let known = template.placeholders.filter(PlaceholderVocabulary.all.contains)
                problems.append(LintProblem(location, "unknown placeholder '\(placeholder.name)'"
                                            + suggestion(for: placeholder.name, among: known.isEmpty ? PlaceholderVocabulary.all.sorted() : known)))
            } else if !allowed.contains(placeholder.name) {
                problems.append(LintProblem(location, "placeholder '\(placeholder.name)' is not listed for '\(name)' in catalog.json5"))
            }
            for (index, raw) in placeholder.filters.enumerated() {
                guard let filter = TemplateFilter(rawValue: raw) else {
                    problems.append(LintProblem(location, "unknown filter '\(raw)' on '\(placeholder.name)'"
                                                + suggestion(for: raw, among: TemplateFilter.allCases.map(\.rawValue))))
                    continue
                }
                let isDateTime = PlaceholderVocabulary.dateTimes.contains(placeholder.name) && index == 0
                if filter.formatsDateTime, !isDateTime {
                    problems.append(LintProblem(location, "filter '\(raw)' needs a date-time, '\(placeholder.name)' is not one here"))
                }
            }
        }
        guard problems.isEmpty, channel == .sms, let budget = template.segmentBudget else { return problems }
        do {
            let text = try TemplateRenderer.fill(source, template: name, allowed: allowed, language: language,
                                                 locale: library.locale(for: language), context: sample)
            let inspection = SMSEncoder.inspect(text, smartEncoding: smartEncoding)
            if inspection.segments > budget {
                problems.append(LintProblem(location, "\(inspection.segments) segments with realistic values, budget is \(budget)"
                                            + " (\(inspection.encoding.rawValue), \(inspection.units) units)"))
            }
        } catch {
            problems.append(LintProblem(location, "cannot render with the sample values: \(error)"))
        }
        return problems
    }

    // MARK: - Keywords

    static func keywordProblems(_ library: PromptLibrary) -> [LintProblem] {
        var problems: [LintProblem] = []
        for language in library.catalog.languages.keys.sorted() {
            let file = "\(language)/keywords.json5"
            guard let table = library.keywords[language] else {
                problems.append(LintProblem(file, "missing"))
                continue
            }
            for intent in ReplyIntent.allCases {
                if table[intent].isEmpty, [.yes, .no, .stop].contains(intent) {
                    problems.append(LintProblem(file, "no '\(intent.rawValue)' words", severity: .warning))
                }
                for word in table[intent] {
                    let normalized = KeywordNormalizer.normalize(word)
                    if normalized.isEmpty {
                        problems.append(LintProblem(file, "\(intent.rawValue): '\(word)' has no letters"))
                    } else if normalized.contains(where: \.isNumber) {
                        problems.append(LintProblem(file, "\(intent.rawValue): '\(word)' contains a digit (digits are built in: 1 = yes, 2 = no)"))
                    }
                }
            }
        }
        for line in library.matcher.collisions() {
            problems.append(LintProblem("keywords", "collision: \(line)"))
        }
        return problems
    }

    static func suggestion(for word: String, among candidates: [String]) -> String {
        Suggestion.closest(to: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }
}
