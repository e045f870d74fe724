import Foundation
import OutreachCore

/// Reads a Prompts folder from disk into a `PromptLibrary` (the only file I/O of the template system).
///
/// Layout: `catalog.json5`, then one folder per language holding `<template>.sms`, `<template>.voice`
/// and `keywords.json5`. Every folder is read, also ones the catalog does not know, so lint can report them.
public enum PromptFiles {
    public static func load(folder: String) throws(PromptFileError) -> PromptLibrary {
        let manager = FileManager.default
        let catalogPath = (folder as NSString).appendingPathComponent("catalog.json5")
        guard let catalogData = manager.contents(atPath: catalogPath) else {
            throw PromptFileError(file: catalogPath, message: "cannot read the catalog (is 'prompts' in the config the Prompts folder?)")
        }
        let catalog = try Catalog.decode(catalogData, file: catalogPath)
        var texts: [String: [String: String]] = [:]
        var keywords: [String: KeywordList] = [:]
        let entries = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
        for language in entries.sorted() {
            let languageFolder = (folder as NSString).appendingPathComponent(language)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: languageFolder, isDirectory: &isDirectory), isDirectory.boolValue,
                  !language.hasPrefix(".") else { continue }
            var files: [String: String] = [:]
            for file in ((try? manager.contentsOfDirectory(atPath: languageFolder)) ?? []).sorted() {
                let path = (languageFolder as NSString).appendingPathComponent(file)
                if file == "keywords.json5" {
                    guard let data = manager.contents(atPath: path) else {
                        throw PromptFileError(file: path, message: "cannot read the file")
                    }
                    keywords[language] = try KeywordList.decode(data, file: path)
                } else if file.hasSuffix(".sms") || file.hasSuffix(".voice") {
                    guard let data = manager.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                        throw PromptFileError(file: path, message: "cannot read the file as UTF-8 text")
                    }
                    files[file] = text
                }
            }
            texts[language] = files
        }
        return PromptLibrary(catalog: catalog, texts: texts, keywords: keywords)
    }
}
